#!/bin/sh
# (b) The bundle's Turtle validates against the LV2 schemas (lv2_validate wraps
# sord_validate with every spec bundle in /usr/lib/lv2) with no error, and so
# do the presets together with it; the binary exports lv2_descriptor only and
# needs no BLAS or FluidSynth.
# usage: validate_bundle.sh LV2_VALIDATE BUNDLE_DIR PRESETS_DIR
validate() { # what, files...
    what=$1
    shift
    out=$("$LV2_VALIDATE" "$@" 2>&1)
    status=$?
    echo "$out" | tail -3
    [ $status -eq 0 ] && echo "$out" | grep -q "Found 0 errors" && return 0
    echo "$out" | grep -v '^Skipping' | sort | uniq -c | sort -rn | head -10 >&2
    echo "validate_bundle: errors in $what" >&2
    return 1
}
LV2_VALIDATE=$1
validate "$2" "$2"/*.ttl || exit 1
validate "$3 (with $2)" "$2"/*.ttl "$3"/*.ttl || exit 1

exports=$(nm -D --defined-only "$2/morphvae.so" | awk '{ print $NF }' | sort -u | tr '\n' ' ')
[ "$exports" = "lv2_descriptor " ] ||
    { echo "validate_bundle: morphvae.so exports: $exports" >&2; exit 1; }

needed=$(readelf -d "$2/morphvae.so" | grep NEEDED)
echo "$needed"
if echo "$needed" | grep -qi 'blas\|fluidsynth\|lilv'; then
    echo "validate_bundle: morphvae.so links a library it must not" >&2
    exit 1
fi
