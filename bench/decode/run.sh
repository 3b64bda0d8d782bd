#!/bin/sh
# Decode speed, C against PyTorch, on this machine: builds nothing, runs the
# C benchmark and the PyTorch one in turns and prints one table.
# Usage: bench/decode/run.sh [build folder, default build] [rounds, default 30]
#        [passes, default 3]
set -e
here=$(dirname "$0")
build=${1:-build}
rounds=${2:-30}
passes=${3:-3}
bench="$build/bench/decode/bench_decode"
if [ ! -x "$bench" ]; then
    echo "run.sh: $bench not found; build first (meson setup $build && ninja -C $build)" >&2
    exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
# C and PyTorch take turns, a pass each, so that both see the same load
# on a shared machine; the table takes the median of the passes.
for pass in $(seq $passes); do
    echo "== pass $pass of $passes"
    "$bench" "$rounds" | tee -a "$out" | grep -v '^RESULT'
    OMP_NUM_THREADS=1 /usr/bin/python3 "$here/torch_decode.py" "$rounds" | tee -a "$out" | grep -v '^RESULT'
done
echo
# ms per greedy decode call; batch-16 figures are per call of 16 sequences
awk -v passes=$passes '
function med(k,    a, i, j, x, m) {
    m = split(t[k], a, " ")
    for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return m == 0 ? "" : (m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2)
}
$1 == "RESULT" { k = $2 " " $3; t[k] = t[k] " " $4; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 } }
END {
    printf "%-9s %-9s %10s %12s %12s %10s %10s\n", "model", "batch", "C ms", "torch eager", "torchscript", "eager/C", "script/C"
    for (i = 0; i < n; i++) {
        m = order[i]
        split("1 16", batches, " ")
        for (j = 1; j <= 2; j++) {
            b = batches[j]
            c = med(m " batch" b "_greedy"); e = med(m " torch_eager_batch" b); s = med(m " torch_script_batch" b)
            if (c == "" || e == "" || s == "") continue
            printf "%-9s %-9s %10.3f %12.3f %12.3f %9.1fx %9.1fx\n", m, b, c, e, s, e / c, s / c
        }
    }
}' "$out"
