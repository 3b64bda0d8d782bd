#!/bin/sh
# Before against after, in one run: two builds of the benchmarks (e.g. the
# commit before a change, built in another folder, and this one) take turns,
# three passes each, so both see the same load on a shared machine; prints the
# median of each figure and after/before. Builds nothing.
#   memory: bench_memory, KiB resident per plugin instance of each model
#   refine: bench_refine, ms per anchor at 100 Adam steps
#   decode: bench_decode, ms per call (see bench/decode)
# Usage: bench/ab.sh BEFORE_BUILD AFTER_BUILD [decode rounds, default 10]
set -e
before=${1:?usage: bench/ab.sh BEFORE_BUILD AFTER_BUILD [rounds]}
after=${2:?usage: bench/ab.sh BEFORE_BUILD AFTER_BUILD [rounds]}
rounds=${3:-10}
root=$(dirname "$0")/..
models="$root/models/mel_2bar.mvae $root/models/drums_2bar.mvae $root/models/roll_2bar.mvae"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for pass in 1 2 3; do
    for side in before after; do
        eval build=\$$side
        "$build/bench/memory/bench_memory" $models | sed -n "s|^RESULT memory |$side memory |p" >> "$out"
        "$build/bench/refine/bench_refine" $models --rounds 3 |
            awk -v side=$side '$1 == "RESULT" && $3 == 100 { print side, "refine", $2, $4 }' >> "$out"
        "$build/bench/decode/bench_decode" "$rounds" |
            awk -v side=$side '$1 == "RESULT" { print side, "decode", $2 "/" $3, $4 }' >> "$out"
    done
    echo "pass $pass of 3 done"
done
awk '
function med(s,    a, n, i, j, x) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $2 " " $3; v[$1, k] = v[$1, k] " " $4; if (!(k in seen)) { seen[k] = 1; order[n++] = k } }
END {
    printf "%-8s %-40s %12s %12s %8s\n", "what", "case", "before", "after", "ratio"
    for (i = 0; i < n; i++) {
        split(order[i], w, " "); b = med(v["before", order[i]]); a = med(v["after", order[i]])
        printf "%-8s %-40s %12.2f %12.2f %8.3f\n", w[1], w[2], b, a, a / b
    }
}' "$out"
