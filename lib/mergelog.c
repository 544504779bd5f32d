#include "mergelog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fs.h"
#include "git2compat.h"

/* One line of a version, with what the changelog parser made of it. */
typedef struct {
	const char *text;  /* with its line end */
	size_t len;        /* with its line end */
	size_t body;       /* without it */
	int entry;         /* an entry with a valid timestamp: what a side may add */
	int64_t ts_ms;
} line;

/* A version split into lines; `at[j]` is, for a side, the base line its
 * line j was inserted before, or MATCHED when it is a base line. */
typedef struct {
	const char *name;  /* "base", "ours", "theirs", in messages */
	line *v;
	size_t n;
	size_t *at;
	int oldest_first;
} version;

#define MATCHED SIZE_MAX

static void split(version *ver, const cg_changelog_text *t)
{
	size_t pos = 0, alloc = 0;

	while (pos < t->len) {
		const char *s = t->data + pos, *nl = memchr(s, '\n', t->len - pos);
		line *l;

		ver->v = cg_array_grow(ver->v, &alloc, ver->n + 1, sizeof(*ver->v));
		l = &ver->v[ver->n++];
		memset(l, 0, sizeof(*l));
		l->text = s;
		l->len = nl ? (size_t)(nl - s) + 1 : t->len - pos;
		l->body = l->len - (nl != NULL);
		if (nl && l->body && s[l->body - 1] == '\r')
			l->body--;
		pos += l->len;
	}
}

/* Splits `t` and marks its entries; a parse that fails (the regex budget)
 * leaves the file not understood, said in `why`. */
static int read_version(version *ver, const char *name, const cg_changelog_text *t,
                        const cg_pattern *entry, cg_buf *why)
{
	cg_changelog *cl = NULL;
	size_t i;

	ver->name = name;
	split(ver, t);
	ver->at = cg_calloc(ver->n + 1, sizeof(*ver->at));
	if (cg_changelog_parse(&cl, t->data, t->len, entry) < 0) {
		cg_buf_printf(why, "%s cannot be read as a changelog: %s", name, cg_error_last());
		return -1;
	}
	for (i = 0; i < cg_changelog_count(cl); i++) {
		const cg_changelog_line *l = cg_changelog_get(cl, i);
		line *mine = &ver->v[l->line - 1];
		mine->entry = l->kind == CG_LINE_ENTRY && l->status == CG_TS_OK;
		mine->ts_ms = l->ts_ms;
	}
	ver->oldest_first = cg_changelog_oldest_first(cl);
	cg_changelog_free(cl);
	return 0;
}

static void version_dispose(version *ver)
{
	free(ver->v);
	free(ver->at);
}

/* A side's line is the base's when the text and the line end are the same;
 * the base's last line may have gained the line end the new lines after it need. */
static int same_line(const line *b, const line *s, int base_last)
{
	if (b->body != s->body || memcmp(b->text, s->text, b->body))
		return 0;
	return b->len == s->len || (base_last && b->len == b->body);
}

static void quote_line(cg_buf *why, const line *l)
{
	cg_buf_printf(why, "'%.*s'", (int)(l->body < 72 ? l->body : 72), l->text);
}

/* Lines the side up with the base: every base line in order, and between
 * them only entries the side added. */
static int align(version *side, const version *base, cg_buf *why)
{
	size_t i = 0, j;

	for (j = 0; j < side->n; j++) {
		if (i < base->n && same_line(&base->v[i], &side->v[j], i + 1 == base->n)) {
			side->at[j] = MATCHED;
			i++;
		} else if (side->v[j].entry) {
			side->at[j] = i;
		} else {
			cg_buf_printf(why, "%s has line %zu, which is neither the base's nor a new entry: ",
			              side->name, j + 1);
			quote_line(why, &side->v[j]);
			return -1;
		}
	}
	if (i < base->n) {
		cg_buf_printf(why, "%s rewrites or removes line %zu of the base: ", side->name, i + 1);
		quote_line(why, &base->v[i]);
		return -1;
	}
	return 0;
}

static int same_text(const cg_changelog_text *a, const cg_changelog_text *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

cg_mergelog_style cg_mergelog_style_of(git_repository *repo)
{
	static const char *const names[] = { "merge", "diff3", "zdiff3" };
	git_config *cfg = NULL;
	git_buf value = { 0 };
	int style = CG_MERGELOG_STYLE_MERGE, k;

	if (repo && cg_git2compat_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&value, cfg, "merge.conflictStyle") == 0)
		for (k = 0; k < 3; k++)
			if (!strcmp(value.ptr, names[k]))
				style = k;
	git_buf_dispose(&value);
	git_config_free(cfg);
	return (cg_mergelog_style)style;
}

static int text_merge(cg_mergelog_result *out, const cg_changelog_text *const t[3],
                      cg_mergelog_style style)
{
	static const unsigned flags[] = {
		[CG_MERGELOG_STYLE_MERGE] = GIT_MERGE_FILE_STYLE_MERGE,
		[CG_MERGELOG_STYLE_DIFF3] = GIT_MERGE_FILE_STYLE_DIFF3,
		[CG_MERGELOG_STYLE_ZDIFF3] = GIT_MERGE_FILE_STYLE_ZDIFF3,
	};
	static const char *const labels[3] = { "base", "ours", "theirs" };
	git_merge_file_input in[3];
	git_merge_file_options opts = GIT_MERGE_FILE_OPTIONS_INIT;
	git_merge_file_result res = { 0 };
	int k;

	for (k = 0; k < 3; k++) {
		git_merge_file_input_init(&in[k], GIT_MERGE_FILE_INPUT_VERSION);
		in[k].ptr = t[k]->data;
		in[k].size = t[k]->len;
	}
	opts.ancestor_label = labels[0];
	opts.our_label = labels[1];
	opts.their_label = labels[2];
	opts.flags = flags[style];
	if (git_merge_file(&res, &in[0], &in[1], &in[2], &opts) < 0)
		return cg_error_from_git("cannot merge the changelog as text");
	cg_buf_put(&out->merged, res.ptr, res.len);
	git_merge_file_result_free(&res);
	out->conflict = 1;
	return 0;
}

/* Appends a line, giving the one before it the line end it lacked (the
 * base's last line, when entries now follow it). */
static void emit(cg_buf *out, const line *l, const char *eol, int *open)
{
	if (*open)
		cg_buf_puts(out, eol);
	cg_buf_put(out, l->text, l->len);
	*open = l->len == l->body;
}

/* Whether theirs' line j is one ours added too: kept once, where ours put it. */
static int added_by_ours(const version *ours, const line *l, char *taken)
{
	size_t k;

	for (k = 0; k < ours->n; k++)
		if (ours->at[k] != MATCHED && !taken[k] && ours->v[k].body == l->body &&
		    !memcmp(ours->v[k].text, l->text, l->body)) {
			taken[k] = 1;
			return 1;
		}
	return 0;
}

/* Appends the entries both sides inserted before base line i, merged by
 * time in the file's direction; advances *a and *b past them and past the
 * side's copy of base line i. */
static void emit_group(cg_buf *out, const version *ours, const version *theirs, size_t i,
                       size_t *a, size_t *b, const char *drop, int oldest_first,
                       const char *eol, int *open)
{
	for (;;) {
		int has_a = *a < ours->n && ours->at[*a] == i;
		int has_b = *b < theirs->n && theirs->at[*b] == i;
		const line *la = has_a ? &ours->v[*a] : NULL, *lb = has_b ? &theirs->v[*b] : NULL;

		if (has_b && drop[*b]) {
			(*b)++;
		} else if (has_a && (!has_b || (oldest_first ? la->ts_ms <= lb->ts_ms
		                                             : la->ts_ms >= lb->ts_ms))) {
			emit(out, la, eol, open);
			(*a)++;
		} else if (has_b) {
			emit(out, lb, eol, open);
			(*b)++;
		} else {
			break;
		}
	}
	*a += *a < ours->n;
	*b += *b < theirs->n;
}

static void merge_entries(cg_mergelog_result *out, const version *base, const version *ours,
                          const version *theirs)
{
	char *taken = cg_calloc(ours->n + 1, 1), *drop = cg_calloc(theirs->n + 1, 1);
	const char *eol = base->n && base->v[0].len - base->v[0].body == 2 ? "\r\n" : "\n";
	int oldest_first = ours->oldest_first || theirs->oldest_first, open = 0;
	size_t i, a = 0, b = 0, j;

	for (j = 0; j < theirs->n; j++)
		drop[j] = theirs->at[j] != MATCHED && added_by_ours(ours, &theirs->v[j], taken);
	for (i = 0; i <= base->n; i++) {
		emit_group(&out->merged, ours, theirs, i, &a, &b, drop, oldest_first, eol, &open);
		if (i < base->n)
			emit(&out->merged, &base->v[i], eol, &open);
	}
	free(taken);
	free(drop);
}

int cg_mergelog_merge(cg_mergelog_result *out, const cg_changelog_text *base,
                      const cg_changelog_text *ours, const cg_changelog_text *theirs,
                      const cg_pattern *entry, cg_mergelog_style style)
{
	const cg_changelog_text *const t[3] = { base, ours, theirs };
	version v[3];
	int k, understood = 1;

	memset(out, 0, sizeof(*out));
	memset(v, 0, sizeof(v));
	if (same_text(ours, theirs) || same_text(base, theirs)) {
		cg_buf_put(&out->merged, ours->data, ours->len);
		return 0;
	}
	if (same_text(base, ours)) {
		cg_buf_put(&out->merged, theirs->data, theirs->len);
		return 0;
	}
	for (k = 0; k < 3 && understood; k++)
		if (cg_changelog_is_binary(t[k]->data, t[k]->len)) {
			cg_buf_printf(&out->why, "%s is binary", k ? (k == 1 ? "ours" : "theirs") : "base");
			understood = 0;
		}
	understood = understood && read_version(&v[0], "base", base, entry, &out->why) == 0 &&
	             read_version(&v[1], "ours", ours, entry, &out->why) == 0 &&
	             read_version(&v[2], "theirs", theirs, entry, &out->why) == 0 &&
	             align(&v[1], &v[0], &out->why) == 0 && align(&v[2], &v[0], &out->why) == 0;
	if (understood)
		merge_entries(out, &v[0], &v[1], &v[2]);
	for (k = 0; k < 3; k++)
		version_dispose(&v[k]);
	return understood ? 0 : text_merge(out, t, style);
}

void cg_mergelog_result_dispose(cg_mergelog_result *r)
{
	cg_buf_dispose(&r->merged);
	cg_buf_dispose(&r->why);
}

int cg_mergelog_files(cg_mergelog_result *out, const char *base_path, const char *ours_path,
                      const char *theirs_path, const cg_pattern *entry, cg_mergelog_style style)
{
	cg_buf data[3] = { CG_BUF_INIT, CG_BUF_INIT, CG_BUF_INIT };
	const char *paths[3] = { base_path, ours_path, theirs_path };
	cg_changelog_text t[3];
	int k, error = 0;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < 3 && !error; k++) {
		error = cg_fs_read(&data[k], paths[k], CG_CHANGELOG_MAX_BYTES);
		t[k].data = data[k].ptr ? data[k].ptr : "";
		t[k].len = data[k].size;
	}
	if (!error && (error = cg_mergelog_merge(out, &t[0], &t[1], &t[2], entry, style)) == 0)
		error = cg_fs_write_atomic(ours_path, out->merged.ptr ? out->merged.ptr : "",
		                           out->merged.size, 0);
	for (k = 0; k < 3; k++)
		cg_buf_dispose(&data[k]);
	return error;
}

/* --- git's configuration and attributes -------------------------------------------- */

#define KEY_NAME "merge." CG_MERGELOG_DRIVER ".name"
#define KEY_DRIVER "merge." CG_MERGELOG_DRIVER ".driver"

static int local_config(git_config **out, git_repository *repo)
{
	git_config *cfg = NULL;
	int error = git_repository_config(&cfg, repo);

	if (error == 0)
		error = git_config_open_level(out, cfg, GIT_CONFIG_LEVEL_LOCAL);
	git_config_free(cfg);
	return error < 0 ? cg_error_from_git("cannot open the repository's configuration") : 0;
}

/* Sets `key` to `value` unless it is so already; *changed says if it was not. */
static int set_string(int *changed, git_config *cfg, const char *key, const char *value)
{
	git_buf old = { 0 };
	int same = git_config_get_string_buf(&old, cfg, key) == 0 && !strcmp(old.ptr, value);

	git_buf_dispose(&old);
	if (same)
		return 0;
	*changed = 1;
	if (git_config_set_string(cfg, key, value) < 0)
		return cg_error_from_git("cannot set the merge driver in the configuration");
	return 0;
}

int cg_mergelog_configure(int *changed, git_repository *repo, const char *program)
{
	git_config *cfg = NULL;
	cg_buf driver = CG_BUF_INIT;
	int error;

	*changed = 0;
	cg_buf_put_shell_quoted(&driver, program);
	cg_buf_puts(&driver, " merge-changelog %O %A %B %P");
	if ((error = local_config(&cfg, repo)) == 0 &&
	    (error = set_string(changed, cfg, KEY_NAME,
	                        "changeguard: keep both sides' changelog entries")) == 0)
		error = set_string(changed, cfg, KEY_DRIVER, driver.ptr);
	git_config_free(cfg);
	cg_buf_dispose(&driver);
	return error;
}

int cg_mergelog_unconfigure(git_repository *repo)
{
	static const char *const keys[] = { KEY_NAME, KEY_DRIVER };
	git_config *cfg = NULL;
	size_t i;
	int error;

	if ((error = local_config(&cfg, repo)) < 0)
		return error;
	for (i = 0; i < 2 && !error; i++) {
		int e = git_config_delete_entry(cfg, keys[i]);
		if (e < 0 && e != GIT_ENOTFOUND)
			error = cg_error_from_git("cannot remove the merge driver from the configuration");
	}
	git_config_free(cfg);
	return error;
}

void cg_mergelog_attributes_line(cg_buf *out, const char *changelog, cg_changelog_mode mode)
{
	/* A name without a slash matches in every directory, as in .gitignore;
	 * a leading slash keeps it to the root. */
	cg_buf_clear(out);
	cg_buf_printf(out, "%s%s merge=" CG_MERGELOG_DRIVER,
	              mode == CG_CHANGELOG_ROOT && changelog[0] != '/' ? "/" : "", changelog);
}

static int has_line(const cg_buf *text, const cg_buf *want)
{
	const char *s = text->ptr, *end = text->ptr + text->size;

	while (s && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (n && s[n - 1] == '\r')
			n--;
		if (n == want->size && !memcmp(s, want->ptr, n))
			return 1;
		s = nl ? nl + 1 : NULL;
	}
	return 0;
}

int cg_mergelog_write_attributes(int *added, const char *dir, const char *changelog,
                                 cg_changelog_mode mode)
{
	cg_buf path = CG_BUF_INIT, text = CG_BUF_INIT, want = CG_BUF_INIT;
	int error;

	*added = 0;
	cg_buf_printf(&path, "%s/.gitattributes", dir);
	cg_mergelog_attributes_line(&want, changelog, mode);
	error = cg_fs_read(&text, path.ptr, 1024 * 1024);
	if (error == CG_ENOTFOUND)
		error = 0;
	if (!error && !has_line(&text, &want)) {
		if (text.size && text.ptr[text.size - 1] != '\n')
			cg_buf_putc(&text, '\n');
		cg_buf_printf(&text, "%s\n", want.ptr);
		error = cg_fs_write_atomic(path.ptr, text.ptr, text.size, 0);
		*added = error == 0;
	}
	cg_buf_dispose(&path);
	cg_buf_dispose(&text);
	cg_buf_dispose(&want);
	return error;
}

int cg_mergelog_status(int *named, int *configured, git_repository *repo, const char *path)
{
	git_config *cfg = NULL;
	git_buf driver = { 0 };
	const char *value = NULL;

	*named = *configured = 0;
	if (git_attr_get(&value, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, path, "merge") < 0)
		return cg_error_from_git("cannot read the git attributes");
	*named = git_attr_value(value) == GIT_ATTR_VALUE_STRING && !strcmp(value, CG_MERGELOG_DRIVER);
	if (cg_git2compat_config_snapshot(&cfg, repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	*configured = git_config_get_string_buf(&driver, cfg, KEY_DRIVER) == 0 && driver.size;
	git_buf_dispose(&driver);
	git_config_free(cfg);
	return 0;
}
