#!/usr/bin/env bash
# Import and export benchmark (issue 18), on loopback only. Not a test: prints figures.
#   bench/exchange.sh [TICKETS] [uniform|varied]   (default 1,000,000 tickets, 3 events each)
# uniform: every ticket answered after 25 minutes and closed after 3 hours (few distinct report
# tallies); varied: answered after 1 to 600 minutes and closed after 700 to 5,700 (many
# tallies, and breaches), closer to a real desk's history.
# Writes a data set of TICKETS tickets of 100 organisations (filed, answered, closed: three
# events each), then: import into an empty SQLite desk, export from it, import into an empty
# PostgreSQL desk, export from it. Each step's wall time, tickets per second and peak RSS
# (GNU time's maximum resident set size) are printed. The imports derive every ticket's SLA
# columns with the engine, as they always do.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
times=${2:-uniform}
cargo build --release -q -p sladesk
bin=$PWD/target/release/sladesk
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pg_url="postgres://postgres@127.0.0.1:5432/sladesk_exchange_bench"
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_exchange_bench WITH (FORCE)" \
  -c "CREATE DATABASE sladesk_exchange_bench"

python3 - "$n" "$times" > "$work/data.jsonl" <<'PY'
import json, sys
from datetime import datetime, timedelta, timezone
n = int(sys.argv[1])
varied = sys.argv[2] == "varied"
out = sys.stdout
w = lambda o: out.write(json.dumps(o, separators=(",", ":")) + "\n")
w({"kind": "header", "format": "sladesk-exchange", "version": 1, "exported_at": "2026-11-30T00:00:00Z"})
w({"kind": "person", "id": "agent", "email": "agent@vendor.example", "role": "first_line", "created_at": "2026-03-01T08:00:00Z"})
for o in range(100):
    w({"kind": "organization", "id": f"o{o}", "name": f"Customer {o}", "tier": "support", "created_at": "2026-03-01T08:00:00Z"})
    w({"kind": "person", "id": f"p{o}", "email": f"contact{o}@customer{o}.example", "role": "customer", "organization": f"o{o}", "created_at": "2026-03-01T08:00:00Z"})
start = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
for i in range(n):
    filed = start + timedelta(minutes=(i * 7) % 300000)
    o = i % 100
    answered = timedelta(minutes=1 + (i * 37) % 600) if varied else timedelta(minutes=25)
    closed = timedelta(minutes=700 + (i * 53) % 5000) if varied else timedelta(hours=3)
    w({"kind": "ticket", "id": f"t{i}", "number": f"#{100000 + i}", "organization": f"o{o}", "requester": f"p{o}",
       "subject": f"Connector {i % 997} stops syncing", "description": "Since this morning the sync fails with a timeout.",
       "created_at": fmt(filed), "events": [
         {"at": fmt(filed), "kind": "created", "actor": f"p{o}", "data": {"type": "incident", "priority": ["low", "normal", "high"][i % 3], "product": "Qixium"}},
         {"at": fmt(filed + answered), "kind": "staff_reply", "actor": "agent", "body": "We are looking into it."},
         {"at": fmt(filed + closed), "kind": "status", "actor": "agent", "data": {"to": "closed"}}]})
PY
size=$(du -m "$work/data.jsonl" | cut -f1)
echo "data set: $n tickets ($times times), ${size} MB"

# step NAME COMMAND…: wall seconds, tickets/s, peak RSS (GNU time), and the peak of the
# process's anonymous memory (its heap and stacks, sampled from /proc every 0.2 s). RSS also
# counts the pages of the database file SQLite reads through mmap (up to 256 MB, the
# page cache's, given back under pressure); the anonymous part is what the program holds.
step() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" 2> "$work/stderr" > /dev/null &
  local timer=$! anon=0 pid a
  sleep 0.1
  pid=$(pgrep -P "$timer" | head -1)
  while kill -0 "$timer" 2>/dev/null; do
    a=$(awk '/^Anonymous/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
    if [ -n "$a" ] && [ "$a" -gt "$anon" ]; then anon=$a; fi
    sleep 0.2
  done
  wait "$timer" || { cat "$work/stderr"; exit 1; }
  read -r seconds rss < "$work/time"
  python3 -c "import sys; s=float(sys.argv[2]); print(f'{sys.argv[1]:<24} {s:7.1f} s  {int(sys.argv[3])/s:9.0f} tickets/s  peak RSS {int(sys.argv[4])//1024:4} MB  peak anonymous {int(sys.argv[5])//1024:4} MB')" \
    "$name" "$seconds" "$n" "$rss" "$anon"
}

step "import into SQLite" "$bin" import "$work/data.jsonl" --data-dir "$work/sqlite"
step "export from SQLite" "$bin" export --data-dir "$work/sqlite" --out "$work/from-sqlite.jsonl"
step "import into PostgreSQL" "$bin" import "$work/from-sqlite.jsonl" --database "$pg_url"
step "export from PostgreSQL" "$bin" export --database "$pg_url" --out "$work/from-postgres.jsonl"
echo "lines: data $(wc -l < "$work/data.jsonl"), from SQLite $(wc -l < "$work/from-sqlite.jsonl"), from PostgreSQL $(wc -l < "$work/from-postgres.jsonl")"
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_exchange_bench WITH (FORCE)"
