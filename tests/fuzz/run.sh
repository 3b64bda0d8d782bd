#!/bin/sh
# Builds the libFuzzer harness for MIDI reading + windowing with clang-14 and runs
# it. Not part of the meson test suite (the saved crashers in regressions/ are).
# usage: tests/fuzz/run.sh [SECONDS]   (default 600; one core)
# Seeds: shared/data/midi-edge and regressions/; new crashers land in
# $WORK/artifacts: copy each into regressions/ once fixed.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-600}
work=${FUZZ_WORK:-/tmp/morphvae-fuzz}
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
find "$root/../shared/data/midi-edge" -type f -size -64k -exec cp {} "$work/seeds/" \;
cp "$root"/tests/fuzz/regressions/* "$work/seeds/" 2>/dev/null || true
clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/core" -I"$root/midi" \
  "$root/tests/fuzz/fuzz_midi.c" "$root/midi/midi_read.c" "$root/midi/midi_track.c" \
  "$root/core/midi_events.c" "$root/core/extract.c" "$root/core/tokens.c" \
  -o "$work/fuzz_midi"
cd "$work"
exec ./fuzz_midi -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" corpus seeds
