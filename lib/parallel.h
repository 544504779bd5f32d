/*
 * parallel.h: many independent jobs done in contiguous shares by forked
 * processes, each handing back a record per job, taken in job order.
 */
#ifndef CG_PARALLEL_H
#define CG_PARALLEL_H

#include <stddef.h>

#include "buf.h"

/* Below this many jobs, forking costs more than it saves. */
#define CG_PARALLEL_MIN 128

typedef struct {
	/* Does job `i` and appends its record to `out`; runs in a child, or in
	 * the caller: whatever else it changes is lost when it runs in a child,
	 * so the record must carry it. Returns 0; or 1 to stop every process
	 * after this record (a deadline passed), which leaves jobs never taken,
	 * anywhere in the list: the record must say so, and take must turn it
	 * into an error or a refusal; or < 0 on an error, which stops
	 * everything. */
	int (*run)(size_t i, cg_buf *out, void *payload);
	/* Takes job `i`'s record, all of it, in the caller, in job order. A
	 * result < 0 stops everything with that error. */
	int (*take)(size_t i, cg_buf_reader *in, void *payload);
	void *payload;
} cg_parallel_jobs;

/*
 * Runs jobs 0 to n - 1: in this process when n < CG_PARALLEL_MIN or there
 * is one CPU, else in one process per CPU (at most 4): this one and forked
 * children writing to unnamed temporary files. The jobs are cut into one
 * segment for every two processes, which take its jobs from its two ends
 * until they meet. Jobs a child cannot be started for are left to the
 * other end, or done here. Fails closed: a child killed, failing or leaving
 * a damaged file is an error, and so is a job left untaken when no process
 * stopped. Returns the first error in job order; the process must have no
 * other threads.
 */
int cg_parallel_run(const cg_parallel_jobs *jobs, size_t n);

#endif
