#!/usr/bin/env bash
# Monitor benchmark (issue 5): MONITORS http monitors (default 10,000) at a 60-second interval
# against a local target, spread over COMPONENTS public components, for SECONDS (default 180).
# Prints checks per second sustained, scheduling lag, server CPU and resident memory, and the
# status page's render time. Loopback only; stops by itself. Needs sqlite3 and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
monitors=${MONITORS:-10000}
components=${COMPONENTS:-100}
seconds=${SECONDS_TO_RUN:-180}
port=${PORT:-18585}
target_port=${TARGET_PORT:-18586}
cargo build --release -q -p sladesk
bin=target/release/sladesk
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/target_server.py "$target_port" & pids+=($!)
"$bin" migrate --data-dir "$work" 2>/dev/null
now=$(date +%s)
sqlite3 "$work/sladesk.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $components)
INSERT INTO components (name, production, state, created_at) SELECT 'Component ' || i, 0, 'up', $now - 100 * 86400 FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $monitors - 1)
INSERT INTO monitors (component_id, kind, target, timeout_ms, interval_seconds, next_check_at)
  SELECT 1 + i % $components, 'http', 'http://127.0.0.1:$target_port/health/' || i, 5000, 60, $now + i % 60 FROM n;
SQL
SLADESK_LOG=warn SLADESK_JOBS__INTERVAL_MS=200 "$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" 2>"$work/serve.log" & server=$!; pids+=($server)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
start=$(date +%s); start_ticks=$(ticks); max_lag=0
while [ $(( $(date +%s) - start )) -lt "$seconds" ]; do
  sleep 5
  lag=$(sqlite3 "$work/sladesk.db" "SELECT COALESCE(MAX(strftime('%s','now') - next_check_at), 0) FROM monitors WHERE next_check_at < strftime('%s','now')")
  [ "$lag" -gt "$max_lag" ] && max_lag=$lag
done
elapsed=$(( $(date +%s) - start )); used=$(( $(ticks) - start_ticks ))
checks=$(sqlite3 "$work/sladesk.db" "SELECT SUM(checks) FROM monitor_minutes WHERE minute >= $start - 60")
failures=$(sqlite3 "$work/sladesk.db" "SELECT SUM(failures) FROM monitor_minutes WHERE minute >= $start - 60")
echo "monitors: $monitors on $components components, 60 s interval, $elapsed s measured"
echo "checks recorded since the start (incl. the minute before): $checks, failed: $failures"
echo "checks per second (expected $(( monitors / 60 ))): $(python3 -c "print(round($checks / $elapsed, 1))")"
echo "worst scheduling lag seen (sampled every 5 s): $max_lag s"
echo "server CPU: $(python3 -c "print(round($used / $elapsed, 1))") % of one core"
echo "server resident memory: $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' /proc/$server/status)"
for i in 1 2 3 4 5; do curl -s -o /dev/null -w "status page render: %{time_total} s\n" "http://127.0.0.1:$port/status"; done
