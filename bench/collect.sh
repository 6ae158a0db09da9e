#!/usr/bin/env bash
# Benchmark: a full `mptcp-get-debug` collect (archive written) against the shell script's seven
# commands run one after the other. Prints the medians and ours/script against issue 12's target
# (a default collect in at most half the script's time), and the CPU time each takes. Not a test:
# figures only.
#
#   bash bench/collect.sh [RUNS]      (run as root for the full collect, like users do)
#
# The commands are interleaved run by run (A B C D, D C B A, ...), so drift on a shared machine
# (other guests, frequency changes) hits them alike; every run starts with an empty output directory,
# as a user's run would. Each run is started with posix_spawn and timed to its exit.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
# MGD_BIN measures another build (bench/scale.py passes the one it measures).
if [[ -z ${MGD_BIN:-} ]]; then cargo build --release --quiet; fi
bin=${MGD_BIN:-$PWD/target/release/mptcp-get-debug}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The script's commands, as mptcp-get-debug 0.13's shell helper runs them (its nstat gets a private
# history file so the benchmark does not touch the user's).
cat > "$work/script.sh" <<'SH'
uname -a; cat /etc/os-release; sysctl net.mptcp; ip mptcp endpoint show; ip mptcp limits show; ss -ManiH; nstat
SH
mkdir -p "$work/out"
NSTAT_HISTORY=$work/nstat.history python3 - "$runs" "$work" "$bin" <<'PY'
import os, shutil, statistics, sys, time
runs, work, binary = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = f"{work}/out"
cmds = {
    "script (7 commands, sequential)": ["/bin/sh", f"{work}/script.sh"],
    "mptcp-get-debug (full collect + archive)": [binary, "-q", "--batch", "-o", out],
    # The routing, kernel-log and self-test collectors left out: the scope the shell script covers.
    "mptcp-get-debug --skip routing,kmsg,selftest": [binary, "-q", "--batch", "-o", out, "--skip", "routing,kmsg,selftest"],
    # With the opt-in iproute2 collector (one `ip -batch` process per namespace for iproute2's own
    # text, which the endpoints and limits collectors already give byte for byte): what it costs.
    "mptcp-get-debug --with iproute2": [binary, "-q", "--batch", "-o", out, "--with", "iproute2"],
}
null = os.open("/dev/null", os.O_WRONLY)
times = {name: [] for name in cmds}
# CPU time (user + system) of each run, its threads and the programs it started (wait4's rusage
# counts the children a process reaped): less sensitive than wall time to other load on the machine.
cpu = {name: [] for name in cmds}
names = list(cmds)
for i in range(runs + 3):
    for name in (names if i % 2 == 0 else names[::-1]):
        shutil.rmtree(out)
        os.mkdir(out)
        argv = cmds[name]
        t = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        _, status, usage = os.wait4(pid, 0)
        dt = time.perf_counter() - t
        if status != 0:
            sys.exit(f"{' '.join(argv)}: exit status {status}")
        if i >= 3:  # the first rounds warm the caches
            times[name].append(dt)
            cpu[name].append(usage.ru_utime + usage.ru_stime)
script = statistics.median(times[names[0]])
script_cpu = statistics.median(cpu[names[0]])
for name in names:
    m = statistics.median(times[name])
    c = statistics.median(cpu[name])
    ratio = "" if name == names[0] else (
        f", ours/script {m / script:.2f}x (target <= 0.50x: {'met' if m <= script / 2 else 'NOT met'})"
        if name == names[1] else f", ours/script {m / script:.2f}x")
    cpu_ratio = "" if name == names[0] else f", {c / script_cpu:.2f}x"
    print(f"{name}: median {m * 1000:.2f} ms over {runs} runs{ratio}; CPU {c * 1000:.2f} ms{cpu_ratio}")
print(f"load average during the run: {os.getloadavg()[0]:.2f} (figures on a busy machine are not comparable)")
PY
rm -rf "$work/out"/*
$bin -q --batch -o "$work/out" >/dev/null 2>&1
echo "a full collect writes $(tar tzf "$work"/out/*.tar.gz | wc -l) archive members ($(stat -c %s "$work"/out/*.tar.gz) bytes)"
