#!/usr/bin/env bash
# Malformed-input run against the API (not a test): schemathesis (PyPI) generates requests
# from the served OpenAPI document, valid and invalid, and checks that no answer is a 5xx and
# that answers match the document. Loopback only; stops by itself.
#   bench/fuzz-api.sh [EXAMPLES_PER_OPERATION]     (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-50}
port=${PORT:-18787}
python3 -c "import schemathesis" 2>/dev/null || python3 -m pip install --quiet schemathesis
cargo build --release -q -p sladesk
bin=target/release/sladesk
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
token=$("$bin" token create --data-dir "$work" --email fuzz@vendor.example --role admin 2>/dev/null)
SLADESK_LOG=error "$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" 2>"$work/serve.log" & server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# Something to find: an organisation and a ticket.
curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/json' -d '{"name":"Fuzz BV","tier":"support"}' "http://127.0.0.1:$port/api/v1/organizations" >/dev/null
curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"organization_id":1,"type":"bug","environment":"test","product":"Qixium","subject":"s","description":"d"}' "http://127.0.0.1:$port/api/v1/tickets" >/dev/null
python3 -m schemathesis.cli --config-file schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
  -H "Authorization: Bearer $token" --checks all --max-examples "$examples" || status=$?
echo "server log lines mentioning errors or panics: $(grep -ci 'panic\|error' "$work/serve.log" || true)"
exit "${status:-0}"
