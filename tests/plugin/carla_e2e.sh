#!/bin/sh
# End to end in Carla: its engine, built from source (CARLA_DIR: the source tree
# where `make backend` built bin/libcarla_standalone2.so; docs/plugin.md says
# how), driven headless through its Python ctypes API (carla_host.py) on a
# private JACK server (dummy driver, synchronous), in multi-client mode with
# JACK transport: Carla's engine is the timebase master and sends the plugin
# its bar/beat every cycle. jack_midi_dump records the plugin's MIDI output.
#   1. Carla loads morphvae.lv2 by URI (LV2_PATH: only the built bundle and the
#      presets bundle), picks a Pop preset (one of Carla's programs), plays 3
#      bars from bar 1 at morph 0, then at morph 1, and saves the plugin's
#      state (save_plugin_state: Carla's XML with the LV2 state as CustomData).
#   2. A fresh engine in a new process loads the plugin at its defaults, with
#      morph set to 1, loads that state and plays 3 bars from bar 1.
# Checked: notes were played; every note-on ends with its note-off (none left
# sounding after the stop, no key struck twice); every note-on on the 16th
# grid of 120 BPM (6000 frames: Carla's BBT followed); morph 0 and morph 1 play
# different phrases; the reloaded state plays the same notes (16th step and
# pitch over the 2-bar phrase) as before the save, and morph is 0 again.
# Exits 77 (skipped) when CARLA_DIR does not hold a built Carla engine.
# usage: carla_e2e.sh BUILD_DIR PRESETS_BUNDLE   (BUILD_DIR holds morphvae.lv2)
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${CARLA_DIR:-}" ]; then
    echo "carla_e2e: SKIPPED: CARLA_DIR is not set (the Carla source tree with its engine built: docs/plugin.md)"
    exit 77
fi
if [ ! -f "$CARLA_DIR/bin/libcarla_standalone2.so" ] ||
   [ ! -f "$CARLA_DIR/source/frontend/carla_backend.py" ]; then
    echo "carla_e2e: SKIPPED: no built Carla engine in CARLA_DIR=$CARLA_DIR (bin/libcarla_standalone2.so and source/frontend/carla_backend.py; run make backend there)"
    exit 77
fi
for tool in jackd jack_midi_dump jack_connect jack_lsp python3; do
    command -v $tool >/dev/null || { echo "carla_e2e: SKIPPED: $tool not found"; exit 77; }
done
build_dir=$(cd "$1" && pwd)
presets_dir=$(cd "$2" && pwd)
uri=https://github.com/morphvae/morphvae
tmp=$(mktemp -d)
export JACK_DEFAULT_SERVER="morphvae-carla-$$"
export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1
mkdir "$tmp/lv2" && ln -s "$build_dir/morphvae.lv2" "$tmp/lv2/morphvae.lv2" &&
    ln -s "$presets_dir" "$tmp/lv2/morphvae-presets.lv2"
export LV2_PATH="$tmp/lv2"
jackd_pid= dump_pid= host_pid=

fail() {
    echo "carla_e2e: $*" >&2
    for f in jackd dump play reload; do
        [ -s "$tmp/$f.log" ] && { echo "--- $f.log" >&2; tail -20 "$tmp/$f.log" >&2; }
    done
    exit 1
}

only_system_ports() {
    ! jack_lsp 2>/dev/null | grep -qv '^system:'
}

only_dump_ports() {
    ! jack_lsp 2>/dev/null | grep -v '^system:' | grep -qv '^mvdump:'
}

stop_pid() { # pid: SIGTERM, then wait up to 5 s for it to go
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null # a client, never jackd
    wait "$1" 2>/dev/null
}

cleanup() {
    stop_pid "$host_pid"
    stop_pid "$dump_pid"
    i=0
    while [ -n "$jackd_pid" ] && ! only_system_ports && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ -n "$jackd_pid" ]; then
        kill -TERM "$jackd_pid" 2>/dev/null
        wait "$jackd_pid" 2>/dev/null
    fi
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_for() { # command, what[, seconds]: polls for up to 10 s (or seconds)
    i=0
    until eval "$1" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt $((${3:-10} * 10)) ] && fail "timed out waiting for $2"
        sleep 0.1
    done
}

# Synchronous (each cycle waits for every client, so a loaded machine makes
# cycles late rather than dropping a client's events), as in jalv_e2e.sh.
jackd --no-realtime --sync --timeout 2000 -d dummy -r 48000 -p 256 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
wait_for "jack_lsp" "jackd to start"
stdbuf -oL jack_midi_dump -a mvdump >"$tmp/dump.log" 2>&1 &
dump_pid=$!
wait_for "jack_lsp | grep -q '^mvdump:'" "jack_midi_dump's port"

for phase in play reload; do
    python3 -u "$here/carla_host.py" $phase "$CARLA_DIR" "$uri" "$tmp/state.carxs" \
        "$tmp/dump.log" "$tmp/marks.txt" >"$tmp/$phase.log" 2>&1 &
    host_pid=$!
    wait "$host_pid" || { host_pid=; fail "Carla's $phase phase failed"; }
    host_pid=
    grep '^carla_host:' "$tmp/$phase.log"
    wait_for only_dump_ports "the $phase engine's JACK clients to go"
done
python3 "$here/carla_host.py" check "$tmp/dump.log" "$tmp/marks.txt" "$tmp/jackd.log" ||
    fail "the notes Carla's host played are wrong"
exit 0
