#include "entry.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "changelog.h"
#include "error.h"
#include "fs.h"
#include "git2compat.h"
#include "placement.h"
#include "policy.h"
#include "rules.h"
#include "snapshot.h"
#include "timestamp.h"

#define NEW_CHANGELOG "# Changelog\n\n"

/* One changelog to write: where, and its new content. */
typedef struct {
	char *path;        /* relative to the work tree */
	cg_buf full;       /* absolute */
	cg_buf content;
	mode_t mode;       /* of the existing file; 0 for a new one */
} target;

/* --- the entry line ------------------------------------------------------ */

static int is_one_line(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int visible = 0;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		visible |= *p != ' ';
	}
	return visible;
}

/* The entry line (no line end), checked against `pattern`: CG_EUSAGE when
 * the policy's entry_pattern would not accept it. */
static int entry_format(cg_buf *out, const cg_pattern *pattern, int64_t now_ms,
                        const char *author, const char *message)
{
	char ts[32];
	size_t start = 0, len = 0, at;
	int rc;

	if (!is_one_line(message))
		return cg_error_set(CG_EUSAGE, "the entry message must be one line of text");
	if (!is_one_line(author))
		return cg_error_set(CG_EUSAGE, "the author name '%s' is not one line of text", author);
	cg_timestamp_format(ts, now_ms, 0);
	cg_buf_clear(out);
	cg_buf_puts(out, "- ");
	at = out->size;
	cg_buf_printf(out, "%s %s: %s", ts, author, message);
	rc = cg_pattern_match(pattern, out->ptr, out->size, "ts", &start, &len);
	if (rc < 0)
		return rc;
	if (rc == 0 || start != at || len != strlen(ts))
		return cg_error_set(CG_EUSAGE, "the policy's entry_pattern does not accept '%s'; "
		                    "write the entry by hand in the format it wants", out->ptr);
	return 0;
}

/* Who entries are by: GIT_AUTHOR_NAME, else user.name from `repo`'s
 * configuration (the global one when `repo` is NULL). CG_EUSAGE with a
 * message naming the fix when neither is set. */
static int entry_author(cg_buf *out, git_repository *repo)
{
	const char *env = getenv("GIT_AUTHOR_NAME");
	git_config *cfg = NULL;
	git_buf name = GIT_BUF_INIT;
	int error = 0;

	cg_buf_clear(out);
	if (env && env[0]) {
		cg_buf_puts(out, env);
		return 0;
	}
	if ((repo ? cg_git2compat_config_snapshot(&cfg, repo) : git_config_open_default(&cfg)) < 0)
		return cg_error_from_git("cannot read git's configuration");
	if (git_config_get_string_buf(&name, cfg, "user.name") == 0 && name.ptr[0])
		cg_buf_puts(out, name.ptr);
	else
		error = cg_error_set(CG_EUSAGE, "who is the author? set your name with: "
		                     "git config --global user.name \"Your Name\"");
	git_buf_dispose(&name);
	git_config_free(cfg);
	return error;
}

/* --- changeguard entry ----------------------------------------------------- */

static void add_target(target **targets, size_t *n, size_t *alloc, const char *path)
{
	*targets = cg_array_grow(*targets, alloc, *n + 1, sizeof(**targets));
	memset(&(*targets)[*n], 0, sizeof(**targets));
	(*targets)[*n].path = cg_strdup(path);
	(*targets)[*n].full = (cg_buf)CG_BUF_INIT;
	(*targets)[*n].content = (cg_buf)CG_BUF_INIT;
	(*n)++;
}

static int needed_targets(target **targets, size_t *n, cg_check *c)
{
	cg_result *r = NULL;
	size_t i, alloc = 0;
	int error;

	if ((error = cg_check_evaluate(&r, c, NULL, 0)) < 0)
		return error;
	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].needs_entry)
			add_target(targets, n, &alloc, r->findings[i].path);
	cg_result_free(r);
	return 0;
}

/* DIR's changelog, relative to the work tree `root`. */
static int dir_target(target **targets, size_t *n, const char *root, const char *dir,
                      const char *file)
{
	char *real = realpath(dir, NULL), *top = realpath(root, NULL);
	cg_buf path = CG_BUF_INIT;
	size_t len = top ? strlen(top) : 0, alloc = 0;
	struct stat st;
	int error = 0;

	if (!real || !top || stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		error = cg_error_set(CG_EUSAGE, "--dir '%s' is not a directory", dir);
	else if (strncmp(real, top, len) || (real[len] && real[len] != '/'))
		error = cg_error_set(CG_EUSAGE, "--dir '%s' is outside the work tree '%s'", dir, top);
	if (!error) {
		if (real[len])
			cg_buf_printf(&path, "%s/", real + len + 1);
		cg_buf_puts(&path, file);
		add_target(targets, n, &alloc, path.ptr);
	}
	free(real);
	free(top);
	cg_buf_dispose(&path);
	return error;
}

static int has_unstaged_changes(git_repository *repo, const char *path)
{
	const unsigned int wt = GIT_STATUS_WT_NEW | GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_DELETED |
	                        GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_WT_RENAMED;
	unsigned int flags = 0;

	return git_status_file(&flags, repo, path) == 0 && (flags & wt);
}

/* Reads an existing changelog that an entry can go into: text, and UTF-8,
 * since a UTF-8 line in a file of another encoding would mix two. */
static int readable_changelog(cg_buf *old, const target *t)
{
	size_t at;
	int error = cg_fs_read(old, t->full.ptr, CG_CHANGELOG_MAX_BYTES);

	if (error == CG_ELIMIT) {
		cg_buf moved = CG_BUF_INIT;
		cg_changelog_archive_name(&moved, t->path);
		error = cg_error_set(CG_EUSAGE, "'%s' is larger than %u MiB, too large to add to; "
		                     "start a new one beside it: git mv '%s' '%s' && changeguard "
		                     "entry \"describe the change\"", t->path,
		                     CG_CHANGELOG_MAX_BYTES >> 20, t->path, moved.ptr);
		cg_buf_dispose(&moved);
		return error;
	}
	if (error < 0)
		return error;
	if (cg_changelog_is_binary(old->ptr, old->size))
		return cg_error_set(CG_EUSAGE, "'%s' is a binary file", t->path);
	if (cg_changelog_utf8_error(old->ptr, old->size, &at))
		return cg_error_set(CG_EUSAGE, "'%s' is not valid UTF-8 (byte %zu); an entry "
		                    "would mix two encodings in one file. Convert it first, e.g. "
		                    "from Latin-1: iconv -f ISO-8859-1 -t UTF-8 '%s' > '%s.utf8' "
		                    "&& mv '%s.utf8' '%s'", t->path, at, t->path, t->path, t->path,
		                    t->path);
	return 0;
}

/* Reads the changelog and puts the new content in `t->content`. */
static int prepare(target *t, git_repository *repo, const cg_policy *p, const char *line,
                   const cg_entry_opts *opts)
{
	cg_buf old = CG_BUF_INIT;
	cg_changelog *cl = NULL;
	struct stat st;
	int error = 0;

	cg_buf_printf(&t->full, "%s%s", git_repository_workdir(repo), t->path);
	if (!opts->force && has_unstaged_changes(repo, t->path))
		return cg_error_set(CG_EUSAGE, "'%s' has changes that are not staged; stage them "
		                    "first (git add), or use --force to stage them with the entry",
		                    t->path);
	if (lstat(t->full.ptr, &st) < 0) {
		cg_buf_puts(&old, NEW_CHANGELOG);
	} else if (!S_ISREG(st.st_mode)) {
		return cg_error_set(CG_EUSAGE, "'%s' is not a regular file", t->path);
	} else {
		t->mode = st.st_mode;
		error = readable_changelog(&old, t);
	}
	if (!error && (error = cg_changelog_parse(&cl, old.ptr, old.size,
	                                          p->changelog.entry_pattern)) == 0)
		error = cg_placement_insert(&t->content, old.ptr, old.size, cl, line, opts->kind);
	cg_changelog_free(cl);
	cg_buf_dispose(&old);
	return error;
}

static int write_and_stage(cg_entry_written *out, target *t, size_t n, git_index *index)
{
	size_t i;
	int error = 0;

	out->paths = cg_calloc(n, sizeof(*out->paths));
	out->created = cg_calloc(n, sizeof(*out->created));
	for (i = 0; i < n && !error; i++) {
		if ((error = cg_fs_write_atomic(t[i].full.ptr, t[i].content.ptr,
		                                t[i].content.size, t[i].mode)) < 0)
			break;
		out->paths[out->n] = cg_strdup(t[i].path);
		out->created[out->n++] = !t[i].mode;
		if (git_index_add_bypath(index, t[i].path) < 0)
			error = cg_error_from_git(t[i].path);
	}
	if (!error && git_index_write(index) < 0)
		error = cg_error_from_git("cannot write the index");
	return error;
}

int cg_entry_add(cg_entry_written *out, cg_check *c, const char *message,
                 const cg_entry_opts *opts)
{
	git_repository *repo = cg_check_repository(c);
	const cg_policy *p = cg_check_policy(c);
	cg_buf author = CG_BUF_INIT, line = CG_BUF_INIT;
	int64_t now = opts->now_ms ? opts->now_ms : cg_timestamp_now_ms();
	git_index *index = NULL;
	target *t = NULL;
	size_t i, n = 0;
	int error;

	memset(out, 0, sizeof(*out));
	if (git_repository_is_bare(repo))
		return cg_error_set(CG_EUSAGE, "a bare repository has no changelog to write");
	/* first, so that the unstaged-changes check compares with the index
	 * the entry is staged into */
	if ((error = cg_check_index(&index, c)) < 0 ||
	    (error = entry_author(&author, repo)) < 0 ||
	    (error = entry_format(&line, p->changelog.entry_pattern, now, author.ptr,
	                          message)) < 0)
		goto done;
	error = opts->dir ? dir_target(&t, &n, git_repository_workdir(repo), opts->dir,
	                               p->changelog.file)
	                  : needed_targets(&t, &n, c);
	/* Every file is ready before the first is written: all or nothing. */
	for (i = 0; i < n && !error; i++)
		error = prepare(&t[i], repo, p, line.ptr, opts);
	if (!error && n)
		error = write_and_stage(out, t, n, index);
done:
	git_index_free(index);
	for (i = 0; i < n; i++) {
		free(t[i].path);
		cg_buf_dispose(&t[i].full);
		cg_buf_dispose(&t[i].content);
	}
	free(t);
	cg_buf_dispose(&author);
	cg_buf_dispose(&line);
	return error;
}

int cg_entry_stage_all(void)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	int error = 0;

	if (git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) < 0)
		return cg_error_from_git("cannot open the repository");
	if (git_repository_is_bare(repo))
		error = cg_error_set(CG_EUSAGE, "a bare repository has no changelog to write");
	else if (git_repository_index(&index, repo) < 0 ||
	         git_index_update_all(index, NULL, NULL, NULL) < 0 || git_index_write(index) < 0)
		error = cg_error_from_git("cannot stage the tracked files' changes");
	git_index_free(index);
	git_repository_free(repo);
	return error;
}

void cg_entry_written_dispose(cg_entry_written *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->paths[i]);
	free(w->paths);
	free(w->created);
	memset(w, 0, sizeof(*w));
}

/* --- changeguard init ------------------------------------------------------ */

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int cg_entry_describe(cg_buf *out, const char *dir, git_repository *repo)
{
	cg_buf path = CG_BUF_INIT, author = CG_BUF_INIT, line = CG_BUF_INIT, where = CG_BUF_INIT;
	target t = { NULL, CG_BUF_INIT, CG_BUF_INIT, 0 };
	cg_changelog *cl = NULL;
	cg_policy *p = NULL;
	int error;

	cg_buf_printf(&path, "%s/" CG_POLICY_FILE, dir);
	error = exists(path.ptr) ? cg_policy_load_file(&p, path.ptr) : cg_policy_default(&p);
	if (error < 0)
		goto done;
	t.path = p->changelog.file;
	cg_buf_printf(&t.full, "%s/%s", dir, t.path);
	if ((error = entry_author(&author, repo)) < 0 ||
	    (error = entry_format(&line, p->changelog.entry_pattern, cg_timestamp_now_ms(),
	                          author.ptr, "what changed")) < 0 ||
	    (error = readable_changelog(&path, &t)) < 0 ||
	    (error = cg_changelog_parse(&cl, path.ptr, path.size, p->changelog.entry_pattern)) < 0)
		goto done;
	cg_placement_describe(&where, path.ptr, path.size, cl);
	cg_buf_clear(out);
	cg_buf_printf(out, "%s: entries will look like: %s\n%s: and go %s", t.path, line.ptr,
	              t.path, where.ptr);
done:
	cg_changelog_free(cl);
	cg_policy_free(p);
	cg_buf_dispose(&path);
	cg_buf_dispose(&author);
	cg_buf_dispose(&line);
	cg_buf_dispose(&where);
	cg_buf_dispose(&t.full);
	return error;
}

int cg_entry_init(cg_init_result *out, const char *dir, git_repository *repo)
{
	cg_buf policy_path = CG_BUF_INIT, log_path = CG_BUF_INIT, author = CG_BUF_INIT;
	cg_buf line = CG_BUF_INIT, content = CG_BUF_INIT;
	cg_policy *p = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	cg_buf_printf(&policy_path, "%s/" CG_POLICY_FILE, dir);
	out->wrote_policy = !exists(policy_path.ptr);
	error = out->wrote_policy ? cg_policy_default(&p) : cg_policy_load_file(&p, policy_path.ptr);
	if (error < 0)
		goto done;
	out->changelog = cg_strdup(p->changelog.file);
	out->mode = p->changelog.mode;
	cg_buf_printf(&log_path, "%s/%s", dir, p->changelog.file);
	out->wrote_changelog = !exists(log_path.ptr);
	if (out->wrote_changelog &&
	    ((error = entry_author(&author, repo)) < 0 ||
	     (error = entry_format(&line, p->changelog.entry_pattern, cg_timestamp_now_ms(),
	                           author.ptr, "start of the changelog (changeguard init)")) < 0))
		goto done;
	cg_buf_printf(&content, NEW_CHANGELOG "%s\n", line.ptr);
	if (out->wrote_policy) {
		cg_buf policy = CG_BUF_INIT;
		cg_buf_puts(&policy, cg_policy_default_yaml);
		error = cg_fs_write_atomic(policy_path.ptr, policy.ptr, policy.size, 0);
		cg_buf_dispose(&policy);
	}
	if (!error && out->wrote_changelog)
		error = cg_fs_write_atomic(log_path.ptr, content.ptr, content.size, 0);
done:
	cg_policy_free(p);
	cg_buf_dispose(&policy_path);
	cg_buf_dispose(&log_path);
	cg_buf_dispose(&author);
	cg_buf_dispose(&line);
	cg_buf_dispose(&content);
	return error;
}

/* --- changeguard init --every-directory ------------------------------------ */

typedef struct {
	const cg_policy *policy;
	const char *workdir;
	cg_buf line, path;       /* the first entry; the changelog being looked at */
	cg_entry_written *out;
	int error;
} directories;

static int init_directory(const char *file, const git_oid *oid, uint32_t mode, void *payload)
{
	directories *d = payload;
	const char *slash = strrchr(file, '/');
	cg_buf content = CG_BUF_INIT;

	(void)oid;
	(void)mode;
	if (!cg_rules_needs_entry(d->policy, file))
		return 0;
	cg_buf_clear(&d->path);
	if (slash)
		cg_buf_printf(&d->path, "%.*s/", (int)(slash - file), file);
	cg_buf_puts(&d->path, d->policy->changelog.file);
	cg_buf_clear(&content);
	cg_buf_printf(&content, "%s%s", d->workdir, d->path.ptr);
	/* A directory whose files the index splits around a subdirectory's
	 * comes twice: the file written the first time is there the second. */
	if (!exists(content.ptr)) {
		cg_buf text = CG_BUF_INIT;
		cg_buf_printf(&text, NEW_CHANGELOG "%s\n", d->line.ptr);
		d->error = cg_fs_write_atomic(content.ptr, text.ptr, text.size, 0);
		cg_buf_dispose(&text);
		if (!d->error) {
			cg_entry_written *w = d->out;
			w->paths = cg_realloc(w->paths, (w->n + 1) * sizeof(*w->paths));
			w->created = cg_realloc(w->created, (w->n + 1) * sizeof(*w->created));
			w->paths[w->n] = cg_strdup(d->path.ptr);
			w->created[w->n++] = 1;
		}
	}
	cg_buf_dispose(&content);
	return d->error;
}

int cg_entry_init_directories(cg_entry_written *out, git_repository *repo)
{
	directories d = { NULL, git_repository_workdir(repo), CG_BUF_INIT, CG_BUF_INIT, out, 0 };
	cg_buf policy_path = CG_BUF_INIT, author = CG_BUF_INIT;
	cg_snapshot *index = NULL;
	cg_policy *p = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if (!d.workdir)
		return cg_error_set(CG_EUSAGE, "a bare repository has no directories to give a changelog");
	cg_buf_printf(&policy_path, "%s" CG_POLICY_FILE, d.workdir);
	error = cg_policy_load_file(&p, policy_path.ptr);
	if (error == CG_ENOTFOUND)
		error = cg_policy_default(&p);
	d.policy = p;
	if (!error && (error = entry_author(&author, repo)) == 0 &&
	    (error = entry_format(&d.line, p->changelog.entry_pattern, cg_timestamp_now_ms(),
	                          author.ptr, "start of the changelog (changeguard init)")) == 0 &&
	    (error = cg_snapshot_from_index_file(&index, repo, NULL)) == 0)
		error = cg_snapshot_foreach(index, init_directory, &d);
	cg_snapshot_free(index);
	cg_policy_free(p);
	cg_buf_dispose(&policy_path);
	cg_buf_dispose(&author);
	cg_buf_dispose(&d.line);
	cg_buf_dispose(&d.path);
	return error;
}
