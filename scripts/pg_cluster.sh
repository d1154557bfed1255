#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks of shared libraries (issue 13).
#
#   scripts/pg_cluster.sh start DIR   initdb in DIR (made if absent), start the server on a unix
#                                     socket in DIR (no TCP), create database `genrespace`, print
#                                     its URL: postgresql:///genrespace?host=DIR&user=postgres
#   scripts/pg_cluster.sh stop DIR    stop the server (fast shutdown) and remove DIR
#   scripts/pg_cluster.sh kill DIR    stop it immediately, as a crash would (DIR stays: start again)
#
# PostgreSQL refuses to run as root: as root (CI), the server runs as the `postgres` system user
# (runuser) and DIR is handed to it. Debian's binaries live in /usr/lib/postgresql/VERSION/bin;
# scripts/setup.sh installs the package when none is there. Settings favour speed over durability
# against a machine crash (fsync off: the cluster holds test data only), but a commit is written
# before it returns (synchronous_commit stays on), so a server killed by `kill` keeps every
# transaction a client saw committed, as the crash tests expect.
set -euo pipefail
cmd=${1:?usage: pg_cluster.sh start|stop|kill DIR}
dir=${2:?usage: pg_cluster.sh start|stop|kill DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg_cluster: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (scripts/setup.sh installs them)" >&2
  exit 2
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
data="$dir/data"
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -e "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    opts="-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=256MB"
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    if ! as_owner "$bin/psql" -h "$dir" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'genrespace'" | grep -q 1; then
      as_owner "$bin/psql" -h "$dir" -U postgres -d postgres -qc "CREATE DATABASE genrespace" >/dev/null
    fi
    echo "postgresql:///genrespace?host=$dir&user=postgres"
    ;;
  stop)
    if [ -e "$data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  kill)
    as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null
    ;;
  *)
    echo "pg_cluster: unknown command $cmd (start, stop or kill)" >&2
    exit 2
    ;;
esac
