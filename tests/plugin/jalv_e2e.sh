#!/bin/sh
# End to end in a real host: a private JACK server on the dummy driver, jalv
# (console) running the built morphvae.lv2, jack_transport at 120 BPM as
# timebase master, jack_midi_dump capturing the plugin's MIDI. Asserts that the
# plugin is silent while the transport is stopped, that once it rolls the
# notes land on the 16th grid (6000 frames at 48 kHz), that they change after
# `morph = 1` is typed into jalv, and that a stop ends every note. Starts and stops everything itself; jackd is
# stopped with SIGTERM only after its clients are gone (never -9: that leaks
# its /dev/shm registry).
# The plugin plays the first pop preset of the presets bundle (a pair of real
# melodies the model is known to play, whatever model ships; pop melodies have
# more note-ons than chorales, so the grid check has more to go on).
# usage: jalv_e2e.sh BUILD_DIR PRESETS_BUNDLE   (BUILD_DIR holds morphvae.lv2)
set -u
build_dir=$(cd "$1" && pwd)
presets_dir=$(cd "$2" && pwd)
uri=https://github.com/morphvae/morphvae
tmp=$(mktemp -d)
export JACK_DEFAULT_SERVER="morphvae-e2e-$$"
export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1
# Only the built bundle on the LV2 path (a folder of its own: lilv would try
# every subfolder of the build folder as a bundle).
mkdir "$tmp/lv2" && ln -s "$build_dir/morphvae.lv2" "$tmp/lv2/morphvae.lv2" &&
    ln -s "$presets_dir" "$tmp/lv2/morphvae-presets.lv2"
preset=$(grep -o '<https://github.com/morphvae/morphvae#preset_pop_[^>]*>' \
    "$presets_dir/manifest.ttl" | head -1 | tr -d '<>')
[ -n "$preset" ] || { echo "jalv_e2e: no preset in $presets_dir" >&2; exit 1; }
export LV2_PATH="$tmp/lv2"
jackd_pid= jalv_pid= dump_pid= transport_pid=

fail() {
    echo "jalv_e2e: $*" >&2
    for f in jackd jalv dump transport; do
        [ -s "$tmp/$f.log" ] && { echo "--- $f.log" >&2; tail -20 "$tmp/$f.log" >&2; }
    done
    exit 1
}

only_system_ports() {
    ! jack_lsp 2>/dev/null | grep -qv '^system:'
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
    exec 3>&- 4>&- 2>/dev/null # jalv and jack_transport see EOF on stdin and quit
    stop_pid "$jalv_pid"
    stop_pid "$dump_pid"
    stop_pid "$transport_pid"
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

wait_for() { # command, what: polls for up to 10 s
    i=0
    until eval "$1" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "timed out waiting for $2"
        sleep 0.1
    done
}

jackd --no-realtime -d dummy -r 48000 -p 256 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
wait_for "jack_lsp" "jackd to start"

mkfifo "$tmp/jalv.in" "$tmp/transport.in"
stdbuf -oL jalv -x -n morphvae -c morph=0 "$uri" <"$tmp/jalv.in" >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!
exec 3>"$tmp/jalv.in"
wait_for "jack_lsp | grep -q '^morphvae:midi_out'" "jalv's MIDI output port"
echo "presets" >&3 # jalv reads the preset files here (else `preset` finds no state)
echo "preset $preset" >&3
echo "morph = 0" >&3

stdbuf -oL jack_midi_dump -a mvdump >"$tmp/dump.log" 2>&1 &
dump_pid=$!
wait_for "jack_lsp | grep -q '^mvdump:'" "jack_midi_dump's port"
dump_port=$(jack_lsp | grep '^mvdump:' | head -1)
jack_connect morphvae:midi_out "$dump_port" || fail "cannot connect morphvae:midi_out to $dump_port"

jack_transport <"$tmp/transport.in" >"$tmp/transport.log" 2>&1 &
transport_pid=$!
exec 4>"$tmp/transport.in"
printf 'master\ntempo 120\nlocate 0\n' >&4

# Stopped (jalv has sent positions with speed 0): no note at all.
sleep 2
stopped_notes=$(grep -c ' note on ' "$tmp/dump.log")
[ "$stopped_notes" -eq 0 ] || fail "$stopped_notes note-ons while the transport was stopped"
printf 'play\n' >&4

sleep 5 # two and a half bars with morph 0
events_before=$(grep -c ' note on ' "$tmp/dump.log")
[ "$events_before" -ge 3 ] || fail "only $events_before note-ons before the morph change"
echo "morph = 1" >&3
sleep 7
printf 'stop\n' >&4
sleep 1.5

# Note-ons from jack_midi_dump: " <frame>: 90 3c 64 note on  (channel  0): pitch  60, velocity 100".
awk '/ note on / { sub(":", "", $1)
                   for (i = 1; i < NF; i++) { if ($i == "pitch") p = $(i + 1); if ($i == "velocity") v = $(i + 1) }
                   sub(",", "", p); if (v + 0 > 0) print $1, p + 0 }' "$tmp/dump.log" >"$tmp/notes.txt"
n_notes=$(wc -l <"$tmp/notes.txt")
[ "$n_notes" -ge 8 ] || fail "only $n_notes note-ons captured"

# On the grid: the time between two note-ons is a whole number of 16ths (6000
# frames at 120 BPM), give or take a frame. A cycle the server dropped (an xrun:
# on this shared machine jackd runs without realtime priority) moves the
# transport under the plugin, which then follows it: allow one irregular gap
# per xrun jackd reported, at most half of all gaps; without xruns, none.
xruns=$(grep -c 'XRun\|not finished' "$tmp/jackd.log")
off_grid=$(awk 'NR > 1 { d = ($1 - prev) % 6000; if (d > 1 && d < 5999) bad++ } { prev = $1 }
                END { print bad + 0 }' "$tmp/notes.txt")
[ "$off_grid" -le "$xruns" ] || fail "$off_grid of $n_notes note-ons off the 16th grid ($xruns xruns)"
[ $((off_grid * 2)) -le "$n_notes" ] || fail "$off_grid of $n_notes note-ons off the 16th grid"

# The morph is heard: the pitches of the two-bar phrase (192000 frames) before
# `morph = 1` differ from those of the phrase starting a bar after it.
change=$(awk -v n="$events_before" 'NR == n { print $1 }' "$tmp/notes.txt")
pitches() { # from to: the sorted pitches of the note-ons in [from, to)
    awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { print $2 }' "$tmp/notes.txt" | sort -n | tr '\n' ' '
}
before=$(pitches $((change - 192000)) "$change")
after=$(pitches $((change + 96000)) $((change + 288000)))
[ -n "$before" ] && [ -n "$after" ] || fail "no notes before or after the change"
[ "$before" != "$after" ] || fail "the notes did not change after morph = 1: $before"
# The stop ended every note: as many note-offs (or note-ons of velocity 0) as
# note-ons, and nothing after the last note-off.
n_on=$(awk '/ note on / && $NF + 0 > 0' "$tmp/dump.log" | wc -l)
n_off=$(awk '/ note off / || (/ note on / && $NF + 0 == 0)' "$tmp/dump.log" | wc -l)
[ "$n_on" -eq "$n_off" ] || fail "$n_on note-ons but $n_off note-offs after the stop"
echo "jalv_e2e: silent while stopped; $n_notes note-ons, $off_grid off the grid ($xruns xruns); the phrase changed after morph = 1; all $n_off notes ended at the stop"
exit 0
