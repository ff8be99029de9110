/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule engine: JSON rule files (rules/, docs/rules.md) compiled once
 * into a form evaluated per event without allocation.
 *
 * A rule set is immutable once loaded; reloading (SIGHUP) builds a new one
 * and swaps it in only if it loaded whole, so a bad file keeps the old set.
 */
#ifndef PW_RULES_H
#define PW_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "events/event_view.h"
#include "lib/severity.h"

enum pw_rule_action { PW_ACTION_ALERT = 0, PW_ACTION_ALERT_CAPTURE };

/* What an alert reports about the rule that fired; owned by the rule set. */
struct pw_rule_info {
	const char *id; /* "PW-0003" */
	const char *title;
	const char *description;
	const char *remediation; /* what on-call should check or do; NULL if the rule has none */
	enum pw_severity severity;
	const char *const *tags; /* MITRE ATT&CK ids, "T1611" */
	size_t ntags;
	enum pw_rule_action action;
	uint32_t capture_window_s; /* alert+capture: its post-trigger window (0: the default) */
	const char *file;	   /* where it was defined (basename) */
	const char *path;	   /* that file as it was read ("rules/30-mounts.json") */
};

struct pw_rule;
struct pw_ruleset;

/* A load error: where, as precisely as known, and what. */
struct pw_rules_error {
	char file[256];	     /* the file, "" if not about one */
	int line;	     /* JSON syntax errors: line (jansson), else 0 */
	char rule_id[64];    /* "" if not inside a rule (or it has no id) */
	char json_path[256]; /* "$.rules[3].condition.all[1].path.glob" */
	char message[1600];  /* unknown fields: with every valid field's name */
	char text[2400];     /* all of it, one line, for people */
};

struct pw_rules_opts {
	const char *const *disabled; /* rule ids not to load; unknown ids are an error */
	size_t ndisabled;
	/* A file named like one read before takes that one's place instead of
	 * adding to it (rules check FILE: an edited copy of a shipped file,
	 * checked among the others). */
	int replace_same_name;
};

/*
 * Load every *.json file of a directory (sorted by name), or one file.
 * Ids must be unique across files, list names too. 0 and *out, or -1 with
 * *err filled and nothing kept.
 */
int pw_rules_load(const char *path, const struct pw_rules_opts *o, struct pw_ruleset **out,
		  struct pw_rules_error *err);
/*
 * The layered set (docs/rules.md, "Layering"): the files of every path in
 * order (a directory's *.json in name order), one file read once however
 * often named. Every file's lists (and list appends) first, then each
 * file's rules, then its overrides (replace keys, add exceptions, disable)
 * of rules defined before it. A path without rule files, and a set with no
 * enabled rule, are errors.
 */
int pw_rules_load_paths(const char *const *paths, size_t npaths, const struct pw_rules_opts *o,
			struct pw_ruleset **out, struct pw_rules_error *err);
void pw_ruleset_free(struct pw_ruleset *rs);

size_t pw_ruleset_count(const struct pw_ruleset *rs); /* enabled rules */
/* Some rule looks at the parent or an ancestor (the pipeline fills them
 * only then: a walk of the process table per event). */
int pw_ruleset_uses_lineage(const struct pw_ruleset *rs);
size_t pw_ruleset_disabled(const struct pw_ruleset *rs); /* opts.disabled and "enabled": false */
size_t pw_ruleset_files(const struct pw_ruleset *rs);	 /* files read */
/* The i-th enabled rule in load order, NULL past the end. */
const struct pw_rule *pw_ruleset_rule(const struct pw_ruleset *rs, size_t i);
/* Every rule in load order, disabled ones too; NULL past the end. */
const struct pw_rule *pw_ruleset_rule_any(const struct pw_ruleset *rs, size_t i);
int pw_rule_enabled(const struct pw_rule *r);

/* A rule's exceptions: conditions under which it does not fire. */
size_t pw_rule_nexceptions(const struct pw_rule *r);
/* The i-th: its condition as JSON text and the file that added it. */
const char *pw_rule_exception(const struct pw_rule *r, size_t i, const char **file);
/* Files that overrode the rule, ", "-separated, "" if none. */
const char *pw_rule_overridden_by(const struct pw_rule *r);

/*
 * Rules matching v, in load order, at most max; returns how many matched
 * (may exceed max: the rest are not stored). A rule whose condition holds
 * but one of its exceptions too does not match. No allocation.
 */
size_t pw_rules_match(const struct pw_ruleset *rs, const struct pw_view *v,
		      const struct pw_rule **hits, size_t max);

const struct pw_rule_info *pw_rule_info(const struct pw_rule *r);
/* Bit (1 << kind) per view kind the rule can match (pw_view_kind_name). */
uint64_t pw_rule_kinds(const struct pw_rule *r);

/* The fields conditions can name (privwatch rules fields, docs/rules.md). */
struct pw_rules_field_doc {
	const char *name;    /* "container.namespace", "pod.label.KEY" */
	const char *type;    /* "enum", "string", "number" */
	const char *what;    /* one line */
	const char *example; /* a condition, JSON */
};
size_t pw_rules_nfields(void);
/* Field i (0 <= i < pw_rules_nfields()); values: an enum's names, comma-
 * separated, written to buf ("" for other types). */
void pw_rules_field_doc(size_t i, struct pw_rules_field_doc *d, char *values, size_t size);
/* 1 if a condition may name this field (keyed ones with any KEY). */
int pw_rules_field_known(const char *name);

#define PW_RULES_DIR "/etc/privwatch/rules.d"
/*
 * Where the rules are when no path is given: PW_RULES_DIR if it exists
 * (the shipped files and the local ones side by side, layered in name
 * order), else rules/ of the source tree the running binary was built in
 * (<tree>/.output/privwatch -> <tree>/rules). 0, or -1 if neither exists.
 */
int pw_rules_default_path(char *buf, size_t size);

/*
 * The rule's "output" template with {field} placeholders filled from v
 * (same field names as conditions: path, proc.exe, container.name...;
 * unknown values print as "?"). Without a template: the title.
 * Returns the length written (truncated to size - 1).
 */
size_t pw_rule_format_output(const struct pw_rule *r, const struct pw_view *v, char *buf,
			     size_t size);

#endif
