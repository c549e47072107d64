#!/usr/bin/env bash
# Side-by-side benchmark of GrainChat, a bare SignalR hub and a Socket.IO server (see bench/README.md).
# Usage: bench/run.sh [--quick] [--typing]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building (Release) and installing the load generator's npm packages"
dotnet build Gateway -c Release -v q -nologo >/dev/null
dotnet build bench/peers/bare-signalr -c Release -v q -nologo >/dev/null
(cd bench && npm ci --no-audit --no-fund --loglevel=error)

source bench/postgres.sh
pg_args=()
if start_throwaway_postgres; then
  pg_args=(--postgres "$PG_CONNECTION_STRING")
fi
node bench/run.js "$@" "${pg_args[@]}"
