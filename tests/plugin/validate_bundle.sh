#!/bin/sh
# (b) The bundle's Turtle validates against the LV2 schemas (lv2_validate wraps
# sord_validate with every spec bundle in /usr/lib/lv2) with no error; and the
# binary exports lv2_descriptor only and needs no BLAS or FluidSynth.
# usage: validate_bundle.sh LV2_VALIDATE BUNDLE_DIR
out=$("$1" "$2"/*.ttl 2>&1)
status=$?
echo "$out"
[ $status -eq 0 ] || exit 1
echo "$out" | grep -q "Found 0 errors" || { echo "validate_bundle: errors in $2" >&2; exit 1; }

exports=$(nm -D --defined-only "$2/morphvae.so" | awk '{ print $NF }' | sort -u | tr '\n' ' ')
[ "$exports" = "lv2_descriptor " ] ||
    { echo "validate_bundle: morphvae.so exports: $exports" >&2; exit 1; }

needed=$(readelf -d "$2/morphvae.so" | grep NEEDED)
echo "$needed"
if echo "$needed" | grep -qi 'blas\|fluidsynth\|lilv'; then
    echo "validate_bundle: morphvae.so links a library it must not" >&2
    exit 1
fi
