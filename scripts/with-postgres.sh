#!/usr/bin/env bash
# Runs a command with FRAISEEVENTS_TEST_CONNECTION pointing at a PostgreSQL server.
#
# If the variable is already set, the command runs against that server unchanged.
# Otherwise a throwaway cluster is created: the Debian `postgresql` package is installed
# if no PostgreSQL 15+ binaries are found, `initdb` runs under a temporary directory, the
# server listens on a free loopback port only, and it is stopped and deleted when the
# command ends, whether it passed, failed or was interrupted.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if [[ -n "${FRAISEEVENTS_TEST_CONNECTION:-}" ]]; then
  exec "$@"
fi

log() { echo "[with-postgres] $*" >&2; }

find_pg_bin() {
  local dir best="" best_major=0 major
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] || continue
    major=$(basename "$(dirname "$dir")")
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if (( major >= 15 && major > best_major )); then best="$dir"; best_major=$major; fi
  done
  echo "$best"
}

pg_bin=$(find_pg_bin)
if [[ -z "$pg_bin" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    log "No PostgreSQL 15+ server binaries found under /usr/lib/postgresql."
    log "Install them with 'sudo apt-get install postgresql', or set FRAISEEVENTS_TEST_CONNECTION"
    log "to a connection string such as 'Host=localhost;Username=postgres;Password=...'."
    exit 1
  fi
  log "installing the Debian postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  pg_bin=$(find_pg_bin)
  if [[ -z "$pg_bin" ]]; then
    log "the postgresql package installed no server of version 15 or later"
    exit 1
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fraiseevents-pg.XXXXXX")
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  # initdb refuses to run as root; the Debian package creates the 'postgres' user.
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  chown postgres "$work"
  chmod 700 "$work"
  run_as=(runuser -u postgres --)
fi

cleanup() {
  local rc=$?
  if [[ -f "$work/data/postmaster.pid" ]]; then
    "${run_as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 50); do
  candidate=$(( 20000 + RANDOM % 40000 ))
  if ! port_in_use "$candidate"; then port=$candidate; break; fi
done
if [[ -z "$port" ]]; then
  log "could not find a free loopback port"
  exit 1
fi

"${run_as[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }

# Durable settings stay at their defaults (fsync and synchronous_commit on): the store refuses
# to run without them, and the tests should see the commit latency users will see.
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start -o \
  "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work -c max_connections=300 -c max_prepared_transactions=20 -c shared_buffers=256MB" >/dev/null \
  || { cat "$work/server.log" >&2; exit 1; }

log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$port (data in $work)"
export FRAISEEVENTS_TEST_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"

set +e
"$@"
status=$?
set -e
exit $status
