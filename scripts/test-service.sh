#!/usr/bin/env bash
# Start or stop one of the throwaway services of scripts/with-test-services.sh, with the same
# options each time: `test-service.sh postgres|redis start|stop`. The restart tests (issue 16.2)
# call it to take PostgreSQL or Redis away in the middle of a request and bring it back.
# `stop` is abrupt on purpose: PostgreSQL's fast shutdown ends every open connection, Redis is
# shut down without saving (it never saves: what it held is lost, as after a crash).
set -euo pipefail
: "${WIJKAANPAK_TEST_SERVICES_DIR:?run under scripts/with-test-services.sh}"
TMP=$WIJKAANPAK_TEST_SERVICES_DIR
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$1:$2" in
  postgres:start)
    as_pg "$WIJKAANPAK_TEST_PG_BIN/pg_ctl" -D "$WIJKAANPAK_TEST_PG_DATA" -l "$WIJKAANPAK_TEST_PG_DATA/server.log" -w -o \
      "-p $WIJKAANPAK_TEST_PG_PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    ;;
  postgres:stop)
    as_pg "$WIJKAANPAK_TEST_PG_BIN/pg_ctl" -D "$WIJKAANPAK_TEST_PG_DATA" -m fast -w stop >/dev/null
    ;;
  redis:start)
    rm -f "$TMP/redis.pid"
    "$WIJKAANPAK_TEST_REDIS_SERVER" --port "$WIJKAANPAK_TEST_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --pidfile "$TMP/redis.pid" --dir "$TMP" --logfile "$TMP/redis.log"
    for _ in $(seq 50); do [ -s "$TMP/redis.pid" ] && break; sleep 0.1; done
    # Wait until it answers, not only until it wrote its pid.
    for _ in $(seq 50); do
      python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', $WIJKAANPAK_TEST_REDIS_PORT), 1); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(16).startswith(b'+PONG') else 1)" 2>/dev/null && exit 0
      sleep 0.1
    done
    exit 1
    ;;
  redis:stop)
    if [ -s "$TMP/redis.pid" ]; then
      pid=$(cat "$TMP/redis.pid")
      kill -9 "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$TMP/redis.pid"
    fi
    ;;
  *)
    echo "usage: $0 postgres|redis start|stop" >&2
    exit 2
    ;;
esac
