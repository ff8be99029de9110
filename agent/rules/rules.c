// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule sets: loading a file or a directory of them (lists of every file
 * first, then rules), building the per-kind index, freeing. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "rules/rule_compiled.h"

void pw_rules_error_set(struct pw_rules_error *err, const char *file, int line, const char *rule_id,
			const char *json_path, const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	snprintf(err->rule_id, sizeof(err->rule_id), "%s", rule_id ? rule_id : "");
	snprintf(err->json_path, sizeof(err->json_path), "%s", json_path ? json_path : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);

	/* file[:line]: [rule ID: ][$.path: ]message */
	err->text[0] = '\0';
	if (err->file[0] && line > 0)
		off += snprintf(err->text + off, sizeof(err->text) - off, "%s:%d: ", err->file,
				line);
	else if (err->file[0])
		off += snprintf(err->text + off, sizeof(err->text) - off, "%s: ", err->file);
	if (err->rule_id[0] && off < sizeof(err->text))
		off += snprintf(err->text + off, sizeof(err->text) - off,
				"rule %s: ", err->rule_id);
	if (err->json_path[0] && off < sizeof(err->text))
		off += snprintf(err->text + off, sizeof(err->text) - off, "%s: ", err->json_path);
	if (off < sizeof(err->text))
		snprintf(err->text + off, sizeof(err->text) - off, "%s", err->message);
}

int pw_parse_fail(struct pw_parse *p, const char *fmt, ...)
{
	char msg[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->from_list && strlen(msg) + strlen(p->from_list) + 16 < sizeof(msg))
		strcat(strcat(strcat(msg, " (from list '"), p->from_list), "')");
	pw_rules_error_set(p->err, p->file, 0, p->rule_id, p->path, "%s", msg);
	return -1;
}

size_t pw_parse_push_key(struct pw_parse *p, const char *key)
{
	size_t back = p->plen;
	int n = snprintf(p->path + p->plen, sizeof(p->path) - p->plen, ".%s", key);

	p->plen = n < 0 || p->plen + n >= sizeof(p->path) ? sizeof(p->path) - 1 : p->plen + n;
	return back;
}

size_t pw_parse_push_index(struct pw_parse *p, size_t i)
{
	size_t back = p->plen;
	int n = snprintf(p->path + p->plen, sizeof(p->path) - p->plen, "[%zu]", i);

	p->plen = n < 0 || p->plen + n >= sizeof(p->path) ? sizeof(p->path) - 1 : p->plen + n;
	return back;
}

void pw_parse_pop(struct pw_parse *p, size_t len)
{
	p->plen = len;
	p->path[len] = '\0';
}

/* Room for element n of an array grown by doubling from 8. */
int pw_rs_grow(void **arr, size_t n, size_t elem)
{
	void *a;

	if (n && (n < 8 || (n & (n - 1))))
		return 0;
	a = realloc(*arr, (n < 8 ? 8 : 2 * n) * elem);
	if (!a)
		return -1;
	*arr = a;
	return 0;
}

char *pw_rs_strdup(struct pw_ruleset *rs, const char *s, size_t len)
{
	char *c;

	if (pw_rs_grow((void **)&rs->owned, rs->nowned, sizeof(*rs->owned)))
		return NULL;
	c = malloc(len + 1);
	if (!c)
		return NULL;
	memcpy(c, s, len);
	c[len] = '\0';
	rs->owned[rs->nowned++] = c;
	return c;
}

void pw_ruleset_free(struct pw_ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->nowned; i++)
		free(rs->owned[i]);
	for (i = 0; i < rs->nlists; i++)
		free(rs->lists[i].items);
	free(rs->excs);
	for (i = 0; i < PW_VIEW_KIND_MAX; i++)
		free(rs->by_kind[i]);
	free(rs->owned);
	free(rs->rules);
	free(rs->nodes);
	free(rs->strs);
	free(rs->ranges);
	free(rs->segs);
	free(rs->tags);
	free(rs->lists);
	free(rs->enabled);
	free(rs);
}

int pw_ruleset_uses_lineage(const struct pw_ruleset *rs)
{
	return rs->uses_lineage;
}

size_t pw_ruleset_count(const struct pw_ruleset *rs)
{
	return rs->nenabled;
}

size_t pw_ruleset_disabled(const struct pw_ruleset *rs)
{
	return rs->ndisabled;
}

size_t pw_ruleset_files(const struct pw_ruleset *rs)
{
	return rs->nfiles;
}

const struct pw_rule *pw_ruleset_rule(const struct pw_ruleset *rs, size_t i)
{
	return i < rs->nenabled ? rs->enabled[i] : NULL;
}

const struct pw_rule *pw_ruleset_rule_any(const struct pw_ruleset *rs, size_t i)
{
	return i < rs->nrules ? &rs->rules[i] : NULL;
}

int pw_rule_enabled(const struct pw_rule *r)
{
	return !r->disabled;
}

size_t pw_rule_nexceptions(const struct pw_rule *r)
{
	return r->nexc;
}

const char *pw_rule_exception(const struct pw_rule *r, size_t i, const char **file)
{
	const struct pw_exception *x;

	if (i >= r->nexc)
		return NULL;
	x = &r->set->excs[r->exc_first + i];
	if (file)
		*file = x->file;
	return x->text;
}

const char *pw_rule_overridden_by(const struct pw_rule *r)
{
	return r->overridden_by ? r->overridden_by : "";
}

const struct pw_rule_info *pw_rule_info(const struct pw_rule *r)
{
	return &r->info;
}

uint64_t pw_rule_kinds(const struct pw_rule *r)
{
	return r->kinds;
}

static int json_suffix(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

/* Byte order, not the locale's: the same order on every host. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

struct rule_file {
	char path[512];
	dev_t dev;
	ino_t ino;
	json_t *root;
};

/* The same file named twice (a path and a directory holding it) is read once. */
static int seen_file(const struct rule_file *files, size_t n, const struct stat *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (files[i].dev == st->st_dev && files[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* The files of one path appended to *files (*n of them, room for *cap). */
static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int read_files(const char *path, struct rule_file **files, size_t *n, size_t *cap,
		      int replace, struct pw_rules_error *err)
{
	struct dirent **names = NULL;
	json_error_t jerr;
	struct stat st, fst;
	int i, count = 1, rc = -1;

	if (stat(path, &st)) {
		pw_rules_error_set(err, path, 0, NULL, NULL, "%s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		count = scandir(path, &names, json_suffix, by_name);
		if (count < 0) {
			pw_rules_error_set(err, path, 0, NULL, NULL, "%s", strerror(errno));
			return -1;
		}
		if (!count) {
			pw_rules_error_set(err, path, 0, NULL, NULL,
					   "no rule files (*.json) in this directory");
			goto out;
		}
	}
	for (i = 0; i < count; i++) {
		struct rule_file *f;

		if (*n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 16;
			struct rule_file *g = realloc(*files, ncap * sizeof(*g));

			if (!g) {
				pw_rules_error_set(err, path, 0, NULL, NULL, "out of memory");
				goto out;
			}
			*files = g;
			*cap = ncap;
		}
		f = &(*files)[*n];
		memset(f, 0, sizeof(*f));
		if (names)
			snprintf(f->path, sizeof(f->path), "%s%s%s", path,
				 path[strlen(path) - 1] == '/' ? "" : "/", names[i]->d_name);
		else
			snprintf(f->path, sizeof(f->path), "%s", path);
		if (stat(f->path, &fst)) {
			pw_rules_error_set(err, f->path, 0, NULL, NULL, "%s", strerror(errno));
			goto out;
		}
		if (seen_file(*files, *n, &fst))
			continue;
		f->dev = fst.st_dev;
		f->ino = fst.st_ino;
		f->root = json_load_file(f->path, JSON_REJECT_DUPLICATES, &jerr);
		if (!f->root) {
			pw_rules_error_set(err, f->path, jerr.line > 0 ? jerr.line : 0, NULL, NULL,
					   "%s", jerr.text);
			goto out;
		}
		if (replace) {
			size_t k;

			for (k = 0; k < *n; k++)
				if (!strcmp(base_of((*files)[k].path), base_of(f->path)))
					break;
			if (k < *n) { /* in the place of the one of that name */
				json_decref((*files)[k].root);
				(*files)[k] = *f;
				continue;
			}
		}
		(*n)++;
	}
	rc = 0;
out:
	for (i = 0; names && i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Rules named by opts are left out; naming a rule that does not exist is a mistake. */
static int apply_disabled(struct pw_ruleset *rs, const struct pw_rules_opts *o,
			  struct pw_rules_error *err)
{
	size_t i, j;

	for (i = 0; o && i < o->ndisabled; i++) {
		for (j = 0; j < rs->nrules; j++)
			if (!strcmp(rs->rules[j].info.id, o->disabled[i]))
				break;
		if (j == rs->nrules) {
			pw_rules_error_set(err, NULL, 0, NULL, NULL,
					   "unknown rule id %s in --disable-rule", o->disabled[i]);
			return -1;
		}
		rs->rules[j].disabled = 1;
	}
	return 0;
}

/* Pointers into the arrays, now that they stop growing. */
static int finish(struct pw_ruleset *rs, struct pw_rules_error *err)
{
	size_t i, k;

	rs->enabled = calloc(rs->nrules ? rs->nrules : 1, sizeof(*rs->enabled));
	if (!rs->enabled)
		goto nomem;
	/* Exceptions by rule, each rule's in the order they were added. */
	if (rs->nexcs) {
		struct pw_exception *sorted = calloc(rs->nexcs, sizeof(*sorted));
		size_t n = 0, x;

		if (!sorted)
			goto nomem;
		for (i = 0; i < rs->nrules; i++) {
			rs->rules[i].exc_first = n;
			for (x = 0; x < rs->nexcs; x++)
				if (rs->excs[x].rule == i)
					sorted[n++] = rs->excs[x];
			rs->rules[i].nexc = n - rs->rules[i].exc_first;
		}
		free(rs->excs);
		rs->excs = sorted;
	}
	for (i = 0; i < rs->nrules; i++) {
		struct pw_rule *r = &rs->rules[i];

		r->set = rs;
		r->info.tags = rs->tags ? rs->tags + r->tag_first : NULL; /* no tags at all */
		if (r->disabled) {
			rs->ndisabled++;
			continue;
		}
		rs->enabled[rs->nenabled++] = r;
		for (k = 0; k < PW_VIEW_KIND_MAX; k++)
			if (r->kinds & (1ull << k))
				rs->nby_kind[k]++;
	}
	for (k = 0; k < PW_VIEW_KIND_MAX; k++) {
		rs->by_kind[k] = calloc(rs->nby_kind[k] ? rs->nby_kind[k] : 1, sizeof(void *));
		if (!rs->by_kind[k])
			goto nomem;
		rs->nby_kind[k] = 0;
	}
	for (i = 0; i < rs->nenabled; i++)
		for (k = 0; k < PW_VIEW_KIND_MAX; k++)
			if (rs->enabled[i]->kinds & (1ull << k))
				rs->by_kind[k][rs->nby_kind[k]++] = rs->enabled[i];
	return 0;
nomem:
	pw_rules_error_set(err, NULL, 0, NULL, NULL, "out of memory");
	return -1;
}

int pw_rules_load_paths(const char *const *paths, size_t npaths, const struct pw_rules_opts *o,
			struct pw_ruleset **out, struct pw_rules_error *err)
{
	static int (*const passes[])(struct pw_parse *, json_t *) = { pw_parse_lists,
								      pw_parse_rules,
								      pw_parse_overrides };
	struct rule_file *files = NULL;
	struct pw_ruleset *rs;
	struct pw_parse p;
	size_t i, n = 0, cap = 0, pass;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	rs = calloc(1, sizeof(*rs));
	if (!rs) {
		pw_rules_error_set(err, NULL, 0, NULL, NULL, "out of memory");
		return -1;
	}
	if (!npaths) {
		pw_rules_error_set(err, NULL, 0, NULL, NULL, "no rules path given");
		goto out;
	}
	for (i = 0; i < npaths; i++)
		if (read_files(paths[i], &files, &n, &cap, o && o->replace_same_name, err))
			goto out;
	rs->nfiles = n;
	/* Lists of every file are known before any rule compiles; then each
	 * file's rules and overrides, in order: an override follows its rule. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const char *slash = strrchr(files[i].path, '/');
			const char *base = slash ? slash + 1 : files[i].path;
			size_t k;

			memset(&p, 0, sizeof(p));
			p.rs = rs;
			p.err = err;
			p.file = files[i].path;
			p.base = pw_rs_strdup(rs, base, strlen(base));
			p.file_kept = pw_rs_strdup(rs, files[i].path, strlen(files[i].path));
			if (!p.base || !p.file_kept) {
				pw_parse_fail(&p, "out of memory");
				goto out;
			}
			for (k = pass ? 1 : 0; k < (pass ? 3 : 1); k++) {
				strcpy(p.path, "$");
				p.plen = 1;
				if (passes[k](&p, files[i].root))
					goto out;
			}
		}
	}
	if (apply_disabled(rs, o, err) || finish(rs, err))
		goto out;
	if (!rs->nenabled) {
		char names[512];
		size_t off = 0;

		names[0] = '\0';
		for (i = 0; i < npaths && off < sizeof(names); i++)
			off += snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
					paths[i]);
		pw_rules_error_set(err, names, 0, NULL, NULL,
				   "no rule enabled (%zu defined, %zu disabled): nothing would be "
				   "watched for (run with --no-rules for that)",
				   rs->nrules, rs->ndisabled);
		goto out;
	}
	*out = rs;
	rs = NULL;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		json_decref(files[i].root);
	free(files);
	pw_ruleset_free(rs);
	return rc;
}

int pw_rules_load(const char *path, const struct pw_rules_opts *o, struct pw_ruleset **out,
		  struct pw_rules_error *err)
{
	return pw_rules_load_paths(&path, 1, o, out, err);
}
