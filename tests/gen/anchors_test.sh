#!/bin/sh
# morphvae anchors: the stored anchor vectors equal what `morphvae encode` gives
# for the same windows, the rest of the file is unchanged, and a file with no
# usable window is refused with its name and nothing is written.
# usage: anchors_test.sh MORPHVAE SHARED_DATA
set -eu
mv=$1
data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
a=$data/pop909/003/003.mid
b=$data/pop909/010/010.mid

"$mv" init --config tiny --seed 3 -o "$dir/m.mvae" >/dev/null
"$mv" anchors "$dir/m.mvae" --a "$a" --b "$b" --bar-b 9 --track MELODY >/dev/null
"$mv" encode "$dir/m.mvae" "$a" --track MELODY > "$dir/a.txt"
"$mv" encode "$dir/m.mvae" "$b" --bar 9 --track MELODY > "$dir/b.txt"
/usr/bin/python3 - "$dir" <<'PY'
import sys
sys.path.insert(0, "tools")
import mvae_weights as mw
d = sys.argv[1]
hp, tensors, meta = mw.read(d + "/m.mvae")
def mu_of(path):
    return [float(l.split()[1]) for l in open(path) if not l.startswith("#")]
for k in "ab":
    stored = [float(x) for x in meta[f"anchor.{k}.z"]]
    enc = mu_of(f"{d}/{k}.txt")
    assert len(stored) == len(enc) == 16, (len(stored), len(enc))
    bad = [i for i, (s, e) in enumerate(zip(stored, enc)) if abs(s - e) > 1e-6 * max(1, abs(e))]
    assert not bad, f"anchor {k}: stored mu differs from encode at {bad}"
    assert "MELODY" in str(meta[f"anchor.{k}.source"]), meta[f"anchor.{k}.source"]
assert str(meta["provenance"]).startswith("morphvae init"), "other metadata kept"
print("anchors stored as encoded")
PY

cp "$dir/m.mvae" "$dir/before.mvae"
if "$mv" anchors "$dir/m.mvae" --a "$data/midi-edge/synthetic/smpte_25fps_40tpf.mid" --b "$b" \
    2> "$dir/err.txt"; then
    echo "anchors accepted a file with no usable window"; exit 1
fi
grep -q "smpte_25fps_40tpf.mid" "$dir/err.txt" || { echo "error does not name the file:"; cat "$dir/err.txt"; exit 1; }
cmp -s "$dir/m.mvae" "$dir/before.mvae" || { echo "model changed after a refused anchor"; exit 1; }
echo "refused: $(cat "$dir/err.txt")"
