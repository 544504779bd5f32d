/*
 * audit_pg.h: the audit trail in PostgreSQL, for a fleet of servers: one hash
 * chain per repository identity across them, a local spool while it is away.
 */
#ifndef CG_AUDIT_PG_H
#define CG_AUDIT_PG_H

#include <stddef.h>
#include "audit.h"
#include "buf.h"

/* Whether `db` names a PostgreSQL database rather than a SQLite file: a
 * postgresql:// or postgres:// URI, or libpq's "key=value ..." form (a
 * keyword, then '=', at its start: "service=audit", "host=/run/pg dbname=cg"). */
int cg_audit_pg_is_url(const char *db);

/* `url` as it may be shown: without its password (user:PASSWORD@ in a URI,
 * password= and sslpassword= anywhere), which becomes "***". */
void cg_audit_pg_redact(cg_buf *out, const char *url);

/* `message` with every appearance of `url` and of its password replaced by
 * their redacted forms, so that no libpq error can show them. */
void cg_audit_pg_sanitize(cg_buf *out, const char *message, const char *url);

/* Creates the tables (idempotent) and checks the database's encoding: runs
 * are bytes, stored as they are in a SQL_ASCII database. */
int cg_audit_pg_setup(const char *url);

/* Records the runs (stamped and validated as cg_audit_write does) as the
 * newest of the chain `chain`, in one transaction that holds the chain's
 * head row locked; the same transaction first replays the records of the
 * local spool file `spool`, in order, each once. When the database cannot
 * take them (unreachable, a timeout, a failure mid-transaction), appends
 * them to `spool` and returns CG_ERROR with *fell_back = 1, as
 * cg_audit_write does with its fallback file. On success `*recorded`
 * (may be NULL) is the chain's new head, for the witness; {0, ""} else. */
int cg_audit_pg_write(const char *url, const char *chain, const char *spool,
                      const cg_audit_run *runs, size_t n, int *fell_back,
                      cg_audit_head *recorded);

/* A read-only copy of the chain `chain` (NULL: the only one in the
 * database) from one snapshot, for the report, verify and export code
 * that serves SQLite. Its verify also checks that the chain ends with the
 * hash its head row records. */
int cg_audit_pg_open(cg_audit **out, const char *url, const char *chain);

/* Like cg_audit_pg_open, for cg_report_audit with `filter` and `limit`
 * (rows per list, 0: all) only: the summaries counted by the database from
 * its report tables, and only the runs the report's lists need copied, so
 * that a report on a million runs reads a few thousand rows. */
int cg_audit_pg_open_report(cg_audit **out, const char *url, const char *chain,
                            const cg_audit_filter *filter, size_t limit);

/* Copies every run of the SQLite database `from` (open read-only), with
 * its ids and hashes, as the chain `chain`, which must not have runs yet;
 * *copied counts them. Verify the copy with cg_audit_pg_open. */
int cg_audit_pg_import(const char *url, const char *chain, cg_audit *from, size_t *copied);

#endif
