#!/bin/sh
# The reader linked into a shared module as the plugin links it needs no shared
# library beyond libc/libm (lv2lint's rule), exports no libsmf/GLib symbol, and
# works when loaded: python's ctypes dlopens it and reads a file.
# usage: plugin_link_test.sh MODULE SHARED_DATA
set -u
module=$1 data=$2 fail=0
needed=$(readelf -d "$module" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "NEEDED: $needed"
for lib in $needed; do
    case $lib in
        libc.so.*|libm.so.*|ld-linux*) ;;
        *) echo "FAILED: needs $lib"; fail=1 ;;
    esac
done
if nm -D --defined-only "$module" | grep -q -e ' smf_' -e ' g_'; then
    echo "FAILED: libsmf or GLib symbols are exported"; fail=1
fi
notes=$(/usr/bin/python3 -c "
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
data = open(sys.argv[2], 'rb').read()
print(lib.probe_count_notes(data, ctypes.c_size_t(len(data))))
" "$module" "$data/midi-edge/jazz-soft/midi/test-running-status-sysex.mid")
echo "notes read through the module: $notes"
[ "$notes" = 8 ] || { echo "FAILED: expected 8 notes"; fail=1; }
exit $fail
