// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS for the tcp and syslog:tcp sinks (tls:HOST:PORT, syslog:tls:HOST:PORT;
 * RFC 5425 is RFC 6587's octet counting inside TLS), with OpenSSL.
 *
 * The context (trust store, client certificate) is built at start, in the
 * caller's thread, so a missing or bad file is an error at start; sessions
 * are made and used only in the sink's own thread, on the non-blocking
 * socket sink_net.c connected, every wait bounded like a plain connect:
 * the event thread never waits on a handshake.
 *
 * The server is always verified: its chain against ca= (or the system store)
 * and its name against name= (or the host of the address: a DNS name, or an
 * IP address against the certificate's IP entries). No option turns it off.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "sinks/sink_int.h"

struct pw_tls_ctx {
	SSL_CTX *ctx;
};

struct pw_tls {
	SSL *ssl;
};

/* The last queued OpenSSL error as text, the queue emptied. */
static const char *ssl_reason(char *buf, size_t len)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()))
		last = e;
	if (!last)
		return NULL;
	if (ERR_reason_error_string(last))
		snprintf(buf, len, "%s", ERR_reason_error_string(last));
	else
		ERR_error_string_n(last, buf, len);
	return buf;
}

static int ctx_fail(struct pw_sink *k, char *err, size_t errlen, const char *what, const char *path)
{
	char r[256];
	const char *why = ssl_reason(r, sizeof(r));

	snprintf(err, errlen, "output '%s': cannot load the %s %s: %s", k->spec, what, path,
		 why ? why : "unknown error");
	return -1;
}

/* A file named in the spec must be readable: say so before OpenSSL's
 * vaguer "no certificate or crl found". */
static int readable(struct pw_sink *k, const char *what, const char *path, char *err, size_t errlen)
{
	if (!access(path, R_OK))
		return 0;
	snprintf(err, errlen, "output '%s': %s %s: %s", k->spec, what, path, strerror(errno));
	return -1;
}

int pw_tls_ctx_new(struct pw_sink *k, char *err, size_t errlen)
{
	const char *key = k->tls_key ? k->tls_key : k->tls_cert;
	SSL_CTX *ctx;

	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		snprintf(err, errlen, "output '%s': cannot create a TLS context", k->spec);
		return -1;
	}
	/* TLS 1.2 is the oldest RFC 5425 (as updated by RFC 9662) still allows. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* A retried SSL_write may come from another address (the same line). */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (k->tls_ca) {
		if (readable(k, "CA file", k->tls_ca, err, errlen))
			goto fail;
		if (SSL_CTX_load_verify_locations(ctx, k->tls_ca, NULL) != 1) {
			ctx_fail(k, err, errlen, "CA file", k->tls_ca);
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ctx_fail(k, err, errlen, "system CA store", X509_get_default_cert_file());
		goto fail;
	}
	if (k->tls_cert) {
		if (readable(k, "certificate", k->tls_cert, err, errlen) ||
		    readable(k, "key", key, err, errlen))
			goto fail;
		if (SSL_CTX_use_certificate_chain_file(ctx, k->tls_cert) != 1) {
			ctx_fail(k, err, errlen, "certificate", k->tls_cert);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
			if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
				snprintf(
					err, errlen,
					"output '%s': the key %s does not match the certificate %s",
					k->spec, key, k->tls_cert);
			else
				ctx_fail(k, err, errlen, "key", key);
			goto fail;
		}
	}
	k->tls_ctx = calloc(1, sizeof(*k->tls_ctx));
	if (!k->tls_ctx) {
		snprintf(err, errlen, "output '%s': out of memory", k->spec);
		goto fail;
	}
	k->tls_ctx->ctx = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return -1;
}

void pw_tls_ctx_free(struct pw_sink *k)
{
	if (!k->tls_ctx)
		return;
	SSL_CTX_free(k->tls_ctx->ctx);
	free(k->tls_ctx);
	k->tls_ctx = NULL;
}

static const char *check_name(const struct pw_sink *k)
{
	return k->tls_name ? k->tls_name : k->host;
}

static int is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Why a handshake or a write failed, for a person: the verification result
 * with what it was checked against, else OpenSSL's reason, else errno. */
static void tls_why(struct pw_sink *k, SSL *ssl, int rc, int saved_errno, char *why, size_t len)
{
	long v = SSL_get_verify_result(ssl);
	int e = SSL_get_error(ssl, rc);
	char r[256];
	const char *reason = ssl_reason(r, sizeof(r));

	if (v != X509_V_OK) {
		if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
			snprintf(why, len, "certificate verify failed: %s (expected %s)",
				 X509_verify_cert_error_string(v), check_name(k));
		else if (k->tls_ca)
			snprintf(why, len, "certificate verify failed: %s (CA file %s)",
				 X509_verify_cert_error_string(v), k->tls_ca);
		else
			snprintf(why, len, "certificate verify failed: %s (system CA store)",
				 X509_verify_cert_error_string(v));
	} else if (reason) {
		/* e.g. "tlsv1 alert unknown ca": the receiver refused our certificate */
		snprintf(why, len, "TLS: %s", reason);
	} else if (e == SSL_ERROR_SYSCALL && saved_errno) {
		snprintf(why, len, "TLS: %s", strerror(saved_errno));
	} else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
		snprintf(why, len, "TLS: connection closed by the receiver");
	} else {
		snprintf(why, len, "TLS: error %d", e);
	}
}

static int remaining_ms(uint64_t until)
{
	uint64_t now = pw_now_mono_ns();

	return until > now ? (int)((until - now) / 1000000) + 1 : 0;
}

/*
 * In TLS 1.3 the client's handshake ends before the server has checked the
 * client's certificate: a refusal comes as an alert after it, and lines
 * written meanwhile would count as written and be lost. Servers send their
 * session tickets (OpenSSL) or the alert right away, so wait for either;
 * one that sends neither (rsyslog's GnuTLS) costs the whole wait, once per
 * connection. How long a server takes to refuse scales with how fast it
 * and the path are: four times the handshake, at least 1 s (a handshake
 * takes milliseconds on a normal host), at most 5 s. A receiver slower to
 * refuse than that (rsyslog in the loaded emulated VM, even past 3 s) is
 * taken as accepting: a line sent then is counted written and lost, as
 * over plain tcp. -1: refused (why filled).
 */
static int await_verdict(struct pw_sink *k, SSL *ssl, uint64_t handshake_ns, char *why, size_t len)
{
	uint64_t wait_ns = 4 * handshake_ns, until;

	if (wait_ns < 1000 * 1000000ULL)
		wait_ns = 1000 * 1000000ULL;
	if (wait_ns > 5000 * 1000000ULL)
		wait_ns = 5000 * 1000000ULL;
	until = pw_now_mono_ns() + wait_ns;
	char buf[256];
	int fd = SSL_get_fd(ssl);

	while (pw_net_wait_fd(k, fd, POLLIN, remaining_ms(until)) > 0) {
		int rc = SSL_read(ssl, buf, sizeof(buf));

		if (rc > 0)
			return 0; /* data: not expected, but not a refusal */
		if (SSL_get_error(ssl, rc) == SSL_ERROR_WANT_READ) {
			/* a ticket went through: the server accepted us */
			ERR_clear_error();
			return 0;
		}
		{
			char r[256];

			tls_why(k, ssl, rc, errno, r, sizeof(r));
			snprintf(why, len, "refused by the receiver after the handshake: %s%s", r,
				 k->tls_cert ? "" : " (no client certificate given: cert=)");
		}
		return -1;
	}
	if (pw_net_expired(k)) {
		/* the stop's deadline cut the wait short: nothing sent unverified */
		snprintf(why, len,
			 "the stop deadline came before the receiver's verdict on the "
			 "handshake");
		return -1;
	}
	return 0;
}

struct pw_tls *pw_tls_connect(struct pw_sink *k, int fd, int ms, char *why, size_t len)
{
	uint64_t t0 = pw_now_mono_ns(), until = t0 + (uint64_t)ms * 1000000;
	const char *name = check_name(k);
	struct pw_tls *t = calloc(1, sizeof(*t));
	SSL *ssl;

	ERR_clear_error();
	if (!t || !(ssl = SSL_new(k->tls_ctx->ctx))) {
		snprintf(why, len, "TLS: out of memory");
		free(t);
		return NULL;
	}
	t->ssl = ssl;
	SSL_set_fd(ssl, fd);
	if (is_ip(name)) {
		/* No SNI for an address (RFC 6066 3); checked against IP entries. */
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
	} else {
		SSL_set_tlsext_host_name(ssl, name);
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set1_host(ssl, name);
	}
	for (;;) {
		int rc, e, left;

		errno = 0;
		rc = SSL_connect(ssl);
		if (rc == 1)
			break;
		e = SSL_get_error(ssl, rc);
		left = remaining_ms(until);
		if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && left > 0 &&
		    !pw_net_expired(k)) {
			if (pw_net_wait_fd(k, fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					   left) < 0 &&
			    errno != EINTR) {
				snprintf(why, len, "TLS: poll: %s", strerror(errno));
				goto fail;
			}
			continue;
		}
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			snprintf(why, len, "TLS handshake timed out");
		else
			tls_why(k, ssl, rc, errno, why, len);
		goto fail;
	}
	if (SSL_version(ssl) == TLS1_3_VERSION &&
	    await_verdict(k, ssl, pw_now_mono_ns() - t0, why, len))
		goto fail;
	return t;
fail:
	ERR_clear_error();
	SSL_free(ssl);
	free(t);
	return NULL;
}

int pw_tls_send(struct pw_sink *k, struct pw_tls *t, const void *buf, size_t n, char *why,
		size_t len)
{
	int fd = SSL_get_fd(t->ssl);

	/* Without SSL_MODE_ENABLE_PARTIAL_WRITE a write is whole or retried. */
	for (;;) {
		int rc, e;

		errno = 0;
		rc = SSL_write(t->ssl, buf, (int)n);
		if (rc > 0)
			return 0;
		e = SSL_get_error(t->ssl, rc);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			if (pw_net_expired(k))
				return 2;
			pw_net_wait_fd(k, fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 200);
			continue;
		}
		tls_why(k, t->ssl, rc, errno, why, len);
		ERR_clear_error();
		return 1;
	}
}

int pw_tls_peer_gone(struct pw_tls *t)
{
	struct pollfd p = { .fd = SSL_get_fd(t->ssl), .events = POLLIN | POLLRDHUP };
	char buf[512];
	int i;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	/* Readable may be a late session ticket: let OpenSSL take it; an
	 * alert, close_notify or EOF is the end. A few rounds at most. */
	for (i = 0; i < 16; i++) {
		int rc = SSL_read(t->ssl, buf, sizeof(buf));

		if (rc > 0)
			continue; /* receivers send nothing; discarded */
		if (SSL_get_error(t->ssl, rc) == SSL_ERROR_WANT_READ) {
			ERR_clear_error();
			return 0;
		}
		ERR_clear_error();
		return 1;
	}
	return 0;
}

void pw_tls_close(struct pw_tls *t, int clean)
{
	if (!t)
		return;
	/* One try, never waited for: the fd is non-blocking. */
	if (clean)
		SSL_shutdown(t->ssl);
	ERR_clear_error();
	SSL_free(t->ssl);
	free(t);
}
