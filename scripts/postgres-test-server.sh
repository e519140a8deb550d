#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL on 127.0.0.1 for the store tests and print its URL:
#
#   PARALLAX_TEST_DATABASE_URL=$(bash scripts/postgres-test-server.sh)
#   export PARALLAX_TEST_DATABASE_URL
#
# (two lines, so that `set -e` sees a failure: `export X=$(...)` hides the exit status).
# Idempotent: installs Debian's `postgresql` package if no server binaries are found (needs
# root), creates a cluster under $PARALLAX_PG_DIR (default: $TMPDIR/parallax-pg-test) once,
# starts it if it is not running, and creates the role and database if they are missing.
# The role owns the database and may create databases (the tests make one per test), but is
# not a superuser. `--stop` stops the server; delete the directory to start from scratch.
#
# stdout carries only the URL; everything else goes to stderr.
set -euo pipefail

base=${PARALLAX_PG_DIR:-${TMPDIR:-/tmp}/parallax-pg-test}
wanted_port=${PARALLAX_PG_PORT:-55432}
role=parallax
database=parallax_test
data=$base/data

log() { printf 'postgres-test-server: %s\n' "$*" >&2; }
die() {
    log "$*"
    exit 1
}

find_bindir() {
    local dir
    for dir in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

if ! bindir=$(find_bindir); then
    [[ $(id -u) -eq 0 ]] || die "no PostgreSQL server found and not root: install 'postgresql'"
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir=$(find_bindir) || die "PostgreSQL was installed but initdb and pg_ctl were not found"
fi

# The server refuses to run as root: as root, run everything as the `postgres` system user.
if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run as"
    as_server() { runuser -u postgres -- "$@"; }
    mkdir -p "$base"
    chown postgres: "$base"
else
    as_server() { "$@"; }
    mkdir -p "$base"
fi
chmod 700 "$base"
as_server test -w "$base" || die "the server's user cannot write to $base: set PARALLAX_PG_DIR"

if [[ ${1:-} == --stop ]]; then
    if as_server "$bindir/pg_ctl" status --pgdata="$data" >/dev/null 2>&1; then
        as_server "$bindir/pg_ctl" stop --pgdata="$data" --mode=fast --wait >&2
    fi
    exit 0
fi

secret() { od -An -N18 -tx1 /dev/urandom | tr -d ' \n'; }

if [[ ! -f $data/PG_VERSION ]]; then
    log "creating a cluster in $data"
    rm -rf "$data"
    as_server sh -c "umask 077 && printf '%s\n' '$(secret)' >'$base/superuser-password'"
    as_server sh -c "umask 077 && printf '%s\n' '$(secret)' >'$base/password'"
    as_server "$bindir/initdb" --pgdata="$data" --username=postgres \
        --pwfile="$base/superuser-password" --auth=scram-sha-256 \
        --encoding=UTF8 --locale=C >"$base/initdb.log" 2>&1 ||
        die "initdb failed, see $base/initdb.log"
fi

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if as_server "$bindir/pg_ctl" status --pgdata="$data" >/dev/null 2>&1; then
    port=$(cat "$base/port")
else
    port=$wanted_port
    until port_is_free "$port"; do
        port=$((port + 1))
        ((port < wanted_port + 100)) || die "no free port in $wanted_port..$port"
    done
    echo "$port" >"$base/port"
    # Durability is worthless for a throwaway server; turning it off makes the tests faster.
    as_server "$bindir/pg_ctl" start --pgdata="$data" --log="$base/server.log" --wait \
        --options="-p $port -k $base -c listen_addresses=127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" >&2 ||
        die "the server did not start, see $base/server.log"
fi

superuser_password=$(cat "$base/superuser-password")
password=$(cat "$base/password")
psql_admin() {
    PGPASSWORD=$superuser_password "$bindir/psql" --host=127.0.0.1 --port="$port" \
        --username=postgres --dbname=postgres --no-psqlrc --quiet --tuples-only \
        --set=ON_ERROR_STOP=1 "$@"
}

if [[ -z $(psql_admin --command="SELECT 1 FROM pg_roles WHERE rolname = '$role'") ]]; then
    psql_admin --command="CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'" >&2
fi
if [[ -z $(psql_admin --command="SELECT 1 FROM pg_database WHERE datname = '$database'") ]]; then
    psql_admin --command="CREATE DATABASE $database OWNER $role" >&2
fi

echo "postgresql+psycopg://$role:$password@127.0.0.1:$port/$database"
