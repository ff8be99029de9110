// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTTP sink (libcurl): lines from the same bounded queue as the other
 * network sinks, sent in batches of up to batch= lines per POST, in the
 * body a SIEM intake expects (preset=):
 *
 *   webhook  a JSON array of the records, Content-Type application/json,
 *            token= as "Authorization: Bearer TOKEN"
 *   splunk   HTTP Event Collector (.../services/collector/event): one
 *            {"event": RECORD, "sourcetype": "privwatch"[, "index": I]}
 *            after another, "Authorization: Splunk TOKEN"
 *   elastic  the _bulk API (.../_bulk): a {"create":{"_index":I}} line and
 *            the record's line each (NDJSON; index= default privwatch, a
 *            data stream's name works), "Authorization: ApiKey TOKEN"
 *
 * A batch is taken off the queue before it is sent and kept until it is
 * delivered: a refused connection, a timeout, 408, 429 or a 5xx is retried
 * with the same backoff as the other sinks (100 ms doubling to 10 s); any
 * other 4xx refuses the batch for good (counted dropped, said on stderr).
 * _bulk answers 200 with per-record results: the records it did not take
 * are counted dropped. At stop the batch in hand and the queue get until
 * the deadline, then are counted dropped like any sink's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include "lib/log.h"
#include "sinks/sink_int.h"

#define HTTP_TIMEOUT_MS 10000
#define RESPONSE_MAX	(1 << 20) /* what is kept of an answer: _bulk's results */

struct body {
	char *buf;
	size_t len, cap;
};

static int body_put(struct body *b, const char *s, size_t n)
{
	char *nb;
	size_t cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb)
			return -1;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

static int body_str(struct body *b, const char *s)
{
	return body_put(b, s, strlen(s));
}

/* A record's line without its newline. */
static size_t rec_len(const struct pw_qent *e)
{
	return e->len && e->data[e->len - 1] == '\n' ? e->len - 1 : e->len;
}

/* index= as a JSON string's content: names are [a-z0-9._-], checked at parse. */
static int build_body(const struct pw_sink *k, struct pw_qent **batch, size_t n, struct body *b)
{
	size_t i;
	int rc = 0;

	b->len = 0;
	if (k->http_preset == PW_HTTP_WEBHOOK)
		rc |= body_str(b, "[");
	for (i = 0; i < n && !rc; i++) {
		switch (k->http_preset) {
		case PW_HTTP_SPLUNK:
			rc |= body_str(b, "{\"event\":");
			rc |= body_put(b, batch[i]->data, rec_len(batch[i]));
			rc |= body_str(b, ",\"source\":\"privwatch\",\"sourcetype\":\"privwatch\"");
			if (k->http_index) {
				rc |= body_str(b, ",\"index\":\"");
				rc |= body_str(b, k->http_index);
				rc |= body_str(b, "\"");
			}
			rc |= body_str(b, "}\n");
			break;
		case PW_HTTP_ELASTIC:
			rc |= body_str(b, "{\"create\":{\"_index\":\"");
			rc |= body_str(b, k->http_index ? k->http_index : "privwatch");
			rc |= body_str(b, "\"}}\n");
			rc |= body_put(b, batch[i]->data, rec_len(batch[i]));
			rc |= body_str(b, "\n");
			break;
		default:
			if (i)
				rc |= body_str(b, ",");
			rc |= body_put(b, batch[i]->data, rec_len(batch[i]));
			break;
		}
	}
	if (k->http_preset == PW_HTTP_WEBHOOK)
		rc |= body_str(b, "]");
	return rc ? -1 : 0;
}

static size_t on_response(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *r = arg;
	size_t n = size * nmemb;

	if (r->len < RESPONSE_MAX)
		body_put(r, data, n < RESPONSE_MAX - r->len ? n : RESPONSE_MAX - r->len);
	return n;
}

/* Abort a transfer once the stop deadline has passed. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	return pw_net_expired(arg);
}

/* _bulk's answer: how many of its items were refused (status >= 300). */
static size_t bulk_refused(const struct body *r, char *why, size_t len)
{
	json_t *j = json_loadb(r->buf ? r->buf : "", r->len, 0, NULL), *items, *it, *op;
	size_t i, bad = 0;
	const char *key;

	if (!j || !json_is_true(json_object_get(j, "errors"))) {
		json_decref(j);
		return 0;
	}
	items = json_object_get(j, "items");
	json_array_foreach(items, i, it)
	{
		json_object_foreach(it, key, op)
		{
			json_int_t st = json_integer_value(json_object_get(op, "status"));

			if (st >= 300) {
				if (!bad) {
					json_t *err = json_object_get(op, "error");
					const char *reason =
						json_string_value(json_object_get(err, "reason"));

					snprintf(why, len, "%s", reason ? reason : "refused");
				}
				bad++;
			}
		}
	}
	json_decref(j);
	return bad;
}

enum post_result { POST_OK = 0, POST_RETRY, POST_REFUSED, POST_EXPIRED };

static enum post_result post(struct pw_sink *k, CURL *c, struct curl_slist *hdrs,
			     const struct body *b, struct body *resp, long *status, char *why,
			     size_t len)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout = HTTP_TIMEOUT_MS;
	CURLcode rc;

	if (__atomic_load_n(&k->stopping, __ATOMIC_ACQUIRE)) {
		uint64_t now = pw_now_mono_ns(), dl = k->deadline_ns;

		if (dl <= now)
			return POST_EXPIRED;
		if ((dl - now) / 1000000 + 1 < (uint64_t)timeout)
			timeout = (dl - now) / 1000000 + 1;
	}
	resp->len = 0;
	curl_easy_setopt(c, CURLOPT_URL, k->path);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, b->buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_response);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, k);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (k->tls_ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, k->tls_ca);
	if (k->tls_cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, k->tls_cert);
	if (k->tls_key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, k->tls_key);
	rc = curl_easy_perform(c);
	*status = 0;
	if (rc != CURLE_OK) {
		if (rc == CURLE_ABORTED_BY_CALLBACK)
			return POST_EXPIRED;
		snprintf(why, len, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return POST_RETRY;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (*status >= 200 && *status < 300)
		return POST_OK;
	snprintf(why, len, "HTTP %ld: %.200s", *status, resp->buf ? resp->buf : "");
	if (*status == 408 || *status == 429 || *status >= 500)
		return POST_RETRY;
	return POST_REFUSED;
}

static struct curl_slist *headers(const struct pw_sink *k)
{
	static const char *const scheme[] = { [PW_HTTP_WEBHOOK] = "Bearer",
					      [PW_HTTP_SPLUNK] = "Splunk",
					      [PW_HTTP_ELASTIC] = "ApiKey" };
	struct curl_slist *h = NULL, *t;
	char auth[1100];

	h = curl_slist_append(h, k->http_preset == PW_HTTP_ELASTIC
					 ? "Content-Type: application/x-ndjson"
					 : "Content-Type: application/json");
	if (h && k->http_token) {
		snprintf(auth, sizeof(auth), "Authorization: %s %s", scheme[k->http_preset],
			 k->http_token);
		t = curl_slist_append(h, auth);
		if (!t) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = t;
	}
	if (h) {
		/* No "Expect: 100-continue" round trip before each batch. */
		t = curl_slist_append(h, "Expect:");
		if (!t) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = t;
	}
	return h;
}

/* The thread: take up to batch= lines, POST them until delivered, refused
 * or the stop deadline. */
void *pw_http_thread(void *arg)
{
	struct pw_sink *k = arg;
	struct pw_qent **batch = calloc(k->http_batch, sizeof(*batch));
	struct body b = {}, resp = {};
	struct curl_slist *hdrs = headers(k);
	CURL *c = curl_easy_init();
	size_t n = 0, i, bytes, bad;
	int backoff = PW_BACKOFF_MIN_MS;
	uint64_t left;
	char why[512];
	long status;

	if (!batch || !hdrs || !c) {
		pw_err("output '%s': out of memory: nothing will be sent\n", k->spec);
		goto out;
	}
	for (;;) {
		if (!n) {
			pthread_mutex_lock(&k->lock);
			while (!k->q.count && !k->stopping)
				pthread_cond_wait(&k->cond, &k->lock);
			while (n < k->http_batch && (batch[n] = pw_queue_pop(&k->q)))
				n++;
			k->inflight = (int)n;
			pthread_mutex_unlock(&k->lock);
			if (!n) /* stopping, and everything went out */
				break;
			if (build_body(k, batch, n, &b)) {
				pw_err("output '%s': out of memory building a batch\n", k->spec);
				goto out;
			}
		}
		switch (post(k, c, hdrs, &b, &resp, &status, why, sizeof(why))) {
		case POST_OK:
			bad = k->http_preset == PW_HTTP_ELASTIC
				      ? bulk_refused(&resp, why, sizeof(why))
				      : 0;
			if (bad > n)
				bad = n;
			for (bytes = 0, i = 0; i < n; i++)
				bytes += batch[i]->len;
			pw_sink_delivered(k, n - bad, bytes);
			if (bad) {
				__atomic_add_fetch(&k->dropped, bad, __ATOMIC_RELAXED);
				pw_warn("output '%s': %zu of %zu records refused by the receiver: "
					"%s\n",
					k->spec, bad, n, why);
			}
			if (k->warned_down)
				pw_warn("output '%s': delivering again after %llu failed attempts\n",
					k->spec, (unsigned long long)k->failures);
			k->warned_down = 0;
			k->failures = 0;
			backoff = PW_BACKOFF_MIN_MS;
			break;
		case POST_REFUSED:
			__atomic_add_fetch(&k->dropped, n, __ATOMIC_RELAXED);
			pw_warn("output '%s': a batch of %zu records refused: %s\n", k->spec, n,
				why);
			break;
		case POST_RETRY:
			pw_net_attempt_failed(k, why, &backoff);
			continue; /* the same batch again */
		case POST_EXPIRED: goto out;
		}
		for (i = 0; i < n; i++)
			free(batch[i]);
		n = 0;
		pthread_mutex_lock(&k->lock);
		k->inflight = 0;
		pthread_mutex_unlock(&k->lock);
	}
out:
	pthread_mutex_lock(&k->lock);
	left = pw_queue_clear(&k->q) + n;
	k->inflight = 0;
	__atomic_add_fetch(&k->dropped, left, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&k->lock);
	for (i = 0; batch && i < n; i++)
		free(batch[i]);
	if (left)
		pw_warn("output '%s': %llu lines not delivered by the stop deadline: dropped\n",
			k->spec, (unsigned long long)left);
	free(batch);
	free(b.buf);
	free(resp.buf);
	curl_slist_free_all(hdrs);
	if (c)
		curl_easy_cleanup(c);
	return NULL;
}

int pw_http_global_init(char *err, size_t errlen)
{
	static int done;
	CURLcode rc;

	if (done)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(rc));
		return -1;
	}
	done = 1;
	return 0;
}
