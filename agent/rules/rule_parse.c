// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule files (docs/rules.md) compiled into the set's flat arrays. Every
 * mistake is an error naming its JSON path: a typo must never silently
 * turn a rule off. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "rules/rule_compiled.h"

static int add_node(struct pw_parse *p, enum pw_node_op op, int field)
{
	struct pw_ruleset *rs = p->rs;

	if (pw_rs_grow((void **)&rs->nodes, rs->nnodes, sizeof(*rs->nodes)))
		return pw_parse_fail(p, "out of memory");
	memset(&rs->nodes[rs->nnodes], 0, sizeof(rs->nodes[0]));
	rs->nodes[rs->nnodes].op = op;
	rs->nodes[rs->nnodes].field = field;
	rs->nodes[rs->nnodes].size = 1;
	rs->uses_lineage |= pw_field_is_lineage(field);
	return rs->nnodes++;
}

static int add_str(struct pw_parse *p, const char *s)
{
	struct pw_ruleset *rs = p->rs;
	char *copy;

	if (pw_rs_grow((void **)&rs->strs, rs->nstrs, sizeof(*rs->strs)))
		return pw_parse_fail(p, "out of memory");
	copy = pw_rs_strdup(rs, s, strlen(s));
	if (!copy)
		return pw_parse_fail(p, "out of memory");
	rs->strs[rs->nstrs].s = copy;
	rs->strs[rs->nstrs].len = strlen(s);
	return rs->nstrs++;
}

static int add_range(struct pw_parse *p, int64_t min, int64_t max)
{
	struct pw_ruleset *rs = p->rs;

	if (pw_rs_grow((void **)&rs->ranges, rs->nranges, sizeof(*rs->ranges)))
		return pw_parse_fail(p, "out of memory");
	rs->ranges[rs->nranges].min = min;
	rs->ranges[rs->nranges].max = max;
	return rs->nranges++;
}

static struct pw_list *find_list(const struct pw_ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nlists; i++)
		if (!strcmp(rs->lists[i].name, name))
			return &rs->lists[i];
	return NULL;
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/*
 * One matcher value: a string (an "@list" expands to the list's strings),
 * or, where numbers are allowed, an integer (s NULL). fn is called per value.
 */
typedef int (*value_fn)(struct pw_parse *p, const json_t *num, const char *s, void *arg);

static int visit_value(struct pw_parse *p, const json_t *j, int numbers, value_fn fn, void *arg)
{
	const struct pw_list *l;
	const char *s;
	size_t i;
	int rc = 0;

	if (json_is_integer(j) && numbers)
		return fn(p, j, NULL, arg);
	if (!json_is_string(j))
		return pw_parse_fail(p, "expected a string%s, got %s",
				     numbers ? " or an integer" : "", type_name(j));
	s = json_string_value(j);
	if (s[0] != '@')
		return fn(p, NULL, s, arg);
	l = find_list(p->rs, s + 1);
	if (!l)
		return pw_parse_fail(p, "unknown list '%s'", s + 1);
	p->from_list = l->name;
	for (i = 0; i < l->count && !rc; i++)
		rc = fn(p, NULL, l->items[i], arg);
	p->from_list = NULL;
	return rc;
}

/* A value or a non-empty array of values. */
static int visit_values(struct pw_parse *p, const json_t *j, int numbers, value_fn fn, void *arg)
{
	size_t i, back;
	json_t *e;

	if (!json_is_array(j))
		return visit_value(p, j, numbers, fn, arg);
	if (!json_array_size(j))
		return pw_parse_fail(p, "empty array: it would match nothing");
	json_array_foreach(j, i, e)
	{
		back = pw_parse_push_index(p, i);
		if (visit_value(p, e, numbers, fn, arg))
			return -1;
		pw_parse_pop(p, back);
	}
	return 0;
}

/* "(expected a, b, c)" for an enum field's message. */
static void expected_names(int field, char *buf, size_t size)
{
	unsigned int i, n = pw_field_nvalues(field);
	size_t off = 0;

	if (pw_field_is_capability(field)) {
		snprintf(buf, size, "CAP_CHOWN ... CAP_CHECKPOINT_RESTORE, with or without CAP_");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < n && off < size; i++) {
		const char *s = pw_field_value_name(field, i);

		if (s)
			off += snprintf(buf + off, size - off, "%s%s", off ? ", " : "", s);
	}
}

static int enum_value(struct pw_parse *p, const json_t *num, const char *s, void *arg)
{
	struct pw_node *n = arg;
	char expected[200];
	int v = pw_field_value_parse(n->field, s);

	if (v < 0 || v >= 64) {
		expected_names(n->field, expected, sizeof(expected));
		return pw_parse_fail(p, "unknown %s '%s' (expected %s)",
				     pw_field_get(n->field)->what, s, expected);
	}
	n->mask |= 1ull << v;
	return 0;
}

static int string_value(struct pw_parse *p, const json_t *num, const char *s, void *arg)
{
	struct pw_node *n = arg;
	int i = add_str(p, s);

	if (i < 0)
		return -1;
	if (!n->count)
		n->first = i;
	n->count++;
	return 0;
}

static int number_value(struct pw_parse *p, const json_t *num, const char *s, void *arg)
{
	struct pw_node *n = arg;
	int64_t v;
	int i;

	if (num) {
		v = json_integer_value(num);
	} else if (n->field == PW_FLD_ERRNO && pw_errno_parse(s) >= 0) {
		v = pw_errno_parse(s);
	} else if (n->field == PW_FLD_CAP && pw_field_value_parse(PW_FLD_CAPABILITY, s) >= 0) {
		v = pw_field_value_parse(PW_FLD_CAPABILITY, s);
	} else {
		return pw_parse_fail(p, "expected an integer%s, got '%s'",
				     n->field == PW_FLD_ERRNO ? " or an errno name (EPERM)" : "",
				     s);
	}
	i = add_range(p, v, v);
	if (i < 0)
		return -1;
	if (!n->count)
		n->first = i;
	n->count++;
	return 0;
}

/* The rule's node may move when the array grows: work on a copy, store it back. */
static int enum_pred(struct pw_parse *p, int idx, const json_t *m)
{
	struct pw_node n = p->rs->nodes[idx];

	if (visit_values(p, m, 0, enum_value, &n))
		return -1;
	p->rs->nodes[idx] = n;
	return 0;
}

static int range_bound(struct pw_parse *p, const json_t *m, const char *key, int64_t *out)
{
	json_t *b = json_object_get(m, key);
	size_t back;

	if (!b)
		return 0;
	back = pw_parse_push_key(p, key);
	if (!json_is_integer(b))
		return pw_parse_fail(p, "expected an integer, got %s", type_name(b));
	*out = json_integer_value(b);
	pw_parse_pop(p, back);
	return 0;
}

static int num_pred(struct pw_parse *p, int idx, const json_t *m)
{
	struct pw_node n = p->rs->nodes[idx];
	int64_t min = INT64_MIN, max = INT64_MAX;
	const char *key;
	json_t *val;
	int i;

	n.op = PW_N_NUM;
	if (json_is_object(m)) {
		json_object_foreach((json_t *)m, key, val)
		{
			if (strcmp(key, "min") && strcmp(key, "max")) {
				pw_parse_push_key(p, key);
				return pw_parse_fail(
					p, "unknown key '%s' (a range has min and max)", key);
			}
		}
		if (!json_object_size(m))
			return pw_parse_fail(p, "empty range: give min, max or both");
		if (range_bound(p, m, "min", &min) || range_bound(p, m, "max", &max))
			return -1;
		if (min > max)
			return pw_parse_fail(p, "min %lld is above max %lld", (long long)min,
					     (long long)max);
		i = add_range(p, min, max);
		if (i < 0)
			return -1;
		n.first = i;
		n.count = 1;
	} else if (visit_values(p, m, 1, number_value, &n)) {
		return -1;
	}
	p->rs->nodes[idx] = n;
	return 0;
}

static const struct {
	const char *name;
	enum pw_node_op op;
} string_ops[] = {
	{ "prefix", PW_N_PREFIX },
	{ "glob", PW_N_GLOB },
	{ "basename", PW_N_BASENAME },
	{ "contains", PW_N_CONTAINS },
};

/* Only '*' and '?' mean something in a glob; say so if it looks like more. */
static int check_glob(struct pw_parse *p, const struct pw_node *n)
{
	uint32_t i;

	for (i = 0; i < n->count; i++) {
		const char *s = p->rs->strs[n->first + i].s;

		if (strpbrk(s, "[]\\"))
			return pw_parse_fail(p,
					     "glob '%s': only * and ? are special ([, ] and \\ "
					     "are not supported)",
					     s);
	}
	return 0;
}

static int str_pred(struct pw_parse *p, int idx, const json_t *m)
{
	struct pw_node n = p->rs->nodes[idx];
	const char *key;
	json_t *val;
	size_t back, i;

	n.op = PW_N_EXACT;
	if (json_is_object(m)) {
		if (json_object_size(m) != 1)
			return pw_parse_fail(p,
					     "expected one operator (prefix, glob, basename, "
					     "contains), got %zu keys",
					     json_object_size(m));
		key = json_object_iter_key(json_object_iter((json_t *)m));
		val = json_object_get(m, key);
		back = pw_parse_push_key(p, key);
		for (i = 0; i < sizeof(string_ops) / sizeof(string_ops[0]); i++)
			if (!strcmp(key, string_ops[i].name))
				break;
		if (i == sizeof(string_ops) / sizeof(string_ops[0]))
			return pw_parse_fail(p,
					     "unknown string operator '%s' (expected prefix, "
					     "glob, basename, contains)",
					     key);
		n.op = string_ops[i].op;
		if (visit_values(p, val, 0, string_value, &n))
			return -1;
		if (n.op == PW_N_GLOB && check_glob(p, &n))
			return -1;
		pw_parse_pop(p, back);
	} else if (visit_values(p, m, 0, string_value, &n)) {
		return -1;
	}
	p->rs->nodes[idx] = n;
	return 0;
}

static int parse_node(struct pw_parse *p, const json_t *j);

static int parse_children(struct pw_parse *p, int idx, const json_t *arr, const char *key)
{
	size_t i, back;
	json_t *e;

	if (!json_is_array(arr))
		return pw_parse_fail(p, "'%s' takes an array of conditions, got %s", key,
				     type_name(arr));
	if (!json_array_size(arr))
		return pw_parse_fail(p, "'%s' needs at least one condition", key);
	json_array_foreach(arr, i, e)
	{
		back = pw_parse_push_index(p, i);
		if (parse_node(p, e) < 0)
			return -1;
		pw_parse_pop(p, back);
	}
	p->rs->nodes[idx].size = p->rs->nnodes - idx;
	return 0;
}

/* A condition node; returns its index. */
static int parse_node(struct pw_parse *p, const json_t *j)
{
	const char *key;
	json_t *val;
	size_t back;
	int idx, field, rc;

	if (!json_is_object(j))
		return pw_parse_fail(p, "a condition is an object, got %s", type_name(j));
	if (json_object_size(j) != 1)
		return pw_parse_fail(p,
				     "a condition has exactly one key (all, any, not or a "
				     "field), got %zu",
				     json_object_size(j));
	key = json_object_iter_key(json_object_iter((json_t *)j));
	val = json_object_get(j, key);
	back = pw_parse_push_key(p, key);
	if (!strcmp(key, "all") || !strcmp(key, "any")) {
		idx = add_node(p, key[1] == 'l' ? PW_N_ALL : PW_N_ANY, 0);
		if (idx < 0 || parse_children(p, idx, val, key))
			return -1;
	} else if (!strcmp(key, "not")) {
		idx = add_node(p, PW_N_NOT, 0);
		if (idx < 0 || parse_node(p, val) < 0)
			return -1;
		p->rs->nodes[idx].size = p->rs->nnodes - idx;
	} else {
		const char *fkey = NULL;
		char names[1536];
		int ki = -1;

		field = pw_field_lookup(key);
		if (field < 0)
			field = pw_field_lookup_keyed(key, &fkey);
		if (field < 0) {
			pw_field_names(names, sizeof(names));
			return pw_parse_fail(p, "unknown field '%s' (fields: %s)", key, names);
		}
		if (fkey && (ki = add_str(p, fkey)) < 0)
			return -1;
		idx = add_node(p, PW_N_ENUM, field);
		if (idx < 0)
			return -1;
		if (fkey)
			p->rs->nodes[idx].key = ki;
		switch (pw_field_get(field)->type) {
		case PW_FT_ENUM: rc = enum_pred(p, idx, val); break;
		case PW_FT_NUM: rc = num_pred(p, idx, val); break;
		default: rc = str_pred(p, idx, val); break;
		}
		if (rc)
			return -1;
	}
	pw_parse_pop(p, back);
	return idx;
}

/*
 * Kinds where a node can be true / can be false. Only kind predicates
 * narrow them; everything else may go either way on any kind.
 */
static void node_kinds(const struct pw_ruleset *rs, uint32_t idx, uint64_t *may_true,
		       uint64_t *may_false)
{
	const uint64_t all = (1ull << PW_VIEW_KIND_MAX) - 1;
	const struct pw_node *n = &rs->nodes[idx];
	uint64_t t, f;
	uint32_t c;

	switch (n->op) {
	case PW_N_ALL:
	case PW_N_ANY:
		*may_true = n->op == PW_N_ALL ? all : 0;
		*may_false = n->op == PW_N_ALL ? 0 : all;
		for (c = idx + 1; c < idx + n->size; c += rs->nodes[c].size) {
			node_kinds(rs, c, &t, &f);
			if (n->op == PW_N_ALL) {
				*may_true &= t;
				*may_false |= f;
			} else {
				*may_true |= t;
				*may_false &= f;
			}
		}
		break;
	case PW_N_NOT: node_kinds(rs, idx + 1, may_false, may_true); break;
	default:
		if (n->op == PW_N_ENUM && n->field == PW_FLD_KIND) {
			*may_true = n->mask & all;
			*may_false = ~n->mask & all;
		} else {
			*may_true = *may_false = all;
		}
	}
}

static const char *const top_keys[] = { "lists", "rules", "overrides" };
static const char *const rule_keys[] = { "id",	     "title",	"description", "remediation",
					 "severity", "tags",	"condition",   "action",
					 "output",   "enabled", "exceptions",  "capture_window_s" };

static int check_keys(struct pw_parse *p, const json_t *o, const char *const *keys, size_t n,
		      const char *what)
{
	const char *key;
	json_t *val;
	size_t i;

	json_object_foreach((json_t *)o, key, val)
	{
		for (i = 0; i < n; i++)
			if (!strcmp(key, keys[i]))
				break;
		if (i == n) {
			pw_parse_push_key(p, key);
			return pw_parse_fail(p, "unknown key '%s' in %s", key, what);
		}
	}
	return 0;
}

/* A list's strings, appended to l (defined or appended to). */
static int list_items(struct pw_parse *p, struct pw_list *l, const json_t *items)
{
	size_t i, back;
	json_t *e;

	if (!json_is_array(items))
		return pw_parse_fail(p, "a list is an array of strings, got %s", type_name(items));
	json_array_foreach(items, i, e)
	{
		const char **grown;
		char *copy;

		back = pw_parse_push_index(p, i);
		if (!json_is_string(e))
			return pw_parse_fail(p, "expected a string, got %s", type_name(e));
		if (json_string_value(e)[0] == '@')
			return pw_parse_fail(p, "a list cannot name another list ('%s')",
					     json_string_value(e));
		grown = realloc(l->items, (l->count + 1) * sizeof(*l->items));
		if (!grown)
			return pw_parse_fail(p, "out of memory");
		l->items = grown;
		copy = pw_rs_strdup(p->rs, json_string_value(e), strlen(json_string_value(e)));
		if (!copy)
			return pw_parse_fail(p, "out of memory");
		l->items[l->count++] = copy;
		pw_parse_pop(p, back);
	}
	return 0;
}

int pw_parse_lists(struct pw_parse *p, json_t *root)
{
	struct pw_ruleset *rs = p->rs;
	json_t *lists, *items, *app;
	const char *name, *key;
	size_t back, back2;
	struct pw_list *l;

	if (!json_is_object(root))
		return pw_parse_fail(p, "a rule file is a JSON object, got %s", type_name(root));
	if (check_keys(p, root, top_keys, sizeof(top_keys) / sizeof(top_keys[0]),
		       "a rule file (expected lists, rules, overrides)"))
		return -1;
	lists = json_object_get(root, "lists");
	if (!lists)
		return 0;
	back = pw_parse_push_key(p, "lists");
	if (!json_is_object(lists))
		return pw_parse_fail(p, "expected an object of name: [strings], got %s",
				     type_name(lists));
	json_object_foreach(lists, name, items)
	{
		back2 = pw_parse_push_key(p, name);
		l = find_list(rs, name);
		if (json_is_object(items)) {
			/* {"append": [...]}: a later file adds to a list defined before */
			json_object_foreach(items, key, app)
			{
				if (strcmp(key, "append")) {
					pw_parse_push_key(p, key);
					return pw_parse_fail(
						p,
						"unknown key '%s' (a list is [strings] "
						"or {\"append\": [strings]})",
						key);
				}
			}
			app = json_object_get(items, "append");
			if (!app)
				return pw_parse_fail(p, "expected {\"append\": [strings]}");
			if (!l)
				return pw_parse_fail(p,
						     "append to unknown list '%s' (lists are "
						     "defined in an earlier file, in load order)",
						     name);
			pw_parse_push_key(p, "append");
			if (list_items(p, l, app))
				return -1;
			pw_parse_pop(p, back2);
			continue;
		}
		if (l)
			return pw_parse_fail(p,
					     "list '%s' is defined twice (to add to it: "
					     "{\"append\": [...]})",
					     name);
		if (pw_rs_grow((void **)&rs->lists, rs->nlists, sizeof(*rs->lists)))
			return pw_parse_fail(p, "out of memory");
		l = &rs->lists[rs->nlists];
		memset(l, 0, sizeof(*l));
		l->name = pw_rs_strdup(rs, name, strlen(name));
		if (!l->name)
			return pw_parse_fail(p, "out of memory");
		rs->nlists++;
		if (list_items(p, l, items))
			return -1;
		pw_parse_pop(p, back2);
	}
	pw_parse_pop(p, back);
	return 0;
}

static int valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* A required or optional string member; *out NULL if absent. */
static int get_string(struct pw_parse *p, const json_t *rule, const char *key, int required,
		      const char **out)
{
	json_t *v = json_object_get(rule, key);
	size_t back;

	*out = NULL;
	if (!v) {
		if (required)
			return pw_parse_fail(p, "missing '%s'", key);
		return 0;
	}
	back = pw_parse_push_key(p, key);
	if (!json_is_string(v))
		return pw_parse_fail(p, "expected a string, got %s", type_name(v));
	if (required && !json_string_value(v)[0])
		return pw_parse_fail(p, "'%s' is empty", key);
	pw_parse_pop(p, back);
	*out = json_string_value(v);
	return 0;
}

static char *keep(struct pw_parse *p, const char *s)
{
	char *c = pw_rs_strdup(p->rs, s, strlen(s));

	if (!c)
		pw_parse_fail(p, "out of memory");
	return c;
}

static int parse_tags(struct pw_parse *p, const json_t *tags, struct pw_rule *r)
{
	struct pw_ruleset *rs = p->rs;
	size_t back, i;
	json_t *e;

	r->tag_first = rs->ntags;
	r->info.ntags = 0;
	if (!tags)
		return 0;
	back = pw_parse_push_key(p, "tags");
	if (!json_is_array(tags))
		return pw_parse_fail(p, "expected an array of strings, got %s", type_name(tags));
	json_array_foreach(tags, i, e)
	{
		size_t back2 = pw_parse_push_index(p, i);

		if (!json_is_string(e))
			return pw_parse_fail(p, "expected a string, got %s", type_name(e));
		if (pw_rs_grow((void **)&rs->tags, rs->ntags, sizeof(*rs->tags)))
			return pw_parse_fail(p, "out of memory");
		rs->tags[rs->ntags] = keep(p, json_string_value(e));
		if (!rs->tags[rs->ntags])
			return -1;
		rs->ntags++;
		r->info.ntags++;
		pw_parse_pop(p, back2);
	}
	pw_parse_pop(p, back);
	return 0;
}

/* "exceptions": conditions appended to the rule's (rule index ri). */
static int parse_exceptions(struct pw_parse *p, const json_t *arr, size_t ri)
{
	struct pw_ruleset *rs = p->rs;
	struct pw_exception *x;
	size_t back, back2, i;
	json_t *e;
	char *text;
	int root;

	back = pw_parse_push_key(p, "exceptions");
	if (!json_is_array(arr))
		return pw_parse_fail(p, "expected an array of conditions, got %s", type_name(arr));
	if (!json_array_size(arr))
		return pw_parse_fail(p, "empty array: give at least one condition");
	json_array_foreach(arr, i, e)
	{
		back2 = pw_parse_push_index(p, i);
		root = parse_node(p, e);
		if (root < 0)
			return -1;
		text = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!text)
			return pw_parse_fail(p, "out of memory");
		if (pw_rs_grow((void **)&rs->excs, rs->nexcs, sizeof(*rs->excs))) {
			free(text);
			return pw_parse_fail(p, "out of memory");
		}
		x = &rs->excs[rs->nexcs];
		x->rule = ri;
		x->root = root;
		x->file = p->file_kept;
		x->text = keep(p, text);
		free(text);
		if (!x->text)
			return -1;
		rs->nexcs++;
		pw_parse_pop(p, back2);
	}
	pw_parse_pop(p, back);
	return 0;
}

/*
 * The keys of a rule, or those an override gives: each one present is set
 * (an override replaces what was there), exceptions are added. r is rule ri
 * of the set, or the new one (ri == nrules).
 */
static int rule_members(struct pw_parse *p, const json_t *j, struct pw_rule *r, size_t ri)
{
	const char *title, *desc, *rem, *sev, *action, *output;
	uint64_t may_true, may_false;
	json_t *cond, *enabled, *exc;
	size_t back;
	int root;

	if (get_string(p, j, "title", 0, &title) || get_string(p, j, "description", 0, &desc) ||
	    get_string(p, j, "remediation", 0, &rem) || get_string(p, j, "severity", 0, &sev) ||
	    get_string(p, j, "action", 0, &action) || get_string(p, j, "output", 0, &output))
		return -1;
	if (sev && pw_severity_parse(sev, &r->info.severity)) {
		pw_parse_push_key(p, "severity");
		return pw_parse_fail(p,
				     "unknown severity '%s' (expected info, low, medium, high, "
				     "critical)",
				     sev);
	}
	if (action && !strcmp(action, "alert+capture")) {
		r->info.action = PW_ACTION_ALERT_CAPTURE;
	} else if (action && !strcmp(action, "alert")) {
		r->info.action = PW_ACTION_ALERT;
	} else if (action) {
		pw_parse_push_key(p, "action");
		return pw_parse_fail(p, "unknown action '%s' (expected alert, alert+capture)",
				     action);
	}
	{
		const json_t *cw = json_object_get(j, "capture_window_s");

		if (cw && (!json_is_integer(cw) || json_integer_value(cw) < 1 ||
			   json_integer_value(cw) > 600)) {
			pw_parse_push_key(p, "capture_window_s");
			return pw_parse_fail(p, "expected an integer of seconds, 1 to 600");
		}
		if (cw && r->info.action != PW_ACTION_ALERT_CAPTURE) {
			pw_parse_push_key(p, "capture_window_s");
			return pw_parse_fail(p, "only with \"action\": \"alert+capture\"");
		}
		if (cw)
			r->info.capture_window_s = (uint32_t)json_integer_value(cw);
	}
	enabled = json_object_get(j, "enabled");
	if (enabled && !json_is_boolean(enabled)) {
		pw_parse_push_key(p, "enabled");
		return pw_parse_fail(p, "expected true or false, got %s", type_name(enabled));
	}
	if (enabled)
		r->disabled = json_is_false(enabled);
	if ((title && !(r->info.title = keep(p, title))) ||
	    (desc && !(r->info.description = keep(p, desc))) ||
	    (rem && !(r->info.remediation = keep(p, rem))))
		return -1;
	if (json_object_get(j, "tags") && parse_tags(p, json_object_get(j, "tags"), r))
		return -1;
	cond = json_object_get(j, "condition");
	if (cond) {
		back = pw_parse_push_key(p, "condition");
		root = parse_node(p, cond);
		if (root < 0)
			return -1;
		pw_parse_pop(p, back);
		r->root = root;
		node_kinds(p->rs, root, &may_true, &may_false);
		r->kinds = may_true;
	}
	if (output) {
		back = pw_parse_push_key(p, "output");
		r->nseg = 0;
		if (pw_output_compile(p, r, output))
			return -1;
		pw_parse_pop(p, back);
	}
	exc = json_object_get(j, "exceptions");
	if (exc && parse_exceptions(p, exc, ri))
		return -1;
	return 0;
}

static int parse_rule(struct pw_parse *p, const json_t *j, struct pw_rule *r)
{
	static const char *const required[] = { "title", "description", "severity" };
	json_t *idv = json_object_get(j, "id");
	const char *id, *s;
	size_t i;

	if (!json_is_object(j))
		return pw_parse_fail(p, "a rule is an object, got %s", type_name(j));
	if (json_is_string(idv)) /* named in errors from here on, even if invalid */
		p->rule_id = json_string_value(idv);
	if (check_keys(p, j, rule_keys, sizeof(rule_keys) / sizeof(rule_keys[0]), "a rule"))
		return -1;
	if (get_string(p, j, "id", 1, &id))
		return -1;
	if (!valid_id(id)) {
		pw_parse_push_key(p, "id");
		return pw_parse_fail(p, "invalid id '%s': 1 to 63 of A-Z a-z 0-9 _ . -", id);
	}
	for (i = 0; i < p->rs->nrules; i++) {
		if (!strcmp(p->rs->rules[i].info.id, id)) {
			pw_parse_push_key(p, "id");
			return pw_parse_fail(p,
					     "duplicate rule id '%s' (also in %s; to change it, "
					     "use \"overrides\")",
					     id, p->rs->rules[i].info.file);
		}
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (get_string(p, j, required[i], 1, &s))
			return -1;
	if (!json_object_get(j, "condition"))
		return pw_parse_fail(p, "missing 'condition'");
	r->info.action = PW_ACTION_ALERT;
	r->info.id = keep(p, id);
	r->info.file = p->base;
	r->info.path = p->file_kept;
	if (!r->info.id)
		return -1;
	r->tag_first = p->rs->ntags;
	return rule_members(p, j, r, p->rs->nrules);
}

int pw_parse_rules(struct pw_parse *p, json_t *root)
{
	struct pw_ruleset *rs = p->rs;
	json_t *rules = json_object_get(root, "rules"), *e;
	size_t back, back2, i;
	struct pw_rule r;

	if (!rules)
		return 0;
	back = pw_parse_push_key(p, "rules");
	if (!json_is_array(rules))
		return pw_parse_fail(p, "expected an array of rules, got %s", type_name(rules));
	json_array_foreach(rules, i, e)
	{
		back2 = pw_parse_push_index(p, i);
		memset(&r, 0, sizeof(r));
		if (parse_rule(p, e, &r))
			return -1;
		p->rule_id = NULL;
		if (pw_rs_grow((void **)&rs->rules, rs->nrules, sizeof(*rs->rules)))
			return pw_parse_fail(p, "out of memory");
		rs->rules[rs->nrules++] = r;
		pw_parse_pop(p, back2);
	}
	pw_parse_pop(p, back);
	return 0;
}

/* Note the file on the rule: "10-a.json" or "10-a.json, 90-b.json". */
static int note_override(struct pw_parse *p, struct pw_rule *r)
{
	const char *was = r->overridden_by;
	size_t len = (was ? strlen(was) + 2 : 0) + strlen(p->base);
	const char *t;
	char buf[1024];

	for (t = was; t && *t; t += strcspn(t, ",") + (t[strcspn(t, ",")] ? 2 : 0))
		if (strcspn(t, ",") == strlen(p->base) && !strncmp(t, p->base, strlen(p->base)))
			return 0; /* noted already */
	if (len >= sizeof(buf))
		return 0; /* a note, not worth failing for */
	snprintf(buf, sizeof(buf), "%s%s%s", was ? was : "", was ? ", " : "", p->base);
	r->overridden_by = keep(p, buf);
	return r->overridden_by ? 0 : -1;
}

/*
 * "overrides": [{"id": ..., any rule key but id...}]: the rule, defined in
 * an earlier file or earlier in this one, gets the keys given (replaced) and
 * the exceptions given (added). {"id": X, "enabled": false} disables it.
 */
int pw_parse_overrides(struct pw_parse *p, json_t *root)
{
	struct pw_ruleset *rs = p->rs;
	json_t *ovs = json_object_get(root, "overrides"), *e;
	size_t back, back2, i, ri;
	const char *id;

	if (!ovs)
		return 0;
	back = pw_parse_push_key(p, "overrides");
	if (!json_is_array(ovs))
		return pw_parse_fail(p, "expected an array of overrides, got %s", type_name(ovs));
	json_array_foreach(ovs, i, e)
	{
		back2 = pw_parse_push_index(p, i);
		if (!json_is_object(e))
			return pw_parse_fail(p, "an override is an object, got %s", type_name(e));
		if (json_is_string(json_object_get(e, "id")))
			p->rule_id = json_string_value(json_object_get(e, "id"));
		if (check_keys(p, e, rule_keys, sizeof(rule_keys) / sizeof(rule_keys[0]),
			       "an override") ||
		    get_string(p, e, "id", 1, &id))
			return -1;
		for (ri = 0; ri < rs->nrules; ri++)
			if (!strcmp(rs->rules[ri].info.id, id))
				break;
		if (ri == rs->nrules) {
			pw_parse_push_key(p, "id");
			return pw_parse_fail(p,
					     "no rule '%s' to override (rules are defined in an "
					     "earlier file: files load in order, a directory's in "
					     "name order)",
					     id);
		}
		if (json_object_size(e) < 2)
			return pw_parse_fail(p, "an override changes something: give a key "
						"besides id (enabled, exceptions, severity...)");
		if (rule_members(p, e, &rs->rules[ri], ri) || note_override(p, &rs->rules[ri]))
			return -1;
		p->rule_id = NULL;
		pw_parse_pop(p, back2);
	}
	pw_parse_pop(p, back);
	return 0;
}
