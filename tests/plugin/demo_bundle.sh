#!/bin/sh
# `morphvae demo` finds the plugin bundle beside the program, wherever its build
# folder or installation lies (no path baked in at build time), and writes to
# out/ by default, as the README says.
# usage: demo_bundle.sh MORPHVAE BUNDLE WORK_DIR
set -eu
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") bundle=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; cat log 2>/dev/null; exit 1; }

# from the build folder: build/trainer/morphvae finds build/morphvae.lv2
"$exe" demo --bars 1 >log 2>&1 || fail "demo from the build folder"
[ -s out/demo.mid ] || fail "no out/demo.mid"

# a copy with no bundle beside it refuses, saying what it looked for
mkdir -p prefix/bin
cp "$exe" prefix/bin/morphvae
if prefix/bin/morphvae demo --bars 1 >log 2>&1; then fail "ran without a bundle"; fi
grep -q "no plugin bundle beside" log || fail "no message naming the missing bundle"

# an installed layout: PREFIX/bin/morphvae finds PREFIX/lib/lv2/morphvae.lv2
mkdir -p prefix/lib/lv2
cp -r "$bundle" prefix/lib/lv2/morphvae.lv2
prefix/bin/morphvae demo --bars 1 -o installed >log 2>&1 || fail "demo from an installed layout"
[ -s installed/demo.mid ] || fail "no installed/demo.mid"
grep -q "prefix/bin/../lib/lv2/morphvae.lv2" log || fail "did not play the installed bundle"
echo "demo finds its bundle in the build folder and in an installed layout"
