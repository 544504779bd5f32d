/*
 * policy.c: the policy loader, the one user of libyaml. It reads the event
 * stream and checks it against a table of keys as it goes, so nothing deeper
 * than the schema (four levels) is ever followed: a nested collection where a
 * scalar belongs is a type error at its first bracket, and an unknown key is
 * an error before its value is read. Anchors and aliases are refused where
 * they appear, which also rules out alias bombs.
 */
#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "error.h"
#include "fs.h"
#include "hash.h"
#include "timestamp.h"

#define DEFAULTS_LABEL "(built-in defaults)"
#define MAX_KEYS 32 /* per mapping: the keys seen are a bit mask */
#define WHERE_SIZE 96

/* Every default lives here and only here: cg_policy_default() and every
 * load start from this text, so the comments cannot drift from the values. */
const char cg_policy_default_yaml[] =
	"# changeguard policy (.changeguard.yml). Every key is optional: one left out\n"
	"# keeps the default shown here. Unknown keys, wrong types, bad globs or\n"
	"# regexes, anchors and aliases are errors.\n"
	"version: 1                 # policy format version; 1 is the only one\n"
	"changelog:                 # rule: every change is recorded, with a UTC timestamp\n"
	"  mode: nearest            # nearest | every-directory | root\n"
	"  file: CHANGELOG.md       # name looked up (case-sensitive)\n"
	"  require_for: [\"**\"]      # globs of paths whose change needs an entry\n"
	"  ignore: [\"**/*.md\", \"docs/**\", \".github/**\"]   # never need one\n"
	"  entry_pattern: '^\\s*(?:[-*]|#{2,4})\\s+(?<ts>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z)\\b'"
	"   # PCRE2; group ts is the entry's UTC time\n"
	"  max_age: 24h             # entry no older than this before commit time\n"
	"  max_skew: 10m            # entry no later than this after commit time\n"
	"  append_only: true        # existing entries may not be edited or removed\n"
	"  skip_trailer: Changelog-Skip     # \"\" disables waivers\n"
	"  amend_trailer: Changelog-Amend   # with a reason, existing entries may be corrected; \"\" disables\n"
	"  amend_removes: false     # with the amend trailer, entries may also be removed\n"
	"  non_utf8: refuse         # refuse | warn: a changed CHANGELOG that is not valid UTF-8\n"
	"# A protect list in a policy file replaces this one entirely: copy the groups\n"
	"# you want to keep. Only groups named mcp or policy may leave out trailer.\n"
	"protect:                   # rule: sensitive config needs sign-off\n"
	"  - name: mcp              # group name, shown in findings and the audit\n"
	"    paths: [\".mcp.json\", \"**/.mcp.json\", \"mcp.json\", \"**/mcp.json\",   # protected globs\n"
	"            \"**/.cursor/mcp.json\", \"**/.vscode/mcp.json\", \"**/claude_desktop_config.json\",\n"
	"            \".mcp/**\", \"mcp/**\", \"**/mcp-servers/**\", \"**/mcp_servers/**\",\n"
	"            \"**/*mcp*.{json,yaml,yml,toml}\", \"scripts/mcp/**\", \"**/*mcp*wrapper*\",\n"
	"            # settings files clients read MCP servers from (whole files, for now)\n"
	"            \"**/.vscode/settings.json\", \"**/.claude/settings.json\",\n"
	"            \"**/.claude/settings.local.json\", \"**/.gemini/settings.json\",\n"
	"            \"**/.continue/mcpServers/**\", \"**/.codex/config.toml\", \"**/.zed/settings.json\",\n"
	"            \"**/opencode.json\", \"**/opencode.jsonc\"]\n"
	"    case_insensitive: true # match paths as case-insensitive, HFS+ and NTFS file systems open them\n"
	"    trailer: MCP-Authorized-By   # sign-off trailer; \"\" = every change refused\n"
	"    authorizers: []        # emails or names; empty = any named sign-off\n"
	"    verify: pusher         # server side: pusher | trailer\n"
	"  - name: policy           # this file itself\n"
	"    paths: [\".changeguard.yml\"]   # protected globs\n"
	"    case_insensitive: false        # match paths ignoring ASCII case\n"
	"    trailer: Policy-Authorized-By  # sign-off trailer\n"
	"    authorizers: []        # emails or names; empty = any named sign-off\n"
	"    verify: pusher         # server side: pusher | trailer\n"
	"forbid:                    # rule: no backup files or stray copies get added\n"
	"  paths: [\"*.orig\", \"*.rej\", \"*.bak\", \"*.backup\", \"*~\", \"*.swp\",   # globs never added\n"
	"          \"*.tmp\", \"*.old\", \"* copy.*\", \"* (1).*\", \"*_backup.*\", \"*-backup.*\", \"**/backup/**\"]\n"
	"  allow: []                # globs excepted from paths\n"
	"  case_insensitive: false  # match paths and allow as case-insensitive, HFS+ and NTFS file systems open them\n"
	"  duplicates: true         # an added file byte-identical to another tracked one is refused\n"
	"  duplicate_min_size: 512  # bytes; smaller files are never duplicates\n"
	"  duplicate_allow: [\"LICENSE*\", \"LICENCE*\", \"COPYING*\", \"NOTICE*\",   # never duplicates\n"
	"                    \"__init__.py\", \"py.typed\", \".gitkeep\", \".keep\", \".gitignore\", \".gitattributes\"]\n"
	"  skip_trailer: Forbid-Skip    # \"\" disables waivers\n"
	"audit:                     # the local SQLite audit database\n"
	"  path: \"\"                 # default: <git common dir>/changeguard/audit.db\n"
	"  on_error: block          # block | warn\n"
	"  witness: \"\"              # file of chain heads (run id, hash) for verify --witness\n"
	"  syslog: \"\"               # socket for one RFC 5424 line per run, e.g. /dev/log\n"
	"  url: \"\"                  # PostgreSQL instead: postgresql://..., or service=NAME (no password here)\n"
	"  repository_id: \"\"        # the repository's chain in PostgreSQL; default: its path\n"
	"server:                    # the pre-receive hook\n"
	"  policy: \"\"               # server policy path; see man changeguard.yml\n"
	"  refs: [\"refs/heads/**\"]  # refs the policy applies to\n"
	"  pusher_env: [GL_USERNAME, GITEA_PUSHER_NAME, GITHUB_USER_LOGIN, REMOTE_USER, USER]   # names the pusher; set ones that disagree refuse the push\n"
	"  push_option_waivers: false   # also take waivers from git push -o changeguard.skip=REASON\n"
	"  deadline: 0              # seconds; >0: decide (refuse) before a host's hook timeout\n"
	"  forbid_waivers: [path, duplicate]   # forbid findings a forbid.skip_trailer may waive\n";

/* The event stream being read; `ev` is the current event. */
typedef struct {
	yaml_parser_t parser;
	yaml_event_t ev;
	int has_ev;
	const char *label;
	const char *data;
	size_t len;
} reader;

typedef struct field field;

/* How one kind of value is read from the stream and written back as YAML.
 * `base` is the struct the field's offsets point into. */
typedef struct {
	int (*read)(reader *r, const char *where, const field *f, void *base);
	void (*format)(cg_buf *out, const field *f, const void *base, int indent);
} field_kind;

struct field {
	const char *key;
	const field_kind *kind;
	size_t offset;                      /* of the value in `base` */
	size_t count_offset;                /* lists of strings: of their size_t length */
	const field *fields;                /* sections and protect groups: their keys */
	const char *const *names;           /* enums: in enum order, NULL-terminated */
	const char *(*check)(const char *); /* strings: what is wrong, or NULL */
	int min, max;                       /* integers */
};

static const char *const null_names[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_names[] = {
	"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL
};
static const char *const false_names[] = {
	"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL
};

static int fail(const reader *r, yaml_mark_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats into a local buffer first: callers may pass cg_error_last(). */
static int fail(const reader *r, yaml_mark_t mark, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cg_error_set(CG_EPOLICY, "%s:%zu:%zu: %s", r->label, mark.line + 1,
	                    mark.column + 1, msg);
}

static int one_of(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static void join_names(cg_buf *out, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		cg_buf_printf(out, "%s%s", i ? ", " : "", names[i]);
}

static void join_keys(cg_buf *out, const field *fields)
{
	for (size_t i = 0; fields[i].key; i++)
		cg_buf_printf(out, "%s%s", i ? ", " : "", fields[i].key);
}

/* libyaml reports bad UTF-8 as a byte offset, not a mark: count the lines
 * and characters before it the way its scanner would. */
static int reader_error(const reader *r)
{
	const yaml_parser_t *y = &r->parser;
	size_t end = y->problem_offset < r->len ? y->problem_offset : r->len;
	yaml_mark_t mark = { 0, 0, 0 };

	for (size_t i = 0; i < end; i++) {
		unsigned char c = (unsigned char)r->data[i];
		if (c == '\n' || (c == '\r' && (i + 1 == r->len || r->data[i + 1] != '\n'))) {
			mark.line++;
			mark.column = 0;
		} else if ((c & 0xc0) != 0x80 && c != '\r') {
			mark.column++;
		}
	}
	if (y->problem_value < 0)
		return fail(r, mark, "not valid UTF-8: %s", y->problem);
	if (!strcmp(y->problem, "control characters are not allowed"))
		return fail(r, mark, "control character U+%04X is not allowed",
		            (unsigned)y->problem_value);
	return fail(r, mark, "not valid UTF-8: %s 0x%02X", y->problem,
	            (unsigned)y->problem_value);
}

static int syntax_error(const reader *r)
{
	const yaml_parser_t *y = &r->parser;

	if (y->error == YAML_READER_ERROR)
		return reader_error(r);
	if (y->error != YAML_SCANNER_ERROR && y->error != YAML_PARSER_ERROR)
		return cg_error_set(CG_EPOLICY, "%s: cannot parse: %s", r->label,
		                    y->problem ? y->problem : "out of memory");
	if (!y->context)
		return fail(r, y->problem_mark, "YAML syntax error: %s", y->problem);
	return fail(r, y->problem_mark, "YAML syntax error: %s (%s at %zu:%zu)", y->problem,
	            y->context, y->context_mark.line + 1, y->context_mark.column + 1);
}

/* C0 and C1 controls, DEL and the YAML 1.1 line breaks NEL, LS and PS: none
 * belongs in a policy value, refusing them keeps terminal escapes out of our
 * messages, and it lets cg_policy_format single-quote every string. */
static int has_control(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return 1;
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			return 1;
		if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
			return 1;
	}
	return 0;
}

static int check_event(const reader *r)
{
	const yaml_event_t *ev = &r->ev;
	const yaml_char_t *anchor, *tag;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return fail(r, ev->start_mark, "anchors and aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return 0;
	}
	if (anchor)
		return fail(r, ev->start_mark, "anchors and aliases are not allowed");
	/* a tag would retype a value behind the schema's back (!!str true) */
	if (tag)
		return fail(r, ev->start_mark, "tags are not allowed ('%s')", (const char *)tag);
	if (ev->type == YAML_SCALAR_EVENT &&
	    has_control(ev->data.scalar.value, ev->data.scalar.length))
		return fail(r, ev->start_mark,
		            "control characters and line breaks are not allowed in values");
	return 0;
}

static int next(reader *r)
{
	if (r->has_ev)
		yaml_event_delete(&r->ev);
	r->has_ev = 0;
	if (!yaml_parser_parse(&r->parser, &r->ev))
		return syntax_error(r);
	r->has_ev = 1;
	return check_event(r);
}

static const char *scalar(const reader *r)
{
	return (const char *)r->ev.data.scalar.value;
}

static int is_plain(const reader *r)
{
	return r->ev.type == YAML_SCALAR_EVENT &&
	       r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int is_null(const reader *r)
{
	return is_plain(r) && one_of(scalar(r), null_names) >= 0;
}

static int is_bool(const reader *r)
{
	return is_plain(r) &&
	       (one_of(scalar(r), true_names) >= 0 || one_of(scalar(r), false_names) >= 0);
}

/* YAML 1.1 types plain null, ~, false or off as no string at all: taking
 * `skip_trailer: false` for a trailer named "false" would be a silent trap. */
static int is_string(const reader *r)
{
	return r->ev.type == YAML_SCALAR_EVENT && !is_null(r) && !is_bool(r);
}

/* The current event as a string, lent until the next event. */
static int get_string(const reader *r, const char *where, const char **out)
{
	if (is_null(r))
		return fail(r, r->ev.start_mark,
		            "%s: expected a string, got null (write '' for an empty one)", where);
	if (is_bool(r))
		return fail(r, r->ev.start_mark,
		            "%s: expected a string, got the boolean %s (quote it to mean the text)",
		            where, scalar(r));
	if (!is_string(r))
		return fail(r, r->ev.start_mark, "%s: expected a string", where);
	*out = scalar(r);
	return 0;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_groups(cg_protect_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(groups[i].name);
		cg_globset_free(groups[i].paths);
		free(groups[i].trailer);
		free_strings(groups[i].authorizers, groups[i].authorizers_len);
		free_strings(groups[i].removal_authorizers, groups[i].removal_authorizers_len);
	}
	free(groups);
}

/* --- the value checks of string fields --- */

static const char *check_file_name(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strchr(s, '/'))
		return "must be a file name, without '/'";
	return NULL;
}

static const char *check_trailer(const char *s)
{
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(s))
		return "must be a trailer key of letters, digits and '-', like MCP-Authorized-By";
	return NULL;
}

static const char *check_env_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9') ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
	            strlen(s))
		return "must be an environment variable name";
	return NULL;
}

static const char *check_forbid_group(const char *s)
{
	return strcmp(s, "path") && strcmp(s, "duplicate") ? "must be path or duplicate" : NULL;
}

static const char *check_not_empty(const char *s)
{
	return *s ? NULL : "must not be empty";
}

static int check_value(const reader *r, const char *where, const field *f, const char *s)
{
	const char *problem = f->check ? f->check(s) : NULL;

	if (problem)
		return fail(r, r->ev.start_mark, "%s: '%s' %s", where, s, problem);
	return 0;
}

/* --- readers: each starts on the value's first event and ends on its last --- */

static int read_string(reader *r, const char *where, const field *f, void *base)
{
	char **slot = (char **)((char *)base + f->offset);
	const char *s;
	int error;

	if ((error = get_string(r, where, &s)) < 0 ||
	    (error = check_value(r, where, f, s)) < 0)
		return error;
	free(*slot);
	*slot = cg_strdup(s);
	return 0;
}

typedef int (*item_fn)(reader *r, const char *where, const field *f, const char *item,
                       void *ctx);

static int read_list(reader *r, const char *where, const field *f, item_fn add, void *ctx)
{
	int error;

	if (r->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(r, r->ev.start_mark, "%s: expected a list of strings", where);
	while ((error = next(r)) == 0 && r->ev.type != YAML_SEQUENCE_END_EVENT) {
		if (!is_string(r))
			return fail(r, r->ev.start_mark, "%s: expected a list of strings", where);
		if ((error = add(r, where, f, scalar(r), ctx)) < 0)
			return error;
	}
	return error;
}

typedef struct {
	char **v;
	size_t n, alloc;
} strvec;

static int add_string(reader *r, const char *where, const field *f, const char *item,
                      void *ctx)
{
	strvec *vec = ctx;
	int error;

	if ((error = check_value(r, where, f, item)) < 0)
		return error;
	vec->v = cg_array_grow(vec->v, &vec->alloc, vec->n + 1, sizeof(*vec->v));
	vec->v[vec->n++] = cg_strdup(item);
	return 0;
}

static int read_strings(reader *r, const char *where, const field *f, void *base)
{
	char ***slot = (char ***)((char *)base + f->offset);
	size_t *count = (size_t *)((char *)base + f->count_offset);
	strvec vec = { NULL, 0, 0 };
	int error;

	if ((error = read_list(r, where, f, add_string, &vec)) < 0) {
		free_strings(vec.v, vec.n);
		return error;
	}
	free_strings(*slot, *count);
	*slot = vec.v;
	*count = vec.n;
	return 0;
}

static int add_glob(reader *r, const char *where, const field *f, const char *item, void *ctx)
{
	(void)f;
	if (cg_globset_add(ctx, item) < 0)
		return fail(r, r->ev.start_mark, "%s: %s", where, cg_error_last());
	return 0;
}

/* Globs are compiled without CG_GLOB_CASEFOLD: a protect group turns it on
 * once all its keys are read (see casefold_globs). */
static int read_globs(reader *r, const char *where, const field *f, void *base)
{
	cg_globset **slot = (cg_globset **)((char *)base + f->offset);
	cg_globset *set = NULL;
	int error;

	if ((error = cg_globset_new(&set, 0)) < 0 ||
	    (error = read_list(r, where, f, add_glob, set)) < 0) {
		cg_globset_free(set);
		return error;
	}
	cg_globset_free(*slot);
	*slot = set;
	return 0;
}

static int read_regex(reader *r, const char *where, const field *f, void *base)
{
	cg_pattern **slot = (cg_pattern **)((char *)base + f->offset);
	cg_pattern *pattern = NULL;
	const char *s;
	int error;

	if ((error = get_string(r, where, &s)) < 0)
		return error;
	if (cg_pattern_compile(&pattern, s, 0) < 0)
		return fail(r, r->ev.start_mark, "%s: %s", where, cg_error_last());
	if (!cg_pattern_has_group(pattern, "ts")) {
		cg_pattern_free(pattern);
		return fail(r, r->ev.start_mark,
		            "%s: the pattern needs a named group 'ts' for the timestamp, as in (?<ts>...)",
		            where);
	}
	cg_pattern_free(*slot);
	*slot = pattern;
	return 0;
}

static int read_bool(reader *r, const char *where, const field *f, void *base)
{
	int *slot = (int *)((char *)base + f->offset);

	if (!is_bool(r))
		return fail(r, r->ev.start_mark,
		            "%s: expected true or false (or yes/no, on/off, unquoted)", where);
	*slot = one_of(scalar(r), true_names) >= 0;
	return 0;
}

/* Decimal only: YAML 1.1 would read 010 as octal and 1_000 as 1000. */
static int read_int(reader *r, const char *where, const field *f, void *base)
{
	int *slot = (int *)((char *)base + f->offset);
	const char *s = is_plain(r) ? scalar(r) : "";
	size_t digits = strspn(s, "0123456789");
	long v;

	if (!digits || s[digits] || digits > 9 || (s[0] == '0' && digits > 1))
		return fail(r, r->ev.start_mark, "%s: expected a whole number", where);
	v = strtol(s, NULL, 10);
	if (f->min == f->max && v != f->min)
		return fail(r, r->ev.start_mark, "%s: unsupported value %ld (only %d is supported)",
		            where, v, f->min);
	if (v < f->min || v > f->max)
		return fail(r, r->ev.start_mark, "%s: %ld is out of range (%d to %d)", where, v,
		            f->min, f->max);
	*slot = (int)v;
	return 0;
}

/* Enum fields are written through an int: the enums of policy.h have int's size. */
_Static_assert(sizeof(cg_changelog_mode) == sizeof(int), "enum fields are ints");
_Static_assert(sizeof(cg_verify_mode) == sizeof(int), "enum fields are ints");

static int read_enum(reader *r, const char *where, const field *f, void *base)
{
	int *slot = (int *)((char *)base + f->offset);
	cg_buf allowed = CG_BUF_INIT;
	const char *s;
	int error, i;

	if ((error = get_string(r, where, &s)) < 0)
		return error;
	if ((i = one_of(s, f->names)) < 0) {
		join_names(&allowed, f->names);
		error = fail(r, r->ev.start_mark, "%s: unknown value '%s' (allowed: %s)", where, s,
		             allowed.ptr);
		cg_buf_dispose(&allowed);
		return error;
	}
	*slot = i;
	return 0;
}

static int read_duration(reader *r, const char *where, const field *f, void *base)
{
	int64_t *slot = (int64_t *)((char *)base + f->offset);
	const char *s;
	int error;

	if ((error = get_string(r, where, &s)) < 0)
		return error;
	if (cg_duration_parse(s, slot) < 0)
		return fail(r, r->ev.start_mark, "%s: %s", where, cg_error_last());
	return 0;
}

static int find_key(const field *fields, const char *key)
{
	for (int i = 0; fields[i].key; i++)
		if (!strcmp(fields[i].key, key))
			return i;
	return -1;
}

static int unknown_key(const reader *r, const char *where, const field *fields)
{
	cg_buf valid = CG_BUF_INIT;
	int error;

	join_keys(&valid, fields);
	error = fail(r, r->ev.start_mark, "unknown key '%s' %s%s (valid keys: %s)", scalar(r),
	             *where ? "in " : "at the top level", where, valid.ptr);
	cg_buf_dispose(&valid);
	return error;
}

/* Reads the keys of the mapping that starts at the current event into
 * `base`; *seen gets bit i for each fields[i] given. */
static int read_map(reader *r, const char *where, const field *fields, void *base,
                    unsigned *seen)
{
	size_t first_line[MAX_KEYS];
	char sub[WHERE_SIZE];
	int error, i;

	while ((error = next(r)) == 0 && r->ev.type != YAML_MAPPING_END_EVENT) {
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fail(r, r->ev.start_mark, "%s%sexpected a key name", where,
			            *where ? ": " : "");
		if ((i = find_key(fields, scalar(r))) < 0)
			return unknown_key(r, where, fields);
		if (*seen & (1u << i))
			return fail(r, r->ev.start_mark, "duplicate key '%s'%s%s (first on line %zu)",
			            fields[i].key, *where ? " in " : "", where, first_line[i]);
		*seen |= 1u << i;
		first_line[i] = r->ev.start_mark.line + 1;
		snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "", fields[i].key);
		if ((error = next(r)) < 0 ||
		    (error = fields[i].kind->read(r, sub, &fields[i], base)) < 0)
			return error;
	}
	return error;
}

/* A section left empty (every key commented out) is null: all defaults. */
static int read_section(reader *r, const char *where, const field *fields, void *base,
                        unsigned *seen)
{
	cg_buf keys = CG_BUF_INIT;
	int error;

	*seen = 0;
	if (is_null(r))
		return 0;
	if (r->ev.type == YAML_MAPPING_START_EVENT)
		return read_map(r, where, fields, base, seen);
	join_keys(&keys, fields);
	error = fail(r, r->ev.start_mark, "%s%sexpected a mapping with keys %s", where,
	             *where ? ": " : "", keys.ptr);
	cg_buf_dispose(&keys);
	return error;
}

static int read_map_field(reader *r, const char *where, const field *f, void *base)
{
	unsigned seen;
	return read_section(r, where, f->fields, base, &seen);
}

/* Matching ignoring case is a property of the compiled set, known only
 * once the whole group is read: recompile the validated patterns. */
static int casefold_globs(cg_globset **set)
{
	cg_globset *folded = NULL;
	int error = cg_globset_new(&folded, CG_GLOB_CASEFOLD);

	for (size_t i = 0; !error && i < cg_globset_count(*set); i++)
		error = cg_globset_add(folded, cg_globset_pattern(*set, i));
	if (error < 0) {
		cg_globset_free(folded);
		return error;
	}
	cg_globset_free(*set);
	*set = folded;
	return 0;
}

static const cg_protect_group *find_group(const cg_protect_group *groups, size_t n,
                                          const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(groups[i].name, name))
			return &groups[i];
	return NULL;
}

/* A group without a trailer takes the one of the group of the same name in
 * the list it replaces, i.e. a built-in group's. */
static int default_trailer(const reader *r, yaml_mark_t mark, const char *where,
                           cg_protect_group *g, const cg_policy *old)
{
	const cg_protect_group *builtin = find_group(old->protect, old->protect_len, g->name);
	cg_buf names = CG_BUF_INIT;
	int error;

	if (builtin) {
		g->trailer = cg_strdup(builtin->trailer);
		return 0;
	}
	for (size_t i = 0; i < old->protect_len; i++)
		cg_buf_printf(&names, "%s'%s'", i ? ", " : "", old->protect[i].name);
	error = fail(r, mark, "%s: missing key 'trailer' (only the built-in groups %s have a default)",
	             where, names.ptr);
	cg_buf_dispose(&names);
	return error;
}

static int read_group(reader *r, const field *fields, const cg_policy *old,
                      cg_protect_group *groups, size_t i)
{
	cg_protect_group *g = &groups[i];
	yaml_mark_t mark = r->ev.start_mark;
	char where[WHERE_SIZE];
	unsigned seen;
	int error;

	snprintf(where, sizeof(where), "protect[%zu]", i);
	if ((error = read_section(r, where, fields, g, &seen)) < 0)
		return error;
	if (!(seen & (1u << find_key(fields, "name"))))
		return fail(r, mark, "%s: missing key 'name'", where);
	if (!(seen & (1u << find_key(fields, "paths"))))
		return fail(r, mark, "%s: missing key 'paths'", where);
	if (find_group(groups, i, g->name))
		return fail(r, mark, "%s: a group named '%s' comes earlier", where, g->name);
	if (!(seen & (1u << find_key(fields, "trailer"))) &&
	    (error = default_trailer(r, mark, where, g, old)) < 0)
		return error;
	if (g->case_insensitive && (error = casefold_globs(&g->paths)) < 0)
		return fail(r, mark, "%s: %s", where, cg_error_last());
	return 0;
}

/* A protect list replaces the current one whole: merging by name would
 * leave no way to drop a built-in group. */
static int read_protect(reader *r, const char *where, const field *f, void *base)
{
	cg_policy *p = base;
	cg_protect_group *groups = NULL;
	size_t n = 0, alloc = 0;
	int error;

	if (r->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(r, r->ev.start_mark,
		            "%s: expected a list of groups, each a mapping with name, paths and trailer",
		            where);
	while ((error = next(r)) == 0 && r->ev.type != YAML_SEQUENCE_END_EVENT) {
		groups = cg_array_grow(groups, &alloc, n + 1, sizeof(*groups));
		memset(&groups[n], 0, sizeof(*groups));
		if ((error = read_group(r, f->fields, p, groups, n++)) < 0)
			break;
	}
	if (error < 0) {
		free_groups(groups, n);
		return error;
	}
	free_groups(p->protect, p->protect_len);
	p->protect = groups;
	p->protect_len = n;
	return 0;
}

/* --- formatting: every key, every string single-quoted --- */

static void put_quoted(cg_buf *out, const char *s)
{
	const char *q;

	cg_buf_putc(out, '\'');
	while ((q = strchr(s, '\''))) {
		cg_buf_put(out, s, (size_t)(q - s));
		cg_buf_puts(out, "''");
		s = q + 1;
	}
	cg_buf_puts(out, s);
	cg_buf_puts(out, "'\n");
}

static void put_list(cg_buf *out, int indent, size_t n,
                     const char *(*item)(const void *list, size_t i), const void *list)
{
	if (!n)
		cg_buf_puts(out, " []\n");
	else
		cg_buf_putc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		cg_buf_printf(out, "%*s- ", indent + 2, "");
		put_quoted(out, item(list, i));
	}
}

static const char *string_at(const void *list, size_t i)
{
	return ((char *const *)list)[i];
}

static const char *glob_at(const void *list, size_t i)
{
	return cg_globset_pattern(list, i);
}

#define AT(type, base, f) ((const type *)((const char *)(base) + (f)->offset))

static void format_string(cg_buf *out, const field *f, const void *base, int indent)
{
	(void)indent;
	cg_buf_putc(out, ' ');
	put_quoted(out, *AT(char *, base, f));
}

static void format_strings(cg_buf *out, const field *f, const void *base, int indent)
{
	size_t n = *(const size_t *)((const char *)base + f->count_offset);
	put_list(out, indent, n, string_at, *AT(char **, base, f));
}

static void format_globs(cg_buf *out, const field *f, const void *base, int indent)
{
	const cg_globset *set = *AT(cg_globset *, base, f);
	put_list(out, indent, cg_globset_count(set), glob_at, set);
}

static void format_regex(cg_buf *out, const field *f, const void *base, int indent)
{
	(void)indent;
	cg_buf_putc(out, ' ');
	put_quoted(out, cg_pattern_source(*AT(cg_pattern *, base, f)));
}

static void format_bool(cg_buf *out, const field *f, const void *base, int indent)
{
	(void)indent;
	cg_buf_puts(out, *AT(int, base, f) ? " true\n" : " false\n");
}

static void format_int(cg_buf *out, const field *f, const void *base, int indent)
{
	(void)indent;
	cg_buf_printf(out, " %d\n", *AT(int, base, f));
}

static void format_enum(cg_buf *out, const field *f, const void *base, int indent)
{
	(void)indent;
	cg_buf_printf(out, " %s\n", f->names[*AT(int, base, f)]);
}

static void format_duration(cg_buf *out, const field *f, const void *base, int indent)
{
	char text[64];

	(void)indent;
	cg_duration_format(text, sizeof(text), *AT(int64_t, base, f));
	cg_buf_printf(out, " %s\n", text);
}

/* `item`: the fields are a list item, the first one goes after "- ". */
static void format_fields(cg_buf *out, const field *fields, const void *base, int indent,
                          int item)
{
	for (size_t i = 0; fields[i].key; i++) {
		if (item && i == 0)
			cg_buf_printf(out, "%*s- %s:", indent - 2, "", fields[i].key);
		else
			cg_buf_printf(out, "%*s%s:", indent, "", fields[i].key);
		fields[i].kind->format(out, &fields[i], base, indent);
	}
}

static void format_map(cg_buf *out, const field *f, const void *base, int indent)
{
	cg_buf_putc(out, '\n');
	format_fields(out, f->fields, base, indent + 2, 0);
}

static void format_protect(cg_buf *out, const field *f, const void *base, int indent)
{
	const cg_policy *p = base;

	cg_buf_puts(out, p->protect_len ? "\n" : " []\n");
	for (size_t i = 0; i < p->protect_len; i++)
		format_fields(out, f->fields, &p->protect[i], indent + 4, 1);
}

/* --- the schema --- */

static const field_kind K_MAP = { read_map_field, format_map };
static const field_kind K_PROTECT = { read_protect, format_protect };
static const field_kind K_STRING = { read_string, format_string };
static const field_kind K_STRINGS = { read_strings, format_strings };
static const field_kind K_GLOBS = { read_globs, format_globs };
static const field_kind K_REGEX = { read_regex, format_regex };
static const field_kind K_BOOL = { read_bool, format_bool };
static const field_kind K_INT = { read_int, format_int };
static const field_kind K_ENUM = { read_enum, format_enum };
static const field_kind K_DURATION = { read_duration, format_duration };

/* In the order of the enums of policy.h. */
static const char *const changelog_modes[] = { "nearest", "every-directory", "root", NULL };
static const char *const verify_modes[] = { "pusher", "trailer", "signature", NULL };
static const char *const on_error_modes[] = { "block", "warn", NULL };
static const char *const non_utf8_modes[] = { "refuse", "warn", NULL };

#define P(member) offsetof(cg_policy, member)
#define G(member) offsetof(cg_protect_group, member)

static const field changelog_fields[] = {
	{ .key = "mode", .kind = &K_ENUM, .offset = P(changelog.mode), .names = changelog_modes },
	{ .key = "file", .kind = &K_STRING, .offset = P(changelog.file),
	  .check = check_file_name },
	{ .key = "require_for", .kind = &K_GLOBS, .offset = P(changelog.require_for) },
	{ .key = "ignore", .kind = &K_GLOBS, .offset = P(changelog.ignore) },
	{ .key = "entry_pattern", .kind = &K_REGEX, .offset = P(changelog.entry_pattern) },
	{ .key = "max_age", .kind = &K_DURATION, .offset = P(changelog.max_age_ms) },
	{ .key = "max_skew", .kind = &K_DURATION, .offset = P(changelog.max_skew_ms) },
	{ .key = "append_only", .kind = &K_BOOL, .offset = P(changelog.append_only) },
	{ .key = "skip_trailer", .kind = &K_STRING, .offset = P(changelog.skip_trailer),
	  .check = check_trailer },
	{ .key = "amend_trailer", .kind = &K_STRING, .offset = P(changelog.amend_trailer),
	  .check = check_trailer },
	{ .key = "amend_removes", .kind = &K_BOOL, .offset = P(changelog.amend_removes) },
	{ .key = "non_utf8", .kind = &K_ENUM, .offset = P(changelog.non_utf8_warn),
	  .names = non_utf8_modes },
	{ .key = NULL }
};

static const field group_fields[] = {
	{ .key = "name", .kind = &K_STRING, .offset = G(name), .check = check_not_empty },
	{ .key = "paths", .kind = &K_GLOBS, .offset = G(paths) },
	{ .key = "case_insensitive", .kind = &K_BOOL, .offset = G(case_insensitive) },
	{ .key = "trailer", .kind = &K_STRING, .offset = G(trailer), .check = check_trailer },
	{ .key = "authorizers", .kind = &K_STRINGS, .offset = G(authorizers),
	  .count_offset = G(authorizers_len), .check = check_not_empty },
	{ .key = "verify", .kind = &K_ENUM, .offset = G(verify), .names = verify_modes },
	{ .key = "removal_authorizers", .kind = &K_STRINGS, .offset = G(removal_authorizers),
	  .count_offset = G(removal_authorizers_len), .check = check_not_empty },
	{ .key = NULL }
};

#define F(member) offsetof(cg_policy, forbid.member)

static const field forbid_fields[] = {
	{ .key = "paths", .kind = &K_GLOBS, .offset = F(paths) },
	{ .key = "allow", .kind = &K_GLOBS, .offset = F(allow) },
	{ .key = "case_insensitive", .kind = &K_BOOL, .offset = F(case_insensitive) },
	{ .key = "duplicates", .kind = &K_BOOL, .offset = F(duplicates) },
	{ .key = "duplicate_min_size", .kind = &K_INT, .offset = F(duplicate_min_size),
	  .min = 1, .max = 999999999 },
	{ .key = "duplicate_allow", .kind = &K_GLOBS, .offset = F(duplicate_allow) },
	{ .key = "skip_trailer", .kind = &K_STRING, .offset = F(skip_trailer),
	  .check = check_trailer },
	{ .key = NULL }
};

static const field audit_fields[] = {
	{ .key = "path", .kind = &K_STRING, .offset = P(audit.path) },
	{ .key = "on_error", .kind = &K_ENUM, .offset = P(audit.on_error_warn),
	  .names = on_error_modes },
	{ .key = "witness", .kind = &K_STRING, .offset = P(audit.witness) },
	{ .key = "syslog", .kind = &K_STRING, .offset = P(audit.syslog) },
	{ .key = "url", .kind = &K_STRING, .offset = P(audit.url) },
	{ .key = "repository_id", .kind = &K_STRING, .offset = P(audit.repository_id) },
	{ .key = NULL }
};

static const field server_fields[] = {
	{ .key = "policy", .kind = &K_STRING, .offset = P(server.policy) },
	{ .key = "refs", .kind = &K_GLOBS, .offset = P(server.refs) },
	{ .key = "pusher_env", .kind = &K_STRINGS, .offset = P(server.pusher_env),
	  .count_offset = P(server.pusher_env_len), .check = check_env_name },
	{ .key = "push_option_waivers", .kind = &K_BOOL, .offset = P(server.push_option_waivers) },
	{ .key = "deadline", .kind = &K_INT, .offset = P(server.deadline), .min = 0, .max = 86400 },
	{ .key = "forbid_waivers", .kind = &K_STRINGS, .offset = P(server.forbid_waivers),
	  .count_offset = P(server.forbid_waivers_len), .check = check_forbid_group },
	{ .key = NULL }
};

static const field top_fields[] = {
	{ .key = "version", .kind = &K_INT, .offset = P(version), .min = 1, .max = 1 },
	{ .key = "changelog", .kind = &K_MAP, .fields = changelog_fields },
	{ .key = "protect", .kind = &K_PROTECT, .fields = group_fields },
	{ .key = "forbid", .kind = &K_MAP, .fields = forbid_fields },
	{ .key = "audit", .kind = &K_MAP, .fields = audit_fields },
	{ .key = "server", .kind = &K_MAP, .fields = server_fields },
	{ .key = NULL }
};

/* --- loading --- */

static int read_stream(reader *r, cg_policy *p)
{
	unsigned seen;
	int error;

	/* STREAM-START, then DOCUMENT-START, or STREAM-END for a file of
	 * nothing but comments, which leaves every default in place */
	if ((error = next(r)) < 0 || (error = next(r)) < 0 ||
	    r->ev.type == YAML_STREAM_END_EVENT)
		return error;
	if ((error = next(r)) < 0 ||
	    (error = read_section(r, "", top_fields, p, &seen)) < 0 ||
	    (error = next(r)) < 0 || /* DOCUMENT-END */
	    (error = next(r)) < 0)
		return error;
	if (r->ev.type != YAML_STREAM_END_EVENT)
		return fail(r, r->ev.start_mark,
		            "a second YAML document; a policy is a single document");
	return 0;
}

/* Reads `data` over whatever `p` already holds. */
static int parse(cg_policy *p, const char *data, size_t len, const char *label)
{
	reader r = { .label = label, .data = data, .len = len };
	int error;

	if (len > CG_POLICY_MAX_SIZE)
		return cg_error_set(CG_EPOLICY, "%s: the policy is larger than 1 MiB (%zu bytes)",
		                    label, len);
	if (!yaml_parser_initialize(&r.parser))
		return cg_error_set(CG_EPOLICY, "%s: cannot set up the YAML parser", label);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)data, len);
	/* no guessing: UTF-16 or stray bytes are errors, not another encoding */
	yaml_parser_set_encoding(&r.parser, YAML_UTF8_ENCODING);
	error = read_stream(&r, p);
	if (r.has_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	return error;
}

/* Hands every event of the single document to `fn`, depth first. */
static int walk_events(reader *r, cg_policy_yaml_fn fn, void *payload)
{
	int error;

	/* STREAM-START, DOCUMENT-START (or STREAM-END: nothing but comments) */
	if ((error = next(r)) < 0 || (error = next(r)) < 0 || r->ev.type == YAML_STREAM_END_EVENT)
		return error;
	for (;;) {
		cg_yaml_event kind;
		if ((error = next(r)) < 0)
			return error;
		switch (r->ev.type) {
		case YAML_MAPPING_START_EVENT: kind = CG_YAML_MAP_START; break;
		case YAML_MAPPING_END_EVENT: kind = CG_YAML_MAP_END; break;
		case YAML_SEQUENCE_START_EVENT: kind = CG_YAML_LIST_START; break;
		case YAML_SEQUENCE_END_EVENT: kind = CG_YAML_LIST_END; break;
		case YAML_SCALAR_EVENT: kind = CG_YAML_SCALAR; break;
		default:
			/* DOCUMENT-END: a second document is not read */
			return 0;
		}
		if (kind != CG_YAML_SCALAR)
			error = fn(kind, NULL, 0, 0, payload);
		else if (is_null(r) || is_bool(r))
			error = fn(kind, NULL, 0, is_null(r) ? 0 : one_of(scalar(r), true_names) >= 0 ? 1 : -1,
			           payload);
		else
			error = fn(kind, scalar(r), r->ev.data.scalar.length, 0, payload);
		if (error < 0)
			return error;
	}
}

int cg_policy_yaml_walk(const char *data, size_t len, const char *label, cg_policy_yaml_fn fn,
                        void *payload)
{
	reader r = { .label = label, .data = data ? data : "", .len = data ? len : 0 };
	int error;

	if (!yaml_parser_initialize(&r.parser))
		return cg_error_set(CG_ERROR, "%s: cannot set up the YAML parser", label);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)r.data, r.len);
	yaml_parser_set_encoding(&r.parser, YAML_UTF8_ENCODING);
	error = walk_events(&r, fn, payload);
	if (r.has_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	return error;
}

static int is_defaults(const char *data, size_t len)
{
	return len == sizeof(cg_policy_default_yaml) - 1 &&
	       !memcmp(data, cg_policy_default_yaml, len);
}

int cg_policy_load_buffer(cg_policy **out, const char *data, size_t len, const char *label)
{
	cg_policy *p = cg_calloc(1, sizeof(*p));
	int error;

	*out = NULL;
	if (!data) /* libyaml asserts on a NULL input even when it is empty */
		data = "";
	/* The defaults' text read over the defaults changes nothing: the
	 * built-in policy and the file `changeguard init` writes are read
	 * once, at every hook run's start-up. */
	if ((error = parse(p, cg_policy_default_yaml, strlen(cg_policy_default_yaml),
	                   DEFAULTS_LABEL)) < 0 ||
	    (!is_defaults(data, len) && (error = parse(p, data, len, label)) < 0) ||
	    (p->forbid.case_insensitive &&
	     ((error = casefold_globs(&p->forbid.paths)) < 0 ||
	      (error = casefold_globs(&p->forbid.allow)) < 0))) {
		cg_policy_free(p);
		return error;
	}
	p->source = cg_strdup(label);
	cg_hash_sha256_hex(p->sha256, data, len);
	*out = p;
	return 0;
}

int cg_policy_default(cg_policy **out)
{
	int error = cg_policy_load_buffer(out, cg_policy_default_yaml,
	                                  strlen(cg_policy_default_yaml), DEFAULTS_LABEL);

	if (!error)
		(*out)->builtin = 1;
	return error;
}

/* One byte past the limit is enough for cg_policy_load_buffer to say the
 * file is too large. An unreadable policy file is the policy's problem. */
static int read_bounded(cg_buf *out, const char *path)
{
	int error = cg_fs_read_head(out, path, CG_POLICY_MAX_SIZE + 1);

	return error == CG_ERROR ? CG_EPOLICY : error;
}

int cg_policy_load_file(cg_policy **out, const char *path)
{
	cg_buf text = CG_BUF_INIT;
	int error;

	*out = NULL;
	if ((error = read_bounded(&text, path)) == 0)
		error = cg_policy_load_buffer(out, text.ptr, text.size, path);
	cg_buf_dispose(&text);
	return error;
}

void cg_policy_format(cg_buf *out, const cg_policy *policy)
{
	format_fields(out, top_fields, policy, 0, 0);
}

static void format_server_settings(cg_buf *out, const cg_policy *p)
{
	format_fields(out, audit_fields, p, 0, 0);
	format_fields(out, server_fields, p, 0, 0);
}

int cg_policy_swap_server_settings(cg_policy *p, cg_policy *server)
{
	cg_buf mine = CG_BUF_INIT, theirs = CG_BUF_INIT;
	cg_policy was = *p;
	int differ;

	format_server_settings(&mine, p);
	format_server_settings(&theirs, server);
	differ = strcmp(mine.ptr, theirs.ptr) != 0;
	p->audit = server->audit;
	p->server = server->server;
	server->audit = was.audit;
	server->server = was.server;
	cg_buf_dispose(&mine);
	cg_buf_dispose(&theirs);
	return differ;
}

size_t cg_policy_require_authorizers(cg_policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->protect_len; i++) {
		cg_protect_group *g = &p->protect[i];
		if (g->authorizers_len || !g->trailer[0] || !cg_globset_match(g->paths, CG_POLICY_FILE))
			continue;
		g->trailer[0] = '\0';
		n++;
	}
	return n;
}

void cg_policy_free(cg_policy *p)
{
	if (!p)
		return;
	free(p->changelog.file);
	cg_globset_free(p->changelog.require_for);
	cg_globset_free(p->changelog.ignore);
	cg_pattern_free(p->changelog.entry_pattern);
	free(p->changelog.skip_trailer);
	free(p->changelog.amend_trailer);
	free_groups(p->protect, p->protect_len);
	cg_globset_free(p->forbid.paths);
	cg_globset_free(p->forbid.allow);
	cg_globset_free(p->forbid.duplicate_allow);
	free(p->forbid.skip_trailer);
	free(p->audit.path);
	free(p->audit.witness);
	free(p->audit.syslog);
	free(p->audit.url);
	free(p->audit.repository_id);
	free(p->server.policy);
	cg_globset_free(p->server.refs);
	free_strings(p->server.pusher_env, p->server.pusher_env_len);
	free_strings(p->server.forbid_waivers, p->server.forbid_waivers_len);
	free(p->source);
	free(p);
}
