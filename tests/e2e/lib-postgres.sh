# lib-postgres.sh: a real PostgreSQL server for a scenario, sourced after
# test-lib.sh. pg_start makes a cluster in a temporary directory with
# Debian's initdb and pg_ctl, listening on a Unix socket in that directory
# only, and a database "changeguard" with the audit tables; the server is
# stopped, and its directory removed, when the script exits.
#
# initdb refuses to run as root (CI runs as root): the server then runs as
# the postgres user (or nobody), which owns the directory; root connects
# through the socket like anyone else. Clients authenticate by "trust" as
# the role "audit", the cluster's superuser.

# The newest installed server binaries, from Debian's paths only.
PG_BIN=
for pg_dir in /usr/lib/postgresql/*/bin; do
	[ -x "$pg_dir/initdb" ] && PG_BIN=$pg_dir
done

# pg_as CMD...: CMD as the server's user, from its directory.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$PG_DIR" && runuser -u "$PG_USER" -- "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

# Skips the whole script when no server is installed.
pg_require() {
	if [ -z "$PG_BIN" ]; then
		test_skip "$test_description" "no PostgreSQL under /usr/lib/postgresql" &&
		test_done
	fi
}

pg_stop() {
	if [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || :
	fi
}

pg_cleanup() {
	pg_stop &&
	if [ -n "${PG_DIR:-}" ]; then rm -rf "$PG_DIR"; fi
}

# Starts (again) the cluster made by pg_start.
pg_restart() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
		"-c listen_addresses='' -k $PG_DIR -c fsync=off -c full_page_writes=off" \
		start >/dev/null
}

# The postmaster's process id.
pg_pid() {
	head -n 1 "$PG_DIR/data/postmaster.pid"
}

# psql_q SQL: the answer, unaligned, as the superuser.
psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"
}

pg_start() {
	PG_USER=$(id -un) &&
	if [ "$(id -u)" -eq 0 ]; then
		PG_USER=postgres &&
		{ id postgres >/dev/null 2>&1 || PG_USER=nobody; }
	fi &&
	# outside the scratch directory, which only its owner may enter
	PG_DIR=$(mktemp -d /tmp/cg-pg.XXXXXX) &&
	trap pg_cleanup EXIT &&
	chown "$PG_USER" "$PG_DIR" &&
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U audit -E SQL_ASCII \
		--locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 &&
	pg_restart &&
	PG_URL="postgresql:///changeguard?host=$PG_DIR&user=audit" &&
	"$PG_BIN/createdb" -h "$PG_DIR" -U audit -E SQL_ASCII -T template0 changeguard &&
	changelog-audit setup --db "$PG_URL"
}

# server_pg_policy REPO ID [ON_ERROR]: the server's policy sends its runs to
# the test database, in the chain ID.
server_pg_policy() {
	printf 'audit:\n  url: "%s"\n  repository_id: "%s"\n  on_error: %s\n' \
		"$PG_URL" "$2" "${3:-block}" >"$1/changeguard.yml"
}
