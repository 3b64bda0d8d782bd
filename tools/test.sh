#!/usr/bin/env bash
# The README's second command: builds and runs every test twice, in a release
# build (build/) and in an optimised ASan/UBSan build (build-san/), runs the
# plugin's thread test in a ThreadSanitizer build (build-tsan/, plugin and
# tests only), and ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh || exit 1

run_suite() { # dir, meson options... ($suite: run only that test suite)
    local dir=$1; shift
    if [ -d "$dir" ]; then
        meson configure "$dir" "$@" >/dev/null || return 1
    else
        meson setup "$dir" "$@" || return 1
    fi
    ninja -C "$dir" || return 1
    meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3 \
        ${suite:+--suite "$suite"}
}

rc=0
run_suite build || rc=1
# Sanitizers on an optimised build: at -O0 the plugin's host tests alone took
# 11 minutes here.
run_suite build-san -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
    -Db_lundef=false || rc=1
suite=threads run_suite build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread \
    -Db_lundef=false -Dtrainer=disabled -Dbench=false || rc=1

/usr/bin/python3 - build/meson-logs/testlog.json build-san/meson-logs/testlog.json \
    build-tsan/meson-logs/testlog.json <<'PY' || rc=1
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        print(f"{path}: missing (the suite did not run)")
        continue
    for line in lines:
        r = json.loads(line)
        # EXPECTEDFAIL: a should_fail test that failed, as it must
        if r["result"] in ("OK", "EXPECTEDFAIL"): passed += 1
        elif r["result"] == "SKIP": skipped += 1
        else:
            failed += 1
            print(f"FAILED: {path.split('/')[0]} {r['name']} ({r['result']})")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
exit $rc
