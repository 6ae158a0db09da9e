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
# The same without the routing, kernel-log and self-test collectors: the scope the shell script
# covers, for a like-for-like figure.
core="$bin -q --batch -o $work/out --skip routing,kmsg,selftest"
mkdir -p "$work/out"

if command -v hyperfine >/dev/null; then
  # Each timed run starts with an empty output directory, as a user's run would.
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/h.json" \
    --prepare "find $work/out -mindepth 1 -delete" \
    -n script "$script" -n mptcp-get-debug "$ours" -n core "$core" >&2 || true
  python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s, o, c = r["script"]["median"], r["mptcp-get-debug"]["median"], r["core"]["median"]
print(f"script (7 commands, sequential): median {s*1000:.2f} ms")
print(f"mptcp-get-debug (full collect + archive): median {o*1000:.2f} ms, ratio script/ours {s/o:.2f}x")
print(f"mptcp-get-debug --skip routing,kmsg,selftest: median {c*1000:.2f} ms, ratio script/ours {s/c:.2f}x")
PY
else
  # Fallback without hyperfine: wall time per run in ns, median of $runs.
  median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  time_it() { for _ in $(seq "$runs"); do rm -rf "$work/out"/*; t0=$(date +%s%N); eval "$1" >/dev/null 2>&1; echo $(( $(date +%s%N) - t0 )); done | median; }
  s=$(time_it "$script"); o=$(time_it "$ours"); c=$(time_it "$core")
  awk -v s="$s" -v o="$o" -v c="$c" 'BEGIN {
    printf "script (7 commands, sequential): median %.2f ms\n", s/1e6
    printf "mptcp-get-debug (full collect + archive): median %.2f ms, ratio script/ours %.2fx\n", o/1e6, s/o
    printf "mptcp-get-debug --skip routing,kmsg,selftest: median %.2f ms, ratio script/ours %.2fx\n", c/1e6, s/c }'
fi
find "$work/out" -mindepth 1 -delete
$ours >/dev/null 2>&1
echo "a full collect writes $(tar tzf "$work"/out/*.tar.gz | wc -l) archive members ($(stat -c %s "$work"/out/*.tar.gz) bytes)"
