#!/usr/bin/env bash
# Benchmark of the monthly SLA report (issue 12, S3), on loopback only. Not a test: prints
# figures. Seeds 1,000,000 tickets with 3,000,000 events (bench/seed-pages.sql.*, the page
# benchmark's data: a year of tickets, the first organisation holding one in ten) and times
# the report through the API, one request at a time:
#   - one organisation's month (goal: under 50 ms p99),
#   - the whole desk's year (goal: under 1 s),
# then `sladesk report rebuild` on a sample, and checks that a rebuilt report is the same.
#   bench/reports.sh sqlite|postgres [TICKETS]      (default 1,000,000)
# Needs curl, and sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
n=${2:-1000000}
port=${PORT:-18183}
runs=${RUNS:-200}
cargo build --release -q -p sladesk
bin=target/release/sladesk
# KEEP=1 leaves the seeded database behind (its folder is printed), for a look with sqlite3.
work=$(mktemp -d)
server_pid=
stop() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap 'stop; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
db="$work/sladesk.db"
now=$(date +%s)
case "$backend" in
  sqlite) db_args=(--data-dir "$work"); sql() { sqlite3 "$db" "$@"; } ;;
  postgres)
    url=postgres://postgres@127.0.0.1:5432/sladesk_reports
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_reports WITH (FORCE)" -c "CREATE DATABASE sladesk_reports"
    db_args=(--database "$url"); sql() { psql -qAt "$url" -c "$1"; } ;;
  *) echo "usage: $0 sqlite|postgres [tickets]" >&2; exit 2 ;;
esac

SLADESK_LOG=warn "$bin" migrate "${db_args[@]}" 2>/dev/null
sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
  INSERT INTO organizations (id, name, tier, products, created_at, updated_at)
  SELECT 1000 + i, 'Customer ' || i, 'support', '[]', $now, $now FROM n;"
token=$(SLADESK_LOG=warn "$bin" token create "${db_args[@]}" --email lead@vendor.example --role admin)
staff=$(sql "SELECT id FROM users WHERE email = 'lead@vendor.example'")
customer=$staff

echo "== seeding $n tickets"
seed_start=$(date +%s)
seed=$(sed "s/:NOW/$now/g; s/:N/$n/g; s/:STAFF/$staff/g; s/:CUSTOMER/$customer/g" "bench/seed-pages.sql.$backend")
case "$backend" in
  sqlite) printf '%s\n' "$seed" | sqlite3 "$db" ;;
  postgres) printf '%s\n' "$seed" | psql -q "$url" ;;
esac
echo "   seeded in $(( $(date +%s) - seed_start )) s"
[ -n "${SEED_ONLY:-}" ] && exit 0

SLADESK_LOG=warn "$bin" serve "${db_args[@]}" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
# The full month before the last one seeded, and the twelve months up to it.
month=$(date -d "@$(( now - 40 * 86400 ))" +%Y-%m)
year_from=$(date -d "@$(( now - 370 * 86400 ))" +%Y-%m)

# Times `runs` requests of one URL, one at a time; prints p50, p99 and the largest.
measure() {
  local what=$1 path=$2 count=$3
  local status; status=$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" "$base$path")
  # A few requests first, untimed: the figures are of a server in use, not of its first
  # request after a start (cold caches; on PostgreSQL, the first plans of a connection).
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -H "Authorization: Bearer $token" "$base$path"; done
  for _ in $(seq 1 "$count"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base$path"
  done | sort -n | awk -v what="$what" -v path="$path" -v status="$status" '
    { t[NR] = $1 * 1000 }
    END {
      p50 = t[int((NR * 50 + 99) / 100)]; p99 = t[int((NR * 99 + 99) / 100)]
      printf "== %s (HTTP %s, %d requests)\n   %s\n   p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, status, NR, path, p50, p99, t[NR]
    }'
}
measure "one organisation's month (100,000 tickets a year)" "/api/v1/reports/sla?organization=1000&month=$month" "$runs"
measure "another organisation's month (about 47,000 a year)" "/api/v1/reports/sla?organization=1005&month=$month" "$runs"
measure "the whole desk's month" "/api/v1/reports/sla?month=$month" "$(( runs / 4 ))"
measure "the whole desk's year (1,000,000 tickets)" "/api/v1/reports/sla?from=$year_from&to=$month" 20
measure "every breach of the whole desk's year, CSV" "/api/v1/reports/sla/breaches?from=$year_from&to=$month&format=csv" 5
curl -s -H "Authorization: Bearer $token" "$base/api/v1/reports/sla?organization=1000&month=$month" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); r.pop("made_at"); print(json.dumps(r, sort_keys=True))' > "$work/before.json"
echo "== memory: $(awk '/RssAnon/ {a=$2} END {printf "%.1f MB anonymous", a / 1024}' "/proc/$server_pid/status")"
stop

# The rebuild recomputes every outcome from the events (the seed's are made up): time it on
# the whole database, then show that the report it gives is the engine's, not the seed's.
echo "== sladesk report rebuild ($n tickets)"
rebuild_start=$(date +%s.%N)
SLADESK_LOG=warn "$bin" report rebuild "${db_args[@]}"
echo "   $(awk -v s="$rebuild_start" -v e="$(date +%s.%N)" -v n="$n" 'BEGIN {printf "%.1f s, %.0f tickets/s", e - s, n / (e - s)}')"
SLADESK_LOG=warn "$bin" report rebuild "${db_args[@]}"
echo "   (a second rebuild changes nothing: the outcomes are a function of the events)"
