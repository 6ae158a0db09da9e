#!/bin/bash
# fuzz/run.sh TARGET|all SECONDS: builds the AFL++ harness with `cargo afl` (stable Rust), seeds each
# target's corpus from the repository's real inputs (seed.sh), fuzzes each target in turn for SECONDS
# (resuming an earlier run's queue in out/TARGET when there is one), and prints per target the execs
# (this run and all runs), exec/s, crashes and hangs from AFL's fuzzer_stats.
# Exit status: 0 when no target has a crash or a hang, 1 when one has, 2 on a usage error.
# Polite on a shared machine: one target at a time, nice 19, no CPU pinning.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: fuzz/run.sh TARGET|all SECONDS" >&2
    exit 2
fi
want=$1 secs=$2

if ! cargo afl --version >/dev/null 2>&1; then
    echo "run.sh: cargo-afl not found: installing it (cargo install cargo-afl; it builds AFL++ too)" >&2
    nice -n 19 cargo install --locked cargo-afl >&2
    nice -n 19 cargo afl config --build >&2 || true
fi
# The tool's own dependency versions; cargo adds the harness's own (afl) to the copy.
cp ../Cargo.lock Cargo.lock
echo "run.sh: building (cargo afl build --release)" >&2
nice -n 19 cargo afl build --release --quiet >&2
bin=$here/target/release/mptcp-get-debug-fuzz
./seed.sh

mapfile -t all < <("$bin" --list)
if [ "$want" = all ]; then
    targets=("${all[@]}")
elif printf '%s\n' "${all[@]}" | grep -qxF -- "$want"; then
    targets=("$want")
else
    echo "run.sh: no target $want (targets: ${all[*]})" >&2
    exit 2
fi

export AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_AUTORESUME=1 AFL_NO_CRASH_README=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
stat() { awk -v k="$1" '$1 == k { print $3 }' "$2" 2>/dev/null || true; }

mkdir -p out
rows=() bad=0
for t in "${targets[@]}"; do
    stats=out/$t/default/fuzzer_stats
    before=$(stat execs_done "$stats")
    before=${before:-0}
    echo "run.sh: fuzzing $t for ${secs}s (log: fuzz/out/$t.log)" >&2
    # -t: a single input may take 2 s (the archive target decompresses up to its caps) before it counts
    # as a hang.
    nice -n 19 cargo afl fuzz -V "$secs" -t 2000 -i "corpus/$t" -o "out/$t" -- "$bin" "$t" \
        >"out/$t.log" 2>&1 || {
        echo "run.sh: afl-fuzz failed for $t; the end of out/$t.log:" >&2
        tail -n 20 "out/$t.log" >&2
        bad=1
        continue
    }
    total=$(stat execs_done "$stats")
    run=$((total - before))
    crashes=$(stat saved_crashes "$stats")
    hangs=$(stat saved_hangs "$stats")
    corpus=$(stat corpus_count "$stats")
    rows+=("$(printf '%-14s %12s %12s %9s %8s %6s %7s' "$t" "$run" "$total" "$((run / secs))" \
        "$crashes" "$hangs" "$corpus")")
    if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
        bad=1
        echo "run.sh: $t: inputs in fuzz/out/$t/default/crashes/ and hangs/" >&2
    fi
done

printf '%-14s %12s %12s %9s %8s %6s %7s\n' target "execs (run)" "execs (all)" "exec/s" crashes hangs corpus
printf '%s\n' "${rows[@]}"
exit $bad
