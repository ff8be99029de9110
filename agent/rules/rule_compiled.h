/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule set's compiled form, shared by the files of the rule engine
 * (rule_fields.c, rule_parse.c, rule_match.c, rule_output.c, rules.c) and
 * by no one else: everything outside codes against rules.h.
 *
 * Conditions are one flat array of nodes per set, each subtree contiguous
 * (pre-order, a node's size counts its subtree), so evaluation walks indexes
 * and allocates nothing. Strings and number ranges live in arrays owned by
 * the set; nodes refer to them by index.
 */
#ifndef PW_RULE_COMPILED_H
#define PW_RULE_COMPILED_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "rules/rules.h"

enum pw_field_type { PW_FT_ENUM, PW_FT_STR, PW_FT_NUM };

/* Every field a condition or an output template can name. */
enum pw_field_id {
	/* enums: a matcher resolves to a bitmask of values */
	PW_FLD_KIND,
	PW_FLD_RESULT,
	PW_FLD_OBJECT,
	PW_FLD_ACCESS,
	PW_FLD_DEVICE_TYPE,
	PW_FLD_MOUNT_OP,
	PW_FLD_SECCOMP_OP,
	PW_FLD_CONTAINER_MODE,
	PW_FLD_CONTAINER_PHASE,
	PW_FLD_CONTAINER_RELAXED,
	PW_FLD_CAPABILITY,
	PW_FLD_MOUNT_KIND,
	PW_FLD_NS_OP,
	PW_FLD_NS_TYPES,
	PW_FLD_CONTAINER_PSS,
	PW_FLD_CONTAINER_PSS_VIOLATIONS,
	PW_FLD_CONTAINER_HOST_NS,
	PW_FLD_CONTAINER_CAPS_ADDED,
	PW_FLD_CONTAINER_CAPS_DANGEROUS,
	PW_FLD_CONTAINER_HOST_MOUNTS,
	PW_FLD_CONTAINER_HOST_MOUNTS_RW,
	PW_FLD_FILE_VIA,
	PW_FLD_PROC_SESSION,
	/* strings */
	PW_FLD_PATH,
	PW_FLD_BASENAME,
	PW_FLD_FS_PATH,
	PW_FLD_MOUNT_SOURCE,
	PW_FLD_MOUNT_FSTYPE,
	PW_FLD_PROC_EXE,
	PW_FLD_PROC_COMM,
	PW_FLD_CONTAINER_NAME,
	PW_FLD_CONTAINER_IMAGE,
	PW_FLD_CONTAINER_RUNTIME,
	PW_FLD_CONTAINER_ID,
	PW_FLD_CONTAINER_NAMESPACE,
	PW_FLD_CONTAINER_POD,
	PW_FLD_CONTAINER_IMAGE_DIGEST,
	PW_FLD_PROC_ARGS,
	PW_FLD_PROC_PARENT_EXE,
	PW_FLD_PROC_PARENT_COMM,
	PW_FLD_PROC_ANCESTOR_EXE, /* any of them: matches if one does */
	PW_FLD_PROC_ANCESTOR_COMM,
	/* strings named with a key: "container.label.KEY", "pod.label.KEY" */
	PW_FLD_CONTAINER_LABEL,
	PW_FLD_POD_LABEL,
	/* numbers */
	PW_FLD_UID,
	PW_FLD_GID,
	PW_FLD_DEVICE_MAJOR,
	PW_FLD_DEVICE_MINOR,
	PW_FLD_ERRNO,
	PW_FLD_SECCOMP_MODE_AFTER,
	PW_FLD_CAP,
	PW_FLD_PROC_PID,
	PW_FLD_PROC_PPID,
	PW_FLD_PROC_UID,
	PW_FLD_PROC_GID,
	PW_FLD_USERNS_LEVEL,
	PW_FLD_PROC_RUNTIME_INIT,
	PW_FLD_OTHER_PROCESS,
	PW_FLD_CONTAINER_UID,
	PW_FLD_COUNT,
};

struct pw_field {
	const char *name; /* "container.mode"; keyed fields: "container.label.KEY" */
	enum pw_field_type type;
	const char *what;    /* for messages: "mount operation" */
	const char *example; /* a condition using it, for rules fields */
};

/* rule_fields.c: names, values and how each is read from a view. */
const struct pw_field *pw_field_get(int id);
int pw_field_lookup(const char *name); /* id, or -1 */
/* Keyed fields ("pod.label.team"): the id and *key ("team"), or -1. */
int pw_field_lookup_keyed(const char *name, const char **key);
static inline int pw_field_is_keyed(int id)
{
	return id == PW_FLD_CONTAINER_LABEL || id == PW_FLD_POD_LABEL;
}
/* The parent's and the ancestors' fields (pipeline.c fills them on demand). */
static inline int pw_field_is_lineage(int id)
{
	return id == PW_FLD_PROC_PARENT_EXE || id == PW_FLD_PROC_PARENT_COMM ||
	       id == PW_FLD_PROC_ANCESTOR_EXE || id == PW_FLD_PROC_ANCESTOR_COMM;
}
/* Fields whose value is put together per event (pw_field_str_tmp). */
static inline int pw_field_is_assembled(int id)
{
	return id == PW_FLD_PROC_ARGS || id == PW_FLD_PROC_ANCESTOR_EXE ||
	       id == PW_FLD_PROC_ANCESTOR_COMM || pw_field_is_keyed(id);
}
/* "kind, result, ... (and container.label.KEY, pod.label.KEY)" for errors. */
void pw_field_names(char *buf, size_t size);
/* Enum values: name of value i (NULL: no such value), values < 64. */
const char *pw_field_value_name(int id, unsigned int i);
unsigned int pw_field_nvalues(int id);
/* Enum fields whose values are capabilities (capability, container.capabilities...). */
int pw_field_is_capability(int id);
/* Enum value by name (capability: pw_cap_from_name), or -1. */
int pw_field_value_parse(int id, const char *name);
int pw_errno_parse(const char *name); /* "EPERM" -> 1, or -1 */
const char *pw_errno_name(int e);     /* NULL if not in the table */

/* The view's value: bits of the enum values it has (0: none). */
uint64_t pw_field_bits(int id, const struct pw_view *v);
const char *pw_field_str(int id, const struct pw_view *v); /* never NULL */
/* Fields assembled from parts (proc.args joined by spaces, a label's value
 * by key) into tmp; others as pw_field_str. Never NULL. */
const char *pw_field_str_tmp(int id, const char *key, const struct pw_view *v, char *tmp,
			     size_t size);
/* 1 and *out, or 0 when the event has no such value (cap outside capability). */
int pw_field_num(int id, const struct pw_view *v, int64_t *out);
/* For output: the value as text ("?" when missing), maybe written to tmp. */
const char *pw_field_text(int id, const struct pw_view *v, char *tmp, size_t size);

enum pw_node_op {
	PW_N_ALL,
	PW_N_ANY,
	PW_N_NOT,
	PW_N_ENUM,  /* mask & field bits */
	PW_N_NUM,   /* value in any of ranges[first, first + count) */
	PW_N_EXACT, /* string ops over strs[first, first + count) */
	PW_N_PREFIX,
	PW_N_GLOB,
	PW_N_BASENAME,
	PW_N_CONTAINS,
};

struct pw_node {
	uint8_t op;    /* enum pw_node_op */
	uint8_t field; /* enum pw_field_id for predicates */
	uint32_t size; /* nodes in this subtree, itself included */
	uint32_t first, count;
	uint64_t mask;
	uint32_t key; /* keyed fields: the key, strs[key] */
};

struct pw_str {
	const char *s;
	size_t len;
};

struct pw_range {
	int64_t min, max;
};

/* A piece of an output template: literal text, or a field. */
struct pw_seg {
	int field; /* enum pw_field_id, or -1: literal strs[str] */
	uint32_t str;
};

struct pw_rule {
	struct pw_rule_info info;
	const struct pw_ruleset *set; /* its arrays: set when loading ends */
	uint32_t root;		      /* condition: nodes[root] */
	uint64_t kinds;		      /* view kinds it can match */
	uint32_t seg_first;	      /* output template, nseg 0: the title */
	uint32_t nseg;
	uint32_t tag_first;
	int disabled;
	uint32_t exc_first, nexc; /* exceptions: excs[exc_first, + nexc), set by finish */
	char *overridden_by;	  /* files, ", "-separated; NULL: none */
};

/* An exception: while its condition holds, its rule does not fire. */
struct pw_exception {
	size_t rule;	  /* index in rules */
	uint32_t root;	  /* condition: nodes[root] */
	const char *text; /* the condition as JSON, for rules list */
	const char *file; /* the file that added it (as read) */
};

/* A list grows as later files append to it: its items are its own array. */
struct pw_list {
	char *name;
	const char **items; /* owned by the set's strings */
	size_t count;
};

struct pw_ruleset {
	struct pw_rule *rules; /* every rule compiled, disabled ones too */
	size_t nrules, ndisabled;
	struct pw_node *nodes;
	size_t nnodes;
	struct pw_str *strs;
	size_t nstrs;
	struct pw_range *ranges;
	size_t nranges;
	struct pw_seg *segs;
	size_t nsegs;
	const char **tags;
	size_t ntags;
	struct pw_list *lists;
	size_t nlists;
	struct pw_exception *excs; /* sorted by rule at finish */
	size_t nexcs;
	char **owned; /* every string the set allocated */
	size_t nowned;
	size_t nfiles;
	int uses_lineage; /* a condition or output names the parent or an ancestor */
	/* Built last, once the arrays stop moving. */
	const struct pw_rule **enabled; /* load order */
	size_t nenabled;
	const struct pw_rule **by_kind[PW_VIEW_KIND_MAX];
	size_t nby_kind[PW_VIEW_KIND_MAX];
};

/* Compiling one file: where we are, for error messages. */
struct pw_parse {
	struct pw_ruleset *rs;
	struct pw_rules_error *err;
	const char *file;      /* as given: "rules/30-mounts.json" */
	const char *base;      /* its basename, kept in pw_rule_info.file */
	const char *file_kept; /* file, kept in the set (pw_rule_info.path) */
	const char *rule_id;   /* NULL outside a rule */
	const char *from_list;
	char path[256]; /* "$.rules[3].condition" */
	size_t plen;
};

/* Append to p->path ("." key or "[i]"); returns the length to pop back to. */
size_t pw_parse_push_key(struct pw_parse *p, const char *key);
size_t pw_parse_push_index(struct pw_parse *p, size_t i);
void pw_parse_pop(struct pw_parse *p, size_t len);
/* Fill p->err for the current position; returns -1. */
int pw_parse_fail(struct pw_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pw_rules_error_set(struct pw_rules_error *err, const char *file, int line, const char *rule_id,
			const char *json_path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Set storage (rules.c); each returns -1 on ENOMEM. */
char *pw_rs_strdup(struct pw_ruleset *rs, const char *s, size_t len);
int pw_rs_grow(void **arr, size_t n, size_t elem);

struct json_t;
/* rule_parse.c: a file's "lists" (pass 1) and "rules" then "overrides" (pass 2). */
int pw_parse_lists(struct pw_parse *p, struct json_t *root);
int pw_parse_rules(struct pw_parse *p, struct json_t *root);
int pw_parse_overrides(struct pw_parse *p, struct json_t *root);
/* rule_output.c: the template compiled into r's segments. */
int pw_output_compile(struct pw_parse *p, struct pw_rule *r, const char *tmpl);

/* rule_match.c */
int pw_glob_match(const char *pat, size_t plen, const char *s);
int pw_node_eval(const struct pw_ruleset *rs, const struct pw_node *n, const struct pw_view *v);

#endif
