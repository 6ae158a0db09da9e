#!/usr/bin/env bash
# Benchmark: the MPTCP loopback self-test's own duration (socket, accept, exchange, MPTCP_INFO), as the
# report records it, over RUNS runs. Prints min / median / max in ms. Not a test: figures only.
#
#   bash bench/selftest.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
cargo build --release --quiet
bin=$PWD/target/release/mptcp-get-debug
for _ in $(seq "$runs"); do
  "$bin" --only selftest --format json --no-archive -q --no-redact |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(x["value"]["duration_ms"] for s in d["sections"] for x in s["data"] if x["kind"] == "self_test"))'
done | sort -n | awk '{a[NR]=$1} END {printf "self-test over %d runs: min %.3f ms, median %.3f ms, max %.3f ms\n", NR, a[1], a[int((NR+1)/2)], a[NR]}'
