#!/bin/sh
# Latent refinement on this machine, in one command: time per anchor for the
# shipped models (bench_refine, one core), then what refinement buys on the
# test split of each model's corpus (refine_quality: mu against 25/50/100
# steps, and morphs between the anchors). Builds nothing.
# Usage: bench/refine/run.sh [build folder, default build] [mel corpus] [drums corpus]
#        [timing rounds, default 7]
#   corpora default to /work/corpora/{pop909_mel2,groove_drums2}.bin, made as the
#   README's `morphvae data` lines make them; a missing corpus skips its quality run.
set -e
build=${1:-build}
mel_corpus=${2:-/work/corpora/pop909_mel2.bin}
drums_corpus=${3:-/work/corpora/groove_drums2.bin}
rounds=${4:-7}
root=$(dirname "$0")/../..
bench="$build/bench/refine/bench_refine"
quality="$build/bench/refine/refine_quality"
for exe in "$bench" "$quality"; do
    if [ ! -x "$exe" ]; then
        echo "run.sh: $exe not found; build first (meson setup $build && ninja -C $build)" >&2
        exit 1
    fi
done
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# one thread, as the plugin's worker (not pinned: on this shared VM a pinned
# core may be the one the trainer is using)
"$bench" "$root/models/mel_2bar.mvae" "$root/models/drums_2bar.mvae" "$root/models/roll_2bar.mvae" --rounds "$rounds" |
    grep -v '^RESULT'
for pair in "mel_2bar:$mel_corpus" "drums_2bar:$drums_corpus"; do
    model=${pair%%:*}
    corpus=${pair#*:}
    echo
    if [ ! -f "$corpus" ]; then
        echo "($corpus not found: no quality figures for $model)"
        continue
    fi
    "$quality" "$root/models/$model.mvae" "$corpus" --max 300 --steps 25,50,100 2>/dev/null
done
