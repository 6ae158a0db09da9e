#!/bin/bash
# fuzz/keep.sh TARGET...: keeps what a run learned. Minimizes the AFL queue of each target
# (out/TARGET/default/queue) with afl-cmin to the inputs that add coverage, and copies those of at
# most MAX_BYTES (default 512, so the committed corpus stays under 1 MB) into corpus/TARGET/ as
# q-<sha1>, where the corpus test replays them in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
max=${MAX_BYTES:-512}
bin=$here/target/release/mptcp-get-debug-fuzz
[ $# -gt 0 ] || { echo "usage: fuzz/keep.sh TARGET..." >&2; exit 2; }
for t in "$@"; do
    queue=out/$t/default/queue
    [ -d "$queue" ] || { echo "keep.sh: no queue for $t (run run.sh first)" >&2; exit 1; }
    min=$(mktemp -d)
    AFL_NO_AFFINITY=1 nice -n 19 cargo afl cmin -i "$queue" -o "$min/out" -t 2000 -- "$bin" "$t" \
        >"out/$t.cmin.log" 2>&1
    # Seeds come back out of the queue: inputs already in the corpus (by content) are not copied.
    have=$(cd "corpus/$t" && sha1sum -- * | cut -c1-16)
    n=0
    for f in "$min"/out/*; do
        [ "$(stat -c %s "$f")" -le "$max" ] || continue
        sum=$(sha1sum "$f" | cut -c1-16)
        grep -qx "$sum" <<<"$have" && continue
        cp "$f" "corpus/$t/q-$sum"
        n=$((n + 1))
    done
    rm -rf "$min"
    echo "keep.sh: $t: $n new inputs in corpus/$t" >&2
done
