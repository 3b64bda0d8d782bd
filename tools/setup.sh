#!/usr/bin/env bash
# The README's first command: installs every package, builds, and runs the demo
# (the real plugin in a headless host, default model and anchors, a 16-bar morph
# sweep -> out/demo.mid, out/demo.wav, out/demo.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
[ -d build ] || meson setup build
ninja -C build
mkdir -p out
if ./build/trainer/morphvae help | grep -q '^  demo '; then
    ./build/trainer/morphvae demo -o out/demo
else
    # Until the plugin's demo exists: describe the default model.
    ./build/trainer/morphvae info models/mel_2bar.mvae
fi
