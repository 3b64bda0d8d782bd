#!/bin/sh
# `morphvae data` end to end: the whole midi-edge folder (every file read or
# skipped with one line naming it, exit 0, no sanitizer report), determinism of
# the split, usage errors.
# usage: cli_test.sh MORPHVAE SHARED_DATA SCRATCH_DIR
set -u
morphvae=$1 data=$2 scratch=$3/cli_test
mkdir -p "$scratch"
. "$(dirname "$0")/check.sh"

edge=$data/midi-edge
find "$edge" -type f \( -iname '*.mid' -o -iname '*.midi' -o -iname '*.kar' -o -iname '*.rmi' \) \
    | sort > "$scratch/edge_files"
for repr in melody drums roll groove; do
    "$morphvae" data --repr $repr --bars 2 --verbose "$edge" -o "$scratch/edge_$repr.bin" \
        > "$scratch/edge_$repr.out" 2> "$scratch/edge_$repr.err"
    rc=$?
    check "midi-edge $repr: exit status $rc is 0" [ $rc -eq 0 ]
    check "midi-edge $repr: no sanitizer report" \
        sh -c "! grep -q 'Sanitizer\|runtime error' '$scratch/edge_$repr.err'"
    missing=0
    while read -r f; do
        n=$(grep -c -F -e "read $f:" -e "skipped $f:" "$scratch/edge_$repr.err")
        if [ "$n" -ne 1 ]; then echo "  $f: $n lines"; missing=1; fi
    done < "$scratch/edge_files"
    check "midi-edge $repr: one line per file" [ $missing -eq 0 ]
    lines=$(grep -c -e '^read ' -e '^skipped ' "$scratch/edge_$repr.err")
    check "midi-edge $repr: $lines lines for $(wc -l < "$scratch/edge_files") files" \
        [ "$lines" -eq "$(wc -l < "$scratch/edge_files")" ]
done
check "midi-edge: the SMPTE files are named with their reason" \
    grep -q "smpte_25fps_40tpf.mid: SMPTE time division" "$scratch/edge_melody.err"

groove=$data/groove/drummer1/session1
"$morphvae" data --repr drums --bars 2 --seed 3 --quiet "$groove" -o "$scratch/a.bin" > "$scratch/a.out"
"$morphvae" data --repr drums --bars 2 --seed 3 --quiet "$groove" -o "$scratch/b.bin" > /dev/null
"$morphvae" data --repr drums --bars 2 --seed 4 --quiet "$groove" -o "$scratch/c.bin" > /dev/null
check "same seed, same corpus" cmp -s "$scratch/a.bin" "$scratch/b.bin"
check "another seed, another split" sh -c "! cmp -s '$scratch/a.bin' '$scratch/c.bin'"
check "the summary counts windows per split" grep -q "^  train" "$scratch/a.out"

# groove (issue 21): two real Groove beats give the windows drums give (same
# hits, de-duplicated alike), with velocity and timing in the summary
beats="$groove/100_neworleans-secondline_94_beat_4-4.mid $groove/102_funk_95_beat_4-4.mid"
# shellcheck disable=SC2086 # two file names
"$morphvae" data --repr groove --bars 2 --quiet $beats -o "$scratch/g.bin" > "$scratch/g.out"
check "groove: exit status $? is 0 and a corpus written" [ -s "$scratch/g.bin" ]
# shellcheck disable=SC2086
"$morphvae" data --repr drums --bars 2 --quiet $beats -o "$scratch/d.bin" > "$scratch/d.out"
windows() { sed -n 's/^windows: \([0-9]*\) .*/\1/p' "$1"; }
gw=$(windows "$scratch/g.out") dw=$(windows "$scratch/d.out")
check "groove keeps the drums' windows (${gw:-none} = ${dw:-none})" \
    [ "${gw:-0}" -gt 0 -a "${gw:-0}" = "${dw:-}" ]
check "groove: the same hits per instrument as drums" sh -c \
    "[ \"\$(sed -n '/^drum class/,/^groove/p' '$scratch/g.out' | grep -v '^groove')\" = \
       \"\$(sed -n '/^drum class/,/^note density/p' '$scratch/d.out' | grep -v '^note')\" ]"
# the feel table: a kick line with a velocity sd above 0 and an offset off the grid
check "groove: the summary shows velocity spread and timing per instrument" \
    awk '/^groove feel/ { t = 1 }
         t && $1 == "kick" && $4 > 0 && $6 > 0 { ok = 1 } END { exit !ok }' \
    "$scratch/g.out"

"$morphvae" data --repr melody "$groove" -o "$scratch/x.bin" 2> "$scratch/usage.err"
check "missing --bars is a usage error (2)" [ $? -eq 2 ]
"$morphvae" data --repr tuba --bars 2 "$groove" -o "$scratch/x.bin" 2>> "$scratch/usage.err"
check "unknown representation is a usage error (2)" [ $? -eq 2 ]
check "the error lists groove" grep -q "melody, drums, roll or groove" "$scratch/usage.err"
"$morphvae" data --repr melody --bars 2 --meter 4/3 "$groove" -o "$scratch/x.bin" 2>> "$scratch/usage.err"
check "an off-grid meter is a usage error (2)" [ $? -eq 2 ]
"$morphvae" data --repr roll --bars 2 --pitches 80-70 "$groove" -o "$scratch/x.bin" 2>> "$scratch/usage.err"
check "an empty pitch range is a usage error (2)" [ $? -eq 2 ]
check "no corpus written on usage errors" [ ! -e "$scratch/x.bin" ]

# chorales as piano rolls: a track list takes all four voices, --pitches the range
jsb=$data/jsb/valid
"$morphvae" data --repr roll --bars 2 --quiet --track Soprano,Alto,Tenor,Bass "$jsb" \
    -o "$scratch/satb.bin" > "$scratch/satb.out"
"$morphvae" data --repr roll --bars 2 --quiet --track Soprano "$jsb" -o "$scratch/s.bin" \
    > "$scratch/s.out"
notes() { sed -n 's/^  notes considered *\([0-9]*\)$/\1/p' "$1"; }
check "four voices hold more notes than the soprano ($(notes "$scratch/satb.out") > $(notes "$scratch/s.out"))" \
    [ "$(notes "$scratch/satb.out")" -gt "$(notes "$scratch/s.out")" ]
"$morphvae" data --repr roll --bars 2 --quiet --track Soprano,Alto,Tenor,Bass --pitches 55-72 \
    "$jsb" -o "$scratch/narrow.bin" > "$scratch/narrow.out"
outside=$(sed -n 's/^  notes outside the range *\([0-9]*\)$/\1/p' "$scratch/narrow.out")
check "a narrow --pitches range drops and counts notes ($outside)" [ "${outside:-0}" -gt 0 ]
check "the narrow corpus is smaller" [ "$(stat -c %s "$scratch/narrow.bin")" -lt "$(stat -c %s "$scratch/satb.bin")" ]

# --chords: POP909's annotations, aligned through each file's tempo map,
# put about 65 % of melody onsets on a chord tone (the issue's figure for all
# of POP909); a song without an annotation is recognised from its other
# tracks; a broken annotation skips its song, named; drums take no chords.
songs=$scratch/songs
mkdir -p "$songs"
for id in 001 002 003 004 005 006; do cp -r "$data/pop909/$id" "$songs/"; done
rm "$songs/006/chord_midi.txt"
printf '0.0 1.0 C:maj\n1.0 2.0 Hmm:maj\n' > "$songs/005/chord_midi.txt"
"$morphvae" data --repr melody --bars 2 --track MELODY --chords --quiet \
    --meter-table "$data/pop909/index.csv" "$songs" -o "$scratch/chords.bin" > "$scratch/chords.out"
check "data --chords: exit 0" [ $? -eq 0 ]
tones=$(sed -n 's/^chords annotated.* \([0-9]*\)\.[0-9] % of melody onsets on a chord tone.*/\1/p' \
    "$scratch/chords.out")
check "annotated chords: ${tones:-?} % of onsets on chord tones (55..75)" \
    [ "${tones:-0}" -ge 55 ] && [ "${tones:-0}" -le 75 ]
check "the song without an annotation is recognised" \
    grep -q "^chords recognised.*: 1 files" "$scratch/chords.out"
check "the broken annotation skips its song, naming the file, line and symbol" \
    grep -q "005/chord_midi.txt: line 2: 'Hmm:maj' is not a chord" "$scratch/chords.out"
"$morphvae" data --repr drums --bars 2 --chords "$songs" -o "$scratch/x.bin" 2> "$scratch/chords.err"
check "drums with --chords is a usage error (2)" [ $? -eq 2 ]
check "  ... that says why" grep -q "only melody corpora hold chords" "$scratch/chords.err"

rm -rf "$scratch"
exit $fail
