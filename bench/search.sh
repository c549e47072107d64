#!/usr/bin/env bash
# Search latency over 1,000,000 stored messages on SQLite and PostgreSQL (see bench/README.md, "Search").
# Usage: bench/search.sh [--messages N]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building (Release)"
dotnet build Gateway -c Release -v q -nologo >/dev/null

source bench/postgres.sh
if start_throwaway_postgres; then
  export PG_CONNECTION_STRING
fi
python3 bench/search.py "$@"
