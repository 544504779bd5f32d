#include "audit_pg.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit_db.h"
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
#define PQ_POINTER(name) __typeof__(name) *name;
	PQ_FUNCTIONS(PQ_POINTER)
#undef PQ_POINTER
} pq;

#define PQ_SONAME "libpq.so.5"

/* NULL once libpq is loaded, else why not (sets no error: a message being
 * scrubbed may be the last error itself). */
static const char *pq_open(void)
{
	static const char *failed;
	static int loaded;
	void *lib;

	if (loaded || failed)
		return failed;
	if ((lib = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return failed = "it cannot be loaded";
#define PQ_RESOLVE(name) \
	if ((*(void **)&pq.name = dlsym(lib, #name)) == NULL) \
		return failed = "it has no " #name;
	PQ_FUNCTIONS(PQ_RESOLVE)
#undef PQ_RESOLVE
	loaded = 1;
	return NULL;
}

static int pq_load(void)
{
	const char *why = pq_open();

	if (why)
		return cg_error_set(CG_ERROR, "audit database: audit.url needs libpq 14 or later, "
		                    "and %s: %s; install it: apt-get install libpq5", PQ_SONAME, why);
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

/* The SQLite schema's tables with a chain column; the report tables are
 * not kept here but computed where a report is made (cg_audit_pg_open).
 * chain_heads holds each chain's newest run: locking its row serializes
 * the chain across servers, and verify checks the chain ends there. */
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
	" fallback_id text NOT NULL, run_id bigint NOT NULL, PRIMARY KEY (chain, fallback_id));";

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
	PQconninfoOption *opts = pq_open() ? NULL : pq.PQconninfoParse(url, NULL), *o;
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

/* INSERT INTO table i (chain, its columns) SELECT $1, $2, seq, the fields
 * FROM unnest($3::text[], ...) WITH ORDINALITY; `nfields` arrays. */
static void insert_items_sql(cg_buf *sql, size_t i, size_t nfields)
{
	size_t f;

	cg_buf_printf(sql, "INSERT INTO %s (chain, %s) SELECT $1, $2, n", tables[i].name,
	              tables[i].columns);
	for (f = 0; f < nfields; f++)
		cg_buf_printf(sql, ", f%zu", f);
	cg_buf_puts(sql, " FROM unnest(");
	for (f = 0; f < nfields; f++)
		cg_buf_printf(sql, "%s$%zu::text[]", f ? ", " : "", 3 + f);
	cg_buf_puts(sql, ") WITH ORDINALITY AS items (");
	for (f = 0; f < nfields; f++)
		cg_buf_printf(sql, "f%zu, ", f);
	cg_buf_puts(sql, "n)");
}

/* Field `f` of the `n` items as an array's text, each element quoted:
 * {"a","b\"c",NULL}; a NUL ends each array in `out`. */
static void put_field_array(cg_buf *out, const void *items, const item_kind *k, size_t f,
                            size_t n)
{
	const char *v;
	size_t i;

	cg_buf_putc(out, '{');
	for (i = 0; i < n; i++) {
		if (i)
			cg_buf_putc(out, ',');
		if ((v = get_text(item_at(items, k, i), &k->fields[f])) == NULL) {
			cg_buf_puts(out, "NULL");
			continue;
		}
		cg_buf_putc(out, '"');
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				cg_buf_putc(out, '\\');
			cg_buf_putc(out, *v);
		}
		cg_buf_putc(out, '"');
	}
	cg_buf_putc(out, '}');
	cg_buf_putc(out, '\0');
}

static int insert_items(pg *p, const char *chain, const char *id, const row *r, size_t k)
{
	const size_t nfields = kinds[k].nfields;
	const char *params[MAX_COLUMNS];
	cg_buf sql = CG_BUF_INIT, arrays = CG_BUF_INIT;
	size_t f, at = 0, n;
	const void *items = items_of(&r->run, &kinds[k], &n);
	int error;

	if (n == 0)
		return 0;
	for (f = 0; f < nfields; f++)
		put_field_array(&arrays, items, &kinds[k], f, n);
	params[0] = chain;
	params[1] = id;
	for (f = 0; f < nfields; f++) {
		params[2 + f] = arrays.ptr + at;
		at += strlen(arrays.ptr + at) + 1;
	}
	insert_items_sql(&sql, 1 + k, nfields);
	error = pg_exec(p, NULL, sql.ptr, (int)(2 + nfields), params);
	cg_buf_dispose(&sql);
	cg_buf_dispose(&arrays);
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
	return error;
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
	cg_audit__row_hash(hash, r);
	r->hash = hash;
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

static int copy_table(pg *p, cg_audit *db, size_t i, const char *chain)
{
	const char *values[MAX_COLUMNS], *params[] = { chain };
	cg_buf sql = CG_BUF_INIT;
	PGresult *res = NULL;
	int error, rows, r, c, n = (int)tables[i].ncolumns;

	cg_buf_printf(&sql, "DECLARE copied NO SCROLL CURSOR FOR SELECT %s FROM %s"
	              " WHERE chain = $1 ORDER BY %s", tables[i].columns, tables[i].name,
	              tables[i].order);
	error = pg_exec(p, NULL, sql.ptr, 1, params);
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
static int find_chain(pg *p, char **chain, char head[CG_SHA256_HEX_LEN + 1])
{
	const char *params[] = { *chain };
	PGresult *res = NULL;
	cg_buf name = CG_BUF_INIT;
	int error, n;

	error = *chain ?
		pg_exec(p, &res, "SELECT chain, hash FROM chain_heads WHERE chain = $1", 1, params) :
		pg_exec(p, &res, "SELECT chain, hash FROM chain_heads ORDER BY chain LIMIT 2", 0, NULL);
	if (error < 0)
		return error;
	cg_audit_pg_redact(&name, p->url);
	if ((n = pq.PQntuples(res)) == 1) {
		free(*chain);
		*chain = cg_strdup(pq.PQgetvalue(res, 0, 0));
		snprintf(head, CG_SHA256_HEX_LEN + 1, "%s", pq.PQgetvalue(res, 0, 1));
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

int cg_audit_pg_open(cg_audit **out, const char *url, const char *chain)
{
	char head[CG_SHA256_HEX_LEN + 1] = "", *name = chain ? cg_strdup(chain) : NULL;
	cg_buf label = CG_BUF_INIT;
	cg_audit *db = NULL;
	pg p = { 0 };
	size_t i;
	int error;

	*out = NULL;
	cg_audit_pg_redact(&label, url);
	if ((error = pg_begin(&p, url, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) == 0) {
		if ((error = find_chain(&p, &name, head)) == 0 &&
		    (error = cg_audit__open_copy(&db, label.ptr)) == 0)
			for (i = 0; error == 0 && i < ARRAY_SIZE(tables); i++)
				error = copy_table(&p, db, i, name);
		error = pg_finish(&p, error);
		pg_close(&p);
	}
	if (error == 0)
		error = cg_audit__copy_done(db, head);
	if (error == 0)
		*out = db;
	else
		cg_audit_close(db);
	cg_buf_dispose(&label);
	free(name);
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
