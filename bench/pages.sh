#!/usr/bin/env bash
# Page benchmark of the portal and the workspace (issue 4), on loopback only. Not a test: prints
# figures. Every page is rendered server-side; the goal is under 50 ms p99 with 1,000,000
# tickets in the database.
#   bench/pages.sh sqlite|postgres [TICKETS]      (default 1,000,000)
# Needs wrk, and sqlite3 or psql (apt-get install wrk sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
n=${2:-1000000}
port=${PORT:-18182}
duration=${DURATION:-10s}
cargo build --release -q -p sladesk
bin=target/release/sladesk
work=$(mktemp -d)
server_pid=
stop() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap 'stop; rm -rf "$work"' EXIT
db="$work/sladesk.db"
now=$(date +%s)
case "$backend" in
  sqlite) db_args=(--data-dir "$work"); sql() { sqlite3 "$db" "$@"; } ;;
  postgres)
    url=postgres://postgres@127.0.0.1:5432/sladesk_pages
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_pages WITH (FORCE)" -c "CREATE DATABASE sladesk_pages"
    db_args=(--database "$url"); sql() { psql -qAt "$url" -c "$1"; } ;;
  *) echo "usage: $0 sqlite|postgres [tickets]" >&2; exit 2 ;;
esac

SLADESK_LOG=warn "$bin" migrate "${db_args[@]}" >/dev/null
sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
  INSERT INTO organizations (id, name, tier, products, created_at, updated_at)
  SELECT 1000 + i, 'Customer ' || i, 'support', '[]', $now, $now FROM n;"
SLADESK_LOG=warn "$bin" token create "${db_args[@]}" --email agent@vendor.example --role first-line >/dev/null
SLADESK_LOG=warn "$bin" token create "${db_args[@]}" --email kim@customer0.example --role customer --organization 1000 >/dev/null
staff=$(sql "SELECT id FROM users WHERE email = 'agent@vendor.example'")
customer=$(sql "SELECT id FROM users WHERE email = 'kim@customer0.example'")

echo "== seeding $n tickets"
seed_start=$(date +%s)
seed=$(sed "s/:NOW/$now/g; s/:N/$n/g; s/:STAFF/$staff/g; s/:CUSTOMER/$customer/g" "bench/seed-pages.sql.$backend")
case "$backend" in
  sqlite) printf '%s\n' "$seed" | sqlite3 "$db" ;;
  postgres) printf '%s\n' "$seed" | psql -q "$url" ;;
esac
echo "   seeded in $(( $(date +%s) - seed_start )) s; $(sql "SELECT COUNT(*) FROM tickets WHERE status <> 'closed'") open"

# Signed-in sessions (both steps passed), as the sign-in would leave them.
session() {
  local cookie; cookie=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  local hash; hash=$(printf '%s' "$cookie" | sha256sum | cut -d' ' -f1)
  sql "INSERT INTO sessions (id_hash, user_id, csrf, mfa_passed, created_at, expires_at) VALUES ('$hash', $1, 'bench', 1, $now, $now + 86400)"
  printf '%s' "$cookie"
}
staff_cookie=$(session "$staff")
customer_cookie=$(session "$customer")
open_ticket=$(sql "SELECT id FROM tickets WHERE status = 'in_progress' AND line = 1 ORDER BY id DESC LIMIT 1")
# The oldest open ticket: its clocks have run for most of a year, the longest explanation.
old_ticket=$(sql "SELECT id FROM tickets WHERE status = 'in_progress' ORDER BY id LIMIT 1")
customer_ticket=$(sql "SELECT id FROM tickets WHERE organization_id = 1000 ORDER BY id DESC LIMIT 1")

SLADESK_LOG=warn "$bin" serve "${db_args[@]}" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
sleep 1
base="http://127.0.0.1:$port"
measure() {
  local who=$1 cookie=$2 path=$3
  local status; status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sladesk_session=$cookie" "$base$path")
  # One connection: the time to render the page. Eight: throughput on two cores, where the
  # latency is mostly queueing behind the other seven.
  echo "== $who GET $path (HTTP $status; $duration)"
  echo "   1 connection:  $(COOKIE=$cookie wrk -t1 -c1 -d"$duration" --latency -s bench/wrk/cookie.lua "$base$path" | awk '/ 50%/ {p50=$2} / 99%/ {p99=$2} END {print "p50 " p50 ", p99 " p99}')"
  echo "   8 connections: $(COOKIE=$cookie wrk -t2 -c8 -d"$duration" --latency -s bench/wrk/cookie.lua "$base$path" | awk '/ 50%/ {p50=$2} / 99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {print "p50 " p50 ", p99 " p99 ", " rps " requests/s"}')"
}
measure agent "$staff_cookie" "/desk?line=1"
measure agent "$staff_cookie" "/desk?view=mine&line=1"
measure agent "$staff_cookie" "/desk?view=breached&line=1"
measure agent "$staff_cookie" "/desk/counts?line=1"
measure agent "$staff_cookie" "/tickets/$open_ticket"
measure agent "$staff_cookie" "/tickets/$old_ticket"
measure customer "$customer_cookie" "/tickets"
measure customer "$customer_cookie" "/tickets?status=any&sort=updated"
measure customer "$customer_cookie" "/tickets?status=any&q=timeout"
# The worst case of the SQLite search: a word in 200,000 other organisations' tickets and in
# none of this customer's, so the whole list of matches is walked to find that out.
measure customer "$customer_cookie" "/tickets?status=any&q=invoice"
measure customer "$customer_cookie" "/tickets/$customer_ticket"
# Anonymous memory is the server's own; file-backed pages are SQLite's memory-mapped database,
# counted once per connection's mapping but shared with the page cache.
echo "== memory: $(awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "%.1f MB anonymous, %.1f MB file-backed (mmap)", a / 1024, f / 1024}' "/proc/$server_pid/status")"
