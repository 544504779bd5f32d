#include "install.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "fs.h"
#include "error.h"
#include "git2compat.h"
#include "mergelog.h"
#include "policy.h"
#include "policy_find.h"
#include "record.h"

static const char *const local_hooks[] = { "pre-commit", "prepare-commit-msg", "commit-msg" };
static const char *const server_hooks[] = { "pre-receive" };
static const char *const all_hooks[] = {
	"pre-commit", "prepare-commit-msg", "commit-msg", "pre-receive"
};

/* Marks a wrapper as ours, in its first 4 KiB (cg_install_is_ours). */
#define WRAPPER_MARK "# changeguard hook wrapper, format 1"

/* Hooks git feeds on stdin; the wrapper keeps a copy for the chained hook. */
static int reads_stdin(const char *hook)
{
	return !strcmp(hook, "pre-receive");
}

/* --- paths ------------------------------------------------------------- */

int cg_install_program(cg_buf *out)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return cg_error_set(CG_ERROR, "cannot find this program: /proc/self/exe: %s",
		                    strerror(errno));
	cg_buf_clear(out);
	cg_buf_put(out, exe, (size_t)n);
	return 0;
}

int cg_install_libexec_dir(cg_buf *out)
{
	cg_buf dir = CG_BUF_INIT;
	char *slash, *real;
	int error;

	if ((error = cg_install_program(&dir)) < 0)
		return error;
	if ((slash = strrchr(dir.ptr, '/')) != NULL)
		cg_buf_truncate(&dir, (size_t)(slash - dir.ptr));
	cg_buf_puts(&dir, "/../libexec/changeguard");
	real = realpath(dir.ptr, NULL);
	if (!real) {
		cg_error_set(CG_ERROR, "cannot find the hook executables: '%s': %s", dir.ptr,
		             strerror(errno));
		cg_buf_dispose(&dir);
		return CG_ERROR;
	}
	cg_buf_clear(out);
	cg_buf_puts(out, real);
	free(real);
	cg_buf_dispose(&dir);
	return 0;
}

static const char *base_dir(git_repository *repo)
{
	const char *workdir = git_repository_workdir(repo);
	return workdir ? workdir : git_repository_path(repo);
}

static void absolute(cg_buf *out, git_repository *repo, const char *path)
{
	const char *base = base_dir(repo);
	size_t n = strlen(base);

	cg_buf_clear(out);
	if (path[0] != '/')
		cg_buf_printf(out, "%s%s", base, n && base[n - 1] == '/' ? "" : "/");
	cg_buf_puts(out, path);
	while (out->size > 1 && out->ptr[out->size - 1] == '/')
		out->ptr[--out->size] = '\0';
}

int cg_install_hooks_dir(cg_buf *out, git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;

	if (cg_git2compat_config_snapshot(&cfg, repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	if (git_config_get_path(&value, cfg, "core.hooksPath") == 0 && value.ptr[0]) {
		absolute(out, repo, value.ptr);
	} else {
		cg_buf_clear(out);
		cg_buf_printf(out, "%shooks", git_repository_commondir(repo));
	}
	git_buf_dispose(&value);
	git_config_free(cfg);
	return 0;
}

/* --- what a hook file is ------------------------------------------------- */

typedef enum {
	HOOK_NONE,
	HOOK_WRAPPER,  /* our wrapper */
	HOOK_LINK,     /* a symlink straight to a changeguard hook executable */
	HOOK_FOREIGN   /* anything else: someone's own hook */
} hook_kind;

typedef struct {
	hook_kind kind;
	struct stat st;
	cg_buf text;     /* the wrapper's text */
	cg_buf binary;   /* the executable the wrapper or link runs */
} hook_file;

#define HOOK_FILE_INIT { HOOK_NONE, { 0 }, CG_BUF_INIT, CG_BUF_INIT }

static void hook_file_dispose(hook_file *h)
{
	cg_buf_dispose(&h->text);
	cg_buf_dispose(&h->binary);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The executable a wrapper runs: the value of its line hook='...'. */
static void wrapper_binary(cg_buf *out, const char *text)
{
	const char *p = strstr(text, "\nhook='");

	cg_buf_clear(out);
	if (!p)
		return;
	for (p += 7; *p && *p != '\n'; p++) {
		if (!strncmp(p, "'\\''", 4)) {
			cg_buf_putc(out, '\'');
			p += 3;
		} else if (*p != '\'') {
			cg_buf_putc(out, *p);
		}
	}
}

static int inspect(hook_file *h, const char *path, const char *name)
{
	cg_buf suffix = CG_BUF_INIT;
	char target[PATH_MAX];
	ssize_t n;
	int error = 0;

	if (lstat(path, &h->st) < 0) {
		h->kind = HOOK_NONE;
		return errno == ENOENT ? 0 : cg_error_set(CG_ERROR, "cannot look at '%s': %s",
		                                          path, strerror(errno));
	}
	h->kind = HOOK_FOREIGN;
	cg_buf_printf(&suffix, "/changeguard/%s", name);
	if (S_ISLNK(h->st.st_mode) && (n = readlink(path, target, sizeof(target) - 1)) > 0) {
		target[n] = '\0';
		if (ends_with(target, suffix.ptr)) {
			/* A relative target is relative to the link's directory. */
			char *real = realpath(path, NULL);
			h->kind = HOOK_LINK;
			cg_buf_puts(&h->binary, real ? real : target);
			free(real);
		}
	} else if (S_ISREG(h->st.st_mode) && (error = cg_fs_read_head(&h->text, path, 4096)) == 0 &&
	           strstr(h->text.ptr, WRAPPER_MARK)) {
		h->kind = HOOK_WRAPPER;
		wrapper_binary(&h->binary, h->text.ptr);
	}
	cg_buf_dispose(&suffix);
	return error;
}

int cg_install_is_ours(const char *path, const char *name)
{
	hook_file h = HOOK_FILE_INIT;
	int ours = inspect(&h, path, name) == 0 && (h.kind == HOOK_WRAPPER || h.kind == HOOK_LINK);

	hook_file_dispose(&h);
	return ours;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --- the wrapper --------------------------------------------------------- */

static void wrapper_text(cg_buf *out, const char *name, const char *binary)
{
	cg_buf_clear(out);
	cg_buf_printf(out,
		"#!/bin/sh\n"
		WRAPPER_MARK "\n"
		"# Written by 'changeguard install'; 'changeguard uninstall' removes it and\n"
		"# puts back the hook that was here before, if any (%s" CG_INSTALL_CHAINED_SUFFIX ").\n"
		"# Runs changeguard's %s, then that hook; either one failing fails the hook.\n"
		"hook=", name, name);
	cg_buf_put_shell_quoted(out, binary);
	/* The hook's directory by the shell's own expansion: dirname would
	 * be a fork and an exec in every commit hook. */
	cg_buf_printf(out,
		"\ncase $0 in */*) chained=${0%%/*} ;; *) chained=. ;; esac\n"
		"chained=\"$chained/%s" CG_INSTALL_CHAINED_SUFFIX "\"\n"
		"# Installed from a build that moved or is gone: the changeguard on PATH\n"
		"# (cmake --install, the .deb) has its hooks in ../libexec/changeguard.\n"
		"if ! test -x \"$hook\" && found=$(command -v changeguard); then\n"
		"\thook=\"${found%%/*}/../libexec/changeguard/%s\"\n"
		"fi\n"
		"if ! test -x \"$hook\"; then\n"
		"\techo \"changeguard: cannot run the %s hook: '$hook' is missing\" >&2\n"
		"\techo \"hint: reinstall changeguard, then run 'changeguard install' here to point the hooks at it\" >&2\n"
		"\techo \"hint: or remove changeguard's hooks with 'changeguard uninstall'\" >&2\n"
		"\texit 3\n"
		"fi\n", name, name, name);
	if (!strcmp(name, "prepare-commit-msg"))
		cg_buf_puts(out,
			"# With -m or -F git opens no editor, and changeguard has nothing to add.\n"
			"if test \"$2\" = message; then\n"
			"\ttest -x \"$chained\" || exit 0\n"
			"\texec \"$chained\" \"$@\"\n"
			"fi\n");
	cg_buf_puts(out, "test -x \"$chained\" || exec \"$hook\" \"$@\"\n");
	if (!reads_stdin(name)) {
		cg_buf_puts(out, "\"$hook\" \"$@\" || exit $?\nexec \"$chained\" \"$@\"\n");
		return;
	}
	cg_buf_puts(out,
		"# Both hooks read the same input.\n"
		"input=$(mktemp) || exit 3\n"
		"if cat >\"$input\"; then\n"
		"\t\"$hook\" \"$@\" <\"$input\" && \"$chained\" \"$@\" <\"$input\"\n"
		"\tstatus=$?\n"
		"else\n"
		"\tstatus=3\n"
		"fi\n"
		"rm -f \"$input\"\n"
		"exit $status\n");
}

static int move(const char *from, const char *to)
{
	if (rename(from, to) < 0)
		return cg_error_set(CG_ERROR, "cannot rename '%s' to '%s': %s", from, to,
		                    strerror(errno));
	return 0;
}

/* --- install and uninstall ---------------------------------------------- */

static int install_one(cg_install_action *action, const char *dir, const char *name,
                       const char *libexec)
{
	cg_buf path = CG_BUF_INIT, chained = CG_BUF_INIT, binary = CG_BUF_INIT, text = CG_BUF_INIT;
	hook_file h = HOOK_FILE_INIT;
	int error;

	cg_buf_printf(&path, "%s/%s", dir, name);
	cg_buf_printf(&chained, "%s" CG_INSTALL_CHAINED_SUFFIX, path.ptr);
	cg_buf_printf(&binary, "%s/%s", libexec, name);
	wrapper_text(&text, name, binary.ptr);
	if ((error = inspect(&h, path.ptr, name)) < 0)
		goto done;
	switch (h.kind) {
	case HOOK_WRAPPER:
		*action = CG_INSTALL_UNCHANGED;
		if (strcmp(h.text.ptr, text.ptr) || (h.st.st_mode & 0111) != 0111) {
			*action = CG_INSTALL_UPDATED;
			error = cg_fs_write_atomic(path.ptr, text.ptr, text.size, 0755);
		}
		break;
	case HOOK_LINK:
		*action = CG_INSTALL_UPDATED;
		error = cg_fs_write_atomic(path.ptr, text.ptr, text.size, 0755);
		break;
	case HOOK_NONE:
		*action = exists(chained.ptr) ? CG_INSTALL_CHAINED : CG_INSTALL_ADDED;
		error = cg_fs_write_atomic(path.ptr, text.ptr, text.size, 0755);
		break;
	case HOOK_FOREIGN:
		*action = CG_INSTALL_CHAINED;
		/* The old hook is put back if the wrapper cannot take its place. */
		if ((error = move(path.ptr, chained.ptr)) == 0 &&
		    (error = cg_fs_write_atomic(path.ptr, text.ptr, text.size, 0755)) < 0)
			rename(chained.ptr, path.ptr);
		break;
	}
done:
	hook_file_dispose(&h);
	cg_buf_dispose(&path);
	cg_buf_dispose(&chained);
	cg_buf_dispose(&binary);
	cg_buf_dispose(&text);
	return error;
}

/* A foreign hook can only be kept when its chained name is free; checked
 * for every hook before the first is touched. */
static int check_free_slots(const char *dir, const char *const *names, size_t n)
{
	cg_buf path = CG_BUF_INIT, chained = CG_BUF_INIT;
	hook_file h = HOOK_FILE_INIT;
	int error = 0;
	size_t i;

	for (i = 0; i < n && !error; i++) {
		cg_buf_clear(&path);
		cg_buf_printf(&path, "%s/%s", dir, names[i]);
		cg_buf_clear(&chained);
		cg_buf_printf(&chained, "%s" CG_INSTALL_CHAINED_SUFFIX, path.ptr);
		hook_file_dispose(&h);
		if ((error = inspect(&h, path.ptr, names[i])) == 0 && h.kind == HOOK_FOREIGN &&
		    exists(chained.ptr))
			error = cg_error_set(CG_ERROR, "cannot keep the existing hook '%s': '%s' is "
			                     "in the way; move one of them away first",
			                     path.ptr, chained.ptr);
	}
	hook_file_dispose(&h);
	cg_buf_dispose(&path);
	cg_buf_dispose(&chained);
	return error;
}

static int check_executables(const char *libexec, const char *const *names, size_t n)
{
	cg_buf path = CG_BUF_INIT;
	int error = 0;
	size_t i;

	for (i = 0; i < n && !error; i++) {
		cg_buf_clear(&path);
		cg_buf_printf(&path, "%s/%s", libexec, names[i]);
		if (access(path.ptr, X_OK) < 0)
			error = cg_error_set(CG_ERROR, "cannot find changeguard's hook '%s': %s",
			                     path.ptr, strerror(errno));
		else if (strchr(path.ptr, '\n'))
			error = cg_error_set(CG_ERROR, "the hook path '%s' holds a line break", path.ptr);
	}
	cg_buf_dispose(&path);
	return error;
}

static int start_report(cg_install_report *out, git_repository *repo)
{
	cg_buf dir = CG_BUF_INIT;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = cg_install_hooks_dir(&dir, repo)) == 0)
		out->hooks_dir = cg_buf_detach(&dir);
	cg_buf_dispose(&dir);
	return error;
}

/* A server keeps out the trees git fsck refuses (unsorted, duplicate
 * names, '.git'), which the hook refuses too, but git checks them first. */
static int enable_fsck(git_repository *repo)
{
	git_config *cfg = NULL;
	int error = 0;

	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_set_bool(cfg, "receive.fsckObjects", 1) < 0)
		error = cg_error_from_git("cannot set receive.fsckObjects");
	git_config_free(cfg);
	return error;
}

int cg_install(cg_install_report *out, git_repository *repo, const char *libexec, int server)
{
	const char *const *names = server ? server_hooks : local_hooks;
	size_t i, n = server ? 1 : 3;
	int error;

	if (!server && git_repository_is_bare(repo)) {
		memset(out, 0, sizeof(*out));
		return cg_error_set(CG_EUSAGE, "'%s' is a bare repository: it runs server hooks "
		                    "only; use install --server", git_repository_path(repo));
	}
	if ((error = start_report(out, repo)) < 0 ||
	    (error = check_executables(libexec, names, n)) < 0 ||
	    (error = cg_fs_mkdir_p(out->hooks_dir, NULL)) < 0 ||
	    (error = check_free_slots(out->hooks_dir, names, n)) < 0)
		return error;
	for (i = 0; i < n && !error; i++) {
		out->steps[i].hook = names[i];
		error = install_one(&out->steps[i].action, out->hooks_dir, names[i], libexec);
		out->nsteps = i + 1;
	}
	return error || !server ? error : enable_fsck(repo);
}

static int uninstall_one(cg_install_action *action, const char *dir, const char *name)
{
	cg_buf path = CG_BUF_INIT, chained = CG_BUF_INIT;
	hook_file h = HOOK_FILE_INIT;
	int error;

	cg_buf_printf(&path, "%s/%s", dir, name);
	cg_buf_printf(&chained, "%s" CG_INSTALL_CHAINED_SUFFIX, path.ptr);
	if ((error = inspect(&h, path.ptr, name)) < 0)
		goto done;
	if (h.kind == HOOK_FOREIGN) {
		*action = CG_INSTALL_FOREIGN;
	} else if (exists(chained.ptr)) {
		*action = CG_INSTALL_RESTORED;
		error = move(chained.ptr, path.ptr);
	} else if (h.kind == HOOK_NONE) {
		*action = CG_INSTALL_ABSENT;
	} else {
		*action = CG_INSTALL_REMOVED;
		if (unlink(path.ptr) < 0)
			error = cg_error_set(CG_ERROR, "cannot remove '%s': %s", path.ptr, strerror(errno));
	}
done:
	hook_file_dispose(&h);
	cg_buf_dispose(&path);
	cg_buf_dispose(&chained);
	return error;
}

int cg_uninstall(cg_install_report *out, git_repository *repo)
{
	size_t i;
	int error;

	if ((error = start_report(out, repo)) < 0)
		return error;
	for (i = 0; i < 4 && !error; i++) {
		out->steps[i].hook = all_hooks[i];
		error = uninstall_one(&out->steps[i].action, out->hooks_dir, all_hooks[i]);
		out->nsteps = i + 1;
	}
	return error;
}

void cg_install_report_dispose(cg_install_report *r)
{
	free(r->hooks_dir);
	memset(r, 0, sizeof(*r));
}

/* --- doctor -------------------------------------------------------------- */

static void note(cg_doctor_report *r, int ok, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void note(cg_doctor_report *r, int ok, const char *hint, const char *fmt, ...)
{
	cg_buf what = CG_BUF_INIT;
	cg_doctor_item *item;
	va_list ap;

	va_start(ap, fmt);
	cg_buf_vprintf(&what, fmt, ap);
	va_end(ap);
	r->items = cg_array_grow(r->items, &r->alloc, r->n + 1, sizeof(*r->items));
	item = &r->items[r->n++];
	item->ok = ok;
	item->what = cg_buf_detach(&what);
	item->hint = hint ? cg_strdup(hint) : NULL;
	r->problems += !ok;
}

static void doctor_executables(cg_doctor_report *r, const char *libexec)
{
	if (!libexec)
		note(r, 0, "rebuild or reinstall changeguard", "%s", cg_error_last());
	else if (check_executables(libexec, all_hooks, 4) < 0)
		note(r, 0, "rebuild or reinstall changeguard", "%s", cg_error_last());
	else
		note(r, 1, NULL, "hook executables in %s", libexec);
}

/* Whether a wrapper is the one this changeguard writes for `binary`. */
static int is_current(const char *text, const char *name, const char *binary)
{
	cg_buf want = CG_BUF_INIT;
	int same;

	wrapper_text(&want, name, binary);
	same = !strcmp(want.ptr, text);
	cg_buf_dispose(&want);
	return same;
}

static void doctor_hook(cg_doctor_report *r, const char *dir, const char *name, int server)
{
	cg_buf path = CG_BUF_INIT;
	const char *fix = server ? "run: changeguard install --server" : "run: changeguard install";
	hook_file h = HOOK_FILE_INIT;

	cg_buf_printf(&path, "%s/%s", dir, name);
	if (inspect(&h, path.ptr, name) < 0)
		note(r, 0, NULL, "%s", cg_error_last());
	else if (h.kind == HOOK_NONE)
		note(r, 0, fix, "%s is not installed", name);
	else if (h.kind == HOOK_FOREIGN)
		note(r, 0, "run: changeguard install (the hook there now keeps running, after changeguard's)",
		     "%s is not changeguard's hook: %s", name, path.ptr);
	else if (access(h.binary.ptr, X_OK) < 0)
		note(r, 0, "reinstall changeguard, then run: changeguard install",
		     "%s runs '%s', which is missing", name, h.binary.ptr);
	else if (h.kind == HOOK_WRAPPER && !is_current(h.text.ptr, name, h.binary.ptr))
		note(r, 0, fix, "%s is an outdated or edited changeguard wrapper", name);
	else
		note(r, 1, NULL, "%s runs %s", name, h.binary.ptr);
	hook_file_dispose(&h);
	cg_buf_dispose(&path);
}

static void doctor_hooks(cg_doctor_report *r, git_repository *repo)
{
	int server = git_repository_is_bare(repo);
	const char *const *names = server ? server_hooks : local_hooks;
	size_t i, n = server ? 1 : 3;
	cg_buf dir = CG_BUF_INIT;

	if (cg_install_hooks_dir(&dir, repo) < 0) {
		note(r, 0, NULL, "%s", cg_error_last());
		return;
	}
	for (i = 0; i < n; i++)
		doctor_hook(r, dir.ptr, names[i], server);
	cg_buf_dispose(&dir);
}

/* git refuses malformed trees itself only with receive.fsckObjects. */
static void doctor_fsck(cg_doctor_report *r, git_repository *repo)
{
	git_config *cfg = NULL;
	int fsck = 0;

	if (cg_git2compat_config_snapshot(&cfg, repo) == 0 &&
	    (git_config_get_bool(&fsck, cfg, "receive.fsckObjects") < 0 || !fsck))
		note(r, 0, "run: git config receive.fsckObjects true",
		     "receive.fsckObjects is off: git accepts trees that git fsck refuses");
	git_config_free(cfg);
}

/* A bare repository's policy: the server's own, else the one committed on
 * HEAD's branch, else the defaults (docs/server.md). */
static void doctor_server_policy(cg_doctor_report *r, git_repository *repo)
{
	cg_policy *p = NULL;
	char *path = NULL;
	int error = cg_policy_find_server_own(&p, repo, &path);

	if (error == CG_ENOTFOUND && (error = cg_policy_find_head(&p, repo)) == 0)
		note(r, 1, NULL, "no server policy file: %s applies", p->builtin ?
		     "the built-in defaults" : "the " CG_POLICY_FILE " on HEAD's branch");
	else if (error < 0)
		note(r, 0, "fix it, then check it with: changeguard policy validate FILE", "%s",
		     cg_error_last());
	else
		note(r, 1, NULL, "server policy %s is valid", path);
	cg_policy_free(p);
	free(path);
	doctor_fsck(r, repo);
}

static void doctor_policy(cg_doctor_report *r, cg_check *c)
{
	git_repository *repo = cg_check_repository(c);

	if (git_repository_is_bare(repo)) {
		doctor_server_policy(r, repo);
		return;
	}
	if (cg_check_load_policy(c) < 0)
		note(r, 0, "fix the policy, then check it with: changeguard policy validate .changeguard.yml",
		     "%s", cg_error_last());
	else
		note(r, 1, NULL, "policy %s is valid", cg_check_policy(c)->source);
}

/* Where .gitattributes hands the changelog to our merge driver, git must
 * know it, or the merge quietly becomes a text merge (docs/merging.md). */
static void doctor_merge_driver(cg_doctor_report *r, git_repository *repo, const cg_policy *p)
{
	int named, configured;

	if (!p || cg_mergelog_status(&named, &configured, repo, p->changelog.file) < 0 || !named)
		return;
	if (configured)
		note(r, 1, NULL, "merge driver " CG_MERGELOG_DRIVER " configured for %s",
		     p->changelog.file);
	else
		note(r, 0, "configure it with: changeguard install",
		     ".gitattributes merges %s with " CG_MERGELOG_DRIVER
		     ", which git's config does not define: parallel entries conflict",
		     p->changelog.file);
}

/* The nearest directory of `path` that exists: what creating it needs. */
static void existing_parent(cg_buf *out, const char *path)
{
	char *slash;

	cg_buf_clear(out);
	cg_buf_puts(out, path);
	while ((slash = strrchr(out->ptr, '/')) != NULL && slash != out->ptr) {
		*slash = '\0';
		out->size = (size_t)(slash - out->ptr);
		if (exists(out->ptr))
			return;
	}
	cg_buf_clear(out);
	cg_buf_puts(out, "/");
}

/* 1 when the database at `path` is of an older schema, which is no
 * problem: the next hook run migrates it (and only then can it be read). */
static int older_schema(cg_doctor_report *r, const char *path)
{
	int version = 0, current = 0;

	if (cg_audit_schema(path, &version, &current) < 0 || version >= current)
		return 0;
	note(r, 1, NULL, "audit database %s: schema version %d, which the next hook run "
	     "migrates to %d (nothing to do; doctor verifies its chain after that)", path,
	     version, current);
	return 1;
}

static void doctor_chain(cg_doctor_report *r, const char *path)
{
	cg_audit *db = NULL;
	int64_t bad = 0;
	size_t rows = 0;
	int rc;

	if (older_schema(r, path))
		return;
	if ((rc = cg_audit_open_readonly(&db, path)) == 0)
		rc = cg_audit_verify(db, &bad, &rows);
	if (rc < 0)
		note(r, 0, "move the damaged database aside; the hooks start a new one",
		     "audit database %s: %s", path, cg_error_last());
	else if (rc > 0)
		note(r, 0, "keep the database as evidence; 'changelog-audit verify' shows the break",
		     "audit database %s: hash chain broken at run %lld: %s", path, (long long)bad,
		     cg_error_last());
	else
		note(r, 1, NULL, "audit database %s: writable, hash chain intact (%zu runs)",
		     path, rows);
	cg_audit_close(db);
}

static void doctor_audit(cg_doctor_report *r, git_repository *repo, const cg_policy *p)
{
	cg_buf path = CG_BUF_INIT, dir = CG_BUF_INIT;
	const char *fix = "make it writable for the users who commit, or set audit.path in .changeguard.yml";
	char *where = cg_record_audit_path(repo, p);

	cg_buf_puts(&path, where);
	free(where);
	existing_parent(&dir, path.ptr);
	if (!exists(path.ptr)) {
		if (!is_dir(dir.ptr))
			note(r, 0, fix, "audit database %s cannot be created: %s is not a directory",
			     path.ptr, dir.ptr);
		else if (access(dir.ptr, W_OK) < 0)
			note(r, 0, fix, "audit database %s cannot be created: %s is not writable",
			     path.ptr, dir.ptr);
		else
			note(r, 1, NULL, "audit database %s: created by the first hook run", path.ptr);
	} else if (access(path.ptr, W_OK) < 0 || access(dir.ptr, W_OK) < 0) {
		/* SQLite's WAL mode writes files beside the database too. */
		note(r, 0, fix, "audit database %s is not writable (nor must %s be read-only)",
		     path.ptr, dir.ptr);
	} else {
		doctor_chain(r, path.ptr);
	}
	cg_buf_dispose(&path);
	cg_buf_dispose(&dir);
}

int cg_install_doctor(cg_doctor_report *out, cg_check *c, const char *libexec)
{
	git_repository *repo = cg_check_repository(c);

	memset(out, 0, sizeof(*out));
	doctor_executables(out, libexec);
	doctor_hooks(out, repo);
	doctor_policy(out, c);
	doctor_audit(out, repo, git_repository_is_bare(repo) ? NULL : cg_check_policy(c));
	doctor_merge_driver(out, repo, git_repository_is_bare(repo) ? NULL : cg_check_policy(c));
	return 0;
}

void cg_doctor_report_dispose(cg_doctor_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->items[i].what);
		free(r->items[i].hint);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}
