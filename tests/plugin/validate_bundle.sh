#!/bin/sh
# (b) The bundle's Turtle validates against the LV2 schemas (lv2_validate wraps
# sord_validate with every spec bundle in /usr/lib/lv2) with no error.
# usage: validate_bundle.sh LV2_VALIDATE BUNDLE_DIR
out=$("$1" "$2"/*.ttl 2>&1)
status=$?
echo "$out"
[ $status -eq 0 ] || exit 1
echo "$out" | grep -q "Found 0 errors" || { echo "validate_bundle: errors in $2" >&2; exit 1; }
