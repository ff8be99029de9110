/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Unit-test helpers for the JSON output: encode, check it is one line of
 * valid JSON, parse it back with jansson, read fields or fail naming them. */
#ifndef PW_TEST_JSON_CHECK_H
#define PW_TEST_JSON_CHECK_H

#include <jansson.h>
#include "events/event_types.h"
#include "lib/jsonw.h"

/* Finish w's record as a line, check it is one line, parse it (the test
 * fails on invalid JSON, showing the line). Resets w. */
json_t *h_json_line(struct jsonw *w);
/* pw_event_to_json of a record, parsed back. */
json_t *h_event_json(const struct pw_event_header *h);
/* A field that must be a string / an integer (the test fails otherwise). */
const char *h_json_str(json_t *o, const char *key);
json_int_t h_json_int(json_t *o, const char *key);

#endif
