#!/usr/bin/env bash
# Load benchmark of the desk service (issue 3), on loopback only. Not a test: prints figures.
#   bench/load.sh sqlite|postgres [TICKETS]      (default 1,000,000 seeded tickets)
# Needs wrk (apt-get install wrk) and sqlite3 or psql. Steps: idle memory; ticket creation
# on an empty database; seed TICKETS historic tickets; list, filter and search pages; creation
# again on the full database.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
n=${2:-1000000}
port=${PORT:-18181}
duration=${DURATION:-10s}
cargo build --release -q -p sladesk
bin=target/release/sladesk
work=$(mktemp -d)
case "$backend" in
  sqlite) db_args=(--data-dir "$work") ;;
  postgres)
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_bench WITH (FORCE)" -c "CREATE DATABASE sladesk_bench"
    db_args=(--database postgres://postgres@127.0.0.1:5432/sladesk_bench) ;;
  *) echo "usage: $0 sqlite|postgres [tickets]" >&2; exit 2 ;;
esac
server_pid=
stop() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap 'stop; rm -rf "$work"' EXIT
start() {
  SLADESK_LOG=warn "$bin" serve "${db_args[@]}" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
rss() { awk '/VmRSS/ {printf "%.1f MB\n", $2 / 1024}' "/proc/$server_pid/status"; }
export TOKEN ORG
TOKEN=$("$bin" token create "${db_args[@]}" --email bench@vendor.example --role admin 2>/dev/null)
start
ORG=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"Load BV","tier":"support"}' "http://127.0.0.1:$port/api/v1/organizations" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 2
echo "== $backend: resident memory at idle: $(rss)"
echo "== $backend: create tickets, empty database ($duration, 2 threads, 16 connections)"
wrk -t2 -c16 -d"$duration" --latency -s bench/wrk/create-ticket.lua "http://127.0.0.1:$port/api/v1/tickets" | grep -E "Requests/sec|50%|99%|Non-2xx"
stop

echo "== $backend: seeding $n tickets"
seed_start=$(date +%s)
case "$backend" in
  sqlite) sed "s/:N/$n/g" bench/seed.sql.sqlite | sqlite3 "$work/sladesk.db" ;;
  postgres) psql -q -h 127.0.0.1 -U postgres -d sladesk_bench -v N="$n" -f bench/seed.sql.postgres
            psql -q -h 127.0.0.1 -U postgres -d sladesk_bench -c "VACUUM ANALYZE" ;;
esac
echo "   seeded in $(( $(date +%s) - seed_start )) s"
start
sleep 1
base="http://127.0.0.1:$port/api/v1/tickets"
for query in "limit=50" "limit=50&status=in_progress" "limit=50&priority=high&line=2" "limit=50&q=invoice" "limit=50&q=connector%20412" "limit=50&breached=true"; do
  echo "== $backend: GET /api/v1/tickets?$query ($duration, 2 threads, 8 connections)"
  wrk -t2 -c8 -d"$duration" --latency -s bench/wrk/auth.lua "$base?$query" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
echo "== $backend: create tickets with $n in the database"
wrk -t2 -c16 -d"$duration" --latency -s bench/wrk/create-ticket.lua "$base" | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== $backend: resident memory after the load: $(rss)"
