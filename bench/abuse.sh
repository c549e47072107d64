#!/usr/bin/env bash
# Abuse run (not in CI): a login flood, a slow reader, a broadcast flood and a database outage against a Release
# build, with what the service held printed as JSON (bench/abuse.js). About two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building (Release) and installing the client packages"
dotnet build Gateway -c Release -v q -nologo >/dev/null
(cd bench && npm ci --no-audit --no-fund --loglevel=error)

source bench/postgres.sh
args=()
if start_throwaway_postgres; then
  export PG_DATA_DIR="$PG_DIR" PG_BIN PG_OPTIONS
  args=(--postgres "$PG_CONNECTION_STRING")
fi
node bench/abuse.js "${args[@]}"
