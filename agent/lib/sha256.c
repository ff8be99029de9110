// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <openssl/evp.h>
#include <unistd.h>
#include "lib/sha256.h"

int pw_sha256_init(struct pw_sha256 *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	s->ctx = c;
	if (!c)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		s->ctx = NULL;
		return -EIO;
	}
	return 0;
}

void pw_sha256_update(struct pw_sha256 *s, const void *buf, size_t n)
{
	if (s->ctx && n)
		EVP_DigestUpdate(s->ctx, buf, n);
}

int pw_sha256_final(struct pw_sha256 *s, char out[PW_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	int rc = 0;

	out[0] = 0;
	if (!s->ctx)
		return -EIO;
	if (EVP_DigestFinal_ex(s->ctx, md, &n) != 1 || n != 32)
		rc = -EIO;
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = 0;
	return 0;
}

int pw_sha256_hex(const void *buf, size_t n, char out[PW_SHA256_HEX])
{
	struct pw_sha256 s;
	int rc = pw_sha256_init(&s);

	if (rc)
		return rc;
	pw_sha256_update(&s, buf, n);
	return pw_sha256_final(&s, out);
}

int pw_sha256_fd(int fd, uint64_t max, char out[PW_SHA256_HEX], uint64_t *size, int *cut)
{
	struct pw_sha256 s;
	char buf[65536];
	uint64_t total = 0;
	ssize_t n;
	int rc = pw_sha256_init(&s);

	*cut = 0;
	if (rc)
		return rc;
	for (;;) {
		size_t want = sizeof(buf);

		if (total >= max) {
			/* one byte more says whether it went on */
			char b;

			*cut = read(fd, &b, 1) == 1;
			break;
		}
		if (max - total < want)
			want = max - total;
		n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			pw_sha256_final(&s, out);
			return rc;
		}
		if (!n)
			break;
		pw_sha256_update(&s, buf, n);
		total += n;
	}
	*size = total;
	return pw_sha256_final(&s, out);
}
