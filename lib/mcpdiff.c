#include "mcpdiff.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"

/* What a line shows of a value from the file: enough to recognise it. */
#define SHOWN_BYTES 60

struct cg_mcpdiff {
	cg_mcpdiff_line *lines;
	size_t nlines, alines;
	char *unparsable;
};

static void add_line(cg_mcpdiff *d, cg_mcpdiff_kind kind, const cg_buf *text)
{
	d->lines = cg_array_grow(d->lines, &d->alines, d->nlines + 1, sizeof(*d->lines));
	d->lines[d->nlines].kind = kind;
	d->lines[d->nlines++].text = cg_strdup(text->ptr);
}

/* A value from the file in quotes, cut short, without control characters
 * (the line goes to terminals), and hidden when it looks like a credential:
 * arguments and URLs carry tokens as often as env does. */
static void put_value(cg_buf *out, const char *s)
{
	const char *eq = s ? strrchr(s, '=') : NULL;
	size_t i;

	if (!s) {
		cg_buf_puts(out, "(none)");
		return;
	}
	if (cg_mcpconfig_looks_secret(NULL, s) || (eq && cg_mcpconfig_looks_secret(NULL, eq + 1))) {
		cg_buf_puts(out, "(a value that looks like a secret, not shown)");
		return;
	}
	cg_buf_putc(out, '\'');
	for (i = 0; s[i] && i < SHOWN_BYTES; i++)
		cg_buf_putc(out, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	cg_buf_puts(out, s[i] ? "...'" : "'");
}

static void put_args(cg_buf *out, const cg_mcp_server *s)
{
	cg_buf_putc(out, '[');
	for (size_t i = 0; i < s->nargs && i < 8; i++) {
		if (i)
			cg_buf_puts(out, ", ");
		put_value(out, s->args[i]);
	}
	if (s->nargs > 8)
		cg_buf_printf(out, ", and %zu more", s->nargs - 8);
	cg_buf_putc(out, ']');
}

static void server_line(cg_mcpdiff *d, cg_mcpdiff_kind kind, const char *name,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void server_line(cg_mcpdiff *d, cg_mcpdiff_kind kind, const char *name,
                        const char *fmt, ...)
{
	cg_buf text = CG_BUF_INIT;
	va_list ap;

	cg_buf_puts(&text, "server ");
	put_value(&text, name);
	va_start(ap, fmt);
	cg_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	add_line(d, kind, &text);
	cg_buf_dispose(&text);
}

static int same_string(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same_args(const cg_mcp_server *a, const cg_mcp_server *b)
{
	if (a->nargs != b->nargs)
		return 0;
	for (size_t i = 0; i < a->nargs; i++)
		if (strcmp(a->args[i], b->args[i]))
			return 0;
	return 1;
}

/* The same arguments in another order: flags moved around can change
 * what a server does (a path now read as an option's value). */
static int args_reordered(const cg_mcp_server *a, const cg_mcp_server *b)
{
	char *used;
	size_t i, j;
	int all = 1;

	if (a->nargs != b->nargs)
		return 0;
	used = cg_calloc(a->nargs + 1, 1);
	for (i = 0; i < a->nargs && all; i++) {
		for (j = 0; j < b->nargs && (used[j] || strcmp(a->args[i], b->args[j])); j++)
			;
		if (j == b->nargs)
			all = 0;
		else
			used[j] = 1;
	}
	free(used);
	return all;
}

static int same_env(const cg_mcp_server *a, const cg_mcp_server *b)
{
	if (a->nenv != b->nenv)
		return 0;
	for (size_t i = 0; i < a->nenv; i++)
		if (strcmp(a->env[i].key, b->env[i].key) || strcmp(a->env[i].digest, b->env[i].digest))
			return 0;
	return 1;
}

static int same_definition(const cg_mcp_server *a, const cg_mcp_server *b)
{
	return same_string(a->command, b->command) && same_args(a, b) &&
	       same_string(a->url, b->url) && same_string(a->transport, b->transport) &&
	       same_env(a, b) && a->disabled == b->disabled;
}

static const char *secret_note(const cg_mcp_env *e)
{
	return e && e->looks_secret ? " (its value looks like a literal secret)" : "";
}

/* Both env lists are sorted by key: one merge pass. */
static void compare_env(cg_mcpdiff *d, const cg_mcp_server *a, const cg_mcp_server *b)
{
	size_t i = 0, j = 0;

	while (i < a->nenv || j < b->nenv) {
		int c = i == a->nenv ? 1 : j == b->nenv ? -1 : strcmp(a->env[i].key, b->env[j].key);
		cg_buf key = CG_BUF_INIT;

		put_value(&key, c <= 0 ? a->env[i].key : b->env[j].key);
		if (c < 0)
			server_line(d, CG_MCPDIFF_CHANGED, b->name, ": env key %s removed", key.ptr);
		else if (c > 0)
			server_line(d, CG_MCPDIFF_CHANGED, b->name, ": env key %s added%s", key.ptr,
			            secret_note(&b->env[j]));
		else if (strcmp(a->env[i].digest, b->env[j].digest))
			server_line(d, CG_MCPDIFF_CHANGED, b->name, ": env key %s value changed%s",
			            key.ptr, secret_note(&b->env[j]));
		i += c <= 0;
		j += c >= 0;
		cg_buf_dispose(&key);
	}
}

static void compare_field(cg_mcpdiff *d, const char *name, const char *what, const char *a,
                          const char *b)
{
	cg_buf from = CG_BUF_INIT, to = CG_BUF_INIT;

	if (same_string(a, b))
		return;
	put_value(&from, a);
	put_value(&to, b);
	server_line(d, CG_MCPDIFF_CHANGED, name, ": %s changed from %s to %s", what, from.ptr, to.ptr);
	cg_buf_dispose(&from);
	cg_buf_dispose(&to);
}

static void compare_server(cg_mcpdiff *d, const cg_mcp_server *a, const cg_mcp_server *b)
{
	cg_buf from = CG_BUF_INIT, to = CG_BUF_INIT;

	compare_field(d, b->name, "command", a->command, b->command);
	if (!same_args(a, b)) {
		put_args(&from, a);
		put_args(&to, b);
		server_line(d, CG_MCPDIFF_CHANGED, b->name, ": args %s from %s to %s",
		            args_reordered(a, b) ? "reordered (same arguments, another order)" : "changed",
		            from.ptr, to.ptr);
	}
	compare_field(d, b->name, "url", a->url, b->url);
	compare_field(d, b->name, "transport", a->transport, b->transport);
	compare_env(d, a, b);
	if (a->disabled != b->disabled)
		server_line(d, b->disabled ? CG_MCPDIFF_DISABLED : CG_MCPDIFF_ENABLED, b->name,
		            b->disabled ? " disabled" : " enabled");
	cg_buf_dispose(&from);
	cg_buf_dispose(&to);
}

static void describe_added(cg_mcpdiff *d, const cg_mcp_server *s)
{
	cg_buf what = CG_BUF_INIT;

	if (s->url) {
		cg_buf_puts(&what, "url ");
		put_value(&what, s->url);
	} else {
		cg_buf_puts(&what, "command ");
		put_value(&what, s->command);
		cg_buf_puts(&what, " args ");
		put_args(&what, s);
	}
	server_line(d, CG_MCPDIFF_ADDED, s->name, " added (%s%s)", what.ptr,
	            s->disabled ? ", disabled" : "");
	for (size_t i = 0; i < s->nenv; i++)
		if (s->env[i].looks_secret) {
			cg_buf_clear(&what);
			put_value(&what, s->env[i].key);
			server_line(d, CG_MCPDIFF_CHANGED, s->name, ": env key %s%s", what.ptr,
			            secret_note(&s->env[i]));
		}
	cg_buf_dispose(&what);
}

/* A removed server whose definition an added one repeats was renamed. */
static const cg_mcp_server *renamed_to(const cg_mcp_server *gone, const cg_mcp_config *new_,
                                       const cg_mcp_config *old, char *taken)
{
	for (size_t j = 0; j < cg_mcpconfig_count(new_); j++) {
		const cg_mcp_server *s = cg_mcpconfig_get(new_, j);
		if (!taken[j] && !cg_mcpconfig_find(old, s->name) && same_definition(gone, s)) {
			taken[j] = 1;
			return s;
		}
	}
	return NULL;
}

static void compare_servers(cg_mcpdiff *d, const cg_mcp_config *old, const cg_mcp_config *new_)
{
	size_t i, n = cg_mcpconfig_count(new_);
	char *taken = cg_calloc(n + 1, 1);
	cg_buf to = CG_BUF_INIT;

	for (i = 0; i < cg_mcpconfig_count(old); i++) {
		const cg_mcp_server *a = cg_mcpconfig_get(old, i), *b;
		if ((b = cg_mcpconfig_find(new_, a->name)) != NULL) {
			compare_server(d, a, b);
		} else if ((b = renamed_to(a, new_, old, taken)) != NULL) {
			cg_buf_clear(&to);
			put_value(&to, b->name);
			server_line(d, CG_MCPDIFF_RENAMED, a->name, " renamed to %s (same definition)", to.ptr);
		} else {
			server_line(d, CG_MCPDIFF_REMOVED, a->name, " removed");
		}
	}
	for (i = 0; i < n; i++)
		if (!taken[i] && !cg_mcpconfig_find(old, cg_mcpconfig_get(new_, i)->name))
			describe_added(d, cg_mcpconfig_get(new_, i));
	free(taken);
	cg_buf_dispose(&to);
}

static int has_input(const cg_mcp_config *c, const char *id)
{
	for (size_t i = 0; i < cg_mcpconfig_input_count(c); i++)
		if (!strcmp(cg_mcpconfig_input(c, i), id))
			return 1;
	return 0;
}

static void inputs_only_in(cg_mcpdiff *d, const cg_mcp_config *a, const cg_mcp_config *b,
                           const char *what)
{
	cg_buf text = CG_BUF_INIT;

	for (size_t i = 0; i < cg_mcpconfig_input_count(a); i++) {
		if (has_input(b, cg_mcpconfig_input(a, i)))
			continue;
		cg_buf_clear(&text);
		cg_buf_puts(&text, "input ");
		put_value(&text, cg_mcpconfig_input(a, i));
		cg_buf_puts(&text, what);
		add_line(d, CG_MCPDIFF_CHANGED, &text);
	}
	cg_buf_dispose(&text);
}

static void note(cg_mcpdiff *d, const char *s)
{
	cg_buf text = CG_BUF_INIT;

	cg_buf_puts(&text, s);
	add_line(d, CG_MCPDIFF_NOTE, &text);
	cg_buf_dispose(&text);
}

cg_mcpdiff *cg_mcpdiff_compare(const cg_mcp_config *old, const cg_mcp_config *new_)
{
	cg_mcpdiff *d = cg_calloc(1, sizeof(*d));

	/* one known side is enough: "{}" becoming a server list adds servers */
	if (!(old && cg_mcpconfig_shape(old)) && !(new_ && cg_mcpconfig_shape(new_))) {
		note(d, "not a known MCP configuration shape (mcpServers, servers, context_servers "
		        "or a list of servers): changed as a whole, not compared server by server");
		return d;
	}
	compare_servers(d, old, new_);
	inputs_only_in(d, old, new_, " removed");
	inputs_only_in(d, new_, old, " added");
	if (cg_mcpconfig_note(new_))
		note(d, cg_mcpconfig_note(new_));
	return d;
}

/* --- reading the two sides from git ----------------------------------- */

/* The extensions of the files this module reads: a TOML file or a wrapper
 * script under a protected MCP path is no configuration it can compare. */
static const char *const readable_ext[] = { ".json", ".jsonc", ".yaml", ".yml", NULL };

static int is_readable(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; readable_ext[i]; i++) {
		size_t k = strlen(readable_ext[i]);
		if (n > k && !strcasecmp(path + n - k, readable_ext[i]))
			return 1;
	}
	return 0;
}

static int names_mcp(const char *path)
{
	const char *base = strrchr(path, '/');

	for (base = base ? base + 1 : path; *base; base++)
		if (!strncasecmp(base, "mcp", 3))
			return 1;
	return 0;
}

/* The blob's configuration, or *out NULL with `why` set when it does not
 * parse; an absent side (zero id) leaves both empty. */
static int read_side(cg_mcp_config **out, cg_buf *why, git_repository *repo, const char *path,
                     const git_oid *oid)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size;
	int error;

	*out = NULL;
	if (!oid || git_oid_is_zero(oid))
		return 0;
	/* a missing json-c fails the check; it says nothing of the file */
	if ((error = cg_mcpconfig_load()) < 0)
		return error;
	if (git_repository_odb(&odb, repo) < 0 || git_odb_read_header(&size, &type, odb, oid) < 0 ||
	    (size <= CG_MCPCONFIG_MAX_BYTES && git_odb_read(&obj, odb, oid) < 0)) {
		git_odb_free(odb);
		return cg_error_from_git("cannot read an MCP configuration");
	}
	/* the header tells the size: a huge blob is refused without inflating it */
	error = cg_mcpconfig_parse(out, obj ? git_odb_object_data(obj) : NULL, size, path);
	if (error < 0)
		cg_buf_puts(why, cg_error_last());
	git_odb_object_free(obj);
	git_odb_free(odb);
	return 0;
}

int cg_mcpdiff_blobs(cg_mcpdiff **out, git_repository *repo, const char *path,
                     const git_oid *old_oid, const git_oid *new_oid)
{
	cg_mcp_config *a = NULL, *b = NULL;
	cg_buf why_old = CG_BUF_INIT, why_new = CG_BUF_INIT;
	int error;

	*out = NULL;
	if (!is_readable(path))
		return 0;
	if ((error = read_side(&a, &why_old, repo, path, old_oid)) < 0 ||
	    (error = read_side(&b, &why_new, repo, path, new_oid)) < 0)
		goto done;
	if (!names_mcp(path) && !(a && cg_mcpconfig_shape(a)) && !(b && cg_mcpconfig_shape(b)))
		goto done;
	/* Breaking a configuration that worked takes its servers away; a new
	 * or already broken file that does not parse is only said. */
	if (why_new.size) {
		*out = cg_calloc(1, sizeof(**out));
		if (cg_mcpconfig_count(a)) {
			(*out)->unparsable = cg_strdup(why_new.ptr);
		} else {
			cg_buf_clear(&why_old);
			cg_buf_printf(&why_old, "the new version does not parse, so its servers are not "
			              "compared: %s", why_new.ptr);
			note(*out, why_old.ptr);
		}
		goto done;
	}
	*out = cg_mcpdiff_compare(a, b);
	if (why_old.size)
		note(*out, "the old version did not parse: every server counts as added");
done:
	cg_mcpconfig_free(a);
	cg_mcpconfig_free(b);
	cg_buf_dispose(&why_old);
	cg_buf_dispose(&why_new);
	return error;
}

size_t cg_mcpdiff_count(const cg_mcpdiff *d)
{
	return d ? d->nlines : 0;
}

const cg_mcpdiff_line *cg_mcpdiff_get(const cg_mcpdiff *d, size_t i)
{
	return &d->lines[i];
}

int cg_mcpdiff_removes(const cg_mcpdiff *d)
{
	for (size_t i = 0; i < cg_mcpdiff_count(d); i++)
		if (d->lines[i].kind == CG_MCPDIFF_REMOVED || d->lines[i].kind == CG_MCPDIFF_DISABLED)
			return 1;
	return 0;
}

const char *cg_mcpdiff_unparsable(const cg_mcpdiff *d)
{
	return d ? d->unparsable : NULL;
}

void cg_mcpdiff_free(cg_mcpdiff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nlines; i++)
		free(d->lines[i].text);
	free(d->lines);
	free(d->unparsable);
	free(d);
}
