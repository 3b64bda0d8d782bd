#!/usr/bin/env bash
# The README's first command: installs every package, builds, and runs the demo
# (the real plugin in a headless host, default model and anchors, a 16-bar morph
# sweep at 120 BPM -> out/demo.mid, out/demo.wav, out/demo.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
[ -d build ] || meson setup build
ninja -C build
./build/trainer/morphvae demo -o out --bundle build/morphvae.lv2
ls -l out/demo.mid out/demo.wav out/demo.png
