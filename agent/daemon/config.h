/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * privwatch run's settings: one table (pw_config_opts) describes every
 * option once (name, type, bounds, help, live or not); the command-line
 * parser, the configuration file loader, --help, `privwatch config check`
 * and docs/config.md's check all read it, so an option cannot exist
 * without its key. The key is the long option with '-' as '_'.
 *
 * Sources, later wins: built-in defaults, the file (default
 * PW_CONFIG_DEFAULT; absent is fine unless named), its drop-ins
 * (every .json file in privwatch.d beside it, in name order), the command line.
 * Every error names the file and the key path: never a warning.
 */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PW_CONFIG_DEFAULT    "/etc/privwatch/privwatch.json"
#define PW_CONFIG_DROPIN     "privwatch.d"
#define PW_CONFIG_LIST_MAX   64
#define PW_LOCK_FILE_DEFAULT "/run/privwatch/privwatch.lock"
#define PW_PIN_DIR_DEFAULT   "/sys/fs/bpf/privwatch"

enum pw_opt_type {
	PW_OPT_BOOL,  /* flag; JSON true/false */
	PW_OPT_INT,   /* JSON integer in [min, max] */
	PW_OPT_STR,   /* JSON string, checked by check() where given */
	PW_OPT_ENUM,  /* JSON string, one of values */
	PW_OPT_LIST,  /* repeatable; JSON array of strings */
	PW_OPT_SINKS, /* --output: array of SPEC strings or sink objects */
	PW_OPT_COUNT, /* -v: each use adds one; JSON integer in [min, max] */
};

/* Applied how on SIGHUP: live, or reported as needing a restart. */
enum pw_opt_reload { PW_RELOAD_LIVE, PW_RELOAD_RESTART };

enum pw_opt_id {
	PW_O_RULES,
	PW_O_NO_RULES,
	PW_O_DISABLE_RULE,
	PW_O_EVENTS,
	PW_O_OUTPUT,
	PW_O_FORMAT,
	PW_O_FOLD_WINDOW,
	PW_O_STATS_INTERVAL,
	PW_O_INVENTORY_INTERVAL,
	PW_O_STATE_FILE,
	PW_O_SENSITIVE_MOUNT,
	PW_O_CGROUP,
	PW_O_CGROUP_V1,
	PW_O_MODE,
	PW_O_NO_VARIANT,
	PW_O_CANARY_INTERVAL,
	PW_O_CANARY_TIMEOUT,
	PW_O_CONTAINER_BUDGET,
	PW_O_TRUST_LSM_ATTACH,
	PW_O_RINGBUF_SIZE,
	PW_O_POLL_MS,
	PW_O_READ_DEADLINE_MS,
	PW_O_HOLD_MS,
	PW_O_HTTP,
	PW_O_READY_MAX_DROP_RATE,
	PW_O_LOCK_FILE,
	PW_O_CONTROL,
	PW_O_KEEP_SENSORS,
	PW_O_PIN_DIR,
	PW_O_VERBOSE,
	PW_O_CAPTURE_DIR,
	PW_O_CAPTURE_WINDOW_S,
	PW_O_CAPTURE_INTERVAL_S,
	PW_O_CAPTURE_MAX_BUNDLES,
	PW_O_CAPTURE_MAX_MIB,
	PW_O_CAPTURE_REDACT,
	PW_O_CAPTURE_EXE_MAX_MIB,
	PW_O_RECORDER_SECONDS,
	PW_O_RECORDER_RECORDS,
	PW_O_COUNT
};

struct pw_opt_def {
	const char *name; /* long option; the key is this with '_' for '-' */
	const char *key;
	int short_opt; /* 0: none */
	enum pw_opt_type type;
	long min, max;		   /* INT, COUNT; LIST: max entries */
	long def;		   /* INT, COUNT default */
	const char *def_str;	   /* STR, ENUM default (NULL: unset) */
	const char *const *values; /* ENUM, NULL-terminated */
	/* STR, LIST: 0, or -1 with why in err (no name, no value). */
	int (*check)(const char *v, char *err, size_t errlen);
	enum pw_opt_reload reload;
	int one_str_ok;	  /* LIST: a file may give one string for a one-entry array */
	const char *arg;  /* metavar in --help, NULL for flags */
	const char *help; /* lines separated by '\n' */
};

extern const struct pw_opt_def pw_config_opts[PW_O_COUNT];

struct pw_strlist {
	char **v;
	size_t n;
};

/* One option's value; set says where it came from (0: default). */
struct pw_opt_val {
	int set;	     /* 0 default, 1 file, 2 command line */
	long i;		     /* BOOL, INT, COUNT */
	char *s;	     /* STR, ENUM */
	struct pw_strlist l; /* LIST, SINKS (SINKS: each a SPEC) */
	char src[256];	     /* file that set it last, "" from the command line */
};

struct pw_config {
	struct pw_opt_val v[PW_O_COUNT];
	char path[4096];	 /* the main file ("" when none) */
	int path_given;		 /* named by --config: must exist */
	struct pw_strlist files; /* every file read, in order */
};

void pw_config_init(struct pw_config *c);
void pw_config_free(struct pw_config *c);

/* The main file then its drop-ins into c. path NULL: the default, which
 * may be absent. 0, or -1 with "FILE: KEY.PATH: why" in err. */
int pw_config_load(struct pw_config *c, const char *path, char *err, size_t errlen);
/* One JSON text as if read from file name (tests). */
int pw_config_load_string(struct pw_config *c, const char *text, const char *name, char *err,
			  size_t errlen);

/*
 * The command line of privwatch run: --config PATH is returned in *config
 * (NULL if none), --help/--version set *action ('h', 'V'), every other
 * option is set in c (marked set = 2; values copied).
 * 0, or -1 with err ("--mode 'x': ...").
 */
int pw_config_parse_args(struct pw_config *c, int argc, char **argv, const char **config,
			 int *action, char *err, size_t errlen);

/* c then over: every option over set (command line over file). */
int pw_config_overlay(struct pw_config *c, const struct pw_config *over);

/* --help lines of the option table. */
void pw_config_usage(FILE *out);

/* The effective configuration: JSON (every key, with defaults), or text
 * lines "key = value  # source". */
void pw_config_print(const struct pw_config *c, FILE *out, int json);

/* Two values equal (to tell what a reload changes). */
int pw_config_equal(const struct pw_config *a, const struct pw_config *b, enum pw_opt_id id);

/* Convenience readers. */
static inline long pw_cfg_int(const struct pw_config *c, enum pw_opt_id id)
{
	return c->v[id].i;
}
static inline const char *pw_cfg_str(const struct pw_config *c, enum pw_opt_id id)
{
	return c->v[id].s;
}
static inline const struct pw_strlist *pw_cfg_list(const struct pw_config *c, enum pw_opt_id id)
{
	return &c->v[id].l;
}

/* Checks shared with the parsers of cmd_run.c. */
int pw_budget_parse(const char *arg, uint64_t *rate, uint64_t *burst);

/* The keys of a sink object in a file's "output" (NULL-terminated). */
extern const char *const pw_config_sink_keys[];

#endif
