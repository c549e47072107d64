#!/usr/bin/env bash
# Grain runtime and message log benchmark: grain calls, durable state writes and message-log appends beside their raw floors.
# Usage: bench/silo-bench.sh [--quick] [--only calls|writes|messagelog]   (starts a throwaway PostgreSQL when one is installed)
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build bench/Silo.Bench -c Release -v q -nologo >/dev/null
source bench/postgres.sh
pg_args=()
if start_throwaway_postgres; then
  pg_args=(--postgres "$PG_CONNECTION_STRING")
fi
dotnet bench/Silo.Bench/bin/Release/net10.0/GrainChat.Bench.dll "$@" "${pg_args[@]}"
