#!/usr/bin/env bash
# Scale benchmark of GET /ln_verification/{id}/await: N concurrent long polls held open, then every
# invoice paid at once. Needs HOMEGATE_TEST_PG (see scripts/test). Usage: run.sh [N] (default 10000)
# Host and client are separate processes (each needs N sockets; the file-descriptor limit is per process).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
count=${1:-10000}
: "${HOMEGATE_TEST_PG:?set HOMEGATE_TEST_PG to a PostgreSQL admin connection string}"
ulimit -n "$(ulimit -Hn)" || true

dotnet build "$here/host.cs" -c Release >/dev/null
dotnet build "$here/client.cs" -c Release >/dev/null

log=$(mktemp /tmp/ln-bench-host.XXXXXX.log)
dotnet run --no-build -c Release --file "$here/host.cs" >"$log" 2>&1 &
host=$!
trap 'kill -TERM $host 2>/dev/null; wait $host 2>/dev/null || true' EXIT

for _ in $(seq 1 300); do
  if grep -q '^READY ' "$log"; then break; fi
  sleep 0.2
done
read -r _ url fake pid < <(grep '^READY ' "$log")
# `dotnet run` does not forward SIGTERM: stop the host process itself.
trap 'kill -TERM $pid 2>/dev/null; wait $host 2>/dev/null || true' EXIT
echo "host $url (pid $pid), fake phoenixd $fake"
dotnet run --no-build -c Release --file "$here/client.cs" -- "$url" "$fake" "$pid" "$count" "$here/last-run.md"
