#!/bin/sh
# morphvae anchors: the stored anchor vectors equal what `morphvae encode` gives
# for the same windows (refined by default, mu with --no-refine), the rest of the
# file is unchanged, and a file with no usable window is refused with its name
# and nothing is written. --pick chooses two windows of a corpus split from two
# different files and stores what `encode --refine` gives for those windows.
# usage: anchors_test.sh MORPHVAE SHARED_DATA
set -eu
mv=$1
data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
a=$data/pop909/003/003.mid
b=$data/pop909/010/010.mid

"$mv" init --config tiny --seed 3 -o "$dir/m.mvae" >/dev/null
# refined anchors (the default) against `encode --refine`, then mu against `encode`
for how in refined mu; do
    opt=; [ $how = mu ] && opt=--no-refine
    enc=--refine; [ $how = mu ] && enc=
    "$mv" anchors "$dir/m.mvae" --a "$a" --b "$b" --bar-b 9 --track MELODY $opt >/dev/null
    "$mv" encode "$dir/m.mvae" "$a" --track MELODY $enc > "$dir/a.txt"
    "$mv" encode "$dir/m.mvae" "$b" --bar 9 --track MELODY $enc > "$dir/b.txt"
    /usr/bin/python3 - "$dir" $how <<'PY'
import sys
sys.path.insert(0, "tools")
import mvae_weights as mw
d, how = sys.argv[1], sys.argv[2]
hp, tensors, meta = mw.read(d + "/m.mvae")
def z_of(path):  # "index mu sigma", or refined "index z mu sigma": column 1 either way
    return [float(l.split()[1]) for l in open(path) if not l.startswith("#")]
for k in "ab":
    stored = [float(x) for x in meta[f"anchor.{k}.z"]]
    enc = z_of(f"{d}/{k}.txt")
    assert len(stored) == len(enc) == 16, (len(stored), len(enc))
    bad = [i for i, (s, e) in enumerate(zip(stored, enc)) if abs(s - e) > 1e-6 * max(1, abs(e))]
    assert not bad, f"anchor {k} ({how}): stored z differs from encode at {bad}"
    source = str(meta[f"anchor.{k}.source"])
    assert "MELODY" in source, source
    assert ("refined" in source) == (how == "refined"), source
assert str(meta["provenance"]).startswith("morphvae init"), "other metadata kept"
print(f"anchors stored as encoded ({how})")
PY
done

cp "$dir/m.mvae" "$dir/before.mvae"
if "$mv" anchors "$dir/m.mvae" --a "$data/midi-edge/synthetic/smpte_25fps_40tpf.mid" --b "$b" \
    2> "$dir/err.txt"; then
    echo "anchors accepted a file with no usable window"; exit 1
fi
grep -q "smpte_25fps_40tpf.mid" "$dir/err.txt" || { echo "error does not name the file:"; cat "$dir/err.txt"; exit 1; }
cmp -s "$dir/m.mvae" "$dir/before.mvae" || { echo "model changed after a refused anchor"; exit 1; }
echo "refused: $(cat "$dir/err.txt")"

# --pick: a test-split corpus of two songs; the anchors must name two files and
# bars whose windows encode to the stored vectors
mkdir "$dir/songs"; cp -r "$data/pop909/003" "$data/pop909/010" "$dir/songs/"
"$mv" data --repr melody --bars 2 --track MELODY --split 0,0,1 "$dir/songs" -o "$dir/c.bin" --quiet >/dev/null
"$mv" anchors "$dir/m.mvae" --pick "$dir/c.bin:test" > "$dir/pick.txt"
cat "$dir/pick.txt"
/usr/bin/python3 - "$dir" <<'PY' > "$dir/picked.txt"
import re, sys
sys.path.insert(0, "tools")
import mvae_weights as mw
hp, tensors, meta = mw.read(sys.argv[1] + "/m.mvae")
files = []
for k in "ab":
    m = re.match(r"(.*\.mid), bar (\d+), refined", str(meta[f"anchor.{k}.source"]))
    assert m, meta[f"anchor.{k}.source"]
    files.append(m.group(1))
    print(k, m.group(1), m.group(2))
assert files[0] != files[1], "both anchors from one file"
PY
while read k f bar; do
    "$mv" encode "$dir/m.mvae" "$f" --bar "$bar" --track MELODY --refine > "$dir/$k.txt"
done < "$dir/picked.txt"
/usr/bin/python3 - "$dir" <<'PY'
import sys
sys.path.insert(0, "tools")
import mvae_weights as mw
d = sys.argv[1]
hp, tensors, meta = mw.read(d + "/m.mvae")
for k in "ab":
    stored = [float(x) for x in meta[f"anchor.{k}.z"]]
    enc = [float(l.split()[1]) for l in open(f"{d}/{k}.txt") if not l.startswith("#")]
    assert len(stored) == len(enc) == 16
    assert all(abs(s - e) <= 1e-6 * max(1, abs(e)) for s, e in zip(stored, enc)), k
print("picked anchors stored as their windows encode")
PY
