#!/usr/bin/env bash
# Benchmark: a full `mptcp-get-debug` collect (archive written) against the shell script's seven
# commands run one after the other. Prints both medians and the ratio. Not a test: figures only.
#
#   bash bench/collect.sh [RUNS]      (run as root for the full collect, like users do)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
cargo build --release --quiet
bin=$PWD/target/release/mptcp-get-debug
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The script's commands, as mptcp-get-debug 0.13's shell helper runs them (its nstat gets a private
# history file so the benchmark does not touch the user's).
cat > "$work/script.sh" <<'SH'
uname -a; cat /etc/os-release; sysctl net.mptcp; ip mptcp endpoint show; ip mptcp limits show; ss -ManiH; nstat
SH
export NSTAT_HISTORY=$work/nstat.history
script="sh $work/script.sh"
ours="$bin -q --batch -o $work/out"
mkdir -p "$work/out"

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/h.json" \
    -n script "$script" -n mptcp-get-debug "$ours" >&2 || true
  python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s, o = r["script"]["median"], r["mptcp-get-debug"]["median"]
print(f"script (7 commands, sequential): median {s*1000:.2f} ms")
print(f"mptcp-get-debug (full collect + archive): median {o*1000:.2f} ms")
print(f"ratio script/mptcp-get-debug: {s/o:.2f}x")
PY
else
  # Fallback without hyperfine: wall time per run in ns, median of $runs.
  median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  time_it() { for _ in $(seq "$runs"); do rm -rf "$work/out"/*; t0=$(date +%s%N); eval "$1" >/dev/null 2>&1; echo $(( $(date +%s%N) - t0 )); done | median; }
  s=$(time_it "$script"); o=$(time_it "$ours")
  awk -v s="$s" -v o="$o" 'BEGIN {
    printf "script (7 commands, sequential): median %.2f ms\n", s/1e6
    printf "mptcp-get-debug (full collect + archive): median %.2f ms\n", o/1e6
    printf "ratio script/mptcp-get-debug: %.2fx\n", s/o }'
fi
echo "collected by mptcp-get-debug: $(tar tzf "$(ls "$work"/out/*.tar.gz 2>/dev/null | head -1)" 2>/dev/null | wc -l) archive members" || true
