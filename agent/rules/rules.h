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
	const char *file; /* where it was defined (basename) */
};

struct pw_rule;
struct pw_ruleset;

/* A load error: where, as precisely as known, and what. */
struct pw_rules_error {
	char file[256];	     /* the file, "" if not about one */
	int line;	     /* JSON syntax errors: line (jansson), else 0 */
	char rule_id[64];    /* "" if not inside a rule (or it has no id) */
	char json_path[256]; /* "$.rules[3].condition.all[1].path.glob" */
	char message[256];
	char text[1024]; /* all of it, one line, for people */
};

struct pw_rules_opts {
	const char *const *disabled; /* rule ids not to load; unknown ids are an error */
	size_t ndisabled;
};

/*
 * Load every *.json file of a directory (sorted by name), or one file.
 * Ids must be unique across files, list names too. 0 and *out, or -1 with
 * *err filled and nothing kept.
 */
int pw_rules_load(const char *path, const struct pw_rules_opts *o, struct pw_ruleset **out,
		  struct pw_rules_error *err);
void pw_ruleset_free(struct pw_ruleset *rs);

size_t pw_ruleset_count(const struct pw_ruleset *rs);	 /* enabled rules */
size_t pw_ruleset_disabled(const struct pw_ruleset *rs); /* opts.disabled and "enabled": false */
size_t pw_ruleset_files(const struct pw_ruleset *rs);	 /* files read */
/* The i-th enabled rule in load order, NULL past the end. */
const struct pw_rule *pw_ruleset_rule(const struct pw_ruleset *rs, size_t i);

/*
 * Rules matching v, in load order, at most max; returns how many matched
 * (may exceed max: the rest are not stored). No allocation.
 */
size_t pw_rules_match(const struct pw_ruleset *rs, const struct pw_view *v,
		      const struct pw_rule **hits, size_t max);

const struct pw_rule_info *pw_rule_info(const struct pw_rule *r);
/* Bit (1 << kind) per view kind the rule can match (pw_view_kind_name). */
uint64_t pw_rule_kinds(const struct pw_rule *r);

#define PW_RULES_DIR "/etc/privwatch/rules.d"
/*
 * Where the rules are when no path is given: PW_RULES_DIR if it exists,
 * else rules/ of the source tree the running binary was built in
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
