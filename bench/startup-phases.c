/*
 * startup-phases: the pre-commit hook's start-up step by step, for
 * bench/startup-count.sh and docs/benchmarks.md; not part of the product.
 * `startup-phases N` runs the first N steps of what the hook does with
 * nothing staged and stops: 0 loads the hook's libraries only, 1 adds
 * git_libgit2_init (the floor's work), 2 the repository and its index
 * (the staged change), 3 the policy, 4 the evaluation, 5 the audit record
 * (cg_record_write: open, one transaction, close). Each step prints a line
 * "STEP WALL_US CPU_US MINOR_FAULTS" of its own cost, so that a run under
 * callgrind counts N steps' instructions and repeated runs give each
 * step's time and page faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <git2.h>

#include "check.h"
#include "error.h"
#include "record.h"

static long long micros(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static long minor_faults(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_minflt;
}

/* Prints the cost of the step since the last call. */
static void step(const char *name)
{
	static long long wall, cpu;
	static long faults;
	long long w = micros(CLOCK_MONOTONIC), c = micros(CLOCK_PROCESS_CPUTIME_ID);
	long f = minor_faults();

	if (name)
		printf("%s %lld %lld %ld\n", name, w - wall, c - cpu, f - faults);
	wall = w;
	cpu = c;
	faults = f;
}

static int record(cg_check *c, const cg_result *r)
{
	git_repository *repo = cg_check_repository(c);
	const char *workdir = git_repository_workdir(repo);
	cg_record *rec = cg_record_new("pre-commit", repo, workdir ? workdir : git_repository_path(repo),
	                               cg_check_policy(c));
	int error;

	cg_record_staged(rec, r);
	error = cg_record_write(rec, 1);
	cg_record_free(rec);
	return error;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5, error = 0;
	cg_check *c = NULL;
	cg_result *r = NULL;

	step(NULL);
	if (n < 1)
		return 0;
	git_libgit2_init();
	step("init");
	if (n >= 2 && (error = cg_check_open_staged(&c)) == 0)
		step("repository");
	if (n >= 3 && error == 0 && (error = cg_check_load_policy(c)) == 0)
		step("policy");
	if (n >= 4 && error == 0 && (error = cg_check_evaluate(&r, c, "", 0)) == 0)
		step("evaluate");
	if (n >= 5 && error == 0 && (error = record(c, r)) == 0)
		step("record");
	if (error < 0)
		fprintf(stderr, "startup-phases: %s\n", cg_error_last());
	cg_result_free(r);
	cg_check_free(c);
	git_libgit2_shutdown();
	return error < 0;
}
