#!/bin/sh
# `morphvae data`: a file's split depends on its path below the folder given,
# not on how the folder was spelled (relative with "..", absolute, with a
# trailing slash: same files in the same splits, same window counts); inputs
# that give no window end with status 1, a message on stderr naming them, and
# no corpus written (an existing file at -o is left as it was).
# usage: split_paths_test.sh MORPHVAE SHARED_DATA SCRATCH_DIR
set -u
morphvae=$1 data=$2 scratch=$3/split_paths_test
rm -rf "$scratch"
mkdir -p "$scratch"
. "$(dirname "$0")/check.sh"

# The Bach chorales: 305 files in train/ and valid/ subfolders.
absolute=$(realpath "$data/jsb")
relative=$(realpath --relative-to=. "$absolute")
case $relative in ../*) ;; *) relative=$(realpath --relative-to="$scratch" "$absolute"); cd "$scratch" || exit 1 ;; esac
check "the relative spelling goes up a folder ($relative)" sh -c "case '$relative' in ../*) true ;; *) false ;; esac"

# One line per file, "SPLIT PATH-BELOW-THE-FOLDER", sorted; and the split counts.
splits() { # splits NAME FOLDER-AS-TYPED
    "$morphvae" data --repr melody --bars 2 --seed 7 --quiet --verbose "$2" -o "$scratch/$1.bin" \
        > "$scratch/$1.out" 2> "$scratch/$1.err"
    check "$1: exit status 0" [ $? -eq 0 ]
    prefix=${2%/}/
    sed -n 's/^read \(.*\): [0-9]* windows (\([a-z]*\))$/\2 \1/p' "$scratch/$1.err" \
        | while read -r split path; do echo "$split ${path#"$prefix"}"; done | sort > "$scratch/$1.files"
    grep -E '^  (train|valid|test) ' "$scratch/$1.out" > "$scratch/$1.counts"
}
splits relative "$relative"
splits absolute "$absolute"
splits slash "$absolute/"
check "305 files assigned" [ "$(wc -l < "$scratch/relative.files")" -eq 305 ]
check "every split has files" sh -c "for s in train valid test; do grep -q \"^\$s \" '$scratch/relative.files' || exit 1; done"
check "paths are below the folder" sh -c "! grep -q '^[a-z]* [./]' '$scratch/relative.files'"
check "relative and absolute: same files in the same splits" cmp -s "$scratch/relative.files" "$scratch/absolute.files"
check "absolute and with a slash: same files in the same splits" cmp -s "$scratch/absolute.files" "$scratch/slash.files"
check "same window counts per split (relative, absolute)" cmp -s "$scratch/relative.counts" "$scratch/absolute.counts"
check "same window counts per split (absolute, slash)" cmp -s "$scratch/absolute.counts" "$scratch/slash.counts"

# No usable window: an empty folder, and chorales read as drums (no channel 10).
mkdir -p "$scratch/empty"
echo "an older corpus" > "$scratch/kept.bin"
"$morphvae" data --repr melody --bars 2 --quiet "$scratch/empty" -o "$scratch/none.bin" \
    > /dev/null 2> "$scratch/empty.err"
check "empty folder: exit status 1" [ $? -eq 1 ]
check "empty folder: stderr names it" grep -q "no usable window in $scratch/empty: no MIDI files" "$scratch/empty.err"
check "empty folder: no corpus written" [ ! -e "$scratch/none.bin" ]
"$morphvae" data --repr drums --bars 2 --quiet "$absolute/valid" "$scratch/empty" -o "$scratch/kept.bin" \
    > "$scratch/drums.out" 2> "$scratch/drums.err"
check "no drums in the chorales: exit status 1" [ $? -eq 1 ]
check "no drums: stderr names both folders" \
    grep -q "no usable window in $absolute/valid and $scratch/empty (76 MIDI files, 76 read)" "$scratch/drums.err"
check "no drums: the summary still gives the reasons" grep -q "no notes on channel 10" "$scratch/drums.out"
check "no drums: the file at -o is left as it was" grep -qx "an older corpus" "$scratch/kept.bin"
check "no temporary file left" sh -c "! ls '$scratch' | grep -q '\\.tmp\\.'"

rm -rf "$scratch"
exit $fail
