#!/usr/bin/env bash
# Benchmark of reproduce mode (root; creates and deletes its own network namespaces). Figures only:
#  - SIGINT during `reproduce --duration 60s` -> the archive written (median of RUNS),
#  - a burst of 500 MPTCP connections (client and server namespaces, 8 in parallel) inside the window:
#    events handled per second of window and events lost (median of RUNS).
#
#   bash bench/reproduce.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet --bin mptcp-get-debug --example mptcp_pair
bin=$PWD/target/release/mptcp-get-debug
pair=$PWD/target/release/examples/mptcp_pair
a=mgd-bench-$$-a b=mgd-bench-$$-b
work=$(mktemp -d)
trap 'ip netns del $a 2>/dev/null; ip netns del $b 2>/dev/null; rm -rf "$work"' EXIT
ip netns add $a; ip netns add $b
ip -n $a link set lo up; ip -n $b link set lo up
ip -n $a link add va1 type veth peer name vb1 netns $b
ip -n $a addr add 10.1.1.1/24 dev va1; ip -n $b addr add 10.1.1.2/24 dev vb1
ip -n $a link set va1 up; ip -n $b link set vb1 up

python3 - "$bin" "$pair" "$a" "$b" "$work" "$runs" <<'PY'
import json, os, signal, statistics, subprocess, sys, time
bin_, pair, a, b, work, runs = sys.argv[1:6] + [int(sys.argv[6])]

lat = []
for i in range(runs):
    out = os.path.join(work, f"sig{i}"); os.mkdir(out)
    p = subprocess.Popen([bin_, "reproduce", "--netns", a, "--duration", "60s", "-o", out,
                          "--format", "json"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "watching MPTCP events" in line:
            break
    t0 = time.perf_counter(); p.send_signal(signal.SIGINT); p.wait()
    lat.append((time.perf_counter() - t0) * 1000)
    assert p.returncode == 0 and any(f.endswith(".tar.gz") for f in os.listdir(out))
print(f"SIGINT -> archive written: median {statistics.median(lat):.1f} ms "
      f"(min {min(lat):.1f}, max {max(lat):.1f}, {runs} runs)")

rates, events, lost = [], [], []
for i in range(runs):
    r = subprocess.run([bin_, "reproduce", "--netns", a, "--netns", b, "-q", "--format", "json",
                        "--no-archive", "--", pair, "--server-netns", b, "--addr", "10.1.1.2:10001",
                        "--count", "500", "--parallel", "8", "--bytes", "64"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True)
    rep = json.loads(r.stdout)["reproduce"]
    n = sum(w["events_total"] for w in rep["namespaces"])
    events.append(n); lost.append(sum(w["events_lost"] for w in rep["namespaces"]))
    rates.append(n / (rep["duration_ms"] / 1000))
print(f"burst of 500 connections: median {statistics.median(events):.0f} events in the window, "
      f"{statistics.median(rates):.0f} events/s handled, {max(lost)} lost at most ({runs} runs)")
PY
