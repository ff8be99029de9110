// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/jsonw.h"

void jw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = 1;
}

void jw_free(struct jsonw *w)
{
	free(w->buf);
	jw_init(w);
}

void jw_reset(struct jsonw *w)
{
	w->len = 0;
	w->depth = 0;
	w->failed = 0;
	w->after_key = 0;
	w->first[0] = 1;
}

static int grow(struct jsonw *w, size_t more);

/* Room for more bytes and the NUL; inline: every write passes here. */
static inline int reserve(struct jsonw *w, size_t more)
{
	if (w->failed)
		return -1;
	if (w->len + more + 1 <= w->cap)
		return 0;
	return grow(w, more);
}

static int grow(struct jsonw *w, size_t more)
{
	size_t cap;
	char *p;

	cap = w->cap ? w->cap : 1024;
	while (cap < w->len + more + 1)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		w->failed = 1;
		return -1;
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* The hot path writes mostly single characters and short keys: no
 * memcpy call for them. */
static void putc1(struct jsonw *w, char c)
{
	if (reserve(w, 1))
		return;
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

/* Before a value: a comma unless it is the first in its container; after a
 * key no comma (the key already placed one). */
static void sep(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		putc1(w, ',');
	w->first[w->depth] = 0;
}

static void open_(struct jsonw *w, char c)
{
	sep(w);
	putc1(w, c);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->failed = 1;
		return;
	}
	w->first[++w->depth] = 1;
}

static void close_(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	putc1(w, c);
}

void jw_obj_begin(struct jsonw *w)
{
	open_(w, '{');
}

void jw_obj_end(struct jsonw *w)
{
	close_(w, '}');
}

void jw_arr_begin(struct jsonw *w)
{
	open_(w, '[');
}

void jw_arr_end(struct jsonw *w)
{
	close_(w, ']');
}

void jw_key(struct jsonw *w, const char *key)
{
	size_t n = strlen(key);
	char *p;

	sep(w);
	if (reserve(w, n + 3))
		return;
	p = w->buf + w->len;
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	*p = '\0';
	w->len += n + 3;
	w->after_key = 1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Does any byte of the 8 in x need a look (a control character or NUL,
 * '"', '\\', or a byte >= 0x80)? Exact for each byte: the subtraction's
 * borrows only matter where a lower byte is flagged already. */
static inline int word_needs_look(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & highs) !=
	       0;
}

void jw_escape(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;
	char esc[8];

	while (i < n) {
		unsigned char c;
		uint64_t word;

		/* Plain ASCII eight bytes at a time: most of what is written. */
		if (n - i >= 8) {
			memcpy(&word, s + i, 8);
			if (!word_needs_look(word)) {
				i += 8;
				run += 8;
				continue;
			}
		}
		c = s[i];
		if (!c)
			break;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_valid(s + i, n - i)) > 0) {
			/* strnlen semantics: a NUL inside is not a continuation byte */
			i += k;
			run += k;
			continue;
		}
		put(w, (const char *)s + i - run, run);
		run = 0;
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		case '\b': put(w, "\\b", 2); break;
		case '\f': put(w, "\\f", 2); break;
		default:
			if (c < 0x20)
				snprintf(esc, sizeof(esc), "\\u%04x", c);
			else
				strcpy(esc, "\\ufffd"); /* invalid UTF-8 byte */
			put(w, esc, strlen(esc));
		}
		i++;
	}
	put(w, (const char *)s + i - run, run);
}

void jw_strn(struct jsonw *w, const char *s, size_t n)
{
	sep(w);
	putc1(w, '"');
	jw_escape(w, s, n);
	putc1(w, '"');
}

void jw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

/* Decimal digits of v, right-aligned in b[24]; returns where they start.
 * Events are mostly numbers: snprintf was a large share of the encoder. */
static char *u64_digits(uint64_t v, char b[24])
{
	char *p = b + 24;

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	return p;
}

void jw_u64(struct jsonw *w, uint64_t v)
{
	char b[24], *p = u64_digits(v, b);

	sep(w);
	put(w, p, b + 24 - p);
}

void jw_i64(struct jsonw *w, int64_t v)
{
	char b[24], *p = u64_digits(v < 0 ? -(uint64_t)v : (uint64_t)v, b);

	if (v < 0)
		*--p = '-';
	sep(w);
	put(w, p, b + 24 - p);
}

void jw_bool(struct jsonw *w, int v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}

void jw_raw(struct jsonw *w, const char *json)
{
	sep(w);
	put(w, json, strlen(json));
}

void jw_rawn(struct jsonw *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
}

void jw_kv_str(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kv_strn(struct jsonw *w, const char *key, const char *s, size_t n)
{
	jw_key(w, key);
	jw_strn(w, s, n);
}

void jw_kv_u64(struct jsonw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

void jw_kv_i64(struct jsonw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_i64(w, v);
}

void jw_kv_bool(struct jsonw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

const char *jw_line(struct jsonw *w, size_t *len)
{
	putc1(w, '\n');
	if (w->failed || !w->buf)
		return NULL;
	if (len)
		*len = w->len;
	return w->buf;
}
