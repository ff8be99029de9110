// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Learned baselines: alerts of one image recorded as exact exceptions. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rules/learn.h"

struct pw_learn_entry {
	char *rule; /* the rule's id */
	char *cond; /* the behaviour: a JSON array of predicates, compact, keys sorted */
};

int pw_learn_init(struct pw_learn *l, const char *image)
{
	memset(l, 0, sizeof(*l));
	l->image = strdup(image);
	return l->image ? 0 : -1;
}

void pw_learn_free(struct pw_learn *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].rule);
		free(l->e[i].cond);
	}
	free(l->e);
	free(l->image);
	memset(l, 0, sizeof(*l));
}

int pw_learn_matches(const struct pw_learn *l, const struct pw_view *v)
{
	return l && l->image && v->container && v->container->image &&
	       !strcmp(v->container->image, l->image);
}

static int add(json_t *preds, const char *field, const char *value)
{
	return json_array_append_new(preds, json_pack("{s:s}", field, value ? value : ""));
}

/* The values that make an exact exception of what v did. */
static int behaviour(const struct pw_view *v, json_t *preds)
{
	int rc = add(preds, "kind", v->kind_name);

	switch (v->kind) {
	case PW_EVENT_OPEN:
		/* a kernel filesystem's file by where it is on the host (however
		 * it was mounted in the container), anything else by its path */
		if (v->fs_path && v->fs_path[0])
			rc |= add(preds, "fs_path", v->fs_path);
		else
			rc |= add(preds, "path", v->path);
		break;
	case PW_EVENT_CAPABILITY: rc |= add(preds, "capability", v->cap_name); break;
	case PW_EVENT_MOUNT:
		rc |= add(preds, "mount.op", v->mount_op_name);
		rc |= add(preds, "mount.fstype", v->fstype);
		rc |= add(preds, "path", v->path);
		break;
	case PW_EVENT_EXEC: rc |= add(preds, "path", v->path); break;
	case PW_EVENT_NAMESPACE: rc |= add(preds, "namespace.op", v->ns_op_name); break;
	case PW_EVENT_SECCOMP:
		if (v->seccomp_op && v->seccomp_op[0])
			rc |= add(preds, "seccomp.op", v->seccomp_op);
		break;
	default: /* container_start (posture), fork, exit...: the kind itself */ break;
	}
	return rc;
}

int pw_learn_note(struct pw_learn *l, const struct pw_rule *r, const struct pw_view *v)
{
	const char *id = pw_rule_info(r)->id;
	json_t *preds = json_array();
	char *cond;
	size_t i;

	l->seen++;
	if (!preds || behaviour(v, preds)) {
		json_decref(preds);
		return -1;
	}
	cond = json_dumps(preds, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(preds);
	if (!cond)
		return -1;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->e[i].rule, id) && !strcmp(l->e[i].cond, cond)) {
			free(cond);
			return 0;
		}
	if (l->n >= PW_LEARN_MAX) {
		l->dropped++;
		free(cond);
		return -1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct pw_learn_entry *e = realloc(l->e, cap * sizeof(*e));

		if (!e) {
			free(cond);
			return -1;
		}
		l->e = e;
		l->cap = cap;
	}
	l->e[l->n].rule = strdup(id);
	if (!l->e[l->n].rule) {
		free(cond);
		return -1;
	}
	l->e[l->n++].cond = cond;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pw_learn_entry *x = a, *y = b;
	int c = strcmp(x->rule, y->rule);

	return c ? c : strcmp(x->cond, y->cond);
}

size_t pw_learn_rules(const struct pw_learn *l)
{
	size_t i, j, n = 0;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < i && strcmp(l->e[i].rule, l->e[j].rule); j++)
			;
		n += j == i;
	}
	return n;
}

/* One exception, one line: {"all": [{"container.image": IMAGE}, behaviour...]}. */
static int write_exception(const struct pw_learn *l, const struct pw_learn_entry *e, FILE *out)
{
	json_t *preds = json_loads(e->cond, 0, NULL), *all = json_array(), *ex;
	char *text = NULL;
	int rc = -1;

	if (!preds || !all ||
	    json_array_append_new(all, json_pack("{s:s}", "container.image", l->image)) ||
	    json_array_extend(all, preds)) {
		json_decref(all);
		goto out;
	}
	ex = json_pack("{s:o}", "all", all);
	if (!ex)
		goto out;
	text = json_dumps(ex, 0);
	json_decref(ex);
	if (text && fputs(text, out) != EOF)
		rc = 0;
out:
	free(text);
	json_decref(preds);
	return rc;
}

int pw_learn_write(const struct pw_learn *l, FILE *out)
{
	struct pw_learn_entry *sorted = NULL;
	int rc = -1;
	size_t i;

	if (l->n) {
		sorted = malloc(l->n * sizeof(*sorted));
		if (!sorted)
			return -1;
		memcpy(sorted, l->e, l->n * sizeof(*sorted));
		qsort(sorted, l->n, sizeof(*sorted), cmp_entry);
	}
	fputs("{\n  \"overrides\": [", out);
	for (i = 0; i < l->n; i++) {
		int first = !i || strcmp(sorted[i].rule, sorted[i - 1].rule);

		if (first) {
			/* rule ids are A-Z a-z 0-9 _ . - (docs/rules.md): nothing to escape */
			fprintf(out, "%s\n    {\n      \"id\": \"%s\",\n      \"exceptions\": [\n",
				i ? "," : "", sorted[i].rule);
		} else {
			fputs(",\n", out);
		}
		fputs("        ", out);
		if (write_exception(l, &sorted[i], out))
			goto out;
		if (i + 1 == l->n || strcmp(sorted[i].rule, sorted[i + 1].rule))
			fputs("\n      ]\n    }", out);
	}
	fputs(l->n ? "\n  ]\n}\n" : "]\n}\n", out);
	rc = fflush(out) || ferror(out) ? -1 : 0;
out:
	free(sorted);
	return rc;
}

int pw_learn_write_file(const struct pw_learn *l, const char *path)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	rc = pw_learn_write(l, f);
	if (fsync(fileno(f)))
		rc = -1;
	if (fclose(f))
		rc = -1;
	if (rc || rename(tmp, path)) {
		rc = errno ? -errno : -EIO;
		unlink(tmp);
		return rc;
	}
	return 0;
}
