// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "events/event_json.h"
#include "json_check.h"

json_t *h_json_line(struct jsonw *w)
{
	json_error_t err;
	const char *line;
	size_t len;
	json_t *j;

	line = jw_line(w, &len);
	assert_non_null(line);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1)); /* one record, one line */
	j = json_loadb(line, len, 0, &err);
	if (!j)
		fail_msg("invalid JSON (%s): %s", err.text, line);
	jw_reset(w);
	return j;
}

json_t *h_event_json(const struct pw_event_header *h)
{
	const struct pw_event_kind *kind = pw_event_kind(h->type);
	struct jsonw w;
	json_t *j;

	assert_non_null(kind);
	jw_init(&w);
	pw_event_to_json(&w, kind, h);
	j = h_json_line(&w);
	jw_free(&w);
	return j;
}

const char *h_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("%s: not a string", key);
	return json_string_value(v);
}

json_int_t h_json_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s: not an integer", key);
	return json_integer_value(v);
}
