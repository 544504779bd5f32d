#include "parallel.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

/*
 * Processes, not threads: libgit2 1.5.1 takes its mmap-window lock and the
 * pack's cache lock on every object read, and shares one pack between all
 * the repositories that open it; two threads checking a push spent a fifth
 * of their time waiting on those locks. A forked child shares nothing.
 *
 * The jobs are cut into segments, one for each two processes, and in each
 * segment one process takes jobs from the front and the other from the
 * back until they meet: a walk's commits differ in cost (the newest of a
 * history carry its largest CHANGELOG), so halves fixed in advance left
 * one process waiting for the other. Each still works through adjacent
 * commits, whose trees it has just read. The two ends of each segment live
 * in memory the processes share.
 *
 * A child's file: for each job done, the tag 1, the job's number, the
 * length of its record and the record; then the tag 0, the error (negated,
 * 0 for none) and the error's message. The records are written and read one at a time, so that no
 * process holds another's records in memory: a long walk's would grow with
 * it.
 */

#define SHARES_MAX 4
#define SEGMENTS_MAX ((SHARES_MAX + 1) / 2)

/* The jobs of a segment not yet taken: [front, back), relative to its
 * start, packed into one word so that either end moves atomically. */
typedef struct {
	uint64_t ends[SEGMENTS_MAX];
	uint32_t stop; /* set by a process that stops: the others stop too */
} shared;

typedef struct {
	size_t from;   /* the segment's first job */
	int backward;  /* takes jobs from the segment's back */
	pid_t pid;     /* 0: not started (done by the caller, or no one) */
	FILE *file;    /* a child's records */
	uint64_t *ends;
} worker;

static size_t workers_for(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < CG_PARALLEL_MIN || n >= UINT32_MAX || cpus < 2)
		return 1;
	return cpus < SHARES_MAX ? (size_t)cpus : SHARES_MAX;
}

/* The next job of worker `w`, in *job; 0 when none is left. */
static int claim(const worker *w, volatile uint32_t *stop, size_t *job)
{
	uint64_t cur = __atomic_load_n(w->ends, __ATOMIC_ACQUIRE), next;
	uint32_t front, back;

	do {
		front = (uint32_t)cur;
		back = (uint32_t)(cur >> 32);
		if (front >= back || __atomic_load_n(stop, __ATOMIC_ACQUIRE))
			return 0;
		next = w->backward ? cur - ((uint64_t)1 << 32) : cur + 1;
	} while (!__atomic_compare_exchange_n(w->ends, &cur, next, 0, __ATOMIC_ACQ_REL,
	                                      __ATOMIC_ACQUIRE));
	*job = w->from + (w->backward ? back - 1 : front);
	return 1;
}

static void stop_all(volatile uint32_t *stop)
{
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
}

static int take_record(const cg_parallel_jobs *jobs, size_t i, cg_buf_reader *in)
{
	size_t left = in->left;
	int error = jobs->take(i, in, jobs->payload);

	if (error == 0 && in->left == left)
		error = cg_error_set(CG_ERROR, "a record of job %zu is empty", i);
	else if (error == 0 && in->left)
		error = cg_error_set(CG_ERROR, "job %zu left part of its record", i);
	return error;
}

/* The caller's own jobs, each taken as soon as it is done: a front. */
static int run_here(const cg_parallel_jobs *jobs, const worker *w, volatile uint32_t *stop)
{
	cg_buf rec = CG_BUF_INIT;
	cg_buf_reader in;
	size_t i;
	int error = 0, rc = 0;

	while (rc == 0 && !error && claim(w, stop, &i)) {
		cg_buf_clear(&rec);
		if ((rc = jobs->run(i, &rec, jobs->payload)) < 0) {
			error = rc;
			break;
		}
		in.p = rec.ptr;
		in.left = rec.size;
		error = take_record(jobs, i, &in);
	}
	if (rc || error)
		stop_all(stop);
	cg_buf_dispose(&rec);
	return error;
}

/* Where a record's length is, from its start: after the tag and the job. */
#define RECORD_LEN_AT ((long)(sizeof(uint32_t) + sizeof(uint64_t)))

/* One job's record into the child's file. */
static int put_record(FILE *f, size_t job, const cg_buf *rec)
{
	uint64_t n = job;
	uint32_t tag = 1, len = (uint32_t)rec->size;

	return rec->size <= UINT32_MAX && fwrite(&tag, sizeof(tag), 1, f) == 1 &&
	       fwrite(&n, sizeof(n), 1, f) == 1 && fwrite(&len, sizeof(len), 1, f) == 1 &&
	       fwrite(rec->ptr, 1, rec->size, f) == rec->size ? 0 : -1;
}

/* In the child: never returns. */
static void run_child(const cg_parallel_jobs *jobs, const worker *w, volatile uint32_t *stop)
{
	cg_buf rec = CG_BUF_INIT;
	size_t i;
	int error = 0, rc = 0, written = 0;

	while (rc == 0 && written == 0 && claim(w, stop, &i)) {
		cg_buf_clear(&rec);
		if ((rc = jobs->run(i, &rec, jobs->payload)) < 0)
			error = rc;
		else
			written = put_record(w->file, i, &rec);
	}
	if (rc || written)
		stop_all(stop);
	cg_buf_clear(&rec);
	cg_buf_put_u32(&rec, 0);
	cg_buf_put_u32(&rec, (uint32_t)-error);
	cg_buf_put_field(&rec, error ? cg_error_last() : NULL);
	/* _exit: the caller's buffers and handles are the caller's to flush and close. */
	_exit(written == 0 && fwrite(rec.ptr, 1, rec.size, w->file) == rec.size &&
	      fflush(w->file) == 0 ? 0 : 1);
}

static void start_child(const cg_parallel_jobs *jobs, worker *w, volatile uint32_t *stop)
{
	if (!(w->file = tmpfile()))
		return;
	fflush(NULL);
	if ((w->pid = fork()) == 0)
		run_child(jobs, w, stop);
	if (w->pid < 0) {
		fclose(w->file);
		w->file = NULL;
		w->pid = 0;
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

/* The end of a child's file: how its work ended. */
static int take_end(cg_buf_reader *in)
{
	uint32_t code;
	char *message = NULL;
	int error;

	if (cg_buf_get_u32(in, &code) < 0 || cg_buf_get_field(in, &message) < 0 || in->left) {
		free(message);
		return damaged();
	}
	error = code ? cg_error_set(-(int)code, "%s", message ? message : "unknown error") : 0;
	free(message);
	return error;
}

/* The job numbers of a child's records and where each starts, in file
 * order, up to its end, which is read into `end`. */
static int index_file(FILE *f, uint64_t **jobs, long **at, size_t *n, cg_buf *end)
{
	size_t alloc = 0, alloc_at = 0;
	uint32_t tag = 1, len;
	uint64_t job;
	long pos;

	rewind(f);
	while ((pos = ftell(f)) >= 0 && fread(&tag, sizeof(tag), 1, f) == 1 && tag == 1) {
		if (fread(&job, sizeof(job), 1, f) != 1 || fread(&len, sizeof(len), 1, f) != 1 ||
		    fseek(f, (long)len, SEEK_CUR) < 0)
			return damaged();
		*jobs = cg_array_grow(*jobs, &alloc, *n + 1, sizeof(**jobs));
		*at = cg_array_grow(*at, &alloc_at, *n + 1, sizeof(**at));
		(*jobs)[*n] = job;
		(*at)[(*n)++] = pos;
	}
	return pos < 0 || tag != 0 || read_bytes(end, f, SIZE_MAX) < 0 ? damaged() : 0;
}

/*
 * Takes a child's records in job order: read backwards when it took jobs
 * from the back. Jobs [segment start, *next) were taken before, and the
 * child's must go on from *next without a gap, unless a process stopped
 * early, which may leave one before them; none goes past `to`, the
 * segment's end.
 */
static int take_file(const cg_parallel_jobs *jobs, const worker *w, int stopped, size_t *next,
                     size_t to)
{
	cg_buf rec = CG_BUF_INIT, end = CG_BUF_INIT;
	cg_buf_reader in;
	uint64_t *ids = NULL;
	long *at = NULL;
	size_t n = 0, k;
	uint32_t len;
	int error = index_file(w->file, &ids, &at, &n, &end);

	for (k = 0; k < n && !error; k++) {
		size_t r = w->backward ? n - 1 - k : k;
		if (k == 0 && stopped && ids[r] > *next && ids[r] < to)
			*next = (size_t)ids[r];
		if (ids[r] != *next || *next >= to || fseek(w->file, at[r] + RECORD_LEN_AT, SEEK_SET) < 0 ||
		    fread(&len, sizeof(len), 1, w->file) != 1 || read_bytes(&rec, w->file, len) < 0) {
			error = damaged();
			break;
		}
		in.p = rec.ptr;
		in.left = rec.size;
		error = take_record(jobs, (*next)++, &in);
	}
	in.p = end.ptr;
	in.left = end.size;
	if (!error)
		error = take_end(&in);
	free(ids);
	free(at);
	cg_buf_dispose(&rec);
	cg_buf_dispose(&end);
	return error;
}

/* Waits for a child, killing it first when everything stops anyway, and
 * takes its records. */
static int finish_child(const cg_parallel_jobs *jobs, worker *w, int kill_it,
                        volatile uint32_t *stop, size_t *next, size_t to)
{
	int status = 0, error;

	if (kill_it)
		kill(w->pid, SIGKILL);
	while ((error = waitpid(w->pid, &status, 0) < 0 ? -errno : 0) == -EINTR)
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
		error = take_file(jobs, w, (int)__atomic_load_n(stop, __ATOMIC_ACQUIRE), next, to);
	fclose(w->file);
	return error;
}

/* The jobs of segment `s` among `n` for `nw` processes, in proportion to
 * its processes: two, or one for the last of an odd number. */
static void segment(size_t n, size_t s, size_t nw, size_t *from, size_t *to)
{
	*from = n * (2 * s) / nw;
	*to = n * (2 * s + 2 < nw ? 2 * s + 2 : nw) / nw;
}

/*
 * Takes a segment's work in job order: its front (done here, each job
 * taken as it was done, or a child's), then its back. A segment whose
 * front no child took is done here, when its turn comes. Every job must
 * be taken unless a process stopped early or failed (`failed`: an earlier
 * segment did, so this one's children are killed).
 */
static int finish_segment(const cg_parallel_jobs *jobs, worker *front, worker *back, int failed,
                          volatile uint32_t *stop, size_t from, size_t to)
{
	size_t next = from;
	int error = 0, e;

	if (front->pid) {
		error = finish_child(jobs, front, failed, stop, &next, to);
	} else if (!failed) {
		error = run_here(jobs, front, stop);
		next = from + (uint32_t)__atomic_load_n(front->ends, __ATOMIC_ACQUIRE);
	}
	if (back != front && back->pid) {
		e = finish_child(jobs, back, failed || error < 0, stop, &next, to);
		error = error < 0 ? error : e;
	}
	if (!error && !failed && next != to && !__atomic_load_n(stop, __ATOMIC_ACQUIRE))
		error = damaged();
	return error;
}

int cg_parallel_run(const cg_parallel_jobs *jobs, size_t n)
{
	worker w[SHARES_MAX];
	size_t nw = workers_for(n), nseg = (nw + 1) / 2, s, k, from, to;
	shared alone = { { 0 }, 0 }, *sh = &alone;
	int error = 0;

	if (nw > 1)
		sh = mmap(NULL, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return cg_error_set(CG_ERROR, "cannot map memory to share the checking: %s",
		                    strerror(errno));
	memset(w, 0, sizeof(w));
	for (s = 0; s < nseg; s++) {
		segment(n, s, nw, &from, &to);
		sh->ends[s] = (uint64_t)(to - from) << 32;
		for (k = 2 * s; k < 2 * s + 2 && k < nw; k++) {
			w[k].from = from;
			w[k].backward = k % 2;
			w[k].ends = &sh->ends[s];
		}
	}
	for (k = 1; k < nw; k++)
		start_child(jobs, &w[k], &sh->stop);
	for (s = 0; s < nseg; s++) {
		segment(n, s, nw, &from, &to);
		k = 2 * s + 1 < nw ? 2 * s + 1 : 2 * s;
		int e = finish_segment(jobs, &w[2 * s], &w[k], error < 0, &sh->stop, from, to);
		error = error < 0 ? error : e;
	}
	if (sh != &alone)
		munmap(sh, sizeof(shared));
	return error;
}
