#!/bin/sh
# Every benchmark as its documentation runs it, with tiny counts, so that a
# changed program, model or argument list cannot leave a bench script broken
# unnoticed: each must exit 0 and print its figures (C and PyTorch side by
# side where it has both). The figures themselves are not judged.
# usage: bench/smoke_test.sh BUILD_DIR SHARED_DATA_DIR
set -eu
build=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
    { echo "bench_smoke: Debian's python3 has no torch: the PyTorch sides cannot run"; exit 77; }

fail() {
    echo "bench_smoke: $1; its output:" >&2
    cat "$2" >&2
    exit 1
}

expect_lines() { # output file, pattern, count, what
    n=$(grep -c -- "$2" "$1" || true)
    [ "$n" -ge "$3" ] || fail "$4: $n lines match '$2', $3 expected" "$1"
}

run_bench() { # name, command...: runs it under sh, its output in $tmp/name.out
    name=$1
    shift
    sh "$@" >"$tmp/$name.out" 2>&1 || fail "$name exited with $?" "$tmp/$name.out"
}

run_bench decode "$root/bench/decode/run.sh" "$build" 1 1
expect_lines "$tmp/decode.out" '^\(mel_2bar\|large\) .*x *$' 4 "decode: C against PyTorch table"

# refine_quality reads the test split of a corpus (two windows at least): a
# whole corpus in the test split, from one melody and two one-window drum fills
make_corpus() { # name, morphvae data arguments...
    name=$1
    shift
    "$build/trainer/morphvae" data --bars 2 --split 0,0,1 --quiet "$@" -o "$tmp/$name.bin" \
        >"$tmp/$name-data.out" 2>&1 || fail "morphvae data for the $name corpus exited with $?" \
        "$tmp/$name-data.out"
}
make_corpus mel --repr melody --track MELODY "$data/pop909/001/001.mid"
fills="$data/groove/drummer1/session1"
make_corpus drums --repr drums "$fills/266_funk-purdieshuffle_130_fill_4-4.mid" \
    "$fills/106_funk_95_fill_4-4.mid"
run_bench refine "$root/bench/refine/run.sh" "$build" "$tmp/mel.bin" "$tmp/drums.bin" 1
expect_lines "$tmp/refine.out" 'refined, 100 steps' 2 "refine: quality of mel_2bar and drums_2bar"

run_bench train "$root/bench/train/run.sh" "$build" 1 4
expect_lines "$tmp/train.out" '^C trainer .*sequences/s' 2 "train: the C trainer at 1 and 2 threads"
expect_lines "$tmp/train.out" 'PyTorch .*sequences/s' 3 "train: PyTorch at 1 and 2 threads"

"$build/bench/plugin/bench_plugin" "$build/morphvae.lv2" "$build/bench/plugin/bench-mel_2bar.mvae" \
    >"$tmp/plugin.out" 2>&1 || fail "bench_plugin exited with $?" "$tmp/plugin.out"
expect_lines "$tmp/plugin.out" '^  run(), \(fixed\|automated\) morph .*median' 2 "plugin: run() timings"
expect_lines "$tmp/plugin.out" '^  worker decode of bar' 2 "plugin: worker decode timings"
echo "bench_smoke: decode, refine, train and plugin benchmarks ran and printed their figures"
