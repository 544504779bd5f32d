#include "audit_db.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "fs.h"
#include "hash.h"
#include "json.h"
#include "spool.h"
#include "timestamp.h"

#define SCHEMA_VERSION 4
#define FALLBACK_SUFFIX ".fallback.jsonl"
#define REJECTED_SUFFIX ".rejected"
/* Far above any real run; a longer line is damage, not a record. */
#define MAX_FALLBACK_LINE ((size_t)64 << 20)

static int busy_timeout_ms = 10000;

/* migrations[v] takes a database from schema version v to v + 1, inside one
 * transaction that also sets PRAGMA user_version. Append, never edit. */
static const char *const migrations[] = {
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" time TEXT NOT NULL,"
	" hook TEXT NOT NULL,"
	" repository TEXT, ref TEXT, old_oid TEXT, new_oid TEXT, commit_oid TEXT,"
	" author TEXT, committer TEXT, pusher TEXT,"
	" verdict TEXT NOT NULL"
	"  CHECK (verdict IN ('allowed', 'blocked', 'waived', 'error')),"
	" policy_sha256 TEXT,"
	" tool_version TEXT NOT NULL,"
	" duration_us INTEGER NOT NULL,"
	" prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL);"
	"CREATE TABLE findings ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" seq INTEGER NOT NULL,"
	" rule TEXT NOT NULL, path TEXT, detail TEXT,"
	" PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE waivers ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" seq INTEGER NOT NULL,"
	" rule TEXT NOT NULL, source TEXT NOT NULL,"
	" name TEXT, reason TEXT, authorizer TEXT,"
	" PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	/* Fallback lines already imported, so a crash between the commit and
	 * emptying the file cannot import them twice. Not part of the chain. */
	"CREATE TABLE fallback_imports ("
	" fallback_id TEXT PRIMARY KEY,"
	" run_id INTEGER NOT NULL) WITHOUT ROWID;"
	/* Report filters, each with time second for --since/--until; verdict
	 * makes the time index cover charts of runs and violations over time. */
	"CREATE INDEX runs_time ON runs (time, verdict);"
	"CREATE INDEX runs_verdict ON runs (verdict, time);"
	"CREATE INDEX runs_hook ON runs (hook, time);"
	"CREATE INDEX runs_author ON runs (author, time);"
	"CREATE INDEX runs_ref ON runs (ref, time);"
	"CREATE INDEX findings_rule ON findings (rule, run_id);"
	"CREATE INDEX waivers_rule ON waivers (rule, run_id);",
	/* Version 2: a push is one run, with the commits it brought (each with
	 * its verdict), its ref updates and push options; a finding or waiver
	 * names the commit it is about. Rows keep the encoding they were
	 * hashed with, so the version 1 rows go on verifying. */
	"ALTER TABLE runs ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE findings ADD COLUMN commit_oid TEXT;"
	"ALTER TABLE waivers ADD COLUMN commit_oid TEXT;"
	"CREATE TABLE push_commits ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" seq INTEGER NOT NULL,"
	" commit_oid TEXT NOT NULL, verdict TEXT NOT NULL,"
	" ref TEXT, author TEXT, committer TEXT,"
	" PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE push_refs ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" seq INTEGER NOT NULL,"
	" ref TEXT NOT NULL, old_oid TEXT, new_oid TEXT,"
	" PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE push_options ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" seq INTEGER NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	"CREATE INDEX push_commits_author ON push_commits (author, run_id);"
	"CREATE INDEX push_refs_ref ON push_refs (ref, run_id);",
	/* Version 3: the report tables (see "Report tables" below), filled by
	 * index_runs in the migration's transaction. They replace the filter
	 * indexes, which no query uses any more. */
	"CREATE TABLE run_keys ("
	" id INTEGER PRIMARY KEY,"
	" hook TEXT NOT NULL, verdict TEXT NOT NULL,"
	" refs TEXT NOT NULL, authors TEXT NOT NULL,"
	" finding_rules TEXT NOT NULL, waiver_rules TEXT NOT NULL,"
	" UNIQUE (hook, verdict, refs, authors, finding_rules, waiver_rules));"
	"CREATE TABLE keyed_runs ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs (id),"
	" key_id INTEGER NOT NULL REFERENCES run_keys (id),"
	" time TEXT NOT NULL);"
	"CREATE INDEX keyed_runs_key ON keyed_runs (key_id, time);"
	"CREATE TABLE daily ("
	" key_id INTEGER NOT NULL REFERENCES run_keys (id),"
	" day TEXT NOT NULL, rule TEXT NOT NULL,"
	" runs INTEGER NOT NULL, findings INTEGER NOT NULL, waivers INTEGER NOT NULL,"
	" PRIMARY KEY (key_id, day, rule)) WITHOUT ROWID;"
	"DROP INDEX IF EXISTS runs_time; DROP INDEX IF EXISTS runs_verdict;"
	"DROP INDEX IF EXISTS runs_hook; DROP INDEX IF EXISTS runs_author;"
	"DROP INDEX IF EXISTS runs_ref; DROP INDEX IF EXISTS findings_rule;"
	"DROP INDEX IF EXISTS waivers_rule; DROP INDEX IF EXISTS push_commits_author;"
	"DROP INDEX IF EXISTS push_refs_ref;",
	/* Version 4: whether each ref of a push moved ("accepted") or not
	 * ("refused"), covered by hash version 3; older rows have NULL. */
	"ALTER TABLE push_refs ADD COLUMN outcome TEXT;",
};
_Static_assert(ARRAY_SIZE(migrations) == SCHEMA_VERSION, "one migration per version");

/*
 * Report tables (schema version 3), written in the transaction that
 * records the runs, so that a report on a million runs reads a few
 * thousand rows instead of the runs:
 *
 *   run_keys    one row per combination of what the filters test: hook,
 *               verdict, and JSON arrays (sorted, distinct) of the refs
 *               (the run's and its push's), the authors (the run's and its
 *               pushed commits'), the rules found and the rules waived.
 *               A team has a few dozen; a filter is a condition on them.
 *   keyed_runs  each run's key and time, indexed by (key, time): the runs
 *               a filter selects, newest first, without reading a run.
 *   daily       per key, UTC day and rule ('' for the runs themselves):
 *               runs (with a finding of the rule), findings and waivers.
 *
 * Summaries add up daily over the whole days of --since/--until and
 * count the runs of the part-days at either end from keyed_runs. verify
 * recomputes all three from the runs.
 */

/* Each run after :lo with its key. The arrays are sorted so that equal
 * sets are equal text: SQLite aggregates in the order of the subquery.
 * Values are cast to text, since a BLOB (written by hand) would stop
 * json_group_array, and with it every hook run. */
#define NEW_KEYS \
	"new_keys AS (SELECT id AS run_id, time, hook, verdict," \
	" (SELECT json_group_array(v) FROM (SELECT CAST(runs.ref AS TEXT) AS v" \
	"  WHERE runs.ref IS NOT NULL UNION SELECT CAST(ref AS TEXT) FROM push_refs" \
	"  WHERE run_id = runs.id ORDER BY 1)) AS refs," \
	" (SELECT json_group_array(v) FROM (SELECT CAST(runs.author AS TEXT) AS v" \
	"  WHERE runs.author IS NOT NULL UNION SELECT CAST(author AS TEXT) FROM push_commits" \
	"  WHERE run_id = runs.id AND author IS NOT NULL ORDER BY 1)) AS authors," \
	" (SELECT json_group_array(v) FROM (SELECT DISTINCT CAST(rule AS TEXT) AS v" \
	"  FROM findings WHERE run_id = runs.id ORDER BY 1)) AS finding_rules," \
	" (SELECT json_group_array(v) FROM (SELECT DISTINCT CAST(rule AS TEXT) AS v" \
	"  FROM waivers WHERE run_id = runs.id ORDER BY 1)) AS waiver_rules" \
	" FROM runs WHERE id > :lo)"
#define KEY_COLUMNS "hook, verdict, refs, authors, finding_rules, waiver_rules"

#define SCOPE_AFTER_LO \
	"scope AS (SELECT run_id, key_id, substr(time, 1, 10) AS day FROM keyed_runs" \
	" WHERE run_id > :lo)"

static const char *const statements[ST__COUNT] = {
	[ST_TAIL] = "SELECT id, hash FROM runs ORDER BY id DESC LIMIT 1",
	[ST_INSERT_RUN] = "INSERT INTO runs (" RUN_COLUMNS ") VALUES"
		" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_INSERT_FINDING] = "INSERT INTO findings (run_id, seq, rule, path, detail, commit_oid)"
		" VALUES (?, ?, ?, ?, ?, ?)",
	[ST_INSERT_WAIVER] = "INSERT INTO waivers (run_id, seq, rule, source, name,"
		" reason, authorizer, commit_oid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_INSERT_COMMIT] = "INSERT INTO push_commits (run_id, seq, commit_oid, verdict, ref,"
		" author, committer) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[ST_INSERT_REF] = "INSERT INTO push_refs (run_id, seq, ref, old_oid, new_oid, outcome)"
		" VALUES (?, ?, ?, ?, ?, ?)",
	[ST_INSERT_OPTION] = "INSERT INTO push_options (run_id, seq, value) VALUES (?, ?, ?)",
	[ST_IMPORTED] = "SELECT 1 FROM fallback_imports WHERE fallback_id = ?",
	[ST_INSERT_IMPORTED] = "INSERT INTO fallback_imports (fallback_id, run_id)"
		" VALUES (?, ?)",
	[ST_FINDINGS] = "SELECT rule, path, detail, commit_oid FROM findings"
		" WHERE run_id = ? ORDER BY seq",
	[ST_WAIVERS] = "SELECT rule, source, name, reason, authorizer, commit_oid FROM waivers"
		" WHERE run_id = ? ORDER BY seq",
	[ST_COMMITS] = "SELECT commit_oid, verdict, ref, author, committer FROM push_commits"
		" WHERE run_id = ? ORDER BY seq",
	[ST_REFS] = "SELECT ref, old_oid, new_oid, outcome FROM push_refs WHERE run_id = ? ORDER BY seq",
	[ST_OPTIONS] = "SELECT value FROM push_options WHERE run_id = ? ORDER BY seq",
	[ST_COMMIT_OF] = "SELECT commit_oid, verdict, ref, author, committer FROM push_commits"
		" WHERE run_id = ? AND commit_oid = ?",
	[ST_USER_VERSION] = "PRAGMA user_version",
	[ST_HASH_OF] = "SELECT hash FROM runs WHERE id = ?",
	/* index_runs: the runs after :lo into the report tables, in this order */
	[ST_INDEXED] = "SELECT coalesce(max(run_id), 0) FROM keyed_runs",
	[ST_INDEX_KEYS] = "WITH " NEW_KEYS " INSERT INTO run_keys (" KEY_COLUMNS ")"
		" SELECT DISTINCT " KEY_COLUMNS " FROM new_keys WHERE 1 ON CONFLICT DO NOTHING",
	[ST_INDEX_RUNS] = "WITH " NEW_KEYS " INSERT INTO keyed_runs (run_id, key_id, time)"
		" SELECT run_id, run_keys.id, time FROM new_keys JOIN run_keys USING (" KEY_COLUMNS ")",
	[ST_INDEX_DAILY] = "WITH " SCOPE_AFTER_LO " INSERT INTO daily (key_id, day, rule, runs,"
		" findings, waivers) " DAILY_OF_SCOPE " ON CONFLICT DO UPDATE SET"
		" runs = runs + excluded.runs, findings = findings + excluded.findings,"
		" waivers = waivers + excluded.waivers",
};
/* The newest run, which the next one chains to. */
typedef struct {
	int64_t id;
	char hash[CG_SHA256_HEX_LEN + 1];
} chain_tail;

void cg_audit__set_busy_timeout(int ms) { busy_timeout_ms = ms; }
/*
 * Database plumbing.
 */

int cg_audit__fail(cg_audit *db)
{
	return cg_error_set(CG_ERROR, "audit database '%s': %s", db->path,
	                    SQ.sqlite3_errmsg(db->db));
}

int cg_audit__exec(cg_audit *db, const char *sql)
{
	if (SQ.sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cg_audit__fail(db);
	return 0;
}

/* Commits when `error` is 0, otherwise (or when the commit fails) rolls
 * back without touching the message of the first failure. */
int cg_audit__finish(cg_audit *db, int error)
{
	if (error == 0)
		error = cg_audit__exec(db, "COMMIT");
	if (error < 0 && !SQ.sqlite3_get_autocommit(db->db))
		SQ.sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return error;
}

int cg_audit__stmt(sqlite3_stmt **out, cg_audit *db, int which)
{
	if (!db->stmts[which] &&
	    SQ.sqlite3_prepare_v3(db->db, statements[which], -1, SQLITE_PREPARE_PERSISTENT,
	                       &db->stmts[which], NULL) != SQLITE_OK)
		return cg_audit__fail(db);
	*out = db->stmts[which];
	SQ.sqlite3_reset(*out);
	SQ.sqlite3_clear_bindings(*out);
	return 0;
}

/* Steps a statement that returns no rows; `st` is reset either way. */
static int step_done(cg_audit *db, sqlite3_stmt *st)
{
	int error = SQ.sqlite3_step(st) == SQLITE_DONE ? 0 : cg_audit__fail(db);

	SQ.sqlite3_reset(st);
	return error;
}

/* Text bound by reference: every caller steps before the string goes away. */
void cg_audit__bind_text(sqlite3_stmt *st, int i, const char *s)
{
	SQ.sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int user_version(int *out, cg_audit *db)
{
	sqlite3_stmt *st = NULL;
	int error;

	if ((error = cg_audit__stmt(&st, db, ST_USER_VERSION)) < 0)
		return error;
	if (SQ.sqlite3_step(st) == SQLITE_ROW)
		*out = SQ.sqlite3_column_int(st, 0);
	else
		error = cg_audit__fail(db);
	SQ.sqlite3_reset(st);
	return error;
}

static int check_version(cg_audit *db, int version)
{
	if (version >= 0 && version <= SCHEMA_VERSION)
		return 0;
	return cg_error_set(CG_ERROR, "audit database '%s' has schema version %d; "
	                    "this changeguard knows up to %d", db->path, version, SCHEMA_VERSION);
}

/* Adds the runs recorded since the report tables were last brought up to
 * date (all of them, in the migration) to those tables. */
static int index_runs(cg_audit *db)
{
	sqlite3_stmt *st = NULL;
	int64_t lo = 0;
	int error, i;

	if ((error = cg_audit__stmt(&st, db, ST_INDEXED)) < 0)
		return error;
	if (SQ.sqlite3_step(st) == SQLITE_ROW)
		lo = SQ.sqlite3_column_int64(st, 0);
	else
		error = cg_audit__fail(db);
	SQ.sqlite3_reset(st);
	for (i = ST_INDEX_KEYS; error == 0 && i <= ST_INDEX_DAILY; i++)
		if ((error = cg_audit__stmt(&st, db, i)) == 0) {
			SQ.sqlite3_bind_int64(st, 1, lo);
			error = step_done(db, st);
		}
	return error;
}

static int migrate(cg_audit *db)
{
	int version = 0, error;

	if ((error = user_version(&version, db)) < 0 || version == SCHEMA_VERSION)
		return error;
	if ((error = check_version(db, version)) < 0 ||
	    (error = cg_audit__exec(db, "BEGIN IMMEDIATE")) < 0)
		return error;
	/* Another process may have migrated while this one waited for the lock. */
	if ((error = user_version(&version, db)) == 0)
		error = check_version(db, version);
	for (; error == 0 && version < SCHEMA_VERSION; version++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		if ((error = cg_audit__exec(db, migrations[version])) == 0)
			error = cg_audit__exec(db, sql);
	}
	if (error == 0)
		error = index_runs(db);
	return cg_audit__finish(db, error);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for a lock in naps of half a millisecond to a millisecond, until
 * the busy timeout. SQLite's own handler backs off to naps of 100 ms, so
 * with eight hooks writing at once one of them waited a second for a lock
 * that is held 2 ms at a time (docs/benchmarks.md). */
static int busy_wait(void *payload, int count)
{
	cg_audit *db = payload;
	int64_t now = monotonic_ms();
	struct timespec nap = { 0, 500000 + (long)((getpid() + count) % 8) * 62500 };

	if (count == 0)
		db->busy_since_ms = now;
	if (now - db->busy_since_ms >= busy_timeout_ms)
		return 0;
	nanosleep(&nap, NULL);
	return 1;
}

struct cg_audit__sqlite cg_audit__sq;
static const char *const sq_names[] = { SQ_FUNCTIONS(CG_DYNLIB_NAME) };
#define SQ_SLOT(name) CG_DYNLIB_SLOT(cg_audit__sq, name)
static void **const sq_slots[] = { SQ_FUNCTIONS(SQ_SLOT) };
#undef SQ_SLOT
static cg_dynlib sq_lib = CG_DYNLIB_INIT("libsqlite3.so.0", sq_names, sq_slots);

int cg_audit__load(void)
{
	const char *why = cg_dynlib_load(&sq_lib);

	if (why)
		return cg_error_hint(cg_error_set(CG_ERROR, "cannot open the audit database: SQLite "
		                                  "cannot be loaded: %s", why),
		                     "apt-get install libsqlite3-0");
	return 0;
}

void cg_audit__library(const char *soname)
{
	cg_dynlib_rename(&sq_lib, soname);
}

/*
 * SQLite's page cache starts with 20 pages allocated in one block and
 * writes into each of them, a page fault apiece, while a hook's record
 * uses about ten; allocated as they are needed instead, the record took
 * 10 page faults fewer (docs/benchmarks.md, start-up). Process-wide, so
 * set before SQLite's first use; later it is refused and changes nothing.
 */
static void page_cache_on_demand(void)
{
	static int done;

	if (!done)
		SQ.sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	done = 1;
}

static int open_handle(cg_audit **out, const char *path, int flags)
{
	cg_audit *db;
	int error = cg_audit__load();

	if (error < 0)
		return error;
	db = cg_calloc(1, sizeof(*db));
	page_cache_on_demand();
	db->path = cg_strdup(path);
	db->readonly = !(flags & SQLITE_OPEN_READWRITE);
	if (SQ.sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK)
		error = db->db ? cg_audit__fail(db) : cg_error_set(CG_ERROR,
		                                                   "audit database '%s': out of memory", path);
	/* The temporary b-trees of the report tables' GROUP BYs, DISTINCTs and
	 * IN lists: in files, creating them cost a hook's record 0.7 ms. */
	else if ((error = cg_audit__exec(db, "PRAGMA temp_store = MEMORY")) == 0)
		SQ.sqlite3_busy_handler(db->db, busy_wait, db);
	if (error < 0) {
		cg_audit_close(db);
		return error;
	}
	*out = db;
	return 0;
}

/* mkdir -p of the directory that holds `path`. */
static int make_parents(const char *path)
{
	const char *slash = strrchr(path, '/');
	cg_buf why = CG_BUF_INIT;
	char *dir;
	int error;

	if (!slash || slash == path)
		return 0;
	dir = cg_strndup(path, (size_t)(slash - path));
	cg_buf_printf(&why, "for audit database '%s'", path);
	error = cg_fs_mkdir_p(dir, why.ptr);
	cg_buf_dispose(&why);
	free(dir);
	return error;
}

/* Whether `st` (lstat's) is no symlink and only the hook's user or root
 * may change it. Another type of file fails where it is opened. */
static int check_strict(const char *db, const char *what, const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return cg_error_set(CG_ERROR, "audit database '%s': '%s' is a symlink, which is "
		                    "not followed", db, what);
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return cg_error_set(CG_ERROR, "audit database '%s': '%s' belongs to another user "
		                    "(uid %u)", db, what, (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return cg_error_set(CG_ERROR, "audit database '%s': '%s' is writable by other users "
		                    "(mode %04o)", db, what, (unsigned)(st->st_mode & 07777));
	return 0;
}

/*
 * OpenSSH's StrictModes for the trail: the database's directory and file
 * are no symlinks, belong to the hook's user or to root, and no one else
 * may write them; otherwise another user could swap the database, or erase
 * a blocked run, in a shared directory. The file is opened without
 * following a symlink made after this check (SQLITE_OPEN_NOFOLLOW).
 */
static int check_owner(const char *path)
{
	char *dir = cg_strdup(path), *slash = strrchr(dir, '/');
	struct stat st;
	int error;

	if (!slash)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';
	if (lstat(dir, &st) < 0)
		error = cg_error_set(CG_ERROR, "audit database '%s': cannot inspect '%s': %s", path,
		                     dir, strerror(errno));
	else if ((error = check_strict(path, dir, &st)) == 0 && lstat(path, &st) == 0)
		error = check_strict(path, path, &st);
	free(dir);
	return error;
}

/* Replaces SQLite's automatic checkpoint (a wal hook too): see truncate_wal. */
static int note_wal_size(void *payload, sqlite3 *handle, const char *name, int frames)
{
	cg_audit *db = payload;

	(void)handle;
	(void)name;
	db->wal_frames = frames;
	return SQLITE_OK;
}

static char *suffixed(const char *path, const char *suffix);

/* A WAL that holds something, which SQLite applies to the database file. */
static int has_wal(const char *path)
{
	char *wal = suffixed(path, "-wal");
	struct stat st;
	int has = stat(wal, &st) == 0 && st.st_size > 0;

	free(wal);
	return has;
}

/*
 * Damage SQLite would not notice now that the WAL outlives connections: it
 * reads every page the WAL holds from there, so a garbled header goes
 * unseen, and without a WAL a file cut mid-page reads as a database with
 * fewer pages; a checkpoint or the next run would then write into the
 * damaged file. Both are reported as SQLite reports damage it sees. A
 * file cut mid-page with a WAL may be a checkpoint cut short by a crash,
 * which SQLite repairs from the WAL.
 */
static int check_file(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char head[18];
	unsigned page;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd < 0)
		return 0; /* missing: it is created; unreadable: SQLite says why */
	if (fstat(fd, &st) == 0)
		n = read(fd, head, sizeof(head));
	close(fd);
	if (n != (ssize_t)sizeof(head))
		return 0;
	if (memcmp(head, magic, sizeof(magic)))
		return cg_error_set(CG_ERROR, "audit database '%s': file is not a database", path);
	page = head[16] << 8 | head[17];
	page = page == 1 ? 65536 : page;
	if (page < 512 || (page & (page - 1)) ||
	    (st.st_size % page && !has_wal(path)))
		return cg_error_set(CG_ERROR, "audit database '%s': database disk image is "
		                    "malformed (%lld bytes, pages of %u)", path,
		                    (long long)st.st_size, page);
	return 0;
}

/* PRAGMA journal_mode = WAL, waiting for the lock as any statement does:
 * SQLite returns SQLITE_BUSY at once, without calling the busy handler,
 * while another process is creating the database or switching it to WAL
 * (eight hooks on a new database: one run in about twenty of test_audit's
 * concurrent writers sent a record to the fallback file). */
static int use_wal(cg_audit *db)
{
	int count = 0, rc;

	while (((rc = SQ.sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) & 0xff) ==
	       SQLITE_BUSY && busy_wait(db, count++))
		;
	return rc == SQLITE_OK ? 0 : cg_audit__fail(db);
}

int cg_audit_open(cg_audit **out, const char *path)
{
	cg_audit *db = NULL;
	int error;

	*out = NULL;
	if ((error = make_parents(path)) < 0 ||
	    (error = check_owner(path)) < 0 ||
	    (error = check_file(path)) < 0 ||
	    (error = open_handle(&db, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                                    SQLITE_OPEN_NOFOLLOW)) < 0)
		return error;
	/*
	 * Durable against the hook being killed, not against the machine
	 * crashing. With synchronous=NORMAL a commit is appended to the WAL
	 * without an fsync, and the WAL is not checkpointed when the connection
	 * closes but lives on between runs, until it holds WAL_TRUNCATE_FRAMES
	 * (see truncate_wal). A process crash, even SIGKILL mid-commit, loses
	 * nothing committed: the data is in the kernel's page cache. An OS crash
	 * or power loss can lose the runs since the last checkpoint (a few
	 * dozen), never corrupt the database or break the chain, which then
	 * ends earlier (see cg_audit_verify). synchronous=FULL with a checkpoint
	 * at every close made five fsyncs, and created and deleted the WAL, in
	 * every hook run: a median of 21 ms per record on the benchmark machine,
	 * 2 ms now, and more than the whole check of a 100,000-file index
	 * (docs/benchmarks.md). Copy the database with its -wal file, or with
	 * sqlite3's .backup, for a complete copy.
	 */
	SQ.sqlite3_db_config(db->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	SQ.sqlite3_wal_hook(db->db, note_wal_size, db);
	if ((error = use_wal(db)) < 0 ||
	    (error = cg_audit__exec(db, "PRAGMA synchronous = NORMAL")) < 0 ||
	    (error = migrate(db)) < 0) {
		cg_audit_close(db);
		return error;
	}
	*out = db;
	return 0;
}

int cg_audit_schema(const char *path, int *version, int *current)
{
	cg_audit *db = NULL;
	int error;

	*current = SCHEMA_VERSION;
	if ((error = open_handle(&db, path, SQLITE_OPEN_READONLY)) == 0)
		error = user_version(version, db);
	cg_audit_close(db);
	return error;
}

int cg_audit_open_readonly(cg_audit **out, const char *path)
{
	cg_audit *db = NULL;
	struct stat st;
	int error, version = 0;

	*out = NULL;
	if (stat(path, &st) < 0)
		return cg_error_set(errno == ENOENT ? CG_ENOTFOUND : CG_ERROR,
		                    "audit database '%s': %s", path, strerror(errno));
	if ((error = open_handle(&db, path, SQLITE_OPEN_READONLY)) < 0)
		return error;
	if ((error = user_version(&version, db)) == 0 && version != SCHEMA_VERSION)
		error = cg_error_set(CG_ERROR, "audit database '%s' has schema version %d, "
		                     "not %d%s", path, version, SCHEMA_VERSION,
		                     version < SCHEMA_VERSION ?
		                     " (the next recorded run migrates it)" : "");
	if (error < 0) {
		cg_audit_close(db);
		return error;
	}
	*out = db;
	return 0;
}

int cg_audit__open_copy(cg_audit **out, const char *label)
{
	cg_audit *db = NULL;
	int error;

	/* "": SQLite's private temporary file, which a million runs may need */
	if ((error = open_handle(&db, "", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) < 0)
		return error;
	free(db->path);
	db->path = cg_strdup(label);
	if ((error = cg_audit__exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")) < 0 ||
	    (error = migrate(db)) < 0 || (error = cg_audit__exec(db, "BEGIN")) < 0) {
		cg_audit_close(db);
		return error;
	}
	*out = db;
	return 0;
}

int cg_audit__copy_values(cg_audit *db, const char *table, const char *columns,
                          const char *const *values, size_t n)
{
	size_t i;

	if (db->copy_table != table) {
		cg_buf sql = CG_BUF_INIT;

		SQ.sqlite3_finalize(db->copy);
		db->copy_table = table;
		cg_buf_printf(&sql, "INSERT INTO %s (%s) VALUES (?", table, columns);
		for (i = 1; i < n; i++)
			cg_buf_puts(&sql, ", ?");
		cg_buf_puts(&sql, ")");
		i = SQ.sqlite3_prepare_v2(db->db, sql.ptr, -1, &db->copy, NULL);
		cg_buf_dispose(&sql);
		if (i != SQLITE_OK) {
			db->copy_table = NULL;
			return cg_audit__fail(db);
		}
	}
	for (i = 0; i < n; i++)
		cg_audit__bind_text(db->copy, 1 + (int)i, values[i]);
	return step_done(db, db->copy);
}

int cg_audit__copy_done(cg_audit *db, const char *head_hash)
{
	int error = cg_audit__finish(db, index_runs(db));

	snprintf(db->head_hash, sizeof(db->head_hash), "%s", head_hash);
	db->readonly = 1;
	return error;
}

void cg_audit_close(cg_audit *db)
{
	size_t i;

	if (!db)
		return;
	SQ.sqlite3_finalize(db->copy);
	cg_audit__summary_free(db);
	for (i = 0; i < ST__COUNT; i++)
		SQ.sqlite3_finalize(db->stmts[i]);
	SQ.sqlite3_close(db->db);
	free(db->path);
	free(db);
}

/*
 * The chain.
 */

static void put_field(cg_buf *b, const char *s)
{
	if (!s) {
		cg_buf_puts(b, "-\n");
		return;
	}
	cg_buf_printf(b, "%zu:", strlen(s));
	cg_buf_puts(b, s);
	cg_buf_putc(b, '\n');
}

static void put_number(cg_buf *b, int64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRId64, v);
	put_field(b, text);
}

/*
 * The canonical encoding a run's hash covers, version 1:
 *
 *   "cg-audit-v1\n", then fields, each "<length>:<bytes>\n" (length in
 *   decimal bytes) or "-\n" for NULL, in this order: prev_hash, id, time,
 *   hook, repository, ref, old_oid, new_oid, commit_oid, author,
 *   committer, pusher, verdict, policy_sha256, tool_version, duration_us,
 *   the number of findings, each finding's rule, path, detail, the number
 *   of waivers, each waiver's rule, source, name, reason, authorizer.
 *   Numbers are fields in decimal. The length prefixes leave no doubt where
 *   a field ends, and NULL differs from "".
 *
 * Version 2, "cg-audit-v2\n", is version 1 with each finding's and each
 * waiver's commit after its other fields, then the number of commits and
 * each commit's commit, verdict, ref, author, committer; the number of
 * refs and each ref's ref, old_oid, new_oid; the number of push options
 * and each one's value. So which commit a finding or waiver is about, and
 * each commit's verdict, are as tamper-evident as the run itself.
 *
 * Version 3, "cg-audit-v3\n", is version 2 with each ref's outcome
 * ("accepted", "refused", or NULL) after its new_oid.
 *
 * A different encoding needs a new tag and a new HASH_VERSION; each row
 * stores the version it was hashed with (1 for rows of schema version 1),
 * and keeps verifying under it.
 */
/* Long encodings go on a block at a time: a push's run of many thousand
 * commits is never held whole (200 bytes a commit). */
#define SINK_BLOCK 65536

int cg_audit__sink_block(cg_audit__sink *s)
{
	return s->flush && s->out->size >= SINK_BLOCK ? cg_audit__sink_end(s) : 0;
}

int cg_audit__sink_end(cg_audit__sink *s)
{
	int error;

	if (!s->flush || !s->out->size)
		return 0;
	error = s->flush(s->out->ptr, s->out->size, s->payload);
	cg_buf_clear(s->out);
	return error;
}

int cg_audit_run_each(const cg_audit_run *run, cg_audit_kind kind, cg_audit_item_fn fn,
                      void *payload)
{
	const item_kind *k = &kinds[kind];
	const void *items;
	size_t i, n;
	int error = 0;

	if (run->reader)
		return run->reader->each(run->reader->self, kind, fn, payload);
	items = items_of(run, k, &n);
	for (i = 0; error == 0 && i < n; i++)
		error = fn(item_at(items, k, i), payload);
	return error;
}

typedef struct {
	cg_audit_item_fn fn;
	void *payload;
	size_t seen, n;
} counted;

static int count_item(const void *item, void *payload)
{
	counted *c = payload;

	/* past the count, an item would go where validation did not look */
	if (++c->seen > c->n)
		return 1;
	return c->fn(item, c->payload);
}

int cg_audit__each(const cg_audit_run *run, size_t k, cg_audit_item_fn fn, void *payload)
{
	counted c = { fn, payload, 0, 0 };
	int error;

	items_of(run, &kinds[k], &c.n);
	error = cg_audit_run_each(run, (cg_audit_kind)k, count_item, &c);
	if (error > 0 || (error == 0 && c.seen != c.n))
		return cg_error_set(CG_ERROR, "the run's %s changed while it was recorded: %zu, "
		                    "then %s%zu", kinds[k].name, c.n, c.seen > c.n ? "over " : "",
		                    c.seen);
	return error;
}

/* The canonical encoding of one item, into a sink. */
typedef struct {
	cg_audit__sink *sink;
	const item_kind *k;
	int version;
} encoding;

static int encode_item(const void *item, void *payload)
{
	encoding *e = payload;
	size_t j;

	for (j = 0; j < e->k->nfields; j++)
		if (e->k->fields[j].since <= e->version)
			put_field(e->sink->out, get_text(item, &e->k->fields[j]));
	return cg_audit__sink_block(e->sink);
}

static int hash_block(const char *data, size_t len, void *payload)
{
	cg_hash_sha256_update(payload, data, len);
	return 0;
}

int cg_audit__row_hash(char out[CG_SHA256_HEX_LEN + 1], const row *r)
{
	cg_hash_sha256 *h = cg_hash_sha256_new();
	cg_buf b = CG_BUF_INIT;
	cg_audit__sink sink = { &b, hash_block, h };
	encoding e = { &sink, NULL, r->hash_version };
	size_t i, k, n;
	int error = 0;

	cg_buf_printf(&b, "cg-audit-v%d\n", e.version);
	put_field(&b, r->prev_hash);
	put_number(&b, r->id);
	for (i = 0; i < ARRAY_SIZE(run_fields); i++)
		put_field(&b, get_text(r, &run_fields[i]));
	put_number(&b, r->run.duration_us);
	for (k = 0; error == 0 && k < ARRAY_SIZE(kinds) && kinds[k].since <= e.version; k++) {
		items_of(&r->run, &kinds[k], &n);
		put_number(&b, (int64_t)n);
		e.k = &kinds[k];
		error = cg_audit__each(&r->run, k, encode_item, &e);
	}
	if (error == 0)
		error = cg_audit__sink_end(&sink);
	cg_hash_sha256_final_hex(h, out);
	cg_buf_dispose(&b);
	return error;
}

static int read_tail(chain_tail *t, cg_audit *db)
{
	sqlite3_stmt *st = NULL;
	int error, rc;

	if ((error = cg_audit__stmt(&st, db, ST_TAIL)) < 0)
		return error;
	t->id = 0;
	snprintf(t->hash, sizeof(t->hash), "%s", ZERO_HASH);
	if ((rc = SQ.sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *hash = SQ.sqlite3_column_text(st, 1);

		t->id = SQ.sqlite3_column_int64(st, 0);
		snprintf(t->hash, sizeof(t->hash), "%s", hash ? (const char *)hash : "");
	} else if (rc != SQLITE_DONE) {
		error = cg_audit__fail(db);
	}
	SQ.sqlite3_reset(st);
	return error;
}

int cg_audit_newest(cg_audit *db, cg_audit_head *out)
{
	chain_tail t;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = read_tail(&t, db)) == 0 && t.id) {
		out->id = t.id;
		memcpy(out->hash, t.hash, sizeof(t.hash));
	}
	return error;
}

int cg_audit_run_hash(cg_audit *db, int64_t id, cg_audit_head *out)
{
	sqlite3_stmt *st = NULL;
	int error, rc;

	memset(out, 0, sizeof(*out));
	out->id = id;
	if ((error = cg_audit__stmt(&st, db, ST_HASH_OF)) < 0)
		return error;
	SQ.sqlite3_bind_int64(st, 1, id);
	if ((rc = SQ.sqlite3_step(st)) == SQLITE_ROW)
		snprintf(out->hash, sizeof(out->hash), "%s",
		         SQ.sqlite3_column_text(st, 0) ? (const char *)SQ.sqlite3_column_text(st, 0) : "");
	else if (rc == SQLITE_DONE)
		error = cg_error_set(CG_ENOTFOUND, "no run %" PRId64, id);
	else
		error = cg_audit__fail(db);
	SQ.sqlite3_reset(st);
	return error;
}

typedef struct {
	cg_audit *db;
	const row *r;
	const item_kind *k;
	int64_t seq;
} inserting;

static int insert_item(const void *item, void *payload)
{
	inserting *in = payload;
	sqlite3_stmt *st = NULL;
	size_t j;
	int error;

	if ((error = cg_audit__stmt(&st, in->db, in->k->insert)) < 0)
		return error;
	SQ.sqlite3_bind_int64(st, 1, in->r->id);
	SQ.sqlite3_bind_int64(st, 2, ++in->seq);
	for (j = 0; j < in->k->nfields; j++)
		cg_audit__bind_text(st, 3 + (int)j, get_text(item, &in->k->fields[j]));
	return step_done(in->db, st);
}

static int insert_items(cg_audit *db, const row *r, size_t k)
{
	inserting in = { db, r, &kinds[k], 0 };

	return cg_audit__each(&r->run, k, insert_item, &in);
}

/* Inserts `r` as the run after `t`, then makes it the tail. */
static int insert_row(cg_audit *db, row *r, chain_tail *t)
{
	char hash[CG_SHA256_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	size_t i;
	int error;

	r->id = t->id + 1;
	r->prev_hash = t->hash;
	r->hash_version = HASH_VERSION;
	if ((error = cg_audit__row_hash(hash, r)) == 0 &&
	    (error = cg_audit__stmt(&st, db, ST_INSERT_RUN)) == 0) {
		SQ.sqlite3_bind_int64(st, 1, r->id);
		for (i = 0; i < ARRAY_SIZE(run_fields); i++)
			cg_audit__bind_text(st, 2 + (int)i, get_text(r, &run_fields[i]));
		SQ.sqlite3_bind_int64(st, 15, r->run.duration_us);
		cg_audit__bind_text(st, 16, r->prev_hash);
		cg_audit__bind_text(st, 17, hash);
		SQ.sqlite3_bind_int(st, 18, r->hash_version);
		error = step_done(db, st);
	}
	/* it pointed at the tail, which is about to move */
	r->prev_hash = NULL;
	for (i = 0; error == 0 && i < ARRAY_SIZE(kinds); i++)
		error = insert_items(db, r, i);
	if (error < 0)
		return error;
	t->id = r->id;
	memcpy(t->hash, hash, sizeof(hash));
	return 0;
}

int cg_audit__invalid(const char *what, const char *value)
{
	return cg_error_set(CG_ERROR, "invalid audit run: %s '%s'", what,
	                    value ? value : "(null)");
}

static int is_verdict(const char *s)
{
	static const char *const verdicts[] = { "allowed", "blocked", "waived", "error" };
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(verdicts); i++)
		if (!strcmp(s, verdicts[i]))
			return 1;
	return 0;
}

/* Counts the items of kind k while checking their required members. */
typedef struct {
	size_t k, n;
} checking;

static int check_item(const void *item, void *payload)
{
	checking *c = payload;
	const item_kind *k = &kinds[c->k];
	size_t j;

	c->n++;
	if (c->k == KIND_COMMITS && !is_verdict(((const cg_audit_commit *)item)->verdict))
		return cg_audit__invalid("commit verdict", ((const cg_audit_commit *)item)->verdict);
	for (j = 0; j < k->required; j++) {
		const field *f = &k->fields[j];
		const char *value = get_text(item, f);

		/* the report tables count a run under rule '' */
		if (!value || (!*value && !strcmp(f->name, "rule")))
			return cg_audit__invalid(f->name, value);
	}
	return 0;
}

int cg_audit__validate_run(cg_audit_run *run)
{
	size_t k, n;
	int error = 0;

	if (!run->hook || !*run->hook)
		return cg_audit__invalid("hook", run->hook);
	if (!is_verdict(run->verdict))
		return cg_audit__invalid("verdict", run->verdict);
	if (run->duration_us < 0 || run->time_ms < 0 || run->time_ms > MAX_TIME_MS)
		return cg_error_set(CG_ERROR, "invalid audit run: time or duration out of range");
	for (k = 0; error == 0 && k < ARRAY_SIZE(kinds); k++) {
		checking c = { k, 0 };

		if (!run->reader && items_of(run, &kinds[k], &n) == NULL && n)
			return cg_audit__invalid(kinds[k].name, "missing array");
		if ((error = cg_audit_run_each(run, (cg_audit_kind)k, check_item, &c)) == 0)
			memcpy((char *)run + kinds[k].count, &c.n, sizeof(c.n));
	}
	return error;
}

/* The stored form of a caller's run: its time formatted, this build's version. */
void cg_audit__row_init(row *r, char stamp[32], const cg_audit_run *run)
{
	memset(r, 0, sizeof(*r));
	r->run = *run;
	cg_timestamp_format(stamp, run->time_ms ? run->time_ms : cg_timestamp_now_ms(), 1);
	r->time = stamp;
	r->tool_version = CG_VERSION;
}

/* The first run whose stored key or time is not what its content gives,
 * or that has none; and the first day whose daily rows are not what the
 * runs add up to. */
static const char check_keys_sql[] =
	"WITH " NEW_KEYS " SELECT min(run_id) FROM ("
	" SELECT n.run_id FROM new_keys AS n LEFT JOIN keyed_runs AS kr USING (run_id)"
	"  LEFT JOIN run_keys AS k ON k.id = kr.key_id"
	"  WHERE k.id IS NULL OR kr.time IS NOT n.time OR k.hook IS NOT n.hook"
	"  OR k.verdict IS NOT n.verdict OR k.refs IS NOT n.refs OR k.authors IS NOT n.authors"
	"  OR k.finding_rules IS NOT n.finding_rules OR k.waiver_rules IS NOT n.waiver_rules"
	" UNION ALL SELECT run_id FROM keyed_runs WHERE run_id NOT IN (SELECT id FROM runs))";
static const char check_daily_sql[] =
	"WITH " SCOPE_AFTER_LO ", recount AS (" DAILY_OF_SCOPE ")"
	" SELECT min(day) FROM (SELECT day FROM (SELECT * FROM daily EXCEPT SELECT * FROM recount)"
	" UNION ALL SELECT day FROM (SELECT * FROM recount EXCEPT SELECT * FROM daily))";

typedef struct {
	char prev[CG_SHA256_HEX_LEN + 1];
	size_t checked;
	int64_t bad_id;
} verify_state;

static int verify_row(const row *r, void *payload)
{
	verify_state *vs = payload;
	char hash[CG_SHA256_HEX_LEN + 1];

	vs->bad_id = r->id;
	if (!r->prev_hash || strcmp(r->prev_hash, vs->prev)) {
		cg_error_set(CG_ERROR, "run %" PRId64 ": prev_hash is not the hash of the "
		             "run before it (a run was deleted, inserted or reordered)", r->id);
		return 1;
	}
	if (cg_audit__row_hash(hash, r) < 0)
		return -1;
	if (!r->hash || strcmp(r->hash, hash)) {
		cg_error_set(CG_ERROR, "run %" PRId64 ": content does not match its hash "
		             "(the run was edited)", r->id);
		return 1;
	}
	memcpy(vs->prev, hash, sizeof(hash));
	vs->checked++;
	vs->bad_id = 0;
	return 0;
}

/* The first value of `sql`'s one row (:lo 0), as text into `out` (at most
 * `size` bytes; "" for NULL). */
static int first_value(char *out, size_t size, cg_audit *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int error = 0;

	if (SQ.sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cg_audit__fail(db);
	SQ.sqlite3_bind_int64(st, 1, 0);
	if (SQ.sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, size, "%s", SQ.sqlite3_column_type(st, 0) == SQLITE_NULL ? "" :
		         (const char *)SQ.sqlite3_column_text(st, 0));
	else
		error = cg_audit__fail(db);
	SQ.sqlite3_finalize(st);
	return error;
}

/* Runs the summaries count that are not among the runs: the newest runs
 * can be deleted without breaking the chain, and these are their traces. */
static const char missing_run_sql[] =
	"SELECT max(run_id) FROM keyed_runs WHERE run_id NOT IN (SELECT id FROM runs)";
static const char missing_count_sql[] =
	"SELECT nullif(max(0, (SELECT coalesce(sum(runs), 0) FROM daily WHERE rule = '')"
	" - (SELECT count(*) FROM runs)), 0)";

#define WITNESS_HINT "compare with an outside witness: changelog-audit verify --witness FILE"
#define DELETED_HINT "runs may have been deleted (deleting the newest runs leaves a " \
	"shorter chain that is still valid); keep the database as it is, as evidence, and " \
	WITNESS_HINT

/* Every recorded run brings the report tables up to date from the last run
 * they have, so emptying them has the next one rebuild them whole. The
 * copy keeps what was found as evidence. */
#define REBUILD_HINT "; the summary was edited, or the newest runs were rewritten with " \
	"their hashes (which leaves a valid chain): " WITNESS_HINT "; to rebuild the " \
	"summaries, keeping the database as found: cp '%s' '%s.evidence' && sqlite3 '%s' " \
	"'BEGIN IMMEDIATE; DELETE FROM daily; DELETE FROM keyed_runs; DELETE FROM run_keys; " \
	"COMMIT', then the next hook run adds every run to them again"

/* The report tables against the runs (the chain covers only the runs):
 * 1 with the message set when they disagree, naming the first run whose
 * summary is wrong in *bad_id, or 0 when only a day's counts are. Runs
 * the summaries count but the database lacks are said first, without a
 * rebuild, which would erase their trace. */
static int verify_report_tables(cg_audit *db, int64_t *bad_id)
{
	char missing[32], excess[32], run[32], day[32];
	const char *p = db->path;
	int error;

	*run = *day = *excess = '\0';
	if ((error = cg_audit__exec(db, "BEGIN")) < 0)
		return error;
	if ((error = first_value(missing, sizeof(missing), db, missing_run_sql)) == 0 && !*missing &&
	    (error = first_value(excess, sizeof(excess), db, missing_count_sql)) == 0 && !*excess &&
	    (error = first_value(run, sizeof(run), db, check_keys_sql)) == 0 && !*run)
		error = first_value(day, sizeof(day), db, check_daily_sql);
	if ((error = cg_audit__finish(db, error)) < 0)
		return error;
	if (*missing) {
		*bad_id = strtoll(missing, NULL, 10);
		return cg_error_set(1, "run %s is in the report summaries but not among the runs: "
		                    DELETED_HINT, missing);
	}
	if (*excess)
		return cg_error_set(1, "the report summaries count %s run%s more than the database "
		                    "holds: " DELETED_HINT, excess, strcmp(excess, "1") ? "s" : "");
	if (*run) {
		*bad_id = strtoll(run, NULL, 10);
		return cg_error_set(1, "run %s: its report summary does not match it" REBUILD_HINT,
		                    run, p, p, p);
	}
	if (*day)
		return cg_error_set(1, "the report counts of %s do not match its runs" REBUILD_HINT,
		                    day, p, p, p);
	return 0;
}

/* A copied chain ends where its store's chain-head row says: otherwise
 * its newest runs were deleted (or the head row edited). */
static int verify_head(cg_audit *db, const verify_state *vs)
{
	if (!db->head_hash[0] || !strcmp(db->head_hash, vs->prev))
		return 0;
	return cg_error_set(1, "the chain ends at run %zu, whose hash is not the one its "
	                    "chain head records (the newest runs were deleted, or the "
	                    "chain head edited)", vs->checked);
}

int cg_audit_verify(cg_audit *db, int64_t *first_bad_id, size_t *rows_checked)
{
	verify_state vs = { ZERO_HASH, 0, 0 };
	int error = cg_audit__for_each_row(db, NULL, 0, verify_row, &vs);

	*first_bad_id = vs.bad_id;
	*rows_checked = vs.checked;
	if (error == 0)
		error = verify_head(db, &vs);
	return error == 0 ? verify_report_tables(db, first_bad_id) : error;
}

/*
 * The fallback file.
 */

static char *suffixed(const char *path, const char *suffix)
{
	cg_buf b = CG_BUF_INIT;

	cg_buf_puts(&b, path);
	cg_buf_puts(&b, suffix);
	return cg_buf_detach(&b);
}

static int spool_block(const char *data, size_t len, void *payload)
{
	return cg_spool_write(payload, data, len);
}

/* The runs as fallback lines, each with its id in `ids` (NULL: new ones),
 * written a block at a time. */
static int append_fallback(const char *fallback, const cg_audit_run *runs, char (*ids)[33],
                           size_t n)
{
	cg_buf b = CG_BUF_INIT;
	cg_audit__sink sink = { &b, spool_block, NULL };
	cg_spool *spool = NULL;
	char stamp[32], id[33];
	size_t i;
	int error;
	row r;

	if ((error = cg_spool_open(&spool, fallback, busy_timeout_ms)) < 0)
		return error;
	sink.payload = spool;
	for (i = 0; error == 0 && i < n; i++) {
		cg_audit__row_init(&r, stamp, &runs[i]);
		if (!ids)
			cg_spool_new_id(id);
		error = cg_audit__row_json(&sink, &r, ids ? ids[i] : id);
	}
	if (error == 0)
		error = cg_audit__sink_end(&sink);
	cg_buf_dispose(&b);
	return cg_spool_close(spool, error);
}

static int imported(int *out, cg_audit *db, const char *fallback_id)
{
	sqlite3_stmt *st = NULL;
	int error, rc;

	if ((error = cg_audit__stmt(&st, db, ST_IMPORTED)) < 0)
		return error;
	cg_audit__bind_text(st, 1, fallback_id);
	rc = SQ.sqlite3_step(st);
	*out = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		error = cg_audit__fail(db);
	SQ.sqlite3_reset(st);
	return error;
}

/* One fallback line into the open transaction; one that cannot be read is
 * kept in `rejected`, since dropping it would lose a record. */
static int take_line(cg_audit__pending *p, loaded_row *l, const char *line, size_t len,
                     cg_audit__spool_cb cb, void *payload)
{
	const char *fallback_id = NULL;
	cg_json *json = NULL;
	int error = 0;

	if (len > MAX_FALLBACK_LINE || cg_audit__row_from_json(l, &fallback_id, &json, line, len) < 0) {
		cg_buf_put(&p->rejected, line, len);
		cg_buf_putc(&p->rejected, '\n');
	} else {
		error = cb(&l->r, fallback_id, payload);
	}
	cg_json_free(json);
	return error;
}

static int take_lines(cg_audit__pending *p, cg_audit__spool_cb cb, void *payload)
{
	loaded_row l = { 0 };
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int error = 0, fd = dup(p->fd);

	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return cg_error_set(CG_ERROR, "cannot read '%s': %s", p->path, strerror(errno));
	}
	while (error == 0 && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0)
			error = take_line(p, &l, line, (size_t)len, cb, payload);
	}
	if (error == 0 && ferror(f))
		error = cg_error_set(CG_ERROR, "cannot read '%s': %s", p->path, strerror(errno));
	free(line);
	fclose(f);
	cg_audit__loaded_dispose(&l);
	return error;
}

/* When another process holds the file (appending, or importing for another
 * database handle), or it cannot be opened, its records simply wait for a
 * later run: nothing is lost and no hook waits on it. */
int cg_audit__spool_take(cg_audit__pending *p, const char *spool, cg_audit__spool_cb cb,
                         void *payload)
{
	struct stat st;
	int fd;

	p->path = cg_strdup(spool);
	if ((fd = open(p->path, O_RDWR | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || st.st_size == 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return 0;
	}
	p->fd = fd;
	return take_lines(p, cb, payload);
}

/* On commit, hands rejected lines over and empties the file; if that fails
 * the imported lines stay, and the ids the database remembers keep them
 * from being imported twice. Then unlocks. */
void cg_audit__spool_release(cg_audit__pending *p, int committed)
{
	if (p->fd >= 0) {
		char *rejected = suffixed(p->path, REJECTED_SUFFIX);

		if (committed &&
		    (!p->rejected.size ||
		     cg_spool_append(rejected, p->rejected.ptr, p->rejected.size,
		                     busy_timeout_ms) == 0) &&
		    ftruncate(p->fd, 0) == 0)
			fsync(p->fd);
		free(rejected);
		close(p->fd);
	}
	free(p->path);
	cg_buf_dispose(&p->rejected);
}

typedef struct {
	cg_audit *db;
	chain_tail *t;
} import;

/* A fallback run into the open transaction, unless an earlier one took it. */
static int import_run(row *r, const char *fallback_id, void *payload)
{
	import *im = payload;
	sqlite3_stmt *st = NULL;
	int error, seen = 0;

	if ((error = imported(&seen, im->db, fallback_id)) == 0 && !seen &&
	    (error = insert_row(im->db, r, im->t)) == 0 &&
	    (error = cg_audit__stmt(&st, im->db, ST_INSERT_IMPORTED)) == 0) {
		cg_audit__bind_text(st, 1, fallback_id);
		SQ.sqlite3_bind_int64(st, 2, r->id);
		error = step_done(im->db, st);
	}
	return error;
}

/* Imports the pending fallback records, if any, into the open transaction. */
static int import_fallback(cg_audit *db, chain_tail *t, cg_audit__pending *p)
{
	char *fallback = suffixed(db->path, FALLBACK_SUFFIX);
	import im = { db, t };
	int error = cg_audit__spool_take(p, fallback, import_run, &im);

	free(fallback);
	return error;
}

int cg_audit__each_row(const cg_audit_run *runs, char (*ids)[33], size_t n,
                       cg_audit__spool_cb cb, void *payload)
{
	char stamp[32];
	size_t i;
	int error = 0;
	row r;

	for (i = 0; error == 0 && i < n; i++) {
		cg_audit__row_init(&r, stamp, &runs[i]);
		error = cb(&r, ids ? ids[i] : NULL, payload);
	}
	return error;
}

static int insert_new(row *r, const char *no_id, void *payload)
{
	import *im = payload;

	(void)no_id;
	return insert_row(im->db, r, im->t);
}

static int insert_runs(cg_audit *db, chain_tail *t, const cg_audit_run *runs, size_t n)
{
	import im = { db, t };

	return cg_audit__each_row(runs, NULL, n, insert_new, &im);
}

/* Planner statistics, refreshed every STATS_EVERY runs with a sampling
 * ANALYZE (tens of milliseconds at a million runs): without them SQLite
 * picks poor plans for report joins on large databases. Best effort, since
 * only query plans depend on it. */
#define STATS_EVERY 10000

static void refresh_stats(cg_audit *db, int64_t before, int64_t after)
{
	if (before / STATS_EVERY != after / STATS_EVERY)
		SQ.sqlite3_exec(db->db, "PRAGMA analysis_limit = 1000; ANALYZE", NULL, NULL, NULL);
}

/*
 * The WAL is emptied (checkpointed with fsyncs, then truncated) once it
 * holds this many frames, some twenty-five runs. Every hook is a new
 * process, and the first connection of a process rebuilds SQLite's WAL
 * index by reading the whole WAL: left to grow to the default thousand
 * pages, that took 15 ms in each run, more than the fsyncs it saves.
 */
#define WAL_TRUNCATE_FRAMES 200

/* Best effort and without waiting: when another connection is reading or
 * writing, a later run truncates instead. */
static void truncate_wal(cg_audit *db)
{
	if (db->wal_frames < WAL_TRUNCATE_FRAMES)
		return;
	SQ.sqlite3_busy_handler(db->db, NULL, NULL);
	SQ.sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	SQ.sqlite3_busy_handler(db->db, busy_wait, db);
}

/* cg_audit_record of runs cg_audit__stamp made. */
static int record_stamped(cg_audit *db, const cg_audit_run *runs, size_t n)
{
	cg_audit__pending p = CG_AUDIT__PENDING_INIT;
	chain_tail t = { 0, "" };
	int64_t before = -1;
	int error;

	if (db->readonly)
		return cg_error_set(CG_ERROR, "audit database '%s' is open read-only", db->path);
	if ((error = cg_audit__exec(db, "BEGIN IMMEDIATE")) < 0)
		return error;
	if ((error = read_tail(&t, db)) == 0) {
		before = t.id;
		if ((error = import_fallback(db, &t, &p)) == 0 &&
		    (error = insert_runs(db, &t, runs, n)) == 0)
			error = index_runs(db);
	}
	error = cg_audit__finish(db, error);
	cg_audit__spool_release(&p, error == 0);
	if (error == 0) {
		db->recorded.id = t.id;
		memcpy(db->recorded.hash, t.hash, sizeof(t.hash));
		refresh_stats(db, before, t.id);
		truncate_wal(db);
	}
	return error;
}

int cg_audit_record(cg_audit *db, const cg_audit_run *runs, size_t n)
{
	cg_audit_run *stamped;
	int error;

	if ((error = cg_audit__stamp(&stamped, runs, n)) == 0)
		error = record_stamped(db, stamped, n);
	free(stamped);
	return error;
}

int cg_audit__fall_back(const char *spool, const cg_audit_run *runs, char (*ids)[33],
                        size_t n, int *fell_back)
{
	char problem[1024], why[1024];

	snprintf(problem, sizeof(problem), "%s", cg_error_last());
	if (append_fallback(spool, runs, ids, n) < 0) {
		snprintf(why, sizeof(why), "%s", cg_error_last());
		cg_error_set(CG_ERROR, "%s; the fallback failed too: %s", problem, why);
	} else {
		*fell_back = 1;
		cg_error_set(CG_ERROR, "%s; %zu run%s saved to '%s'", problem, n,
		             n == 1 ? "" : "s", spool);
	}
	return CG_ERROR;
}

int cg_audit__stamp(cg_audit_run **out, const cg_audit_run *runs, size_t n)
{
	int64_t now = cg_timestamp_now_ms();
	size_t i;
	int error = 0;

	*out = cg_calloc(n ? n : 1, sizeof(**out));
	for (i = 0; error == 0 && i < n; i++) {
		(*out)[i] = runs[i];
		(*out)[i].time_ms = runs[i].time_ms ? runs[i].time_ms : now;
		error = cg_audit__validate_run(&(*out)[i]);
	}
	if (error < 0) {
		free(*out);
		*out = NULL;
	}
	return error;
}

int cg_audit_write(const char *path, const cg_audit_run *runs, size_t n, int *fell_back)
{
	cg_audit_head recorded;

	return cg_audit_write_head(path, runs, n, fell_back, &recorded);
}

int cg_audit_write_head(const char *path, const cg_audit_run *runs, size_t n, int *fell_back,
                        cg_audit_head *recorded)
{
	cg_audit_run *stamped;
	cg_audit *db = NULL;
	int error;

	*fell_back = 0;
	if ((error = cg_audit__stamp(&stamped, runs, n)) < 0)
		return error;
	memset(recorded, 0, sizeof(*recorded));
	if ((error = cg_audit_open(&db, path)) == 0 &&
	    (error = record_stamped(db, stamped, n)) == 0)
		*recorded = db->recorded;
	cg_audit_close(db);
	if (error < 0) {
		char *fallback = suffixed(path, FALLBACK_SUFFIX);

		error = cg_audit__fall_back(fallback, stamped, NULL, n, fell_back);
		free(fallback);
	}
	free(stamped);
	return error;
}
