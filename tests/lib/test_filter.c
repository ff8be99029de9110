// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One test case of a suite, by name: PW_TEST_FILTER=test_glob_edges
 * .output/tests/test_unit_rules runs only the cases whose name matches
 * (cmocka's pattern: * and ? wildcards); PW_TEST_SKIP=PATTERN leaves the
 * matching ones out (not run, not counted). Linked into every suite (the
 * Makefile's TEST_HELPERS), so no suite's main() has to know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

__attribute__((constructor)) static void pw_test_filter(void)
{
	const char *pattern = getenv("PW_TEST_FILTER");
	const char *skip = getenv("PW_TEST_SKIP");

	if (pattern && *pattern)
		cmocka_set_test_filter(pattern);
	if (skip && *skip)
		cmocka_set_skip_filter(skip);
}
