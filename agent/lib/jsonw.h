/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small streaming JSON writer for the output path: one reusable buffer, no
 * allocation per record once warm (jansson allocates a node per value, too
 * slow for hundreds of thousands of events per second; it is used for input).
 *
 * Strings are written as valid JSON whatever bytes they hold: control
 * characters escaped, invalid UTF-8 replaced by U+FFFD, byte by byte.
 */
#ifndef PW_JSONW_H
#define PW_JSONW_H

#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 16

struct jsonw {
	char *buf;
	size_t len, cap;
	int depth;
	unsigned char first[JW_MAX_DEPTH]; /* no member written yet at this depth */
	int after_key;			   /* a key was written, its value is next */
	int failed;			   /* allocation failed or nesting too deep */
};

void jw_init(struct jsonw *w);
void jw_free(struct jsonw *w);
void jw_reset(struct jsonw *w); /* empty, keep the buffer */

void jw_obj_begin(struct jsonw *w);
void jw_obj_end(struct jsonw *w);
void jw_arr_begin(struct jsonw *w);
void jw_arr_end(struct jsonw *w);
void jw_key(struct jsonw *w, const char *key); /* key is trusted ASCII */

void jw_str(struct jsonw *w, const char *s);
void jw_strn(struct jsonw *w, const char *s, size_t n); /* stops at n or NUL */
void jw_u64(struct jsonw *w, uint64_t v);
void jw_i64(struct jsonw *w, int64_t v);
void jw_bool(struct jsonw *w, int v);
void jw_null(struct jsonw *w);
void jw_raw(struct jsonw *w, const char *json);		   /* already valid JSON value */
void jw_rawn(struct jsonw *w, const char *json, size_t n); /* the same, n bytes */

/* A member: key then value, the common case. */
void jw_kv_str(struct jsonw *w, const char *key, const char *s);
void jw_kv_strn(struct jsonw *w, const char *key, const char *s, size_t n);
void jw_kv_u64(struct jsonw *w, const char *key, uint64_t v);
void jw_kv_i64(struct jsonw *w, const char *key, int64_t v);
void jw_kv_bool(struct jsonw *w, const char *key, int v);

/* Append "\n" and return the line (NUL-terminated), or NULL if failed. */
const char *jw_line(struct jsonw *w, size_t *len);

/* Escape bytes into w as a JSON string value body (used by jw_strn). */
void jw_escape(struct jsonw *w, const char *s, size_t n);

#endif
