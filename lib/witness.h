/*
 * witness.h: an outside witness of an audit chain, a local append-only file
 * of chain heads (run id, hash, time), and the check of a database against it.
 */
#ifndef CG_WITNESS_H
#define CG_WITNESS_H

#include <stddef.h>
#include <stdint.h>
#include "audit.h"

/* Appends "<run id> <hash> <UTC time>\n" to the witness file at `path`
 * (created 0644 when missing), under a lock and synced, as
 * cg_spool_append does. Any audit store calls it after each commit of a
 * run, with the run's id and chain hash. CG_ERROR naming the file. */
int cg_witness_append(const char *path, int64_t run_id, const char *hash);

/* What cg_witness_check found. */
typedef struct {
	size_t lines;       /* the witness's lines */
	size_t agreed;      /* lines whose run the database holds with that hash */
	int64_t first_bad;  /* the lowest run id missing, rewritten or unwitnessed; 0 */
} cg_witness_result;

/* Compares every line of the witness at `path` with the run of that id in
 * `db`: 0 when each is there with the same hash and the database's newest
 * run is witnessed; 1 otherwise, with the message naming the runs that are
 * missing (deleted), differ (rewritten) or are newer than the witness's
 * newest line (the witness was truncated or lost writes) and the damaged
 * lines; a negative error when the witness or the database cannot be read. */
int cg_witness_check(cg_witness_result *out, cg_audit *db, const char *path);

#endif
