// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON output: whatever bytes the kernel hands over (comm, paths, argv), the
 * line must parse and keep every valid character. Parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "json_check.h"
#include <jansson.h>
#include "events/capnames.h"
#include "events/event_json.h"
#include "lib/jsonw.h"
#include "lib/timefmt.h"

static void test_escapes_quotes_backslashes_controls(void **state)
{
	struct jsonw w;
	json_t *j;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "s");
	jw_str(&w, "a\"b\\c\nd\te\x01\x1f/\x7f");
	jw_obj_end(&w);
	j = h_json_line(&w);
	assert_string_equal(h_json_str(j, "s"), "a\"b\\c\nd\te\x01\x1f/\x7f");
	json_decref(j);
	jw_free(&w);
}

static void test_invalid_utf8_becomes_replacement_char(void **state)
{
	/* lone continuation, truncated 3-byte seq, overlong '/', surrogate,
	 * above U+10FFFF, 0xff; valid 2/3/4-byte sequences kept */
	const char in[] = "\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xff|"
			  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	const char want[] = "\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd|"
			    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	struct jsonw w;
	json_t *j;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "s");
	jw_str(&w, in);
	jw_obj_end(&w);
	j = h_json_line(&w);
	assert_string_equal(h_json_str(j, "s"), want);
	json_decref(j);
	jw_free(&w);
}

static void test_strn_stops_at_nul_and_bound(void **state)
{
	char comm[16] = "abcdefghijklmnop"; /* no NUL: exactly 16 bytes */
	struct jsonw w;
	json_t *j;

	jw_init(&w);
	jw_arr_begin(&w);
	jw_strn(&w, comm, sizeof(comm));
	jw_strn(&w, "ab\0cd", 5);
	jw_arr_end(&w);
	j = h_json_line(&w);
	assert_string_equal(json_string_value(json_array_get(j, 0)), "abcdefghijklmnop");
	assert_string_equal(json_string_value(json_array_get(j, 1)), "ab");
	json_decref(j);
	jw_free(&w);
}

static void test_nesting_and_numbers(void **state)
{
	struct jsonw w;
	json_t *j;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "a");
	jw_arr_begin(&w);
	jw_u64(&w, INT64_MAX); /* jansson parses up to int64; UINT64_MAX below */
	jw_i64(&w, -5);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_bool(&w, 1);
	jw_null(&w);
	jw_arr_end(&w);
	jw_key(&w, "b");
	jw_str(&w, "");
	jw_obj_end(&w);
	j = h_json_line(&w);
	assert_int_equal(json_array_size(json_object_get(j, "a")), 5);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "a"), 1)), -5);
	json_decref(j);
	jw_reset(&w);
	jw_u64(&w, UINT64_MAX);
	assert_string_equal(w.buf, "18446744073709551615");
	jw_reset(&w);
	jw_arr_begin(&w);
	jw_i64(&w, INT64_MIN);
	jw_i64(&w, 0);
	jw_u64(&w, 0);
	jw_i64(&w, -1);
	jw_arr_end(&w);
	assert_string_equal(w.buf, "[-9223372036854775808,0,0,-1]");
	jw_free(&w);
}

static void test_exec_event_json(void **state)
{
	struct pw_exec_event e = {
		.hdr = { .type = PW_EVENT_EXEC,
			 .size = sizeof(e),
			 .ts_ns = 1,
			 .cgroup_id = 42,
			 .pid = 100,
			 .tid = 100,
			 .uid = 0,
			 .gid = 0 },
		.ppid = 7,
		.old_pid = 100,
		.args_count = 3,
	};
	static const char args[] = "sh\0-c\0echo \"hi\"\n\xff";
	const struct pw_event_kind *k = pw_event_kind(PW_EVENT_EXEC);
	struct jsonw w;
	json_t *j, *argv;

	memcpy(e.hdr.comm, "we\"ird\n\xfe", 9);
	strcpy(e.filename, "/tmp/a \"b\"\n\xc3(");
	e.filename_len = strlen(e.filename);
	memcpy(e.args, args, sizeof(args) - 1);
	e.args_len = sizeof(args) - 1;

	pw_clock_init();
	jw_init(&w);
	pw_event_to_json(&w, k, &e.hdr);
	j = h_json_line(&w);
	assert_string_equal(h_json_str(j, "schema"), "privwatch.event/1");
	assert_string_equal(h_json_str(j, "kind"), "exec");
	assert_string_equal(h_json_str(j, "comm"), "we\"ird\n\xef\xbf\xbd");
	assert_string_equal(h_json_str(j, "exe"), "/tmp/a \"b\"\n\xef\xbf\xbd(");
	assert_int_equal(json_integer_value(json_object_get(j, "cgroup_id")), 42);
	assert_int_equal(json_integer_value(json_object_get(j, "ppid")), 7);
	argv = json_object_get(j, "argv");
	assert_int_equal(json_array_size(argv), 3);
	assert_string_equal(json_string_value(json_array_get(argv, 2)),
			    "echo \"hi\"\n\xef\xbf\xbd");
	assert_null(json_object_get(j, "truncated"));
	/* RFC 3339 UTC with nanoseconds */
	assert_int_equal(strlen(h_json_str(j, "time")), strlen("2026-11-29T08:40:01.123456789Z"));
	assert_int_equal(h_json_str(j, "time")[strlen(h_json_str(j, "time")) - 1], 'Z');
	json_decref(j);
	jw_free(&w);
}

static void test_capability_event_json(void **state)
{
	struct pw_capability_event e = {
		.hdr = { .type = PW_EVENT_CAPABILITY, .size = sizeof(e), .pid = 5, .tid = 6 },
		.cap = 21,
		.ret = -1,
	};
	struct jsonw w;
	json_t *j;

	strcpy(e.hdr.comm, "mount");
	jw_init(&w);
	pw_event_to_json(&w, pw_event_kind(PW_EVENT_CAPABILITY), &e.hdr);
	j = h_json_line(&w);
	assert_string_equal(h_json_str(j, "kind"), "capability");
	assert_string_equal(h_json_str(j, "cap_name"), "CAP_SYS_ADMIN");
	assert_string_equal(h_json_str(j, "result"), "denied");
	assert_int_equal(json_integer_value(json_object_get(j, "errno")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "tid")), 6);
	json_decref(j);
	jw_free(&w);
}

static void test_time_format(void **state)
{
	char buf[PW_TIME_LEN];

	pw_format_time(1795941601123456789ull, buf);
	assert_string_equal(buf, "2026-11-29T08:40:01.123456789Z");
	pw_format_time(5, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000005Z");
	/* the cached second is replaced when the second changes */
	pw_format_time(1795941602000000000ull, buf);
	assert_string_equal(buf, "2026-11-29T08:40:02.000000000Z");
	pw_format_time(1795941602999999999ull, buf);
	assert_string_equal(buf, "2026-11-29T08:40:02.999999999Z");
}

static void test_capability_names(void **state)
{
	assert_string_equal(pw_cap_name(0), "CAP_CHOWN");
	assert_string_equal(pw_cap_name(21), "CAP_SYS_ADMIN");
	assert_string_equal(pw_cap_name(34), "CAP_SYSLOG");
	assert_string_equal(pw_cap_name(40), "CAP_CHECKPOINT_RESTORE");
	assert_null(pw_cap_name(41));
	assert_null(pw_cap_name(-1));
	assert_int_equal(pw_cap_from_name("sys_admin"), 21);
	assert_int_equal(pw_cap_from_name("CAP_BPF"), 39);
	assert_int_equal(pw_cap_from_name("CAP_NOPE"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_quotes_backslashes_controls),
		cmocka_unit_test(test_invalid_utf8_becomes_replacement_char),
		cmocka_unit_test(test_strn_stops_at_nul_and_bound),
		cmocka_unit_test(test_nesting_and_numbers),
		cmocka_unit_test(test_exec_event_json),
		cmocka_unit_test(test_capability_event_json),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_capability_names),
	};

	return cmocka_run_group_tests_name("unit: JSON output", tests, NULL, NULL);
}
