#!/usr/bin/env bash
# Backup benchmark (D1, D2; issue 17), on loopback only. Not a test: prints figures.
#   bench/backup.sh sqlite|postgres [TICKETS]      (default 1,000,000 seeded tickets)
# Needs wrk, and sqlite3 or psql. Steps: seed TICKETS tickets (bench/seed.sql.*); one backup
# with `sladesk backup run` (time, size, and how long its verification took); ticket creation
# and a page of 50 under load without a backup, then the same while a backup runs; restore of
# the backup into an empty target (time); a drill (time against the 2 h RTO of data loss).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
n=${2:-1000000}
port=${PORT:-18182}
duration=${DURATION:-20s}
cargo build --release -q -p sladesk
bin=$PWD/target/release/sladesk
work=$(mktemp -d)
case "$backend" in
  sqlite)
    db_url="sqlite://$work/data/sladesk.db?mode=rwc"
    restore_to="$work/restored"
    sql() { sqlite3 -cmd ".timeout 10000" "$work/data/sladesk.db" "$1"; } ;;
  postgres)
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_bench WITH (FORCE)" -c "CREATE DATABASE sladesk_bench" \
      -c "DROP DATABASE IF EXISTS sladesk_bench_restored WITH (FORCE)" -c "CREATE DATABASE sladesk_bench_restored"
    db_url="postgres://postgres@127.0.0.1:5432/sladesk_bench"
    restore_to="postgres://postgres@127.0.0.1:5432/sladesk_bench_restored"
    sql() { psql -q -t -A -h 127.0.0.1 -U postgres -d sladesk_bench -c "$1"; } ;;
  *) echo "usage: $0 sqlite|postgres [tickets]" >&2; exit 2 ;;
esac
mkdir -p "$work/data"
"$bin" backup key --out "$work/key.txt" > "$work/recipient.txt" 2>/dev/null
cat > "$work/sladesk.toml" <<TOML
database_url = "$db_url"
data_dir = "$work/data"
[backup]
enabled = false
folder = "$work/backups"
recipients = ["$(cat "$work/recipient.txt")"]
TOML
server_pid=
stop() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
cleanup() {
  stop
  rm -rf "$work"
  if [ "$backend" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_bench WITH (FORCE)" -c "DROP DATABASE IF EXISTS sladesk_bench_restored WITH (FORCE)" || true
  fi
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap stop EXIT
export TOKEN ORG
TOKEN=$("$bin" token create --config "$work/sladesk.toml" --email bench@vendor.example --role admin 2>/dev/null)

echo "== $backend: seeding $n tickets"
seed_start=$(date +%s)
case "$backend" in
  sqlite) sed "s/:N/$n/g" bench/seed.sql.sqlite | sqlite3 "$work/data/sladesk.db" ;;
  postgres) psql -q -h 127.0.0.1 -U postgres -d sladesk_bench -v N="$n" -f bench/seed.sql.postgres
            psql -q -h 127.0.0.1 -U postgres -d sladesk_bench -c "VACUUM ANALYZE" ;;
esac
echo "   seeded in $(( $(date +%s) - seed_start )) s"
case "$backend" in
  sqlite) echo "   database: $(du -sh "$work/data/sladesk.db" | cut -f1)" ;;
  postgres) echo "   database: $(sql "SELECT pg_size_pretty(pg_database_size('sladesk_bench'))")" ;;
esac

start() {
  SLADESK_LOG=warn "$bin" serve --config "$work/sladesk.toml" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
base="http://127.0.0.1:$port/api/v1/tickets"
# The seed writes its tickets' derived SLA columns by SQL; verification recomputes the newest
# ticket's SLA with the engine, so the newest is filed through the API like any real one.
start
ORG=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"Backup BV","tier":"support"}' "http://127.0.0.1:$port/api/v1/organizations" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"organization_id\":$ORG,\"type\":\"incident\",\"environment\":\"production\",\"product\":\"Qixium\",\"subject\":\"newest\",\"description\":\"filed through the API\"}" "$base"
stop

backup() {
  # The interval's row is forgotten first, so that each run takes a backup of its own.
  sql "DELETE FROM backups" >/dev/null
  "$bin" backup run --config "$work/sladesk.toml" 2>"$work/backup.log" >/dev/null || { cat "$work/backup.log" >&2; exit 1; }
}
echo "== $backend: one backup (snapshot, archive, verification by restoring it)"
start_s=$(date +%s.%N)
/usr/bin/time -f "   peak memory of the backup process: %M KB" "$bin" backup run --config "$work/sladesk.toml" 2>"$work/backup.log" >/dev/null \
  || { cat "$work/backup.log" >&2; exit 1; }
grep "peak memory" "$work/backup.log" || true
echo "   took $(python3 -c "import time; print(round(time.time() - $start_s, 1))") s in all"
sql "SELECT name || ': ' || size || ' bytes, backup ' || backup_ms || ' ms, verification ' || verify_ms || ' ms' FROM backups" | sed 's/^/   /'
archive=$(ls "$work"/backups/*.zst.age)

start
# Ticket creation and pages of 50 at the same time, each with its own connections.
load() {
  wrk -t1 -c8 -d"$duration" --latency -s bench/wrk/create-ticket.lua "$base" > "$work/create.txt" &
  local creating=$!
  wrk -t1 -c4 -d"$duration" --latency -s bench/wrk/auth.lua "$base?limit=50" > "$work/page.txt"
  wait $creating
  echo "   create tickets ($duration, 8 connections):"
  grep -E "Requests/sec|50%|99%|Non-2xx" "$work/create.txt" | sed 's/^/     /'
  echo "   page of 50 ($duration, 4 connections):"
  grep -E "Requests/sec|50%|99%|Non-2xx" "$work/page.txt" | sed 's/^/     /'
}
echo "== $backend: under load, no backup running"
load
echo "== $backend: under load, while a backup runs"
( sleep 1; backup; echo "   (the backup finished during the load)" ) &
backup_pid=$!
load
wait $backup_pid
stop

echo "== $backend: restore into an empty target"
start_s=$(date +%s.%N)
"$bin" restore "$archive" --to "$restore_to" --identity "$work/key.txt" 2>&1 | sed 's/^/   /'
echo "   took $(python3 -c "import time; print(round(time.time() - $start_s, 1))") s"

echo "== $backend: a drill of data loss (restore, a server on it, its answers)"
sql "DELETE FROM backups" >/dev/null
backup
"$bin" drill --config "$work/sladesk.toml" --scenario data-loss --identity "$work/key.txt" --by bench 2>&1 | sed 's/^/   /'
