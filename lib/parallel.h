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
	 * the caller for the first share: whatever else it changes is lost when
	 * it runs in a child, so the record must carry it. Returns 0, or 1 to stop
	 * the share after this record (a deadline passed), or < 0 on an error,
	 * which stops the share and then everything. */
	int (*run)(size_t i, cg_buf *out, void *payload);
	/* Takes job `i`'s record, all of it, in the caller, in job order. A
	 * result < 0 stops everything with that error. */
	int (*take)(size_t i, cg_buf_reader *in, void *payload);
	void *payload;
} cg_parallel_jobs;

/*
 * Runs jobs 0 to n - 1: in this process when n < CG_PARALLEL_MIN or there
 * is one CPU, else in one share per CPU (at most 4), the first here, the
 * others in forked children writing to unnamed temporary files. A share
 * whose child cannot be started is done here too. Fails closed: a child
 * killed, failing or leaving a damaged file is an error. Returns the first
 * error in job order; the process must have no other threads.
 */
int cg_parallel_run(const cg_parallel_jobs *jobs, size_t n);

#endif
