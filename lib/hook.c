#include "hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "fs.h"
#include "install.h"
#include "message.h"
#include "output.h"

static const struct {
	const char *name;
	const char *usage;
} hooks[] = {
	[CG_HOOK_PRE_COMMIT] = { "pre-commit",
		"usage: pre-commit\n"
		"Run by git before a commit: checks the staged change against the policy.\n"
		"Findings a trailer can settle are left to commit-msg.\n" },
	[CG_HOOK_PREPARE_COMMIT_MSG] = { "prepare-commit-msg",
		"usage: prepare-commit-msg <message-file> [<source> [<commit>]]\n"
		"Run by git before the editor opens: adds comment lines saying what the\n"
		"commit still needs (a changelog entry, a sign-off trailer).\n" },
	[CG_HOOK_COMMIT_MSG] = { "commit-msg",
		"usage: commit-msg <message-file>\n"
		"Run by git after the message is written: the final local decision.\n" },
};

/* Messages larger than this are not commit messages. */
#define MAX_MESSAGE (16u * 1024 * 1024)

static int standard_options(cg_hook_kind kind, int argc, char **argv)
{
	int need = kind == CG_HOOK_PRE_COMMIT ? 1 : 2;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fputs(hooks[kind].usage, stdout);
		return CG_EXIT_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("%s (changeguard) %s\n", hooks[kind].name, CG_VERSION);
		return CG_EXIT_OK;
	}
	if (argc < need || (kind != CG_HOOK_PREPARE_COMMIT_MSG && argc > need) || argc > 4) {
		fputs(hooks[kind].usage, stderr);
		return CG_EXIT_USAGE;
	}
	return -1;
}

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
	char head[4096], *real;
	size_t n = 0;
	FILE *fp;
	int ours = 0;

	if (cg_install_hooks_dir(&path, repo) == 0)
		cg_buf_puts(&path, "/commit-msg");
	if (path.size && access(path.ptr, X_OK) == 0 && (real = realpath(path.ptr, NULL)) != NULL) {
		ours = strstr(real, "/changeguard/commit-msg") != NULL;
		free(real);
		if (!ours && (fp = fopen(path.ptr, "rb")) != NULL) {
			n = fread(head, 1, sizeof(head) - 1, fp);
			head[n] = '\0';
			ours = strstr(head, "changeguard") != NULL;
			fclose(fp);
		}
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

/* A failure before a verdict: fail closed unless the policy says warn. A
 * bad policy or bad usage is never waved through: fixing it is the way on. */
static int fail(const cg_output *o, cg_check *c, cg_hook_kind kind, int error,
                int64_t start)
{
	const cg_policy *p = c ? cg_check_policy(c) : NULL;
	int warn = error != CG_EPOLICY && error != CG_EUSAGE && p && p->audit.on_error_warn;
	char *msg = cg_strdup(cg_error_last());

	if (error == CG_EPOLICY)
		cg_output_message(o, msg, "fix the policy, then check it with: changeguard policy validate .changeguard.yml");
	else
		cg_output_message(o, msg, warn ? "on_error is 'warn': the commit goes ahead unchecked" : NULL);
	if (c)
		cg_check_record(c, hooks[kind].name, NULL, msg, cg_check_clock_us() - start);
	free(msg);
	return warn ? CG_EXIT_OK : cg_error_exit_code(error);
}

static int record(const cg_output *o, cg_check *c, cg_hook_kind kind,
                  const cg_result *r, int64_t start, int code)
{
	const cg_policy *p = cg_check_policy(c);

	if (cg_check_record(c, hooks[kind].name, r, NULL, cg_check_clock_us() - start) == 0)
		return code;
	if (p->audit.on_error_warn) {
		cg_output_message(o, cg_error_last(), "on_error is 'warn': the commit goes ahead");
		return code;
	}
	cg_output_message(o, cg_error_last(),
	                  "make the audit database writable, or set audit.on_error: warn in .changeguard.yml");
	return CG_EXIT_RUNTIME;
}

int cg_hook_run(cg_hook_kind kind, int argc, char **argv)
{
	int64_t start = cg_check_clock_us();
	const char *msgfile = argc > 1 ? argv[1] : NULL;
	const char *source = argc > 2 ? argv[2] : "";
	cg_check *c = NULL;
	cg_result *r = NULL;
	cg_trailer_opts opts;
	cg_output o;
	int code = standard_options(kind, argc, argv), error;

	if (code >= 0)
		return code;
	/* With -m or -F no editor opens: comment lines would stay in the message. */
	if (kind == CG_HOOK_PREPARE_COMMIT_MSG && !strcmp(source, "message"))
		return CG_EXIT_OK;
	cg_output_init(&o, stderr);
	git_libgit2_init();
	if ((error = cg_check_open_staged(&c)) < 0 ||
	    (error = cg_check_load_policy(c)) < 0 ||
	    (error = evaluate(&r, c, kind, msgfile)) < 0) {
		code = fail(&o, c, kind, error, start);
		goto done;
	}
	if (kind == CG_HOOK_PREPARE_COMMIT_MSG) {
		cg_check_trailer_opts(c, &opts);
		if (r->nfindings && add_guidance(msgfile, r, opts.comment_char) < 0)
			cg_output_message(&o, cg_error_last(), NULL);
		code = CG_EXIT_OK;
		goto done;
	}
	cg_output_result(&o, r, "commit");
	code = record(&o, c, kind, r, start, exit_code_for(r));
done:
	cg_result_free(r);
	cg_check_free(c);
	git_libgit2_shutdown();
	return code;
}
