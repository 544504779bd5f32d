/*
 * audit-bench: the audit database under load, for bench/6-audit.sh, built
 * by bench/lib.sh against the build's library (it is not part of the
 * product).
 *
 *   audit-bench latency DB RUNS WRITERS
 *     WRITERS processes each call cg_audit_write RUNS times on the same
 *     database, as that many hooks running at once would; every call is
 *     timed, and the median, p99 and maximum over all of them are printed
 *     with the throughput.
 *   audit-bench fill DB RUNS
 *     adds RUNS runs like a hook's, a thousand per transaction, for the
 *     size of a database and reports on a large one.
 *   audit-bench push DB COMMITS RUNS
 *     records RUNS times the run of a push of COMMITS commits (3% of them
 *     with a finding), as pre-receive does, and prints the median and
 *     maximum time of a record.
 *
 * A DB that is a PostgreSQL URL (bench/8-audit-pg.sh) is written with
 * cg_audit_pg_write, as a hook with audit.url does, in the chain "bench",
 * spooling to /tmp/audit-bench.spool (a failure, reported as one).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_pg.h"
#include "clock.h"
#include "error.h"

static const char usage[] =
	"usage: audit-bench latency DB RUNS WRITERS\n"
	"   or: audit-bench fill DB RUNS\n"
	"   or: audit-bench push DB COMMITS RUNS\n";

/* A pre-commit's record: a finding or two, now and then a waiver. */
static void sample_run(cg_audit_run *run, char *commit, size_t size, long i)
{
	static const cg_audit_finding findings[] = {
		{ "changelog", "src/net/socket.c", "no new entry in src/net/CHANGELOG.md", NULL },
		{ "protect:mcp", ".mcp.json", "needs an MCP-Authorized-By trailer", NULL },
	};
	static const cg_audit_waiver waiver = {
		"changelog", "trailer", "Changelog-Skip", "typo fix", NULL, NULL
	};

	snprintf(commit, size, "bench-%ld-%ld", (long)getpid(), i);
	memset(run, 0, sizeof(*run));
	run->hook = i % 5 ? "pre-commit" : "commit-msg";
	run->repository = "/home/dev/src/project";
	run->ref = i % 4 ? "refs/heads/main" : "refs/heads/topic";
	run->commit = commit;
	run->author = i % 3 ? "Ada Lovelace <ada@example.com>" : "Alan Turing <alan@example.com>";
	run->committer = run->author;
	run->verdict = i % 10 ? "allowed" : "blocked";
	run->findings = findings;
	run->nfindings = (size_t)(i % 3);
	run->waivers = &waiver;
	run->nwaivers = i % 7 == 0;
	run->policy_sha256 = "5b1c1d6b7e0a4c8f9d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8";
	run->duration_us = 1234;
}

static int write_run(const char *db, const cg_audit_run *run)
{
	int fell_back;

	if ((cg_audit_pg_is_url(db) ?
	     cg_audit_pg_write(db, "bench", "/tmp/audit-bench.spool", run, 1, &fell_back, NULL) :
	     cg_audit_write(db, run, 1, &fell_back)) < 0) {
		fprintf(stderr, "audit-bench: %s\n", cg_error_last());
		return -1;
	}
	return 0;
}

static int record(const char *db, long i)
{
	cg_audit_run run;
	char commit[64];

	sample_run(&run, commit, sizeof(commit), i);
	return write_run(db, &run);
}

/* RUNS runs a thousand to a transaction, a minute apart from a year ago. */
static int fill(const char *path, long runs)
{
	static char commits[1000][64];
	cg_audit_run batch[1000];
	cg_audit *db = NULL;
	int64_t start = ((int64_t)time(NULL) - 365 * 86400) * 1000;
	long done = 0, n, k;

	if (cg_audit_open(&db, path) < 0)
		goto fail;
	for (; done < runs; done += n) {
		n = runs - done < 1000 ? runs - done : 1000;
		for (k = 0; k < n; k++) {
			sample_run(&batch[k], commits[k], sizeof(commits[k]), done + k);
			batch[k].time_ms = start + (done + k) * 60000 / (runs / 525600 + 1);
		}
		if (cg_audit_record(db, batch, (size_t)n) < 0)
			goto fail;
	}
	cg_audit_close(db);
	return 0;
fail:
	fprintf(stderr, "audit-bench: %s\n", cg_error_last());
	cg_audit_close(db);
	return 1;
}

/* One writer: its latencies, in microseconds, as binary int64s on `fd`. */
static int writer(const char *db, long runs, int fd)
{
	long i;

	for (i = 0; i < runs; i++) {
		int64_t start = cg_clock_now_us(), took;

		if (record(db, i) < 0)
			return 1;
		took = cg_clock_now_us() - start;
		if (write(fd, &took, sizeof(took)) != (ssize_t)sizeof(took))
			return 1;
	}
	return 0;
}

static int compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* A pre-receive's run of `n` commits, every 33rd without a changelog entry. */
static int push(const char *db, long n, long runs)
{
	static const char who[] = "Ada Lovelace <ada@example.com>";
	cg_audit_commit *commits = calloc((size_t)n, sizeof(*commits));
	cg_audit_finding *findings = calloc((size_t)n, sizeof(*findings));
	char (*oids)[41] = calloc((size_t)n, sizeof(*oids));
	cg_audit_ref ref = { "refs/heads/main", "0000000000000000000000000000000000000000",
		             NULL, "refused" };
	cg_audit_run run = { 0 };
	int64_t *took = calloc((size_t)runs, sizeof(*took));
	long i;
	int error = 0;

	for (i = 0; i < n; i++) {
		snprintf(oids[i], sizeof(oids[i]), "%040lx", i + 1);
		commits[i] = (cg_audit_commit){ oids[i], i % 33 ? "allowed" : "blocked",
			                        ref.ref, who, who };
		if (i % 33 == 0)
			findings[run.nfindings++] = (cg_audit_finding){ "changelog", "m01/f.c",
				"no new entry in m01/CHANGELOG.md", oids[i] };
	}
	ref.new_oid = oids[n - 1];
	run.hook = "pre-receive";
	run.repository = "/srv/git/project.git";
	run.pusher = "ada";
	run.verdict = "blocked";
	run.findings = findings;
	run.commits = commits;
	run.ncommits = (size_t)n;
	run.refs = &ref;
	run.nrefs = 1;
	run.duration_us = 1234;
	for (i = 0; error == 0 && i < runs; i++) {
		int64_t start = cg_clock_now_us();

		error = write_run(db, &run);
		took[i] = cg_clock_now_us() - start;
	}
	if (error == 0) {
		qsort(took, (size_t)runs, sizeof(*took), compare);
		printf("records %ld commits %ld median_us %" PRId64 " max_us %" PRId64 "\n", runs, n,
		       took[runs / 2], took[runs - 1]);
	}
	free(took);
	free(oids);
	free(findings);
	free(commits);
	return error < 0;
}

/* Reads every latency the writers send, until they have all closed the pipe. */
static int64_t *collect(size_t *n, int fd, size_t expected)
{
	int64_t *all = calloc(expected ? expected : 1, sizeof(*all));

	*n = 0;
	while (all && *n < expected && read(fd, &all[*n], sizeof(*all)) == (ssize_t)sizeof(*all))
		(*n)++;
	return all;
}

static int latency(const char *db, long runs, long writers)
{
	long k;
	int fds[2], failed = 0, status;
	int64_t start, *all;
	size_t n;

	if (pipe(fds) < 0)
		return 3;
	start = cg_clock_now_us();
	for (k = 0; k < writers; k++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(fds[0]);
			_exit(writer(db, runs, fds[1]));
		}
		failed |= pid < 0;
	}
	close(fds[1]);
	all = collect(&n, fds[0], (size_t)(runs * writers));
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	if (failed || !all || n != (size_t)(runs * writers)) {
		fprintf(stderr, "audit-bench: %zu of %ld records made\n", n, runs * writers);
		return 1;
	}
	qsort(all, n, sizeof(*all), compare);
	printf("records %zu median_us %" PRId64 " p99_us %" PRId64 " max_us %" PRId64
	       " per_second %.0f\n", n, all[n / 2], all[n * 99 / 100], all[n - 1],
	       (double)n * 1e6 / (double)(cg_clock_now_us() - start));
	free(all);
	return 0;
}

int main(int argc, char **argv)
{
	long runs = argc > 3 ? atol(argv[3]) : 0;

	if (argc == 5 && !strcmp(argv[1], "latency") && runs > 0 && atol(argv[4]) > 0)
		return latency(argv[2], runs, atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "fill") && runs > 0)
		return fill(argv[2], runs);
	if (argc == 5 && !strcmp(argv[1], "push") && runs > 0 && atol(argv[4]) > 0)
		return push(argv[2], runs, atol(argv[4]));
	fputs(usage, stderr);
	return 2;
}
