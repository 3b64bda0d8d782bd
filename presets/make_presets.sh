#!/bin/sh
# Regenerates presets/morphvae-presets.lv2 from presets/pairs.txt with the models
# in the built bundle (run after a shipped model changes, then commit).
# usage: presets/make_presets.sh [BUILD_DIR]   (default: build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out="$root/presets/morphvae-presets.lv2"
ninja -C "$build" plugin/make_presets plugin/morphvae.lv2.stamp >/dev/null
rm -rf "$out"
"$build/plugin/make_presets" "$build/morphvae.lv2" "$out" "$root/presets/pairs.txt" \
    "$root/../shared/data"
