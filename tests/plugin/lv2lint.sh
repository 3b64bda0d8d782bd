#!/bin/sh
# lv2lint (built from its source, outside the repository: docs/plugin.md) on
# the built bundle with the presets, ELF checks on, warnings as failures:
# passes when lv2lint reports no FAIL and no WARN.
# usage: lv2lint.sh LV2LINT BUNDLE_DIR PRESETS_DIR
set -u
lv2lint=$1
bundle=$(cd "$2" && pwd)
presets=$(cd "$3" && pwd)
uri=https://github.com/morphvae/morphvae
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Only the LV2 specs and the presets on the path (the plugin's bundle comes
# with -I): lilv complains about every folder of a build directory.
for spec in atom buf-size core data-access dynmanifest event instance-access log midi \
    morph options parameters patch port-groups port-props presets resize-port schemas \
    state time ui units uri-map urid worker; do
    [ -d "/usr/lib/lv2/$spec.lv2" ] && ln -s "/usr/lib/lv2/$spec.lv2" "$tmp/$spec.lv2"
done
ln -s "$presets" "$tmp/morphvae-presets.lv2"
out=$(LV2_PATH="$tmp" "$lv2lint" -M nopack -E warn -S warn -I "$bundle/" "$uri" 2>&1)
status=$?
echo "$out"
if [ $status -ne 0 ] || echo "$out" | grep -q '\[FAIL\]\|\[WARN\]'; then
    echo "lv2lint.sh: lv2lint reports failures or warnings" >&2
    exit 1
fi
