#!/usr/bin/env bash
# End-to-end time of `sladesk sla timeline` on a batch of 100,000 generated timelines.
# Goal (issue 2): under one second on this 2-core machine. Usage: bench/timeline-batch.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release -q -p sladesk
input=$(mktemp --suffix=.json)
trap 'rm -f "$input"' EXIT
python3 bench/gen-timelines.py "$n" > "$input"
echo "input: $n timelines, $(du -h "$input" | cut -f1)"
TIMEFORMAT='%R s wall, %U s user'
for run in 1 2 3; do
  echo -n "run $run: "
  time ./target/release/sladesk sla timeline < "$input" > /dev/null
done
