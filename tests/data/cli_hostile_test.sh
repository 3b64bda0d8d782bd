#!/bin/sh
# The CLI given hostile input: every number option out of its range, NaN or
# not a number is refused when parsed (exit 2, the range named); a FIFO, a
# device or a folder where a file is read is refused at once (a FIFO without
# a writer would block forever); `data` on a tree with an empty folder;
# `anchors --pick` with a corpus of another representation (no leak); a
# failed `sample`, `interpolate` or `demo` leaves no empty folder behind.
# No sanitizer report anywhere.
# usage: cli_hostile_test.sh MORPHVAE SHARED_DATA SCRATCH_DIR
set -u
morphvae=$1 data=$2 scratch=$3/cli_hostile
rm -rf "$scratch"
mkdir -p "$scratch"
. "$(dirname "$0")/check.sh"
clean() { # no sanitizer report in the file
    ! grep -q 'Sanitizer\|runtime error' "$1"
}
# run NAME ARGS...: the command under a 20 s watchdog, stderr in $scratch/NAME.err
run() {
    name=$1; shift
    timeout 20 "$morphvae" "$@" > "$scratch/$name.out" 2> "$scratch/$name.err"
}
# refused NAME STATUS NEEDLE ARGS...: exits STATUS at once, NEEDLE on stderr
refused() {
    name=$1 want=$2 needle=$3; shift 3
    run "$name" "$@"
    rc=$?
    check "$name: exit status $rc is $want" [ $rc -eq "$want" ]
    check "$name: says '$needle'" grep -q -F -e "$needle" "$scratch/$name.err"
    check "$name: no sanitizer report" clean "$scratch/$name.err"
}

model=$scratch/m.mvae
"$morphvae" init --config mel_2bar -o "$model" > /dev/null || fail=1
song=$data/pop909/002/002.mid

# ---- numbers, checked when parsed: exit 2 before anything is read
corpus=$scratch/none.bin
for case in "--lr nan:--lr wants a number from 0 to 3.40282e+38 (0 excluded)" \
            "--lr 0:--lr wants a number from 0 to 3.40282e+38 (0 excluded)" \
            "--z 9000:--z wants a whole number from 1 to 8192" \
            "--free-bits nan:--free-bits wants a number from 0 to 1e+06" \
            "--steps 0:--steps wants a whole number from 1 to 1000000000" \
            "--epochs nan:--epochs wants a whole number from 1 to 1000000" \
            "--batch 0:--batch wants a whole number from 1 to 1048576" \
            "--beta inf:--beta wants a number from 0 to 1000" \
            "--beta-rate 1:--beta-rate wants a number from 0 to 1 (1 excluded)" \
            "--word-dropout 1:--word-dropout wants a number from 0 to 1 (1 excluded)" \
            "--sampling-max 2:--sampling-max wants a number from 0 to 1" \
            "--lr-decay 0:--lr-decay wants a number from 0 to 1 (0 excluded)" \
            "--threads 0:--threads wants a whole number from 1 to 1024" \
            "--time-limit -1:--time-limit wants a number from 0 to 1e+09 (0 excluded)" \
            "--eval-every 1e3:--eval-every wants a whole number from 1 to 1000000000" \
            "--seed -1:--seed wants a non-negative whole number"; do
    opt=${case%%:*} needle=${case#*:}
    # shellcheck disable=SC2086 # opt is an option and its value
    refused "train $opt" 2 "$needle" train "$corpus" -o "$scratch/t.mvae" $opt
done
check "train: no model written on refused numbers" [ ! -e "$scratch/t.mvae" ]
refused "init --seed x" 2 "--seed wants a non-negative whole number" \
    init --seed x -o "$scratch/i.mvae"
refused "eval --max -1" 2 "--max wants a whole number from 0" eval "$model" "$corpus" --max -1
refused "data --split nan,0,0" 2 "three fractions from 0 to 1 summing to 1" \
    data --repr melody --bars 2 --split nan,0,0 "$song" -o "$scratch/d.bin"
refused "data --split 0.5,inf,0" 2 "three fractions from 0 to 1 summing to 1" \
    data --repr melody --bars 2 --split 0.5,inf,0 "$song" -o "$scratch/d.bin"
refused "data --seed -1" 2 "--seed wants a non-negative whole number" \
    data --repr melody --bars 2 --seed -1 "$song" -o "$scratch/d.bin"
check "data: no corpus written on refused numbers" [ ! -e "$scratch/d.bin" ]

# ---- special files where a file is read: refused at once (timeout: 124)
fifo=$scratch/fifo
mkfifo "$fifo"
mkdir -p "$scratch/folder"
refused "info FIFO" 1 "is a FIFO (named pipe), not a regular file" info "$fifo"
refused "info folder" 1 "is a folder, not a regular file" info "$scratch/folder"
refused "info device" 1 "is a device, not a regular file" info /dev/zero
refused "decode FIFO latent" 1 "is a FIFO" decode "$model" "$fifo" -o "$scratch/x.mid"
refused "decode device latent" 1 "is a device" decode "$model" /dev/zero -o "$scratch/x.mid"
refused "sample FIFO model" 1 "is a FIFO" sample "$fifo" -o "$scratch/s1"
refused "plot curves FIFO" 1 "is a FIFO" plot curves "$fifo" -o "$scratch/c.png"
refused "train FIFO corpus" 1 "is a FIFO" train "$fifo" -o "$scratch/t.mvae"
refused "eval FIFO model" 1 "is a FIFO" eval "$fifo" "$corpus"
refused "data --meter-table FIFO" 1 "is a FIFO" \
    data --repr melody --bars 2 --meter-table "$fifo" "$song" -o "$scratch/d.bin"
refused "encode FIFO MIDI" 1 "is a FIFO" encode "$model" "$fifo"
"$morphvae" init --config groove_2bar -o "$scratch/groove.mvae" > /dev/null || fail=1
refused "groove FIFO MIDI" 1 "is a FIFO" groove "$fifo" --model "$scratch/groove.mvae" \
    -o "$scratch/g.mid"
refused "drumify FIFO model" 1 "is a FIFO" drumify "$song" --model "$fifo" -o "$scratch/g.mid"
check "groove, drumify: nothing written from a FIFO" [ ! -e "$scratch/g.mid" ]

# ---- data on a tree with an empty folder
mkdir -p "$scratch/tree/empty" "$scratch/tree/songs"
cp "$song" "$scratch/tree/songs/"
run "data empty folder" data --repr melody --bars 2 --quiet "$scratch/tree" -o "$scratch/tree.bin"
check "data on a tree with an empty folder: exit status 0" [ $? -eq 0 ]
check "data on a tree with an empty folder: no sanitizer report" clean "$scratch/data empty folder.err"

# ---- anchors --pick with a corpus of another representation: refused, nothing leaked
"$morphvae" data --repr drums --bars 2 --quiet "$data/groove/drummer1/session1" \
    -o "$scratch/drums.bin" > /dev/null 2>&1
refused "anchors --pick drums corpus" 1 "but the model is melody" \
    anchors "$model" --pick "$scratch/drums.bin"
refused "train --config FIFO" 1 "is a FIFO" \
    train "$scratch/drums.bin" --config "$fifo" -o "$scratch/t.mvae"
refused "train --resume FIFO" 1 "is a FIFO" \
    train "$scratch/drums.bin" --resume "$fifo" -o "$scratch/t.mvae"
refused "train --init FIFO" 1 "is a FIFO" \
    train "$scratch/drums.bin" --init "$fifo" -o "$scratch/t.mvae"

# ---- a failed command leaves no empty folder
run "sample missing model" sample "$scratch/missing.mvae" -o "$scratch/out_sample"
check "failed sample: no folder left" [ ! -e "$scratch/out_sample" ]
run "interpolate missing files" interpolate "$model" --start "$scratch/no_a.mid" \
    --end "$scratch/no_b.mid" -o "$scratch/out_interp"
check "failed interpolate: exit status 1" [ $? -eq 1 ]
check "failed interpolate: no folder left" [ ! -e "$scratch/out_interp" ]
run "demo missing bundle" demo --bundle "$scratch/no.lv2" -o "$scratch/out_demo"
check "failed demo: exit status 1" [ $? -eq 1 ]
check "failed demo: no folder left" [ ! -e "$scratch/out_demo" ]
mkdir -p "$scratch/kept"
run "sample into a folder that was there" sample "$scratch/missing.mvae" -o "$scratch/kept"
check "failed sample: a folder that was there stays" [ -d "$scratch/kept" ]

rm -f "$fifo"
exit $fail
