#include "audit_pg.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit_db.h"
#include "dynlib.h"
#include "error.h"
#include "fs.h"
#include "hash.h"
#include "spool.h"

/*
 * libpq, loaded when a run first goes to PostgreSQL. Linked into every
 * hook, it and the libraries it needs (Kerberos, LDAP, GnuTLS, ...) more
 * than doubled the dynamic loader's work at the start of every commit,
 * for a setting most repositories never use.
 */
#define PQ_FUNCTIONS(X) \
	X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) X(PQconninfoParse) \
	X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQfinish) \
	X(PQgetisnull) X(PQgetResult) X(PQgetvalue) X(PQntuples) X(PQpipelineSync) \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQsendQueryParams) X(PQstatus) \
	X(PQtransactionStatus)

static struct {
	PQ_FUNCTIONS(CG_DYNLIB_POINTER)
} pq;
static const char *const pq_names[] = { PQ_FUNCTIONS(CG_DYNLIB_NAME) };
#define PQ_SLOT(name) CG_DYNLIB_SLOT(pq, name)
static void **const pq_slots[] = { PQ_FUNCTIONS(PQ_SLOT) };
#undef PQ_SLOT
static cg_dynlib pq_lib = CG_DYNLIB_INIT("libpq.so.5", pq_names, pq_slots);

static int pq_load(void)
{
	const char *why = cg_dynlib_load(&pq_lib);

	if (why)
		return cg_error_set(CG_ERROR, "audit database: audit.url needs libpq 14 or later, "
		                    "which cannot be loaded: %s; install it: apt-get install libpq5", why);
	return 0;
}

/*
 * The tables of a chain, with the columns the SQLite schema gives them and
 * `chain` in front: tables[0] is runs, tables[1 + k] the items of kinds[k],
 * in the order of their fields. Writing, reading and copying all follow it.
 */
static const struct {
	const char *name, *columns, *order;
	size_t ncolumns;
} tables[] = {
	{ "runs", RUN_COLUMNS, "id", RUN_COLUMN_COUNT },
	{ "findings", "run_id, seq, rule, path, detail, commit_oid", "run_id, seq", 6 },
	{ "waivers", "run_id, seq, rule, source, name, reason, authorizer, commit_oid",
	  "run_id, seq", 8 },
	{ "push_commits", "run_id, seq, commit_oid, verdict, ref, author, committer",
	  "run_id, seq", 7 },
	{ "push_refs", "run_id, seq, ref, old_oid, new_oid, outcome", "run_id, seq", 6 },
	{ "push_options", "run_id, seq, value", "run_id, seq", 3 },
};
_Static_assert(ARRAY_SIZE(tables) == 1 + ARRAY_SIZE(kinds), "one table per item kind");
#define MAX_COLUMNS (1 + RUN_COLUMN_COUNT)

#define ITEM_TABLE(name, columns) \
	"CREATE TABLE IF NOT EXISTS " name " (chain text NOT NULL, run_id bigint NOT NULL," \
	" seq integer NOT NULL, " columns ", PRIMARY KEY (chain, run_id, seq)," \
	" FOREIGN KEY (chain, run_id) REFERENCES runs);"

/*
 * Report tables: SQLite's (audit.c, "Report tables"), so that a report on
 * a million runs reads thousands of rows, not the runs, filled in the
 * transaction that records the runs (index_run).
 *
 *   run_keys    a key per combination of hook, verdict, and the sorted,
 *               distinct refs, authors, rules found and rules waived (as
 *               arrays), shared by the chains; `digest` makes it unique,
 *               since an index entry cannot hold a push's long arrays.
 *               A run has two: its own, and its group's, the same without
 *               authors;
 *   keyed_runs  each run's key, group and time: the newest runs a filter
 *               selects by (chain, key_id, run_id), the part-days at the
 *               ends of --since/--until by (chain, time);
 *   daily       per chain, group, UTC day and rule ('' for the runs):
 *               runs (with a finding of the rule), findings, waivers.
 *
 * daily is per group, not per key as in SQLite: a fleet's repository has
 * dozens of authors, and with them in the key nearly every run of a day
 * had a daily row of its own. --author, which tests the authors, counts
 * the runs of the keys it selects instead (few: one person's).
 *
 * Times and days compare as bytes (COLLATE "C"), as in SQLite: a database
 * made with another locale would not sort '~' after a digit.
 */

/* The daily rows of the runs in scope(chain, run_id, key_id, day)
 * (DAILY_OF_SCOPE in PostgreSQL's words). */
#define PG_DAILY_OF_SCOPE \
	"SELECT chain, key_id, day, rule, sum(runs) AS runs, sum(findings) AS findings," \
	" sum(waivers) AS waivers FROM (" \
	" SELECT chain, key_id, day, '' AS rule, count(*) AS runs, 0 AS findings, 0 AS waivers" \
	"  FROM scope GROUP BY chain, key_id, day" \
	" UNION ALL SELECT scope.chain, key_id, day, f.rule, count(DISTINCT f.run_id), count(*), 0" \
	"  FROM scope JOIN findings AS f ON f.chain = scope.chain AND f.run_id = scope.run_id" \
	"  GROUP BY scope.chain, key_id, day, f.rule" \
	" UNION ALL SELECT scope.chain, key_id, day, w.rule, 0, 0, count(*)" \
	"  FROM scope JOIN waivers AS w ON w.chain = scope.chain AND w.run_id = scope.run_id" \
	"  GROUP BY scope.chain, key_id, day, w.rule) AS d GROUP BY chain, key_id, day, rule"

#define PG_DAILY_UPSERT \
	" ON CONFLICT (chain, group_id, day, rule) DO UPDATE SET runs = daily.runs + excluded.runs," \
	" findings = daily.findings + excluded.findings, waivers = daily.waivers + excluded.waivers"

/* The sorted distinct non-NULL values of `select` (one column), as
 * index_run sorts them (strcmp). */
#define PG_KEY_ARRAY(select) \
	"ARRAY(SELECT v FROM (" select ") AS s (v) WHERE v IS NOT NULL ORDER BY v COLLATE \"C\")"

/* The digest of the key of table `t`'s row ("t." or ""), with `authors`. */
#define PG_DIGEST(t, authors) \
	"changeguard_key_digest(" t "hook, " t "verdict, " t "refs, " authors ", " t "finding_rules, " \
	t "waiver_rules)"

#define REPORT_SCHEMA \
	"CREATE OR REPLACE FUNCTION changeguard_key_digest(text, text, text[], text[], text[]," \
	" text[]) RETURNS text LANGUAGE sql IMMUTABLE AS" \
	" 'SELECT md5(ROW($1, $2, $3, $4, $5, $6)::text)';" \
	"CREATE TABLE IF NOT EXISTS run_keys (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY," \
	" hook text NOT NULL, verdict text NOT NULL, refs text[] NOT NULL, authors text[] NOT NULL," \
	" finding_rules text[] NOT NULL, waiver_rules text[] NOT NULL," \
	" digest text GENERATED ALWAYS AS (" PG_DIGEST("", "authors") ") STORED UNIQUE);" \
	"CREATE TABLE IF NOT EXISTS keyed_runs (chain text NOT NULL, run_id bigint NOT NULL," \
	" key_id bigint NOT NULL, group_id bigint NOT NULL, time text COLLATE \"C\" NOT NULL," \
	" PRIMARY KEY (chain, run_id));" \
	"CREATE INDEX IF NOT EXISTS keyed_runs_key ON keyed_runs (chain, key_id, run_id)" \
	" INCLUDE (time);" \
	"CREATE INDEX IF NOT EXISTS keyed_runs_time ON keyed_runs (chain, time);" \
	"CREATE TABLE IF NOT EXISTS daily (chain text NOT NULL, group_id bigint NOT NULL," \
	" day text COLLATE \"C\" NOT NULL, rule text COLLATE \"C\" NOT NULL," \
	" runs bigint NOT NULL, findings bigint NOT NULL, waivers bigint NOT NULL," \
	" PRIMARY KEY (chain, group_id, day, rule));" \
	/* the runs recorded before the tables were (index_run's work in SQL), \
	 * the chain heads locked so that none is recorded meanwhile */ \
	"SELECT count(*) FROM (SELECT 1 FROM chain_heads FOR UPDATE) AS locked;" \
	"CREATE TEMPORARY TABLE new_keys ON COMMIT DROP AS SELECT r.chain, r.id AS run_id, r.time," \
	" r.hook, r.verdict," \
	" " PG_KEY_ARRAY("SELECT r.ref UNION SELECT p.ref FROM push_refs AS p" \
	                 " WHERE p.chain = r.chain AND p.run_id = r.id") " AS refs," \
	" " PG_KEY_ARRAY("SELECT r.author UNION SELECT p.author FROM push_commits AS p" \
	                 " WHERE p.chain = r.chain AND p.run_id = r.id") " AS authors," \
	" " PG_KEY_ARRAY("SELECT DISTINCT f.rule FROM findings AS f" \
	                 " WHERE f.chain = r.chain AND f.run_id = r.id") " AS finding_rules," \
	" " PG_KEY_ARRAY("SELECT DISTINCT w.rule FROM waivers AS w" \
	                 " WHERE w.chain = r.chain AND w.run_id = r.id") " AS waiver_rules" \
	" FROM runs AS r WHERE NOT EXISTS (SELECT 1 FROM keyed_runs AS k" \
	" WHERE k.chain = r.chain AND k.run_id = r.id);" \
	"INSERT INTO run_keys (hook, verdict, refs, authors, finding_rules, waiver_rules)" \
	" SELECT hook, verdict, refs, authors, finding_rules, waiver_rules FROM new_keys" \
	" UNION SELECT hook, verdict, refs, '{}', finding_rules, waiver_rules FROM new_keys" \
	" ON CONFLICT (digest) DO NOTHING;" \
	"INSERT INTO keyed_runs (chain, run_id, key_id, group_id, time)" \
	" SELECT n.chain, n.run_id, k.id, g.id, n.time FROM new_keys AS n" \
	" JOIN run_keys AS k ON k.digest = " PG_DIGEST("n.", "n.authors") \
	" JOIN run_keys AS g ON g.digest = " PG_DIGEST("n.", "'{}'") ";" \
	"WITH scope AS (SELECT n.chain, n.run_id, k.group_id AS key_id, substr(n.time, 1, 10) AS day" \
	" FROM new_keys AS n JOIN keyed_runs AS k USING (chain, run_id))" \
	" INSERT INTO daily (chain, group_id, day, rule, runs, findings, waivers) " \
	PG_DAILY_OF_SCOPE PG_DAILY_UPSERT ";"

/* The SQLite schema's tables with a chain column. chain_heads holds each
 * chain's newest run: locking its row serializes the chain across
 * servers, and verify checks the chain ends there. The report tables
 * follow (REPORT_SCHEMA). */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS chain_heads (chain text PRIMARY KEY,"
	" id bigint NOT NULL, hash text NOT NULL);"
	"CREATE TABLE IF NOT EXISTS runs (chain text NOT NULL, id bigint NOT NULL,"
	" time text NOT NULL, hook text NOT NULL,"
	" repository text, ref text, old_oid text, new_oid text, commit_oid text,"
	" author text, committer text, pusher text,"
	" verdict text NOT NULL CHECK (verdict IN ('allowed', 'blocked', 'waived', 'error')),"
	" policy_sha256 text, tool_version text NOT NULL, duration_us bigint NOT NULL,"
	" prev_hash text NOT NULL, hash text NOT NULL, hash_version integer NOT NULL,"
	" PRIMARY KEY (chain, id));"
	ITEM_TABLE("findings", "rule text NOT NULL, path text, detail text, commit_oid text")
	ITEM_TABLE("waivers", "rule text NOT NULL, source text NOT NULL, name text,"
	           " reason text, authorizer text, commit_oid text")
	ITEM_TABLE("push_commits", "commit_oid text NOT NULL, verdict text NOT NULL,"
	           " ref text, author text, committer text")
	ITEM_TABLE("push_refs", "ref text NOT NULL, old_oid text, new_oid text, outcome text")
	/* SQLite's schema version 4; a database set up before it gains it */
	"ALTER TABLE push_refs ADD COLUMN IF NOT EXISTS outcome text;"
	ITEM_TABLE("push_options", "value text NOT NULL")
	/* spool records already replayed, and every run's own id, so that a
	 * commit whose answer was lost cannot be recorded twice */
	"CREATE TABLE IF NOT EXISTS fallback_imports (chain text NOT NULL,"
	" fallback_id text NOT NULL, run_id bigint NOT NULL, PRIMARY KEY (chain, fallback_id));"
	REPORT_SCHEMA;

/* Rows fetched at a time when copying a chain out. */
#define FETCH_ROWS "10000"

/*
 * Showing a connection string: its password never.
 */

static int is_uri(const char *s)
{
	return !strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11);
}

int cg_audit_pg_is_url(const char *db)
{
	size_t n = strspn(db, "abcdefghijklmnopqrstuvwxyz_");

	return is_uri(db) || (n > 0 && db[n + strspn(db + n, " \t")] == '=');
}

static int is_secret_key(const char *key, size_t len)
{
	return (len == 8 && !strncmp(key, "password", 8)) ||
	       (len == 11 && !strncmp(key, "sslpassword", 11));
}

/* Appends "***" for the `len` bytes at `s`, which go to `secrets` (each
 * followed by a NUL) for cg_audit_pg_sanitize. */
static void hide(cg_buf *out, cg_buf *secrets, const char *s, size_t len)
{
	cg_buf_puts(out, "***");
	if (secrets && len) {
		cg_buf_put(secrets, s, len);
		cg_buf_putc(secrets, '\0');
	}
}

/* The query of a URI: password=... and sslpassword=... hidden. */
static void redact_query(cg_buf *out, cg_buf *secrets, const char *q)
{
	while (*q) {
		size_t len = strcspn(q, "&#"), key = strcspn(q, "=&#");

		if (key < len && is_secret_key(q, key)) {
			cg_buf_put(out, q, key + 1);
			hide(out, secrets, q + key + 1, len - key - 1);
		} else {
			cg_buf_put(out, q, len);
		}
		q += len;
		if (*q)
			cg_buf_putc(out, *q++);
	}
}

static void redact_uri(cg_buf *out, cg_buf *secrets, const char *url)
{
	const char *auth = strstr(url, "://") + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL, *colon, *p;

	for (p = auth; p < auth + alen; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		cg_buf_put(out, url, (size_t)(colon + 1 - url));
		hide(out, secrets, colon + 1, (size_t)(at - colon - 1));
		p = at;
	} else {
		p = url;
	}
	alen = strcspn(p, "?");
	cg_buf_put(out, p, alen);
	if (p[alen]) {
		cg_buf_putc(out, '?');
		redact_query(out, secrets, p + alen + 1);
	}
}

/* The end of a key=value value at `v`: quoted ('...', with \ escapes) or
 * up to white space. */
static const char *value_end(const char *v)
{
	if (*v != '\'')
		return v + strcspn(v, " \t\n");
	for (v++; *v && *v != '\''; v++)
		if (*v == '\\' && v[1])
			v++;
	return *v ? v + 1 : v;
}

static void redact_url(cg_buf *out, cg_buf *secrets, const char *url);

static void redact_keywords(cg_buf *out, cg_buf *secrets, const char *s)
{
	while (*s) {
		size_t key = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
		const char *eq = s + key + strspn(s + key, " \t"), *v, *end;

		if (!key || *eq != '=') {
			cg_buf_putc(out, *s++);
			continue;
		}
		v = eq + 1 + strspn(eq + 1, " \t");
		end = value_end(v);
		cg_buf_put(out, s, (size_t)(v - s));
		if (is_secret_key(s, key)) {
			hide(out, secrets, v, (size_t)(end - v));
		} else if (is_uri(v)) {
			char *inner = cg_strndup(v, (size_t)(end - v));

			redact_url(out, secrets, inner);
			free(inner);
		} else {
			cg_buf_put(out, v, (size_t)(end - v));
		}
		s = end;
	}
}

static void redact_url(cg_buf *out, cg_buf *secrets, const char *url)
{
	if (is_uri(url))
		redact_uri(out, secrets, url);
	else
		redact_keywords(out, secrets, url);
}

void cg_audit_pg_redact(cg_buf *out, const char *url)
{
	redact_url(out, NULL, url);
}

/* Appends `s` with every `secret` replaced by `with`. */
static void replace_all(cg_buf *out, const char *s, const char *secret, const char *with)
{
	const char *at;

	while (*secret && (at = strstr(s, secret)) != NULL) {
		cg_buf_put(out, s, (size_t)(at - s));
		cg_buf_puts(out, with);
		s = at + strlen(secret);
	}
	cg_buf_puts(out, s);
}

/* Replaces `secret` in `b`. */
static void scrub(cg_buf *b, const char *secret, const char *with)
{
	cg_buf next = CG_BUF_INIT;

	replace_all(&next, b->ptr, secret, with);
	cg_buf_clear(b);
	cg_buf_puts(b, next.ptr);
	cg_buf_dispose(&next);
}

void cg_audit_pg_sanitize(cg_buf *out, const char *message, const char *url)
{
	cg_buf shown = CG_BUF_INIT, secrets = CG_BUF_INIT, text = CG_BUF_INIT;
	/* without libpq, the URL as written is all there is to scrub */
	PQconninfoOption *opts = cg_dynlib_load(&pq_lib) ? NULL : pq.PQconninfoParse(url, NULL), *o;
	size_t i;

	redact_url(&shown, &secrets, url);
	cg_buf_puts(&text, message);
	if (*url)
		scrub(&text, url, shown.ptr);
	/* as written (percent-encoded, quoted), then as libpq decoded it */
	for (i = 0; i < secrets.size; i += strlen(secrets.ptr + i) + 1)
		scrub(&text, secrets.ptr + i, "***");
	for (o = opts; o && o->keyword; o++)
		if (o->val && is_secret_key(o->keyword, strlen(o->keyword)))
			scrub(&text, o->val, "***");
	cg_buf_puts(out, text.ptr);
	if (opts)
		pq.PQconninfoFree(opts);
	cg_buf_dispose(&shown);
	cg_buf_dispose(&secrets);
	cg_buf_dispose(&text);
}

/*
 * Talking to the database.
 */

typedef struct {
	PGconn *conn;
	const char *url;
	/* A hook's record sends its statements without waiting for each
	 * answer (libpq's pipeline mode): a statement whose result is not
	 * asked for is queued, and one whose result is waits for every
	 * answer so far. A run is then three round trips to the server
	 * (connection, the chain head locked, the rest with the commit),
	 * where it was one per statement. */
	int pipeline;
	size_t queued;    /* statements sent since the last sync */
} pg;

/* CG_ERROR with libpq's message (of `res`, else of the connection) on one
 * line, sanitized. */
static int pg_fail(const pg *p, const PGresult *res)
{
	const char *msg = res ? pq.PQresultErrorMessage(res) : pq.PQerrorMessage(p->conn);
	cg_buf name = CG_BUF_INIT, clean = CG_BUF_INIT;
	size_t i;
	int error;

	cg_audit_pg_redact(&name, p->url);
	cg_audit_pg_sanitize(&clean, msg && *msg ? msg : "no answer", p->url);
	for (i = 0; i < clean.size; i++)
		if (clean.ptr[i] == '\n' || clean.ptr[i] == '\t')
			clean.ptr[i] = ' ';
	while (clean.size && clean.ptr[clean.size - 1] == ' ')
		clean.ptr[--clean.size] = '\0';
	error = cg_error_set(CG_ERROR, "audit database '%s': %s", name.ptr, clean.ptr);
	cg_buf_dispose(&name);
	cg_buf_dispose(&clean);
	return error;
}

static int failed(ExecStatusType st)
{
	return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
}

/* Waits for the answers to the statements queued: the first failure's
 * error (the statements after it were not run), else 0 and, when `out` is
 * given, the last statement's result (the caller clears it). */
static int pg_sync(pg *p, PGresult **out)
{
	PGresult *res, *last = NULL;
	ExecStatusType st;
	size_t ends = 0;
	int error = 0, synced = 0;

	if (!pq.PQpipelineSync(p->conn))
		return pg_fail(p, NULL);
	/* each statement's results end with a NULL, the sync with a result of
	 * its own; more NULLs than statements: the connection is gone */
	while (!synced) {
		if ((res = pq.PQgetResult(p->conn)) == NULL) {
			if (++ends > p->queued)
				break;
			continue;
		}
		st = pq.PQresultStatus(res);
		synced = st == PGRES_PIPELINE_SYNC;
		if (!synced && error == 0 && failed(st))
			error = pg_fail(p, res);
		if (synced || error < 0) {
			pq.PQclear(res);
		} else {
			pq.PQclear(last);
			last = res;
		}
	}
	p->queued = 0;
	if (error == 0 && !synced)
		error = pg_fail(p, NULL);
	if (out && error == 0)
		*out = last;
	else
		pq.PQclear(last);
	return error;
}

/* Runs `sql` with `n` text parameters (NULL: NULL); the result goes to
 * *out when `out` is given (the caller clears it). In a pipeline, a
 * statement without `out` is only queued: its failure shows at the next
 * statement with `out`, or at the commit. */
static int pg_exec(pg *p, PGresult **out, const char *sql, int n, const char *const *params)
{
	PGresult *res;
	int error = 0;

	if (p->pipeline) {
		if (!pq.PQsendQueryParams(p->conn, sql, n, NULL, params, NULL, NULL, 0))
			return pg_fail(p, NULL);
		p->queued++;
		return out ? pg_sync(p, out) : 0;
	}
	/* without parameters, several statements may go at once */
	res = n ? pq.PQexecParams(p->conn, sql, n, NULL, params, NULL, NULL, 0) :
		pq.PQexec(p->conn, sql);
	if (failed(pq.PQresultStatus(res)))
		error = pg_fail(p, res);
	if (out && error == 0)
		*out = res;
	else
		pq.PQclear(res);
	return error;
}

/*
 * Time limits a URL can override (its values come after these): a hook
 * does not wait on an unreachable server beyond connect_timeout, nor on a
 * stuck one beyond statement_timeout, and then it spools.
 */
static int pg_connect(pg *p, const char *url)
{
	static const char *const keys[] = { "connect_timeout", "options", "application_name",
		                            "dbname", NULL };
	const char *values[] = { "5", "-c statement_timeout=5000 -c lock_timeout=5000",
		                 "changeguard", url, NULL };

	p->url = url;
	if (pq_load() < 0)
		return CG_ERROR;
	p->conn = pq.PQconnectdbParams(keys, values, 1);
	if (!p->conn)
		return cg_error_set(CG_ERROR, "audit database: out of memory");
	if (pq.PQstatus(p->conn) != CONNECTION_OK ||
	    (p->pipeline && !pq.PQenterPipelineMode(p->conn)))
		return pg_fail(p, NULL);
	return 0;
}

/* Ends the transaction: commits when `error` is 0, else rolls back
 * without touching the first failure's message (a pipeline's by closing
 * the connection, which the server takes as a rollback). */
static int pg_finish(pg *p, int error)
{
	if (error == 0 && (error = pg_exec(p, NULL, "COMMIT", 0, NULL)) == 0 && p->pipeline)
		error = pg_sync(p, NULL);
	if (error == 0 || !p->conn)
		return error;
	if (p->pipeline) {
		pq.PQfinish(p->conn);
		p->conn = NULL;
	} else if (pq.PQtransactionStatus(p->conn) != PQTRANS_IDLE) {
		pq.PQclear(pq.PQexec(p->conn, "ROLLBACK"));
	}
	return error;
}

static void pg_close(pg *p)
{
	if (p->conn)
		pq.PQfinish(p->conn);
	p->conn = NULL;
}

static int pg_begin(pg *p, const char *url, const char *begin)
{
	int error;

	if ((error = pg_connect(p, url)) < 0 || (error = pg_exec(p, NULL, begin, 0, NULL)) < 0)
		pg_close(p);
	return error;
}

int cg_audit_pg_setup(const char *url)
{
	pg p = { 0 };
	PGresult *res = NULL;
	int error;

	if ((error = pg_begin(&p, url, "BEGIN")) < 0)
		return error;
	/* one setup at a time: CREATE ... IF NOT EXISTS races with itself */
	if ((error = pg_exec(&p, NULL, "SELECT pg_advisory_xact_lock(4242)", 0, NULL)) == 0 &&
	    (error = pg_exec(&p, &res, "SHOW server_encoding", 0, NULL)) == 0) {
		if (strcmp(pq.PQgetvalue(res, 0, 0), "SQL_ASCII"))
			error = cg_error_set(CG_ERROR, "the audit database has encoding %s, where "
			                     "names and messages that are not UTF-8 would be refused; "
			                     "create it with: createdb -E SQL_ASCII -T template0 NAME",
			                     pq.PQgetvalue(res, 0, 0));
		pq.PQclear(res);
	}
	/* filling the report tables for a million runs takes minutes, not
	 * a hook's seconds */
	if (error == 0)
		error = pg_exec(&p, NULL, "SET LOCAL statement_timeout = 0", 0, NULL);
	if (error == 0)
		error = pg_exec(&p, NULL, schema_sql, 0, NULL);
	error = pg_finish(&p, error);
	pg_close(&p);
	return error;
}

/*
 * The chain.
 */

/* The chain's newest run, its head row locked until the transaction ends. */
typedef struct {
	pg *p;
	const char *chain;
	int64_t id;
	char hash[CG_SHA256_HEX_LEN + 1];
	size_t count;  /* runs inserted */
} tail;

static int read_head(tail *t, int *found)
{
	const char *params[] = { t->chain };
	PGresult *res = NULL;
	int error = pg_exec(t->p, &res, "SELECT id, hash FROM chain_heads WHERE chain = $1"
	                    " FOR UPDATE", 1, params);

	if (error < 0)
		return error;
	if ((*found = pq.PQntuples(res) == 1)) {
		t->id = strtoll(pq.PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(t->hash, sizeof(t->hash), "%s", pq.PQgetvalue(res, 0, 1));
	}
	pq.PQclear(res);
	return 0;
}

/* Locks the chain's head, making it (empty) the first time. */
static int lock_head(tail *t)
{
	const char *params[] = { t->chain };
	int error, found = 0;

	if ((error = read_head(t, &found)) < 0 || found)
		return error;
	if ((error = pg_exec(t->p, NULL, "INSERT INTO chain_heads (chain, id, hash) VALUES"
	                     " ($1, 0, '" ZERO_HASH "') ON CONFLICT DO NOTHING", 1, params)) < 0 ||
	    (error = read_head(t, &found)) < 0)
		return error;
	return found ? 0 : cg_error_set(CG_ERROR, "audit database: the chain head of '%s' "
	                                "vanished", t->chain);
}

static int update_head(tail *t)
{
	char id[24];
	const char *params[] = { t->chain, id, t->hash };

	snprintf(id, sizeof(id), "%" PRId64, t->id);
	return pg_exec(t->p, NULL, "UPDATE chain_heads SET id = $2, hash = $3 WHERE chain = $1",
	               3, params);
}

/*
 * A kind's items go in one statement, each of their fields as an array
 * (unnest): a push of 20,000 commits is one statement the server parses
 * once; forty of 500 rows with 3,500 parameters each cost it a third more
 * CPU (docs/benchmarks.md, benchmark 8c).
 */

/* Items of a kind a statement takes at most: a push's are sent in several,
 * never built whole (a few hundred kilobytes each). */
#define ITEMS_PER_STATEMENT 4096
/* The most fields of an item kind (a waiver's). */
#define MAX_ITEM_FIELDS 6

/* INSERT INTO table i (chain, its columns) SELECT $1, $2, $3 + seq, the
 * fields FROM unnest($4::text[], ...) WITH ORDINALITY; `nfields` arrays. */
static void insert_items_sql(cg_buf *sql, size_t i, size_t nfields)
{
	size_t f;

	cg_buf_printf(sql, "INSERT INTO %s (chain, %s) SELECT $1, $2, $3::integer + n",
	              tables[i].name, tables[i].columns);
	for (f = 0; f < nfields; f++)
		cg_buf_printf(sql, ", f%zu", f);
	cg_buf_puts(sql, " FROM unnest(");
	for (f = 0; f < nfields; f++)
		cg_buf_printf(sql, "%s$%zu::text[]", f ? ", " : "", 4 + f);
	cg_buf_puts(sql, ") WITH ORDINALITY AS items (");
	for (f = 0; f < nfields; f++)
		cg_buf_printf(sql, "f%zu, ", f);
	cg_buf_puts(sql, "n)");
}

/* One element of an array literal: NULL, or `v` quoted. */
static void put_element(cg_buf *out, const char *v)
{
	if (!v) {
		cg_buf_puts(out, "NULL");
		return;
	}
	cg_buf_putc(out, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			cg_buf_putc(out, '\\');
		cg_buf_putc(out, *v);
	}
	cg_buf_putc(out, '"');
}

/* The items of kind k going into one statement: each field an array. */
typedef struct {
	pg *p;
	const char *chain, *id;
	size_t k;
	cg_buf arrays[MAX_ITEM_FIELDS];
	size_t n, sent;
} item_batch;

static int send_items(item_batch *b)
{
	const size_t nfields = kinds[b->k].nfields;
	const char *params[3 + MAX_ITEM_FIELDS];
	char sent[24];
	cg_buf sql = CG_BUF_INIT;
	size_t f;
	int error;

	if (b->n == 0)
		return 0;
	snprintf(sent, sizeof(sent), "%zu", b->sent);
	params[0] = b->chain;
	params[1] = b->id;
	params[2] = sent;
	for (f = 0; f < nfields; f++) {
		cg_buf_putc(&b->arrays[f], '}');
		params[3 + f] = b->arrays[f].ptr;
	}
	insert_items_sql(&sql, 1 + b->k, nfields);
	/* queued, its parameters copied: the arrays are free for the next */
	error = pg_exec(b->p, NULL, sql.ptr, (int)(3 + nfields), params);
	for (f = 0; f < nfields; f++)
		cg_buf_clear(&b->arrays[f]);
	b->sent += b->n;
	b->n = 0;
	cg_buf_dispose(&sql);
	return error;
}

static int batch_item(const void *item, void *payload)
{
	item_batch *b = payload;
	const item_kind *k = &kinds[b->k];
	size_t f;

	for (f = 0; f < k->nfields; f++) {
		cg_buf_putc(&b->arrays[f], b->n ? ',' : '{');
		put_element(&b->arrays[f], get_text(item, &k->fields[f]));
	}
	return ++b->n == ITEMS_PER_STATEMENT ? send_items(b) : 0;
}

static int insert_items(pg *p, const char *chain, const char *id, const row *r, size_t k)
{
	item_batch b = { .p = p, .chain = chain, .id = id, .k = k };
	size_t f;
	int error;

	_Static_assert(ARRAY_SIZE(waiver_fields) == MAX_ITEM_FIELDS, "the most fields of a kind");
	for (f = 0; f < MAX_ITEM_FIELDS; f++)
		b.arrays[f] = (cg_buf)CG_BUF_INIT;
	if ((error = cg_audit__each(&r->run, k, batch_item, &b)) == 0)
		error = send_items(&b);
	for (f = 0; f < MAX_ITEM_FIELDS; f++)
		cg_buf_dispose(&b.arrays[f]);
	return error;
}

/*
 * A run into the report tables: its key and group, and its day's counts,
 * computed here from the run, in two statements (setup does the same in
 * SQL for runs recorded before the tables: REPORT_SCHEMA).
 */

/* Distinct strings, sorted as bytes, copied: a push's authors are read one
 * commit at a time and kept once each. */
typedef struct {
	char **v;
	size_t n, alloc;
} texts;

/* Where `s` is in `t`, or would go (*found 0). */
static size_t texts_find(const texts *t, const char *s, int *found)
{
	return cg_array_find(t->v, t->n, sizeof(*t->v), 0, s, found);
}

static void texts_add(texts *t, const char *s)
{
	size_t at;
	int found;

	if (!s)
		return;
	at = texts_find(t, s, &found);
	if (found)
		return;
	t->v = cg_array_insert(t->v, &t->n, &t->alloc, at, sizeof(*t->v));
	t->v[at] = cg_strdup(s);
}

static void texts_free(texts *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* `t` as a PostgreSQL array literal, its strings quoted. */
static void put_array(cg_buf *out, const texts *t)
{
	size_t i;

	cg_buf_putc(out, '{');
	for (i = 0; i < t->n; i++) {
		if (i)
			cg_buf_putc(out, ',');
		put_element(out, t->v[i]);
	}
	cg_buf_putc(out, '}');
	cg_buf_putc(out, '\0');
}

typedef struct {
	texts *t;
	const field *f;
} collecting;

static int collect_item(const void *item, void *payload)
{
	collecting *c = payload;

	texts_add(c->t, get_text(item, c->f));
	return 0;
}

/* Adds the values of field `f` of the items of kind k, and `also` (NULL:
 * none). */
static int item_texts(texts *t, const row *r, size_t k, size_t f, const char *also)
{
	collecting c = { t, &kinds[k].fields[f] };

	texts_add(t, also);
	return cg_audit__each(&r->run, k, collect_item, &c);
}

/* A run's findings or waivers counted per rule of `rules`. */
typedef struct {
	const texts *rules;
	int64_t *counts;
} counting;

static int count_rule(const void *item, void *payload)
{
	counting *c = payload;
	int found;
	size_t at = texts_find(c->rules, *(const char *const *)item, &found);

	/* a finding's and a waiver's rule are their first member */
	c->counts[at] += found;
	return 0;
}

/* The day's counts of `r` per rule ('' for the run itself), as the arrays
 * $10 to $13 of index_sql: rules, runs, findings, waivers. `all` is the
 * rules of the run's items and "". */
static int daily_arrays(cg_buf *out, const row *r, const texts *all)
{
	cg_buf counts[3] = { CG_BUF_INIT, CG_BUF_INIT, CG_BUF_INIT };
	int64_t *found = cg_calloc(all->n, sizeof(*found)), *waived = cg_calloc(all->n, sizeof(*waived));
	counting by_found = { all, found }, by_waived = { all, waived };
	size_t i, c;
	int error;

	put_array(out, all);
	if ((error = cg_audit__each(&r->run, 0, count_rule, &by_found)) == 0)
		error = cg_audit__each(&r->run, 1, count_rule, &by_waived);
	/* "" sorts first: the run itself */
	for (i = 0; i < all->n; i++) {
		cg_buf_printf(&counts[0], "%s%d", i ? "," : "{", i ? found[i] > 0 : 1);
		cg_buf_printf(&counts[1], "%s%" PRId64, i ? "," : "{", i ? found[i] : 0);
		cg_buf_printf(&counts[2], "%s%" PRId64, i ? "," : "{", i ? waived[i] : 0);
	}
	for (c = 0; c < 3; c++) {
		cg_buf_puts(out, counts[c].ptr);
		cg_buf_puts(out, "}");
		cg_buf_putc(out, '\0');
		cg_buf_dispose(&counts[c]);
	}
	free(found);
	free(waived);
	return error;
}

/* $1 hook, $2 verdict, $3 refs, $4 authors, $5 rules found, $6 waived. */
static const char index_keys_sql[] =
	"INSERT INTO run_keys (hook, verdict, refs, authors, finding_rules, waiver_rules)"
	" VALUES ($1, $2, $3, $4, $5, $6), ($1, $2, $3, '{}', $5, $6) ON CONFLICT (digest) DO NOTHING";
/* $1 chain, $2 run id, $3 to $8 the key, $9 time, then daily_arrays'. */
static const char index_sql[] =
	"WITH k AS (SELECT (SELECT id FROM run_keys"
	"  WHERE digest = changeguard_key_digest($3, $4, $5, $6, $7, $8)) AS key_id,"
	"  (SELECT id FROM run_keys"
	"  WHERE digest = changeguard_key_digest($3, $4, $5, '{}', $7, $8)) AS group_id),"
	" keyed AS (INSERT INTO keyed_runs (chain, run_id, key_id, group_id, time)"
	"  SELECT $1, $2, key_id, group_id, $9 FROM k)"
	" INSERT INTO daily (chain, group_id, day, rule, runs, findings, waivers)"
	" SELECT $1, group_id, substr($9, 1, 10), d.* FROM k,"
	" unnest($10::text[], $11::bigint[], $12::bigint[], $13::bigint[]) AS d" PG_DAILY_UPSERT;

static int index_run(pg *p, const char *chain, const row *r, const char *id)
{
	texts refs = { 0 }, authors = { 0 }, found = { 0 }, waived = { 0 }, all = { 0 };
	texts *const arrays[] = { &refs, &authors, &found, &waived };
	const char *params[13];
	cg_buf values = CG_BUF_INIT;
	size_t i, at = 0;
	int error;

	texts_add(&all, "");
	if ((error = item_texts(&refs, r, KIND_REFS, 0, r->run.ref)) < 0 ||
	    (error = item_texts(&authors, r, KIND_COMMITS, 3, r->run.author)) < 0 ||
	    (error = item_texts(&found, r, 0, 0, NULL)) < 0 ||
	    (error = item_texts(&waived, r, 1, 0, NULL)) < 0)
		goto done;
	for (i = 0; i < ARRAY_SIZE(arrays); i++)
		put_array(&values, arrays[i]);
	for (i = 0; i < found.n; i++)
		texts_add(&all, found.v[i]);
	for (i = 0; i < waived.n; i++)
		texts_add(&all, waived.v[i]);
	if ((error = daily_arrays(&values, r, &all)) < 0)
		goto done;
	params[0] = chain;
	params[1] = id;
	params[2] = r->run.hook;
	params[3] = r->run.verdict;
	params[8] = r->time;
	for (i = 0; i < 8; i++) {
		params[i < 4 ? 4 + i : 5 + i] = values.ptr + at;
		at += strlen(values.ptr + at) + 1;
	}
	if ((error = pg_exec(p, NULL, index_keys_sql, 6, params + 2)) == 0)
		error = pg_exec(p, NULL, index_sql, 13, params);
done:
	cg_buf_dispose(&values);
	for (i = 0; i < ARRAY_SIZE(arrays); i++)
		texts_free(arrays[i]);
	texts_free(&all);
	return error;
}

/* `r` as stored: its id and hashes as they are. */
static int insert_stored(pg *p, const char *chain, const row *r)
{
	const char *values[MAX_COLUMNS];
	char id[24], duration[24], version[8];
	cg_buf sql = CG_BUF_INIT;
	size_t i;
	int error;

	snprintf(id, sizeof(id), "%" PRId64, r->id);
	snprintf(duration, sizeof(duration), "%" PRId64, r->run.duration_us);
	snprintf(version, sizeof(version), "%d", r->hash_version);
	values[0] = chain;
	values[1] = id;
	for (i = 0; i < ARRAY_SIZE(run_fields); i++)
		values[2 + i] = get_text(r, &run_fields[i]);
	values[2 + i] = duration;
	values[3 + i] = r->prev_hash;
	values[4 + i] = r->hash;
	values[5 + i] = version;
	cg_buf_printf(&sql, "INSERT INTO runs (chain, %s) VALUES ($1", tables[0].columns);
	for (i = 2; i <= tables[0].ncolumns + 1; i++)
		cg_buf_printf(&sql, ", $%zu", i);
	cg_buf_puts(&sql, ")");
	error = pg_exec(p, NULL, sql.ptr, (int)(1 + tables[0].ncolumns), values);
	cg_buf_dispose(&sql);
	for (i = 0; error == 0 && i < ARRAY_SIZE(kinds); i++)
		error = insert_items(p, chain, id, r, i);
	return error == 0 ? index_run(p, chain, r, id) : error;
}

/* Claims `spool_id` for the next run. Unless `fresh`, waits for the
 * answer: 0 when it was free, 1 when a run already has it (a replayed
 * record, or a commit whose answer was lost). A fresh id, made for this
 * attempt, is free: it is only queued, and a clash fails the transaction. */
static int claim(tail *t, const char *spool_id, int fresh)
{
	char id[24];
	const char *params[] = { t->chain, spool_id, id };
	PGresult *res = NULL;
	int error;

	snprintf(id, sizeof(id), "%" PRId64, t->id + 1);
	if (fresh)
		return pg_exec(t->p, NULL, "INSERT INTO fallback_imports (chain, fallback_id, run_id)"
		               " VALUES ($1, $2, $3)", 3, params);
	if ((error = pg_exec(t->p, &res, "INSERT INTO fallback_imports (chain, fallback_id, run_id)"
	                     " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", 3, params)) < 0)
		return error;
	error = strcmp(pq.PQcmdTuples(res), "1") != 0;
	pq.PQclear(res);
	return error;
}

/* `r` as the run after the tail, which it becomes. */
static int append(tail *t, row *r)
{
	char hash[CG_SHA256_HEX_LEN + 1];
	int error;

	r->id = t->id + 1;
	r->prev_hash = t->hash;
	r->hash_version = HASH_VERSION;
	r->hash = hash;
	if ((error = cg_audit__row_hash(hash, r)) == 0)
		error = insert_stored(t->p, t->chain, r);
	r->prev_hash = r->hash = NULL;
	if (error == 0) {
		t->id = r->id;
		memcpy(t->hash, hash, sizeof(hash));
		t->count++;
	}
	return error;
}

/* A spooled run, unless its id was taken. */
static int append_spooled(row *r, const char *spool_id, void *payload)
{
	tail *t = payload;
	int error = claim(t, spool_id, 0);

	if (error != 0)
		return error < 0 ? error : 0;
	return append(t, r);
}

/* A run of this attempt. */
static int append_fresh(row *r, const char *spool_id, void *payload)
{
	tail *t = payload;
	int error = claim(t, spool_id, 1);

	return error < 0 ? error : append(t, r);
}

/* The spool's directory, which no run may have made yet. */
static void make_spool_dir(const char *spool)
{
	const char *slash = strrchr(spool, '/');
	char *dir;

	if (!slash || slash == spool)
		return;
	dir = cg_strndup(spool, (size_t)(slash - spool));
	if (cg_fs_mkdir_p(dir, "for the audit spool") < 0) {
		/* then the spool's own append says why it failed */
	}
	free(dir);
}

static int record(const char *url, const char *chain, const char *spool,
                  const cg_audit_run *runs, char (*ids)[33], size_t n, cg_audit_head *head)
{
	cg_audit__pending pending = CG_AUDIT__PENDING_INIT;
	pg p = { .pipeline = 1 };
	tail t = { &p, chain, 0, "", 0 };
	int error;

	if ((error = pg_begin(&p, url, "BEGIN")) < 0)
		return error;
	if ((error = lock_head(&t)) == 0 &&
	    (error = cg_audit__spool_take(&pending, spool, append_spooled, &t)) == 0 &&
	    (error = cg_audit__each_row(runs, ids, n, append_fresh, &t)) == 0)
		error = update_head(&t);
	error = pg_finish(&p, error);
	if (error == 0) {
		head->id = t.id;
		memcpy(head->hash, t.hash, sizeof(head->hash));
	}
	cg_audit__spool_release(&pending, error == 0);
	pg_close(&p);
	return error;
}

int cg_audit_pg_write(const char *url, const char *chain, const char *spool,
                      const cg_audit_run *runs, size_t n, int *fell_back,
                      cg_audit_head *recorded)
{
	cg_audit_head head = { 0, "" };
	cg_audit_run *stamped = NULL;
	char (*ids)[33];
	size_t i;
	int error;

	*fell_back = 0;
	if ((error = cg_audit__stamp(&stamped, runs, n)) < 0)
		return error;
	/* ids before the attempt: if the commit's answer is lost, the spooled
	 * copy carries the id the database already has */
	ids = cg_calloc(n ? n : 1, sizeof(*ids));
	for (i = 0; i < n; i++)
		cg_spool_new_id(ids[i]);
	if ((error = record(url, chain, spool, stamped, ids, n, &head)) < 0) {
		make_spool_dir(spool);
		error = cg_audit__fall_back(spool, stamped, ids, n, fell_back);
	}
	if (recorded)
		*recorded = head;
	free(ids);
	free(stamped);
	return error;
}

/*
 * Reading a chain: a copy into a temporary SQLite database, so that one
 * code path makes the reports and verifies the chain of both stores.
 */

/* The rows of table i of the chain, or with `ids` (a PostgreSQL array) of
 * those runs only. */
static int copy_table(pg *p, cg_audit *db, size_t i, const char *chain, const char *ids)
{
	const char *values[MAX_COLUMNS], *params[] = { chain, ids };
	cg_buf sql = CG_BUF_INIT;
	PGresult *res = NULL;
	int error, rows, r, c, n = (int)tables[i].ncolumns;

	cg_buf_printf(&sql, "DECLARE copied NO SCROLL CURSOR FOR SELECT %s FROM %s"
	              " WHERE chain = $1", tables[i].columns, tables[i].name);
	/* the run's id is the first column of the order */
	if (ids)
		cg_buf_printf(&sql, " AND %.*s = ANY ($2::bigint[])",
		              (int)strcspn(tables[i].order, ","), tables[i].order);
	cg_buf_printf(&sql, " ORDER BY %s", tables[i].order);
	error = pg_exec(p, NULL, sql.ptr, ids ? 2 : 1, params);
	do {
		if (error < 0 ||
		    (error = pg_exec(p, &res, "FETCH " FETCH_ROWS " FROM copied", 0, NULL)) < 0)
			break;
		rows = pq.PQntuples(res);
		for (r = 0; error == 0 && r < rows; r++) {
			for (c = 0; c < n; c++)
				values[c] = pq.PQgetisnull(res, r, c) ? NULL : pq.PQgetvalue(res, r, c);
			error = cg_audit__copy_values(db, tables[i].name, tables[i].columns, values,
			                              (size_t)n);
		}
		pq.PQclear(res);
	} while (error == 0 && rows > 0);
	if (error == 0)
		error = pg_exec(p, NULL, "CLOSE copied", 0, NULL);
	cg_buf_dispose(&sql);
	return error;
}

/* The one chain of the database, when `chain` is NULL; its head's hash. */
static int find_chain(pg *p, char **chain, char head[CG_SHA256_HEX_LEN + 1], int64_t *head_id)
{
	const char *params[] = { *chain };
	PGresult *res = NULL;
	cg_buf name = CG_BUF_INIT;
	int error, n;

	error = *chain ?
		pg_exec(p, &res, "SELECT chain, hash, id FROM chain_heads WHERE chain = $1", 1, params) :
		pg_exec(p, &res, "SELECT chain, hash, id FROM chain_heads ORDER BY chain LIMIT 2", 0,
		        NULL);
	if (error < 0)
		return error;
	cg_audit_pg_redact(&name, p->url);
	if ((n = pq.PQntuples(res)) == 1) {
		free(*chain);
		*chain = cg_strdup(pq.PQgetvalue(res, 0, 0));
		snprintf(head, CG_SHA256_HEX_LEN + 1, "%s", pq.PQgetvalue(res, 0, 1));
		*head_id = strtoll(pq.PQgetvalue(res, 0, 2), NULL, 10);
	} else if (n == 0) {
		error = cg_error_set(CG_ENOTFOUND, "audit database '%s' has no runs of %s%s%s",
		                     name.ptr, *chain ? "repository '" : "any repository",
		                     *chain ? *chain : "", *chain ? "'" : "");
	} else {
		error = cg_error_set(CG_ERROR, "audit database '%s' holds several repositories' "
		                     "chains; name one with its repository id", name.ptr);
	}
	pq.PQclear(res);
	cg_buf_dispose(&name);
	return error;
}

/*
 * A report from the report tables: the database counts the summaries, and
 * only the runs the report's lists can show are copied out, so that
 * report.c makes the same document as from SQLite. Each list shows items
 * of the newest limit + 1 runs it selects (audit_query.c), so those runs
 * of each list are all it needs; the copy may hold other runs a list
 * selects, but older ones, which it then does not reach.
 */

/* The keys a filter selects ($2 hook, $3 verdict, $4 ref, $5 author, $6
 * rule: NULL for none, as key_filters in audit_query.c), as arrays of ids:
 * all, then those of each list (audit_blocked_table's verdict, and
 * item_lists' conditions); then how far chain $1 is indexed. */
static const char report_keys_sql[] =
	"SELECT coalesce(array_agg(id), '{}'), array_agg(id) FILTER (WHERE verdict = 'blocked'),"
	" array_agg(id) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(waiver_rules) AS r"
	"  WHERE NOT starts_with(r, 'protect:'))),"
	" array_agg(id) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(finding_rules || waiver_rules)"
	"  AS r WHERE starts_with(r, 'protect:'))),"
	" array_agg(id) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(finding_rules) AS r"
	"  WHERE starts_with(r, 'mcp:'))),"
	" (SELECT coalesce(max(run_id), 0) FROM keyed_runs WHERE chain = $1)"
	" FROM run_keys WHERE ($2::text IS NULL OR hook = $2) AND ($3::text IS NULL OR verdict = $3)"
	" AND ($4::text IS NULL OR $4 = ANY (refs))"
	" AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM unnest(authors) AS a"
	"  WHERE strpos(a, $5) > 0))"
	" AND ($6::text IS NULL OR $6 = ANY (finding_rules) OR $6 = ANY (waiver_rules))";
#define REPORT_LISTS 4

/* cg_audit_summary's three groupings of the runs of chain $1 with the
 * keys (and groups) $2 (NULL: all), in window $3 since, $4 until, $5 first_day, $6
 * end_day (summary_source_sql and summary_select_sql in audit_query.c):
 * the grouping, the key, runs, blocked, findings, waivers. */
static const char report_summary_sql[] =
	"WITH scope AS (SELECT chain, run_id, key_id, substr(time, 1, 10) AS day FROM keyed_runs"
	"  WHERE chain = $1 AND ($2::bigint[] IS NULL OR key_id = ANY ($2))"
	"  AND (time >= $3 AND time < $5 OR time >= $6 AND time < $4)),"
	" src AS (SELECT group_id AS key_id, day, rule, runs, findings, waivers FROM daily"
	"  WHERE chain = $1 AND ($2::bigint[] IS NULL OR group_id = ANY ($2))"
	"  AND day >= $5 AND day < $6"
	"  UNION ALL SELECT key_id, day, rule, runs, findings, waivers FROM ("
	PG_DAILY_OF_SCOPE ") AS d),"
	" s AS MATERIALIZED (SELECT k.verdict, src.day, src.rule, sum(src.runs) AS runs,"
	"  sum(src.findings) AS findings, sum(src.waivers) AS waivers"
	"  FROM src JOIN run_keys AS k ON k.id = src.key_id GROUP BY 1, 2, 3)"
	" SELECT * FROM (SELECT 0 AS g, verdict AS key, sum(runs),"
	"  CASE verdict WHEN 'blocked' THEN sum(runs) ELSE 0 END, 0, 0"
	"  FROM s WHERE rule = '' GROUP BY verdict"
	" UNION ALL SELECT 1, rule, sum(runs), 0, sum(findings), sum(waivers)"
	"  FROM s WHERE rule <> '' GROUP BY rule"
	" UNION ALL SELECT 2, day, sum(runs), sum(CASE verdict WHEN 'blocked' THEN runs ELSE 0 END),"
	"  0, 0 FROM s WHERE rule = '' GROUP BY day) AS u ORDER BY g, key COLLATE \"C\"";
_Static_assert(CG_AUDIT_BY_VERDICT == 0 && CG_AUDIT_BY_RULE == 1 && CG_AUDIT_BY_DAY == 2,
               "report_summary_sql numbers the groupings");

/* The newest $8 (NULL: all) runs of chain $1 in [$6, $7) with the keys
 * `keys`: one list's. Newest first, from the newest run back, finds them
 * at once, unless --until leaves the newest runs out: then `id` is
 * "run_id + 0", so that the runs are found by time, then sorted. */
#define PICK(keys, id) \
	"(SELECT run_id FROM keyed_runs WHERE chain = $1 AND key_id = ANY (" keys "::bigint[])" \
	" AND time >= $6 AND time < $7 ORDER BY " id " DESC LIMIT $8::bigint)"
#define PICKS(id) \
	"SELECT coalesce(array_agg(run_id), '{}') FROM (" PICK("$2", id) " UNION " \
	PICK("$3", id) " UNION " PICK("$4", id) " UNION " PICK("$5", id) ") AS listed"
static const char *const report_runs_sql[] = { PICKS("run_id"), PICKS("run_id + 0") };

typedef struct {
	const cg_audit_filter *filter;
	size_t limit;       /* rows per list, 0: all */
	PGresult *summary;  /* report_summary_sql's rows */
	char *runs;         /* the runs the lists need, as an array */
} report_part;

static const char *value_or_null(const PGresult *res, int r, int column)
{
	return pq.PQgetisnull(res, r, column) ? NULL : pq.PQgetvalue(res, r, column);
}

/* The keys of the filter, each list's, and whether the tables are up to
 * date with the chain's head `head_id`. */
static int report_keys(pg *p, PGresult **keys, const char *chain, int64_t head_id,
                       const cg_audit_filter *f)
{
	const char *params[] = { chain, f->hook, f->verdict, f->ref, f->author, f->rule };
	cg_buf name = CG_BUF_INIT, quoted = CG_BUF_INIT;
	int error = pg_exec(p, keys, report_keys_sql, 6, params);

	if (error == 0 && strtoll(pq.PQgetvalue(*keys, 0, 1 + REPORT_LISTS), NULL, 10) != head_id) {
		pq.PQclear(*keys);
		cg_audit_pg_redact(&name, p->url);
		/* pasteable as it is unless a password was hidden, which a
		 * password file holds better than the URL anyway */
		cg_buf_put_shell_quoted(&quoted, name.ptr);
		error = cg_error_hint(cg_error_set(CG_ERROR, "audit database '%s': the report "
		                                   "tables lack runs of '%s' up to %" PRId64
		                                   " (set up before them?); bring them up to "
		                                   "date as the tables' owner", name.ptr, chain,
		                                   head_id),
		                      "changelog-audit setup --db %s", quoted.ptr);
		cg_buf_dispose(&quoted);
		cg_buf_dispose(&name);
	}
	return error;
}

static int report_read(pg *p, report_part *r, const char *chain, int64_t head_id)
{
	const cg_audit_filter *f = r->filter;
	const char *params[8];
	PGresult *keys = NULL, *runs = NULL;
	cg_audit__window w;
	char limit[24];
	int error, i;

	cg_audit__window_of(&w, f);
	/* daily's groups know no authors: the runs themselves, all part-days */
	if (f->author) {
		strcpy(w.first_day, w.until);
		strcpy(w.end_day, w.until);
	}
	/* A few thousand rows, each looked up: the cursors are read to their
	 * end, not to their first rows; the report tables are small and
	 * read often (cached), and their counts hashed in memory, not
	 * sorted on disk; compiling the queries would cost more than they. */
	if ((error = pg_exec(p, NULL, "SET LOCAL cursor_tuple_fraction = 1;"
	                     " SET LOCAL random_page_cost = 1.1; SET LOCAL work_mem = '64MB';"
	                     " SET LOCAL jit = off", 0, NULL)) < 0 ||
	    (error = report_keys(p, &keys, chain, head_id, f)) < 0)
		return error;
	params[0] = chain;
	/* no key filter: no key to test */
	params[1] = f->hook || f->verdict || f->ref || f->author || f->rule ?
		pq.PQgetvalue(keys, 0, 0) : NULL;
	params[2] = w.since;
	params[3] = w.until;
	params[4] = w.first_day;
	params[5] = w.end_day;
	if ((error = pg_exec(p, &r->summary, report_summary_sql, 6, params)) == 0) {
		/* a list asks for one more than it shows, to know more exist */
		snprintf(limit, sizeof(limit), "%zu", r->limit + 1);
		for (i = 0; i < REPORT_LISTS; i++)
			params[1 + i] = value_or_null(keys, 0, 1 + i);
		params[5] = w.since;
		params[6] = w.until;
		params[7] = r->limit ? limit : NULL;
		if ((error = pg_exec(p, &runs, report_runs_sql[f->until_ms != 0], 8,
		                     params)) == 0) {
			r->runs = cg_strdup(pq.PQgetvalue(runs, 0, 0));
			pq.PQclear(runs);
		}
	}
	pq.PQclear(keys);
	return error;
}

/* The database's summary, served by the copy. */
static void report_summary(cg_audit *db, const PGresult *res)
{
	int r, n = pq.PQntuples(res);

	cg_audit__summary_begin(db);
	for (r = 0; r < n; r++) {
		cg_audit_group g = {
			pq.PQgetvalue(res, r, 1), strtoll(pq.PQgetvalue(res, r, 2), NULL, 10),
			strtoll(pq.PQgetvalue(res, r, 3), NULL, 10),
			strtoll(pq.PQgetvalue(res, r, 4), NULL, 10),
			strtoll(pq.PQgetvalue(res, r, 5), NULL, 10),
		};
		cg_audit__summary_add(db, (cg_audit_grouping)atoi(pq.PQgetvalue(res, r, 0)), &g);
	}
}

/* The chain, or with `r` what its report needs, from one snapshot. */
static int open_chain(cg_audit **out, const char *url, const char *chain, report_part *r)
{
	char head[CG_SHA256_HEX_LEN + 1] = "", *name = chain ? cg_strdup(chain) : NULL;
	cg_buf label = CG_BUF_INIT;
	cg_audit *db = NULL;
	pg p = { 0 };
	int64_t head_id = 0;
	size_t i;
	int error;

	*out = NULL;
	cg_audit_pg_redact(&label, url);
	if ((error = pg_begin(&p, url, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) == 0) {
		if ((error = find_chain(&p, &name, head, &head_id)) == 0 && r)
			error = report_read(&p, r, name, head_id);
		if (error == 0 && (error = cg_audit__open_copy(&db, label.ptr)) == 0)
			for (i = 0; error == 0 && i < ARRAY_SIZE(tables); i++)
				error = copy_table(&p, db, i, name, r ? r->runs : NULL);
		error = pg_finish(&p, error);
		pg_close(&p);
	}
	if (error == 0)
		error = cg_audit__copy_done(db, head);
	if (error == 0 && r)
		report_summary(db, r->summary);
	if (error == 0)
		*out = db;
	else
		cg_audit_close(db);
	cg_buf_dispose(&label);
	free(name);
	return error;
}

int cg_audit_pg_open(cg_audit **out, const char *url, const char *chain)
{
	return open_chain(out, url, chain, NULL);
}

int cg_audit_pg_open_report(cg_audit **out, const char *url, const char *chain,
                            const cg_audit_filter *filter, size_t limit)
{
	report_part r = { filter, limit, NULL, NULL };
	int error = open_chain(out, url, chain, &r);

	if (r.summary)
		pq.PQclear(r.summary);
	free(r.runs);
	return error;
}

static int import_entry(const cg_audit_entry *e, void *payload)
{
	tail *t = payload;
	int error;

	if ((error = insert_stored(t->p, t->chain, e)) == 0) {
		t->id = e->id;
		snprintf(t->hash, sizeof(t->hash), "%s", e->hash ? e->hash : "");
		t->count++;
	}
	return error;
}

int cg_audit_pg_import(const char *url, const char *chain, cg_audit *from, size_t *copied)
{
	pg p = { 0 };
	tail t = { &p, chain, 0, "", 0 };
	int error;

	*copied = 0;
	if ((error = pg_begin(&p, url, "BEGIN")) < 0)
		return error;
	if ((error = lock_head(&t)) == 0 && t.id != 0)
		error = cg_error_set(CG_ERROR, "repository '%s' already has %" PRId64 " runs in the "
		                     "audit database; a copy goes into a chain of its own", chain, t.id);
	if (error == 0 && (error = cg_audit_query(from, NULL, import_entry, &t)) == 0)
		error = update_head(&t);
	error = pg_finish(&p, error);
	pg_close(&p);
	*copied = error == 0 ? t.count : 0;
	return error;
}
