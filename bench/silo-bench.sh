#!/usr/bin/env bash
# Grain runtime benchmark: grain calls and durable state writes beside their raw floors.
# Usage: bench/silo-bench.sh [--quick]   (starts a throwaway PostgreSQL when one is installed)
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build bench/Silo.Bench -c Release -v q -nologo >/dev/null
pg_args=()
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$bin" ]; then
  dir=$(mktemp -d /tmp/grainchat-bench-pg.XXXXXX)
  run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  run "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" -l "$dir/log" -w start >/dev/null
  trap 'run "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
  run "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE bench" >/dev/null
  pg_args=(--postgres "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench;Maximum Pool Size=100")
fi
dotnet bench/Silo.Bench/bin/Release/net10.0/GrainChat.Bench.dll "$@" "${pg_args[@]}"
