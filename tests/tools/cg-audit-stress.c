/*
 * cg-audit-stress: records runs through cg_audit_write, one call per run, so
 * several of it at once (and kill -9) exercise the audit chain's locking.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "error.h"

static const char usage[] =
	"usage: cg-audit-stress DB N     record N runs, one cg_audit_write each\n"
	"   or: cg-audit-stress --verify DB\n";

static int record(const char *db, long n)
{
	static const char *const verdicts[] = { "allowed", "blocked", "waived", "error" };
	const cg_audit_finding finding = { "changelog", "src/main.c", "no new entry" };
	const cg_audit_waiver waiver = { "changelog", "trailer", "Changelog-Skip", "stress", NULL };
	char commit[64];
	long i;

	for (i = 0; i < n; i++) {
		cg_audit_run run = { 0 };
		int fell_back;

		snprintf(commit, sizeof(commit), "stress-%ld-%ld", (long)getpid(), i);
		run.hook = "pre-receive";
		run.repository = "stress";
		run.ref = "refs/heads/main";
		run.commit = commit;
		run.author = "Stress <stress@example.com>";
		run.verdict = verdicts[i % 4];
		run.findings = &finding;
		run.nfindings = 1;
		run.waivers = &waiver;
		run.nwaivers = i % 3 == 0;
		run.duration_us = i;
		if (cg_audit_write(db, &run, 1, &fell_back) < 0) {
			fprintf(stderr, "cg-audit-stress: %s\n", cg_error_last());
			return fell_back ? 1 : 3;
		}
	}
	return 0;
}

static int verify(const char *db)
{
	cg_audit *audit;
	int64_t bad;
	size_t rows;
	int ret;

	if (cg_audit_open_readonly(&audit, db) < 0 ||
	    (ret = cg_audit_verify(audit, &bad, &rows)) < 0) {
		fprintf(stderr, "cg-audit-stress: %s\n", cg_error_last());
		cg_audit_close(audit);
		return 3;
	}
	cg_audit_close(audit);
	if (ret == 1) {
		printf("broken at run %" PRId64 " after %zu intact: %s\n", bad, rows, cg_error_last());
		return 1;
	}
	printf("intact: %zu runs\n", rows);
	return 0;
}

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc == 3 && !strcmp(argv[1], "--verify"))
		return verify(argv[2]);
	if (argc != 3 || (n = strtol(argv[2], &end, 10)) < 0 || *end || !*argv[2]) {
		fputs(usage, stderr);
		return 2;
	}
	return record(argv[1], n);
}
