#!/usr/bin/env bash
# Benchmark of fair use (issue 15, F1), on loopback only. Not a test: prints figures.
# Seeds 10,000 tenants (customer instances of 100 organisations in 10 cohorts of tier and size
# class) with 6 measures a day for 400 days: 24,000,000 values, with the cohort totals the
# intake keeps. One tenant in a hundred uses ten times the others for its last 45 days, so
# the run has 600 excessive findings to follow back. Then, through the API:
#   - the daily run over all tenants (POST /api/v1/fair-use/run, which judges the day due
#     again at once; goal: under 10 s),
#   - one tenant's 90-day chart (GET /api/v1/usage/{id}; goal: under 50 ms),
#   - a day of intake for every tenant and measure (60,000 values in six requests: a body is
#     at most 1 MiB).
#   bench/fairuse.sh sqlite|postgres
# Needs curl, python3, and sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
port=${PORT:-18185}
runs=${RUNS:-200}
cargo build --release -q -p sladesk
bin=target/release/sladesk
work=$(mktemp -d)
server_pid=
stop() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap 'stop; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
db="$work/sladesk.db"
now=$(date +%s)
first=$(TZ=Europe/Amsterdam date -d "yesterday -399 days" +%F)
case "$backend" in
  sqlite) db_args=(--data-dir "$work"); sql() { sqlite3 "$db" "$@"; } ;;
  postgres)
    url=postgres://postgres@127.0.0.1:5432/sladesk_fairuse
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS sladesk_fairuse WITH (FORCE)" -c "CREATE DATABASE sladesk_fairuse"
    db_args=(--database "$url"); sql() { psql -qAt "$url" -c "$1"; } ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

SLADESK_LOG=warn "$bin" migrate "${db_args[@]}" 2>/dev/null
token=$(SLADESK_LOG=warn "$bin" token create "${db_args[@]}" --email saas@vendor.example --role saas_team)

echo "== seeding 10,000 tenants x 6 measures x 400 days from $first"
seed_start=$(date +%s)
case "$backend" in
  sqlite) sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
INSERT INTO organizations (id, name, tier, products, size_class, created_at, updated_at)
SELECT 1000 + i, 'Customer ' || i, CASE i % 2 WHEN 0 THEN 'support' ELSE 'qaas' END, '[]',
       CASE (i / 2) % 5 WHEN 0 THEN 's' WHEN 1 THEN 'm' WHEN 2 THEN 'l' WHEN 3 THEN 'xl' ELSE 'xxl' END,
       $now, $now FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO components (id, name, production, organization_id, state, created_at)
SELECT i, 'Tenant ' || i, 0, 1000 + i % 100, 'up', $now FROM n;
CREATE TEMP TABLE days AS WITH RECURSIVE d(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM d WHERE j < 399)
  SELECT j, CAST(strftime('%Y%m%d', '$first', '+' || j || ' days') AS INTEGER) AS day FROM d;
CREATE TEMP TABLE measures (k INTEGER, name TEXT);
INSERT INTO measures VALUES (0, 'data_traffic'), (1, 'api_calls'), (2, 'synchronisations'),
  (3, 'processing'), (4, 'storage'), (5, 'network');
INSERT INTO usage_days (component_id, measure, day, value, cohort, recorded_at)
SELECT c.id, m.name, d.day,
       (100 + (c.id * 7919 + d.j * 104729 + m.k * 31) % 50) * CASE WHEN c.id % 100 = 0 AND d.j >= 355 THEN 10 ELSE 1 END,
       o.tier || '/' || o.size_class, $now
FROM components c JOIN organizations o ON o.id = c.organization_id, measures m, days d
ORDER BY c.id, m.name, d.day;
INSERT INTO usage_cohort_days (cohort, measure, day, total, members)
SELECT cohort, measure, day, SUM(value), COUNT(*) FROM usage_days GROUP BY cohort, measure, day;
COMMIT;
SQL
  ;;
  postgres) psql -q "$url" <<SQL
INSERT INTO organizations (id, name, tier, products, size_class, created_at, updated_at)
SELECT 1000 + i, 'Customer ' || i, CASE i % 2 WHEN 0 THEN 'support' ELSE 'qaas' END, '[]',
       (ARRAY['s','m','l','xl','xxl'])[(i / 2) % 5 + 1], $now, $now FROM generate_series(0, 99) i;
INSERT INTO components (id, name, production, organization_id, state, created_at)
SELECT i, 'Tenant ' || i, 0, 1000 + i % 100, 'up', $now FROM generate_series(1, 10000) i;
SELECT setval(pg_get_serial_sequence('components', 'id'), 10000);
SELECT setval(pg_get_serial_sequence('organizations', 'id'), 1100);
INSERT INTO usage_days (component_id, measure, day, value, cohort, recorded_at)
SELECT c.id, m.name, to_char(DATE '$first' + d.j, 'YYYYMMDD')::bigint,
       (100 + (c.id * 7919 + d.j * 104729 + m.k * 31) % 50) * CASE WHEN c.id % 100 = 0 AND d.j >= 355 THEN 10 ELSE 1 END,
       o.tier || '/' || o.size_class, $now
FROM components c JOIN organizations o ON o.id = c.organization_id,
     (VALUES (0, 'data_traffic'), (1, 'api_calls'), (2, 'synchronisations'), (3, 'processing'),
             (4, 'storage'), (5, 'network')) m(k, name),
     generate_series(0, 399) d(j)
ORDER BY c.id, m.name, d.j;
INSERT INTO usage_cohort_days (cohort, measure, day, total, members)
SELECT cohort, measure, day, SUM(value), COUNT(*) FROM usage_days GROUP BY cohort, measure, day;
VACUUM ANALYZE usage_days; VACUUM ANALYZE usage_cohort_days;
SQL
  ;;
esac
echo "   seeded $(sql "SELECT COUNT(*) FROM usage_days") values in $(( $(date +%s) - seed_start )) s"

SLADESK_LOG=warn "$bin" serve "${db_args[@]}" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
# The server's own run of the day due starts at once; wait for it before timing.
for _ in $(seq 1 600); do
  curl -sf -H "authorization: Bearer $token" "$base/api/v1/fair-use" | grep -q '"judged_day":"' && break
  sleep 0.5
done

echo "== the daily run over all tenants (goal: under 10 s)"
for i in 1 2 3; do
  t=$(curl -s -o "$work/run.json" -w '%{time_total}' -X POST -H "authorization: Bearer $token" "$base/api/v1/fair-use/run")
  echo "   run $i: ${t} s, $(python3 -c "import json,sys; o=json.load(open('$work/run.json')); print(o['values_judged'], 'values judged,', len(o['findings']), 'findings,', sum(f['excessive'] for f in o['findings']), 'excessive')")"
done

echo "== one tenant's 90-day chart, $runs requests (goal: under 50 ms)"
for i in $(seq 1 "$runs"); do
  curl -s -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $token" \
    "$base/api/v1/usage/$(( (i * 37) % 10000 + 1 ))?measure=api_calls&days=90"
done | sort -n | awk '{a[NR]=$1} END {printf "   p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'

echo "== a day of intake: 60,000 values in six requests of 10,000"
today=$(TZ=Europe/Amsterdam date +%F)
for part in 0 1 2 3 4 5; do
  python3 - "$today" "$part" > "$work/day-$part.json" <<'PY'
import json, sys
day, part = sys.argv[1], int(sys.argv[2])
measures = ["data_traffic", "api_calls", "synchronisations", "processing", "storage", "network"]
values = [{"component_id": c, "measure": m, "value": 120}
          for c in range(1, 10001) for m in measures][part * 10000:(part + 1) * 10000]
print(json.dumps({"day": day, "values": values}, separators=(",", ":")))
PY
done
for part in 0 1 2 3 4 5; do
  t=$(curl -s -o "$work/intake.json" -w '%{time_total}' -X POST -H "authorization: Bearer $token" \
    -H 'content-type: application/json' --data-binary "@$work/day-$part.json" "$base/api/v1/usage")
  echo "   request $((part + 1)): ${t} s $(cat "$work/intake.json")"
done
ps -o rss= -p "$server_pid" | awk '{printf "== server memory: %d MB\n", $1/1024}'
