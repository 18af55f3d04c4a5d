#!/usr/bin/env bash
# What the security hardening (issue 9) costs, on loopback only. Not a test: prints figures.
#   bench/hardening.sh [BINARY ...]      (default: target/release/sladesk, built first)
# Give two binaries (an older build first) to compare them on the same machine in one run.
# For each: ticket creation through the API (every JSON body is now checked for control
# characters), a page of 50, and the sign-in's password step (now counted under three keys
# in the database before Argon2 judges it), on an empty SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  cargo build --release -q -p sladesk
  set -- target/release/sladesk
fi
port=${PORT:-18191}
duration=${DURATION:-10s}
signins=${SIGNINS:-60}
for bin in "$@"; do
  work=$(mktemp -d)
  export TOKEN ORG
  TOKEN=$("$bin" token create --data-dir "$work" --email bench@vendor.example --role admin 2>/dev/null)
  "$bin" token create --data-dir "$work" --email kim@acme.example --role customer >/dev/null 2>&1 || true
  echo 'a long bench pass phrase 2026' | "$bin" user set-password --data-dir "$work" --email bench@vendor.example 2>/dev/null
  SLADESK_LOG=warn "$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  ORG=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"name":"Load BV","tier":"support"}' "http://127.0.0.1:$port/api/v1/organizations" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  echo "== $bin"
  echo "-- create tickets ($duration, 2 threads, 16 connections)"
  wrk -t2 -c16 -d"$duration" --latency -s bench/wrk/create-ticket.lua "http://127.0.0.1:$port/api/v1/tickets" | grep -E "Requests/sec|50%|99%|Non-2xx"
  echo "-- page of 50 ($duration, 2 threads, 8 connections)"
  wrk -t2 -c8 -d"$duration" --latency -s bench/wrk/auth.lua "http://127.0.0.1:$port/api/v1/tickets?limit=50" | grep -E "Requests/sec|50%|99%|Non-2xx"
  echo "-- password step of signing in, $signins times one after another (right password)"
  python3 - "$port" "$signins" <<'PY'
import http.cookiejar, re, statistics, sys, time, urllib.parse, urllib.request
port, n = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}"
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
times = []
for _ in range(n):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": "bench@vendor.example", "password": "a long bench pass phrase 2026", "csrf": csrf}).encode()
    start = time.perf_counter()
    try:
        opener.open(f"{base}/login", body)
    except urllib.error.HTTPError as e:
        assert e.code == 303, e.code
    times.append((time.perf_counter() - start) * 1000)
times.sort()
print(f"   p50 {statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9) - 1]:.1f} ms")
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
done
