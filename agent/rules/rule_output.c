// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A rule's "output" template: "{proc.exe} wrote {path}", compiled at load
 * into literal and field segments, filled per alert into the caller's
 * buffer without allocation. */
#include <string.h>
#include "rules/rule_compiled.h"

static int add_seg(struct pw_parse *p, struct pw_rule *r, int field, const char *lit, size_t len)
{
	struct pw_ruleset *rs = p->rs;
	char *s;

	if (field < 0) {
		if (!len)
			return 0;
		if (pw_rs_grow((void **)&rs->strs, rs->nstrs, sizeof(*rs->strs)))
			return pw_parse_fail(p, "out of memory");
		s = pw_rs_strdup(rs, lit, len);
		if (!s)
			return pw_parse_fail(p, "out of memory");
		rs->strs[rs->nstrs].s = s;
		rs->strs[rs->nstrs].len = len;
	}
	if (pw_rs_grow((void **)&rs->segs, rs->nsegs, sizeof(*rs->segs)))
		return pw_parse_fail(p, "out of memory");
	if (!r->nseg)
		r->seg_first = rs->nsegs;
	rs->segs[rs->nsegs].field = field;
	rs->segs[rs->nsegs].str = field < 0 ? rs->nstrs++ : 0;
	rs->uses_lineage |= pw_field_is_lineage(field);
	rs->nsegs++;
	r->nseg++;
	return 0;
}

int pw_output_compile(struct pw_parse *p, struct pw_rule *r, const char *tmpl)
{
	char lit[1024], name[64];
	size_t n = 0;
	const char *s = tmpl, *close;
	int field;

	while (*s) {
		if (s[0] == '{' && s[1] == '{') { /* "{{" is a literal brace */
			s += 2;
			if (n < sizeof(lit))
				lit[n++] = '{';
			continue;
		}
		if (*s != '{') {
			if (n < sizeof(lit))
				lit[n++] = *s;
			s++;
			continue;
		}
		close = strchr(s, '}');
		if (!close)
			return pw_parse_fail(p, "unclosed '{' at offset %zu", (size_t)(s - tmpl));
		if ((size_t)(close - s - 1) >= sizeof(name))
			return pw_parse_fail(p, "field name too long at offset %zu",
					     (size_t)(s - tmpl));
		memcpy(name, s + 1, close - s - 1);
		name[close - s - 1] = '\0';
		field = pw_field_lookup(name);
		if (field < 0)
			return pw_parse_fail(p, "unknown field '{%s}' in output", name);
		if (n >= sizeof(lit))
			return pw_parse_fail(p, "output template too long");
		if (add_seg(p, r, -1, lit, n) || add_seg(p, r, field, NULL, 0))
			return -1;
		n = 0;
		s = close + 1;
	}
	if (n >= sizeof(lit))
		return pw_parse_fail(p, "output template too long");
	return add_seg(p, r, -1, lit, n);
}

static size_t put(char *buf, size_t size, size_t off, const char *s, size_t len)
{
	if (off + 1 < size) {
		size_t room = size - 1 - off;

		memcpy(buf + off, s, len < room ? len : room);
	}
	return off + len;
}

size_t pw_rule_format_output(const struct pw_rule *r, const struct pw_view *v, char *buf,
			     size_t size)
{
	const struct pw_ruleset *rs = r->set;
	char tmp[256];
	size_t off = 0;
	uint32_t i;

	if (!size)
		return 0;
	if (!r->nseg) {
		off = put(buf, size, 0, r->info.title, strlen(r->info.title));
	} else {
		for (i = 0; i < r->nseg; i++) {
			const struct pw_seg *g = &rs->segs[r->seg_first + i];
			const char *s;

			if (g->field < 0) {
				off = put(buf, size, off, rs->strs[g->str].s, rs->strs[g->str].len);
			} else {
				s = pw_field_text(g->field, v, tmp, sizeof(tmp));
				off = put(buf, size, off, s, strlen(s));
			}
		}
	}
	if (off >= size)
		off = size - 1;
	buf[off] = '\0';
	return off;
}
