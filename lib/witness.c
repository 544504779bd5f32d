#include "witness.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "spool.h"
#include "timestamp.h"

/* Waits for another hook's append as long as the audit database would. */
#define LOCK_TIMEOUT_MS 10000
/* A longer line is damage, not a chain head. */
#define MAX_LINE 256

int cg_witness_append(const char *path, int64_t run_id, const char *hash)
{
	char line[MAX_LINE], stamp[32];
	int len;

	cg_timestamp_format(stamp, cg_timestamp_now_ms(), 1);
	len = snprintf(line, sizeof(line), "%" PRId64 " %s %s\n", run_id, hash, stamp);
	if (len < 0 || (size_t)len >= sizeof(line))
		return cg_error_set(CG_ERROR, "audit witness: run %" PRId64 " has no valid hash", run_id);
	if (cg_spool_append(path, line, (size_t)len, LOCK_TIMEOUT_MS) < 0)
		return cg_error_prefix(CG_ERROR, "cannot write the audit witness");
	return 0;
}

/* Run ids in the order found, later sorted and said as ranges. */
typedef struct {
	int64_t *v;
	size_t n, alloc;
} ids;

static void ids_add(ids *s, int64_t id)
{
	s->v = cg_array_grow(s->v, &s->alloc, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = id;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* "runs 3-5, 9" or "run 7", then `what`; nothing when `s` is empty. */
static void say_ids(cg_buf *out, ids *s, const char *one, const char *many)
{
	size_t i, j;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_id);
	cg_buf_printf(out, "%s%s ", out->size ? "; " : "", s->n == 1 ? "run" : "runs");
	for (i = 0; i < s->n; i = j) {
		for (j = i + 1; j < s->n && s->v[j] <= s->v[j - 1] + 1; j++)
			;
		cg_buf_printf(out, "%s%" PRId64, i ? ", " : "", s->v[i]);
		if (s->v[j - 1] != s->v[i])
			cg_buf_printf(out, "-%" PRId64, s->v[j - 1]);
	}
	cg_buf_printf(out, " %s", s->n == 1 ? one : many);
}

typedef struct {
	ids missing, differ, damaged;
	int64_t newest_witnessed;
} findings;

/* One line "<id> <64 hex> <time>": 0 with *id and hash set, or -1. */
static int parse_line(int64_t *id, char hash[65], const char *line)
{
	char time[40], end;
	long long n;

	if (sscanf(line, "%lld %64[0-9a-f] %39s%c", &n, hash, time, &end) != 3 || n <= 0 ||
	    strlen(hash) != 64)
		return -1;
	*id = n;
	return 0;
}

static int check_line(findings *f, cg_witness_result *out, cg_audit *db, const char *line,
                      size_t number)
{
	char hash[65];
	cg_audit_head run;
	int64_t id;
	int error;

	out->lines++;
	if (parse_line(&id, hash, line) < 0) {
		ids_add(&f->damaged, (int64_t)number);
		return 0;
	}
	if (id > f->newest_witnessed)
		f->newest_witnessed = id;
	if ((error = cg_audit_run_hash(db, id, &run)) == CG_ENOTFOUND)
		ids_add(&f->missing, id);
	else if (error < 0)
		return error;
	else if (strcmp(run.hash, hash))
		ids_add(&f->differ, id);
	else
		out->agreed++;
	return 0;
}

static int read_lines(findings *f, cg_witness_result *out, cg_audit *db, const char *path)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, number = 0;
	ssize_t len;
	int error = 0;

	if (!fp)
		return cg_error_set(errno == ENOENT ? CG_ENOTFOUND : CG_ERROR,
		                    "cannot read the audit witness '%s': %s", path, strerror(errno));
	while (error == 0 && (len = getline(&line, &cap, fp)) > 0) {
		number++;
		/* a line cut short (no newline) is damaged, like any other */
		if (line[len - 1] != '\n' || (size_t)len > MAX_LINE) {
			ids_add(&f->damaged, (int64_t)number);
			continue;
		}
		line[len - 1] = '\0';
		error = check_line(f, out, db, line, number);
	}
	if (error == 0 && ferror(fp))
		error = cg_error_set(CG_ERROR, "cannot read the audit witness '%s'", path);
	free(line);
	fclose(fp);
	return error;
}

static int64_t lowest(const ids *s, int64_t low)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!low || s->v[i] < low)
			low = s->v[i];
	return low;
}

/* The message of a disagreement, and the first run it concerns. */
static int report(findings *f, cg_witness_result *out, const cg_audit_head *newest,
                  const char *path)
{
	ids unwitnessed = { 0 };
	cg_buf msg = CG_BUF_INIT;
	int64_t id;

	for (id = f->newest_witnessed + 1; id <= newest->id; id++)
		ids_add(&unwitnessed, id);
	say_ids(&msg, &f->missing, "is in the witness but not in the database (deleted)",
	        "are in the witness but not in the database (deleted)");
	say_ids(&msg, &f->differ, "differs from its witnessed hash (rewritten)",
	        "differ from their witnessed hashes (rewritten)");
	say_ids(&msg, &unwitnessed, "is newer than the witness's newest line (the witness was "
	        "truncated, or this run's witness write failed with a warning)",
	        "are newer than the witness's newest line (the witness was truncated, or their "
	        "witness writes failed with a warning)");
	if (f->damaged.n)
		cg_buf_printf(&msg, "%s%zu line%s of the witness %s damaged (cut short or edited), "
		              "the first is line %" PRId64, msg.size ? "; " : "", f->damaged.n,
		              f->damaged.n == 1 ? "" : "s", f->damaged.n == 1 ? "is" : "are",
		              lowest(&f->damaged, 0));
	out->first_bad = lowest(&unwitnessed, lowest(&f->differ, lowest(&f->missing, 0)));
	free(unwitnessed.v);
	if (!msg.size) {
		cg_buf_dispose(&msg);
		return 0;
	}
	cg_error_set(1, "witness '%s': %s", path, msg.ptr);
	cg_buf_dispose(&msg);
	return 1;
}

int cg_witness_check(cg_witness_result *out, cg_audit *db, const char *path)
{
	findings f = { { 0 } };
	cg_audit_head newest;
	int error;

	memset(out, 0, sizeof(*out));
	/* the database first: a hook that commits a run in between appends
	 * its line before the witness is read */
	if ((error = cg_audit_newest(db, &newest)) == 0 &&
	    (error = read_lines(&f, out, db, path)) == 0)
		error = report(&f, out, &newest, path);
	free(f.missing.v);
	free(f.differ.v);
	free(f.damaged.v);
	return error;
}
