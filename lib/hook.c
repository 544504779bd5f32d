#include "hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "clock.h"
#include "error.h"
#include "fs.h"
#include "install.h"
#include "message.h"
#include "output.h"
#include "record.h"

static const char *const names[] = {
	[CG_HOOK_PRE_COMMIT] = "pre-commit",
	[CG_HOOK_PREPARE_COMMIT_MSG] = "prepare-commit-msg",
	[CG_HOOK_COMMIT_MSG] = "commit-msg",
};

/* Messages larger than this are not commit messages. */
#define MAX_MESSAGE (16u * 1024 * 1024)

/* Writes the guidance as comment lines before the scissors line of
 * git commit -v, or at the end of the message file. A `comment` of 0 is
 * core.commentChar=auto: the character git used is read from the file. */
static int add_guidance(const char *path, const cg_result *r, char comment)
{
	cg_buf msg = CG_BUF_INIT, out = CG_BUF_INIT, esc = CG_BUF_INIT;
	const char *scissors;
	size_t i, at;
	FILE *fp;
	int error;

	if ((error = cg_fs_read(&msg, path, MAX_MESSAGE)) < 0)
		goto done;
	comment = cg_message_comment_char(msg.ptr, msg.size, comment);
	scissors = strstr(msg.ptr, " ------------------------ >8 ------------------------");
	at = scissors && scissors > msg.ptr ? (size_t)(scissors - 1 - msg.ptr) : msg.size;
	cg_buf_put(&out, msg.ptr, at);
	if (at && msg.ptr[at - 1] != '\n')
		cg_buf_putc(&out, '\n');
	cg_buf_printf(&out, "%c\n%c changeguard: this commit still needs:\n", comment, comment);
	for (i = 0; i < r->nfindings; i++) {
		const cg_finding *f = &r->findings[i];
		cg_buf_clear(&esc);
		if (f->path) {
			cg_output_escape(&esc, f->path, 1);
			cg_buf_puts(&esc, ": ");
		}
		cg_output_escape(&esc, f->detail, 0);
		cg_buf_printf(&out, "%c   %s: %s\n", comment, f->rule, esc.ptr);
		if (f->waiver)
			cg_buf_printf(&out, "%c     (or a trailer line '%s: ...' in this message)\n",
			              comment, f->waiver);
	}
	cg_buf_put(&out, msg.ptr + at, msg.size - at);
	if (!(fp = fopen(path, "wb")) || fwrite(out.ptr, 1, out.size, fp) != out.size) {
		error = cg_error_set(CG_ERROR, "cannot write '%s'", path);
	}
	if (fp && fclose(fp) != 0 && !error)
		error = cg_error_set(CG_ERROR, "cannot write '%s'", path);
done:
	cg_buf_dispose(&msg);
	cg_buf_dispose(&out);
	cg_buf_dispose(&esc);
	return error;
}

/* Whether our commit-msg hook will run after this pre-commit: linked
 * directly, or through the wrapper `changeguard install` writes. Without
 * it, pre-commit is the only check there is and must decide alone. */
static int commit_msg_will_run(git_repository *repo)
{
	cg_buf path = CG_BUF_INIT;
	int ours = 0;

	if (cg_install_hooks_dir(&path, repo) == 0) {
		cg_buf_puts(&path, "/commit-msg");
		ours = access(path.ptr, X_OK) == 0 && cg_install_is_ours(path.ptr, "commit-msg");
	}
	cg_buf_dispose(&path);
	return ours;
}

static int evaluate(cg_result **out, cg_check *c, cg_hook_kind kind, const char *msgfile)
{
	cg_buf raw = CG_BUF_INIT, clean = CG_BUF_INIT;
	cg_trailer_opts opts;
	int error;

	/* An empty message: every finding is final, none waits for trailers. */
	if (kind == CG_HOOK_PRE_COMMIT && !commit_msg_will_run(cg_check_repository(c)))
		return cg_check_evaluate(out, c, "", 0);
	if (kind != CG_HOOK_COMMIT_MSG)
		return cg_check_evaluate(out, c, NULL, 0);
	if ((error = cg_fs_read(&raw, msgfile, MAX_MESSAGE)) == 0) {
		/* git runs commit-msg before it strips comments and the -v diff,
		 * but only when an editor was used: with -m or -F (GIT_EDITOR=:)
		 * it keeps comment lines, so the message is read as it will be. */
		const char *editor = getenv("GIT_EDITOR");
		cg_check_trailer_opts(c, &opts);
		if (editor && !strcmp(editor, ":"))
			error = cg_check_evaluate(out, c, raw.ptr, raw.size);
		else {
			cg_message_clean(&clean, raw.ptr, raw.size, &opts);
			error = cg_check_evaluate(out, c, clean.ptr, clean.size);
		}
	}
	cg_buf_dispose(&raw);
	cg_buf_dispose(&clean);
	return error;
}

static int exit_code_for(const cg_result *r)
{
	return r->verdict == CG_VERDICT_BLOCKED ? CG_EXIT_BLOCKED : CG_EXIT_OK;
}

/* The run as the audit keeps it: the staged change's result, or the
 * failure before there was one. */
static cg_record *staged_record(cg_check *c, cg_hook_kind kind, const cg_result *r,
                                const char *failure)
{
	git_repository *repo = cg_check_repository(c);
	const char *workdir = git_repository_workdir(repo);
	cg_record *rec = cg_record_new(names[kind], repo,
	                               workdir ? workdir : git_repository_path(repo),
	                               cg_check_policy(c));

	cg_record_staged(rec, r);
	if (failure)
		cg_record_fail(rec, failure);
	return rec;
}

/* A failure before a verdict: fail closed unless the policy says warn. */
static int fail(const cg_output *o, cg_check *c, cg_hook_kind kind, int error,
                int64_t start)
{
	int warn = cg_record_error_goes_ahead(c ? cg_check_policy(c) : NULL, error);
	char *msg = cg_strdup(cg_error_last());
	cg_record *rec;

	if (error == CG_EPOLICY)
		cg_output_message(o, msg, "fix the policy, then check it with: changeguard policy validate .changeguard.yml");
	else
		cg_output_message(o, msg, warn ? "on_error is 'warn': the commit goes ahead unchecked" : NULL);
	if (c) {
		rec = staged_record(c, kind, NULL, msg);
		cg_record_write(rec, cg_clock_now_us() - start);
		cg_record_free(rec);
	}
	free(msg);
	return warn ? CG_EXIT_OK : cg_error_exit_code(error);
}

static int record(const cg_output *o, cg_check *c, cg_hook_kind kind,
                  const cg_result *r, int64_t start, int code)
{
	cg_record *rec = staged_record(c, kind, r, NULL);
	int error = cg_record_write_or_warn(rec, cg_clock_now_us() - start, o, "the commit",
	                                    ".changeguard.yml");

	cg_record_free(rec);
	return error < 0 ? CG_EXIT_RUNTIME : code;
}

int cg_hook_run(cg_hook_kind kind, const char *msgfile, const char *source)
{
	int64_t start = cg_clock_now_us();
	cg_check *c = NULL;
	cg_result *r = NULL;
	cg_trailer_opts opts;
	cg_output o;
	int code, error;

	/* With -m or -F no editor opens: comment lines would stay in the message. */
	if (kind == CG_HOOK_PREPARE_COMMIT_MSG && source && !strcmp(source, "message"))
		return CG_EXIT_OK;
	cg_output_init(&o, stderr);
	if ((error = cg_check_open_staged(&c)) < 0 ||
	    (error = cg_check_load_policy(c)) < 0 ||
	    (error = evaluate(&r, c, kind, msgfile)) < 0) {
		code = fail(&o, c, kind, error, start);
		goto done;
	}
	if (kind == CG_HOOK_PREPARE_COMMIT_MSG) {
		cg_check_trailer_opts(c, &opts);
		if (r->nfindings && add_guidance(msgfile, r, opts.comment_char) < 0)
			cg_output_error(&o, NULL);
		code = CG_EXIT_OK;
		goto done;
	}
	/* A deferred result is commit-msg's to print, with the same hints:
	 * printed here too, a plain `git commit` would show the refusal twice. */
	if (r->verdict != CG_VERDICT_DEFERRED)
		cg_output_result(&o, r, "commit");
	code = record(&o, c, kind, r, start, exit_code_for(r));
done:
	cg_result_free(r);
	cg_check_free(c);
	return code;
}
