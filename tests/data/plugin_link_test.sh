#!/bin/sh
# The plugin binary as lv2lint (0.15.1, ELF checks on) sees it, plus what a
# plugin must not do inside a host's process:
# - every NEEDED library is libc or libm. lv2lint warns about any library not
#   starting with libc, libm, librt, libstdc++ or libgcc_s (test_shared_libraries
#   in lv2lint.c), so ld-linux (needed by code that uses __tls_get_addr) fails too;
# - no symbol, in .dynsym or .symtab, named fork (lv2lint's _test_fork looks in
#   both), and no reference to exec*, posix_spawn*, socket, setenv, putenv,
#   unsetenv, system or popen;
# - lv2_descriptor is the only symbol it exports (lv2lint's _test_symbols);
# - it loads with every symbol resolved (dlopen RTLD_NOW) and describes the plugin.
# usage: plugin_link_test.sh PLUGIN_SO
set -u
so=$1 fail=0
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "NEEDED: $needed"
for lib in $needed; do
    case $lib in
        libc.so.*|libm.so.*) ;;
        *) echo "FAILED: needs $lib (only libc and libm are allowed)"; fail=1 ;;
    esac
done
forbidden='^(fork|vfork|exec[a-z]*|fexecve|posix_spawn[a-z_]*|socket|setenv|putenv|unsetenv|system|popen)$'
undefined=$(nm -D --undefined-only "$so" | awk '{print $NF}' | sed 's/@.*//')
echo "undefined dynamic symbols: $(echo "$undefined" | wc -l)"
bad=$(echo "$undefined" | grep -E "$forbidden" | tr '\n' ' ')
[ -z "$bad" ] || { echo "FAILED: references $bad"; fail=1; }
if nm "$so" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' | grep -qx fork; then
    echo "FAILED: .symtab names fork (lv2lint warns)"; fail=1
fi
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[A-Z]$/ {print $3}' |
    grep -vx -e lv2_descriptor -e _init -e _fini -e _edata -e _end -e __bss_start | tr '\n' ' ')
[ -z "$exported" ] || { echo "FAILED: exports $exported"; fail=1; }
loaded=$(/usr/bin/python3 -c "
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.lv2_descriptor.restype = ctypes.POINTER(ctypes.c_char_p)
d = lib.lv2_descriptor(0)
print(d[0].decode() if d else 'no descriptor')
" "$so" 2>&1)
echo "lv2_descriptor(0): $loaded"
case $loaded in
    http*) ;;
    *) echo "FAILED: the module does not load or describe a plugin"; fail=1 ;;
esac
exit $fail
