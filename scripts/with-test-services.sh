#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL and Redis on loopback, from the machine's own
# binaries, under a temporary folder. Both are stopped and removed afterwards, whatever the
# command's exit status. PostgreSQL refuses root, so it runs as the `postgres` user.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
[ -n "$REDIS_SERVER" ] || { echo "redis-server not found (apt-get install redis-server)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

TMP=$(mktemp -d /tmp/wijkaanpak-services.XXXXXX)
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  status=$?
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -f "$TMP/redis.pid" ]; then kill "$(cat "$TMP/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$TMP"
  exit $status
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" = 0 ]; then chown postgres "$TMP"; fi
chmod 755 "$TMP"
as_pg "$PG_BIN/initdb" -D "$TMP/pg" -U wijkaanpak --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log" >&2; exit 1; }
# What scripts/test-service.sh needs to stop and start either service again (the restart tests
# of issue 16.2, tests/service_restarts.py), and what starts them here the first time.
export WIJKAANPAK_TEST_PG_BIN="$PG_BIN" WIJKAANPAK_TEST_PG_DATA="$TMP/pg" WIJKAANPAK_TEST_PG_PORT="$PG_PORT"
export WIJKAANPAK_TEST_REDIS_SERVER="$REDIS_SERVER" WIJKAANPAK_TEST_REDIS_PORT="$REDIS_PORT"
export WIJKAANPAK_TEST_SERVICES_DIR="$TMP"
"$(dirname "$0")/test-service.sh" postgres start
"$(dirname "$0")/test-service.sh" redis start

export DATABASE_URL="postgres://wijkaanpak@127.0.0.1:$PG_PORT/wijkaanpak"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U wijkaanpak wijkaanpak

"$@"
