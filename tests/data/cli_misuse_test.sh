#!/bin/sh
# Every usage error of the morphvae CLI says in one line what was wrong: the
# first line on stderr names the option, the value or the missing argument
# ("morphvae CMD: WHAT (morphvae CMD --help)"), never a page of usage text
# alone; the exit status is 2. Wrong-model and wrong-track errors name the
# cause (exit 1) in stderr's last line, after any progress lines. A table:
# STATUS | THAT LINE OF STDERR | ARGUMENTS.
# usage: cli_misuse_test.sh MORPHVAE SHARED_DATA SCRATCH_DIR
set -u
morphvae=$1 data=$2 scratch=$3/cli_misuse
rm -rf "$scratch"
mkdir -p "$scratch"
. "$(dirname "$0")/check.sh"
case $morphvae in /*) ;; *) morphvae=$PWD/$morphvae ;; esac
case $data in /*) ;; *) data=$PWD/$data ;; esac
cd "$scratch" || exit 1
"$morphvae" init --config tiny -o m.mvae > /dev/null || fail=1
"$morphvae" init --config drums_2bar -o d.mvae > /dev/null || fail=1
cp "$data/pop909/002/002.mid" song.mid
cp "$data/groove/drummer1/session1/1_funk_80_beat_4-4.mid" beat.mid
n=0
# misuse STATUS LINE ARGS...: exit STATUS, stderr's first line (status 2) or last
# line (status 1) is LINE
misuse() {
    want=$1 line=$2; shift 2
    n=$((n + 1))
    timeout 60 "$morphvae" "$@" > "out.$n" 2> "err.$n"
    rc=$?
    check "morphvae $*: exit status $rc is $want" [ "$rc" -eq "$want" ]
    # A usage error (2) is stderr's first line; a failure of the work (1) may
    # follow the progress lines of the work done before it.
    if [ "$want" -eq 2 ]; then said=$(head -n 1 "err.$n"); else said=$(tail -n 1 "err.$n"); fi
    if [ "$said" = "$line" ]; then echo "ok: morphvae $*: says '$line'"
    else echo "FAILED: morphvae $*: says '$said', not '$line'"; fail=1; fi
}
H() { echo "(morphvae $1 --help)"; }

misuse 2 "morphvae: unknown command 'evl' (morphvae --help lists them)" evl m.mvae
misuse 2 "morphvae eval: unknown split 'tst' (train, valid or test) $(H eval)" \
    eval m.mvae c.bin --split tst
misuse 2 "morphvae eval: unknown option '--spilt' $(H eval)" eval m.mvae c.bin --spilt test
misuse 2 "morphvae eval: CORPUS.bin is required $(H eval)" eval m.mvae
misuse 2 "morphvae eval: --split needs a value $(H eval)" eval m.mvae c.bin --split
misuse 2 "morphvae eval: unexpected argument 'x' $(H eval)" eval m.mvae c.bin x
misuse 2 "morphvae sample: -o FILE is required $(H sample)" sample m.mvae
misuse 2 "morphvae sample: unknown option '--temp' $(H sample)" sample m.mvae --temp 1 -o s
misuse 2 "morphvae sample: -n needs a value $(H sample)" sample m.mvae -o s -n
misuse 2 "morphvae interpolate: --end is required $(H interpolate)" \
    interpolate m.mvae --start song.mid -o i
misuse 2 "morphvae interpolate: --start is required $(H interpolate)" \
    interpolate m.mvae --end song.mid -o i
misuse 2 "morphvae interpolate: -o DIR is required $(H interpolate)" \
    interpolate m.mvae --start song.mid --end song.mid
misuse 2 "morphvae plot: unknown kind 'curve' (roll, interp, curves or latent) $(H plot)" \
    plot curve m.csv -o c.png
misuse 2 "morphvae plot: -o FILE.png is required $(H plot)" plot roll song.mid
misuse 2 "morphvae plot: roll: the input is required $(H plot)" plot roll -o r.png
misuse 2 "morphvae plot latent: -o FILE.png is required $(H 'plot latent')" \
    plot latent m.mvae c.bin
misuse 2 "morphvae plot latent: unknown --method 'umap' (tsne or pca) $(H 'plot latent')" \
    plot latent m.mvae c.bin -o l.png --method umap
misuse 2 "morphvae render: -o FILE.wav is required $(H render)" render song.mid
misuse 2 "morphvae render: unknown option '--sf' $(H render)" render song.mid --sf x -o r.wav
misuse 2 "morphvae decode: -o FILE is required $(H decode)" decode m.mvae z.bin
misuse 2 "morphvae decode: z.bin is required $(H decode)" decode m.mvae -o d.mid
# chords (a bad symbol is refused before the model is read; d.mvae is a drum model)
misuse 2 "morphvae sample: --chords: 'Hm' is not a chord (write C, Am, F7, Bm7b5, Gsus4, Ebmaj7/G, or POP909's C:maj, A:min7, N) $(H sample)" \
    sample m.mvae --chords 'C Hm' -o s
misuse 2 "morphvae decode: d.mvae is a drums model: --chords needs a melody model (best one with chord input: models/mel_2bar_chords.mvae, or one trained with \`train --chords\`) $(H decode)" \
    decode d.mvae z.bin --chords 'C G' -o d.mid
misuse 2 "morphvae sample: --chord-pull needs --chords or --chords-from $(H sample)" \
    sample m.mvae --chord-pull 0.2 -o s
misuse 2 "morphvae interpolate: --chords and --chords-from: give one of them $(H interpolate)" \
    interpolate m.mvae --start song.mid --end song.mid --chords C --chords-from song.mid -o i
misuse 2 "morphvae encode: in.mid is required $(H encode)" encode m.mvae
misuse 2 "morphvae encode: unknown option '--tracks' $(H encode)" \
    encode m.mvae song.mid --tracks x
misuse 2 "morphvae anchors: --b b.mid (or --pick CORPUS) is required $(H anchors)" \
    anchors m.mvae --a song.mid
misuse 2 "morphvae anchors: --pick chooses both anchors: give it without --a and --b $(H anchors)" \
    anchors m.mvae --pick c.bin --a song.mid
misuse 2 "morphvae attributes: corpus.bin is required $(H attributes)" attributes m.mvae
misuse 2 "morphvae attributes: unknown --method 'best2' (best, regression, quartiles or partial) $(H attributes)" \
    attributes m.mvae c.bin --method best2
misuse 2 "morphvae stats: a source (a MIDI folder, CORPUS.bin:SPLIT, --prior or --recon) is required $(H stats)" \
    stats
misuse 2 "morphvae stats: unknown option '--prio' $(H stats)" stats song.mid --prio 3
misuse 2 "morphvae info: FILE is required $(H info)" info
misuse 2 "morphvae info: unexpected argument 'x' $(H info)" info m.mvae x
misuse 2 "morphvae init: -o MODEL.mvae is required $(H init)" init --config tiny
misuse 2 "morphvae init: unknown configuration 'big' (mel_2bar, mel_4bar, drums_2bar, roll_2bar, groove_2bar, large, tiny) $(H init)" \
    init --config big -o x.mvae
misuse 2 "morphvae train: -o MODEL.mvae is required $(H train)" train c.bin
misuse 2 "morphvae train: unknown option '--step' $(H train)" train c.bin -o t.mvae --step 3
misuse 2 "morphvae data: --bars N is required $(H data)" data --repr melody song.mid -o c.bin
misuse 2 "morphvae data: unknown option '--bar' $(H data)" data --repr melody --bar 2 song.mid

# wrong track, wrong model: the cause and the fix, not "0 notes considered"
tracks="(the file's tracks: 'MELODY', 'BRIDGE', 'PIANO'); give one of these names, or leave --track out to read every track"
misuse 1 "morphvae encode: song.mid: no usable 2-bar melody window: no track matched --track Melodie $tracks" \
    encode m.mvae song.mid --track Melodie
misuse 1 "morphvae anchors: song.mid: no usable 2-bar melody window: no track matched --track PIANOS $tracks" \
    anchors m.mvae --a song.mid --b song.mid --track PIANOS
drum_on_melody="the model's representation does not match the file's content: it is a drum model (it reads notes on MIDI channel 10) and the file has none (1408 pitched notes); give it a drum file, or this file to a melody or piano-roll model"
misuse 1 "morphvae encode: song.mid: no usable 2-bar drums window: $drum_on_melody" encode d.mvae song.mid
misuse 1 "morphvae anchors: song.mid: no usable 2-bar drums window: $drum_on_melody" anchors d.mvae --a song.mid --b song.mid
misuse 1 "morphvae interpolate: beat.mid: no usable 2-bar melody window: the model's representation does not match the file's content: it is a melody model and all the file's 773 notes are drums (MIDI channel 10); give it a file with a melody, or this file to a drum model" \
    interpolate m.mvae --start beat.mid --end song.mid -o i
"$morphvae" data --repr drums --bars 2 --quiet beat.mid -o beat.bin > /dev/null 2>&1
misuse 1 "morphvae eval: the model's representation or sizes do not match the corpus's: beat.bin holds drums windows of 2 bars x 16 steps with 512 classes (lowest pitch 0), but the model is melody with 2 bars x 16 steps and 90 classes (lowest pitch 21); evaluate m.mvae on a corpus made by \`morphvae data\` with its --repr and --bars (morphvae info m.mvae shows them)" \
    eval m.mvae beat.bin
# groove and drumify (issue 21): a groove model only; the file's problem named
"$morphvae" init --config groove_2bar -o g.mvae > /dev/null || fail=1
misuse 2 "morphvae groove: -o OUT.mid is required $(H groove)" groove beat.mid
misuse 2 "morphvae drumify: unknown option '--tracks' $(H drumify)" \
    drumify song.mid --tracks MELODY -o dr.mid
misuse 2 "morphvae drumify: --candidates wants a whole number from 1 to 1024, not '0'" \
    drumify song.mid --candidates 0 -o dr.mid
misuse 1 "morphvae groove: d.mvae is a drums model, not a groove model: groove needs a model of drums with their velocities and timing (models/groove_2bar.mvae, or one trained on \`morphvae data --repr groove\`)" \
    groove beat.mid --model d.mvae -o gr.mid
misuse 1 "morphvae groove: song.mid: no drum hits to humanize: of the file's 1408 notes, 0 are on MIDI channel 10 and none at a pitch of the model's drums (General MIDI kick, snare, hi-hats, toms, crash, ride); groove reads drums on channel 10" \
    groove song.mid --model g.mvae -o gr.mid
misuse 1 "morphvae drumify: song.mid: no track is named nope (the file's tracks: 'MELODY', 'BRIDGE', 'PIANO')" \
    drumify song.mid --track nope --model g.mvae -o dr.mid
check "groove, drumify refused: nothing written" [ ! -e gr.mid ] && [ ! -e dr.mid ]

# attributes: a vector whose effect is undefined (an undertrained model whose
# decodes have no notes) is not stored and the table says why, never "+nan";
# when no vector is usable, nothing is stored, the model stays as it was, exit 1
"$morphvae" data --repr melody --bars 2 --quiet "$data/pop909/002" "$data/pop909/003" \
    -o mel.bin > /dev/null 2>&1
"$morphvae" train mel.bin --config tiny --steps 20 --batch 16 -o under.mvae --eval-every 1000 \
    --sample-every 0 > train.log 2>&1 || { echo "FAILED: training the undertrained model"; fail=1; }
cp under.mvae under.before
none_usable="morphvae attributes: no attribute vector is usable (see 'stored' in the table: undefined, unusable or moving its attribute by less than --min-effect 0.50 sd); nothing stored: the model is left as it was"
misuse 1 "$none_usable" attributes under.mvae mel.bin --max-windows 64 --eval 16
check "attributes: says why an undefined vector is not stored" \
    grep -q "none (regression unusable: its effect is undefined" "out.$n"
check "attributes: never prints nan" sh -c "! grep -qiw nan out.$n"
check "attributes: claims nothing stored" sh -c "! grep -q 'vectors stored' out.$n"
check "attributes: the model is left as it was" cmp -s under.mvae under.before
"$morphvae" attributes under.mvae mel.bin --max-windows 64 --eval 16 --min-effect 0 \
    > store0.out 2>&1
check "attributes --min-effect 0: stores no undefined vector" \
    sh -c "! \"$morphvae\" info under.mvae | grep -q 'attribute.mean_pitch'"
check "attributes --min-effect 0: says how many it stored" grep -q "attribute vectors stored (" store0.out

# the preset lists of `train --help` and `init --help` are the table's
for cmd in train init; do
    "$morphvae" $cmd --help > "help.$cmd"
    check "$cmd --help lists roll_2bar, large and tiny" \
        grep -q "roll_2bar.*large.*tiny" "help.$cmd"
done

# An output that is a device, FIFO or folder is refused, not replaced by the
# atomic rename (as root, `-o /dev/null` once replaced /dev/null itself).
mkfifo out.fifo
for target in /dev/null out.fifo; do
    misuse 1 "morphvae data: $target: not a regular file (a device, FIFO or folder): refusing to replace it" \
        data --repr melody --bars 2 --quiet "$data/pop909/002" -o "$target"
done
check "data -o /dev/null: /dev/null is still a device" test -c /dev/null
check "data -o FIFO: the FIFO is still a FIFO" test -p out.fifo
rm -f out.fifo

exit $fail
