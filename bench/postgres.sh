# Sourced by the benchmark scripts: starts a throwaway PostgreSQL cluster (stopped on exit) when one is installed.
# Sets PG_CONNECTION_STRING (Npgsql form), PG_DIR, PG_BIN and PG_OPTIONS (to restart it) and returns 0, or returns 1 when PostgreSQL is absent.
start_throwaway_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$bin" ] || return 1
  PG_DIR=$(mktemp -d /tmp/grainchat-bench-pg.XXXXXX)
  PG_BIN=$bin
  pg_run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  PG_OPTIONS="-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200"
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "$PG_OPTIONS" -l "$PG_DIR/log" -w start >/dev/null
  trap 'pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null; rm -rf "$PG_DIR"' EXIT
  pg_run "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE bench" >/dev/null
  PG_CONNECTION_STRING="Host=127.0.0.1;Port=$port;Username=postgres;Database=bench;Maximum Pool Size=100"
}
