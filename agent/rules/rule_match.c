// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Evaluating compiled rules against a view: no allocation, only the rules
 * that can match the event's kind. */
#include <string.h>
#include "rules/rule_compiled.h"

/*
 * '*' any run of characters, '/' included; '?' exactly one; everything else
 * itself. Backtracks to the last '*' only: linear space, no allocation.
 */
int pw_glob_match(const char *pat, size_t plen, const char *s)
{
	size_t p = 0, star = (size_t)-1;
	const char *mark = NULL;

	while (*s) {
		if (p < plen && (pat[p] == '?' || pat[p] == *s)) {
			p++;
			s++;
		} else if (p < plen && pat[p] == '*') {
			star = p++;
			mark = s;
		} else if (star != (size_t)-1) {
			p = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

static int str_match(const struct pw_ruleset *rs, const struct pw_node *n, const char *s)
{
	const struct pw_str *str = rs->strs + n->first, *end = str + n->count;
	const char *base;
	size_t len = strlen(s);

	for (; str < end; str++) {
		switch (n->op) {
		case PW_N_EXACT:
			if (str->len == len && !memcmp(str->s, s, len))
				return 1;
			break;
		case PW_N_PREFIX:
			if (str->len <= len && !memcmp(str->s, s, str->len))
				return 1;
			break;
		case PW_N_GLOB:
			if (pw_glob_match(str->s, str->len, s))
				return 1;
			break;
		case PW_N_BASENAME:
			base = strrchr(s, '/');
			base = base ? base + 1 : s;
			if (!strcmp(base, str->s))
				return 1;
			break;
		case PW_N_CONTAINS:
			if (strstr(s, str->s))
				return 1;
			break;
		}
	}
	return 0;
}

static int num_match(const struct pw_ruleset *rs, const struct pw_node *n, int64_t v)
{
	const struct pw_range *r = rs->ranges + n->first, *end = r + n->count;

	for (; r < end; r++)
		if (v >= r->min && v <= r->max)
			return 1;
	return 0;
}

/* Fields put together per event (proc.args, labels by key): apart, so
 * that only they have the buffer on their stack. */
static __attribute__((noinline)) int
assembled_match(const struct pw_ruleset *rs, const struct pw_node *n, const struct pw_view *v)
{
	char tmp[PW_ARGS_MAX + 1];
	const char *key = pw_field_is_keyed(n->field) ? rs->strs[n->key].s : NULL;

	return str_match(rs, n, pw_field_str_tmp(n->field, key, v, tmp, sizeof(tmp)));
}

/* Any ancestor (parent first) whose exe or comm matches. */
static int ancestor_match(const struct pw_ruleset *rs, const struct pw_node *n,
			  const struct pw_view *v)
{
	uint32_t i;

	for (i = 0; i < v->proc.nancestors && i < PW_VIEW_ANCESTORS; i++) {
		const char *s = n->field == PW_FLD_PROC_ANCESTOR_EXE ? v->proc.ancestor_exe[i]
								     : v->proc.ancestor_comm[i];

		if (str_match(rs, n, s ? s : ""))
			return 1;
	}
	return 0;
}

int pw_node_eval(const struct pw_ruleset *rs, const struct pw_node *n, const struct pw_view *v)
{
	const struct pw_node *c, *end = n + n->size;
	int64_t num;

	switch (n->op) {
	case PW_N_ALL:
		for (c = n + 1; c < end; c += c->size)
			if (!pw_node_eval(rs, c, v))
				return 0;
		return 1;
	case PW_N_ANY:
		for (c = n + 1; c < end; c += c->size)
			if (pw_node_eval(rs, c, v))
				return 1;
		return 0;
	case PW_N_NOT: return !pw_node_eval(rs, n + 1, v);
	case PW_N_ENUM: return (pw_field_bits(n->field, v) & n->mask) != 0;
	case PW_N_NUM: return pw_field_num(n->field, v, &num) && num_match(rs, n, num);
	default:
		if (__builtin_expect(pw_field_is_assembled(n->field), 0)) {
			if (n->field == PW_FLD_PROC_ANCESTOR_EXE ||
			    n->field == PW_FLD_PROC_ANCESTOR_COMM)
				return ancestor_match(rs, n, v);
			return assembled_match(rs, n, v);
		}
		return str_match(rs, n, pw_field_str(n->field, v));
	}
}

size_t pw_rules_match(const struct pw_ruleset *rs, const struct pw_view *v,
		      const struct pw_rule **hits, size_t max)
{
	const struct pw_rule *const *r, *const *end;
	size_t n = 0;

	if (v->kind >= PW_VIEW_KIND_MAX)
		return 0;
	r = rs->by_kind[v->kind];
	end = r + rs->nby_kind[v->kind];
	for (; r < end; r++) {
		const struct pw_exception *x, *xend;

		if (!pw_node_eval(rs, &rs->nodes[(*r)->root], v))
			continue;
		if ((*r)->nexc) {
			x = rs->excs + (*r)->exc_first;
			xend = x + (*r)->nexc;
			while (x < xend && !pw_node_eval(rs, &rs->nodes[x->root], v))
				x++;
			if (x < xend)
				continue; /* an exception holds */
		}
		if (n < max)
			hits[n] = *r;
		n++;
	}
	return n;
}
