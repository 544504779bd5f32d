#include "parallel.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

/*
 * Processes, not threads: libgit2 1.5.1 takes its mmap-window lock and the
 * pack's cache lock on every object read, and shares one pack between all
 * the repositories that open it; two threads checking a push spent a fifth
 * of their time waiting on those locks. A forked child shares nothing.
 *
 * A child's file: for each job done, the tag 1, the length of the job's
 * record and the record; then the tag 0, the error (negated, 0 for none),
 * 1 when the share stopped early on purpose, and the error's message. The
 * records are written and read one at a time, so that neither process
 * holds a share's records in memory: a long walk's would grow with it.
 */

#define SHARES_MAX 4

typedef struct {
	size_t from, to;
	pid_t pid;  /* 0: done by the caller */
	FILE *file; /* the child's records */
} share;

static size_t shares_for(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < CG_PARALLEL_MIN || cpus < 2)
		return 1;
	return cpus < SHARES_MAX ? (size_t)cpus : SHARES_MAX;
}

static int take_record(const cg_parallel_jobs *jobs, size_t i, cg_buf_reader *in)
{
	size_t left = in->left;
	int error = jobs->take(i, in, jobs->payload);

	if (error == 0 && in->left == left)
		error = cg_error_set(CG_ERROR, "a record of job %zu is empty", i);
	return error;
}

static int run_here(const cg_parallel_jobs *jobs, const share *s)
{
	cg_buf rec = CG_BUF_INIT;
	size_t i;
	int error = 0, rc = 0;

	for (i = s->from; i < s->to && rc == 0 && !error; i++) {
		cg_buf_reader in;

		cg_buf_clear(&rec);
		if ((rc = jobs->run(i, &rec, jobs->payload)) < 0) {
			error = rc;
			break;
		}
		in.p = rec.ptr;
		in.left = rec.size;
		if ((error = take_record(jobs, i, &in)) == 0 && in.left)
			error = cg_error_set(CG_ERROR, "job %zu left part of its record", i);
	}
	cg_buf_dispose(&rec);
	return error;
}

/* One job's record into the child's file. */
static int put_record(FILE *f, const cg_buf *rec)
{
	uint32_t head[2] = { 1, (uint32_t)rec->size };

	return rec->size <= UINT32_MAX && fwrite(head, sizeof(head), 1, f) == 1 &&
	       fwrite(rec->ptr, 1, rec->size, f) == rec->size ? 0 : -1;
}

/* In the child: never returns. */
static void run_child(const cg_parallel_jobs *jobs, const share *s)
{
	cg_buf rec = CG_BUF_INIT;
	size_t i;
	int error = 0, rc = 0, written = 0;

	for (i = s->from; i < s->to && rc == 0 && written == 0; i++) {
		cg_buf_clear(&rec);
		if ((rc = jobs->run(i, &rec, jobs->payload)) < 0)
			error = rc;
		else
			written = put_record(s->file, &rec);
	}
	cg_buf_clear(&rec);
	cg_buf_put_u32(&rec, 0);
	cg_buf_put_u32(&rec, (uint32_t)-error);
	cg_buf_put_u32(&rec, rc == 1);
	cg_buf_put_field(&rec, error ? cg_error_last() : NULL);
	/* _exit: the caller's buffers and handles are the caller's to flush and close. */
	_exit(written == 0 && fwrite(rec.ptr, 1, rec.size, s->file) == rec.size &&
	      fflush(s->file) == 0 ? 0 : 1);
}

static void start_child(const cg_parallel_jobs *jobs, share *s)
{
	if (!(s->file = tmpfile()))
		return;
	fflush(NULL);
	if ((s->pid = fork()) == 0)
		run_child(jobs, s);
	if (s->pid < 0) {
		fclose(s->file);
		s->file = NULL;
		s->pid = 0;
	}
}

/* The next `n` bytes of `f` into `out`; with `n` SIZE_MAX, all that is left. */
static int read_bytes(cg_buf *out, FILE *f, size_t n)
{
	char chunk[65536];
	size_t left = n, got;

	cg_buf_clear(out);
	while (left && (got = fread(chunk, 1, left < sizeof(chunk) ? left : sizeof(chunk), f)) > 0) {
		cg_buf_put(out, chunk, got);
		left -= got;
	}
	return ferror(f) || (left && n != SIZE_MAX) ? -1 : 0;
}

static int damaged(void)
{
	return cg_error_set(CG_ERROR, "a checking process left damaged results");
}

/* The end of a child's file: how its share ended. */
static int take_end(const share *s, size_t done, cg_buf_reader *in)
{
	uint32_t code, stopped;
	char *message = NULL;
	int error;

	if (cg_buf_get_u32(in, &code) < 0 || cg_buf_get_u32(in, &stopped) < 0 ||
	    cg_buf_get_field(in, &message) < 0 || in->left || (!code && !stopped && done != s->to)) {
		free(message);
		return damaged();
	}
	error = code ? cg_error_set(-(int)code, "%s", message ? message : "unknown error") : 0;
	free(message);
	return error;
}

static int take_file(const cg_parallel_jobs *jobs, const share *s)
{
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader in;
	uint32_t head[2];
	size_t i = s->from;
	int error = 0;

	rewind(s->file);
	while (!error && fread(head, sizeof(head[0]), 1, s->file) == 1 && head[0] == 1) {
		if (i == s->to || fread(&head[1], sizeof(head[1]), 1, s->file) != 1 ||
		    read_bytes(&rec, s->file, head[1]) < 0)
			error = damaged();
		in.p = rec.ptr;
		in.left = rec.size;
		if (!error && (error = take_record(jobs, i++, &in)) == 0 && in.left)
			error = damaged();
	}
	if (!error && (head[0] != 0 || read_bytes(&rec, s->file, SIZE_MAX) < 0))
		error = damaged();
	in.p = rec.ptr;
	in.left = rec.size;
	if (!error)
		error = take_end(s, i, &in);
	cg_buf_dispose(&rec);
	return error;
}

/* Waits for a child, killing it first when everything stops anyway, and
 * takes its records. */
static int finish_child(const cg_parallel_jobs *jobs, share *s, int kill_it)
{
	int status = 0, error;

	if (kill_it)
		kill(s->pid, SIGKILL);
	while ((error = waitpid(s->pid, &status, 0) < 0 ? -errno : 0) == -EINTR)
		;
	if (kill_it)
		error = 0;
	else if (error < 0)
		error = cg_error_set(CG_ERROR, "cannot wait for a checking process: %s", strerror(-error));
	else if (WIFSIGNALED(status))
		error = cg_error_set(CG_ERROR, "a checking process was killed by signal %d", WTERMSIG(status));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		error = cg_error_set(CG_ERROR, "a checking process could not write its results");
	else
		error = take_file(jobs, s);
	fclose(s->file);
	return error;
}

int cg_parallel_run(const cg_parallel_jobs *jobs, size_t n)
{
	share shares[SHARES_MAX];
	size_t nshares = shares_for(n), k;
	int error = 0;

	memset(shares, 0, sizeof(shares));
	for (k = 0; k < nshares; k++) {
		shares[k].from = n * k / nshares;
		shares[k].to = n * (k + 1) / nshares;
	}
	for (k = 1; k < nshares; k++)
		start_child(jobs, &shares[k]);
	/* In job order: the caller's share, then each child's, or this
	 * process's again where no child could be started. */
	for (k = 0; k < nshares; k++) {
		int e;
		if (!shares[k].pid)
			e = error ? 0 : run_here(jobs, &shares[k]);
		else
			e = finish_child(jobs, &shares[k], error < 0);
		error = error < 0 ? error : e;
	}
	return error;
}
