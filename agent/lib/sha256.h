/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SHA-256 as lowercase hex, through OpenSSL's EVP (libcrypto is linked for
 * the TLS sinks already). Used by the forensic capture: every file of a
 * bundle is listed in its manifest with its hash.
 */
#ifndef PW_LIB_SHA256_H
#define PW_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PW_SHA256_HEX 65 /* 64 hex digits and the NUL */

struct pw_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

int pw_sha256_init(struct pw_sha256 *s);
void pw_sha256_update(struct pw_sha256 *s, const void *buf, size_t n);
/* The digest as hex into out, and the context freed. 0 or -EIO. */
int pw_sha256_final(struct pw_sha256 *s, char out[PW_SHA256_HEX]);

/* One buffer. 0 or -errno. */
int pw_sha256_hex(const void *buf, size_t n, char out[PW_SHA256_HEX]);

/* What fd holds from its current offset to its end, up to max bytes
 * (*size: the bytes hashed; *cut: 1 if it went on past max). 0 or -errno. */
int pw_sha256_fd(int fd, uint64_t max, char out[PW_SHA256_HEX], uint64_t *size, int *cut);

#endif
