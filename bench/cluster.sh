#!/usr/bin/env bash
# Cluster benchmark (see bench/README.md): one node vs three nodes on one throwaway PostgreSQL, and failover time.
# Usage: bench/cluster.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building (Release) and installing the load generator's npm packages"
dotnet build Gateway -c Release -v q -nologo >/dev/null
(cd bench && npm ci --no-audit --no-fund --loglevel=error)

source bench/postgres.sh
if ! start_throwaway_postgres; then
  echo "PostgreSQL is not installed (apt-get install postgresql): the cluster benchmark needs it." >&2
  exit 1
fi
node bench/cluster.js "$@" --postgres "$PG_CONNECTION_STRING"
