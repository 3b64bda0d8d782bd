#!/usr/bin/env python3
"""Regenerates the figures in the docs from the current code, models and data
(issue 26): one command, no typed numbers.

usage: python3 tools/doc_figures.py [--check] [--only GROUP[,GROUP]]
                                    [--build DIR] [--data DIR]

Builds the corpora with the documented `morphvae data` commands into a
temporary folder, runs `morphvae eval` on the shipped models, and rewrites the
generated regions of README.md, docs/data.md and trainer/train/README.md in
place. A region lies between two HTML comments, which Markdown does not show:

    <!-- doc_figures: NAME begin -->
    ...generated; edits here are overwritten...
    <!-- doc_figures: NAME end -->

Everything else in the docs (prose, the headings, hand-made tables) is left as
it is; a region whose markers are missing is an error.

Groups (--only; default all):
  data   the corpus tables of README.md ("Data extracted from shared/data") and
         docs/data.md ("Corpora from shared/data"): windows per split, files
         with and without windows and why, duplicates. Integer counts from
         `morphvae data`, the same on any machine; 23-26 s on the 2-core VM,
         18 of them for roll_2bar's corpus (428,558 windows, counted but not
         written). The meson test `doc_figures` (suite docs) runs
         `--check --only data`.
  eval   trainer/train/README.md's `eval --max 1000` example and the README's
         "Shipped models" tables (test split of each model's corpus, refined
         anchors with `eval --refine`, roll models' training split and phrase
         statistics). About 9 minutes on the 2-core VM (whole run 557 s):
         `eval --refine` on the drum (239 s) and melody (106 s) test splits
         and roll_2bar on POP909's 35,101 training windows (131 s) are most
         of it. Not in the meson test: too slow for the suite, and greedy
         decoding's argmax may differ in the last digit with another BLAS.
Wall times are not generated: they depend on the machine and its load, and
a table that changed with them could not be checked. `morphvae data` prints
its own time.

--check   regenerate into memory, print a unified diff of every region that
          differs from the docs and exit 1 if any does (0: docs up to date);
          the docs are not written.
--build   the meson build folder (default: build, under the repository root)
--data    the shared data folder (default: $MORPHVAE_SHARED_DATA, else
          ../shared/data beside the repository root, as the rest of the
          project expects)
"""
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fmt(n):
    return f"{n:,}"


class Figures:
    def __init__(self, exe, data, tmp):
        self.exe, self.data, self.tmp = exe, data, tmp
        self.corpora, self.evals = {}, {}
        self.env = dict(os.environ, OPENBLAS_NUM_THREADS="1", LC_ALL="C")

    def run(self, args):
        t0 = time.monotonic()
        p = subprocess.run([self.exe] + args, cwd=self.tmp, env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        dt = time.monotonic() - t0
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode("utf-8", "replace")[-3000:])
            raise SystemExit(f"doc_figures: `morphvae {' '.join(args)}` failed "
                             f"(exit status {p.returncode})")
        print(f"  {dt:6.1f} s  morphvae {' '.join(args)}", file=sys.stderr)
        return p.stdout.decode("utf-8")

    # ---- corpora -------------------------------------------------------------

    # name -> (options, folders): the documented commands (README.md, docs/data.md,
    # trainer/train/README.md); folders relative to the data folder.
    CORPORA = {
        "pop909_mel2": ("--repr melody --bars 2 --track MELODY --transpose 5 "
                        "--meter-table pop909/index.csv", ["pop909"]),
        "pop909_mel2_nt": ("--repr melody --bars 2 --track MELODY "
                           "--meter-table pop909/index.csv", ["pop909"]),
        "pop909_mel4": ("--repr melody --bars 4 --track MELODY --transpose 5 "
                        "--meter-table pop909/index.csv", ["pop909"]),
        "pop909_mel4_nt": ("--repr melody --bars 4 --track MELODY "
                           "--meter-table pop909/index.csv", ["pop909"]),
        "groove_drums2": ("--repr drums --bars 2", ["groove"]),
        "groove_drums4": ("--repr drums --bars 4", ["groove"]),
        "groove_groove2": ("--repr groove --bars 2", ["groove"]),
        "groove_groove4": ("--repr groove --bars 4", ["groove"]),
        "jsb_roll2_all": ("--repr roll --bars 2", ["jsb"]),
        "jsb_satb": ("--repr roll --bars 2 --track Soprano,Alto,Tenor,Bass --pitches 24-107",
                     ["jsb"]),
        "pop909_piano": ("--repr roll --bars 2 --track PIANO --pitches 24-107 "
                         "--meter-table pop909/index.csv", ["pop909"]),
        "roll2": ("--repr roll --bars 2 --track PIANO,Soprano,Alto,Tenor,Bass --pitches 24-107 "
                  "--transpose 5 --meter-table pop909/index.csv", ["pop909", "jsb"]),
    }

    DISCARDED = {"roll2"}  # corpora removed once measured (roll_2bar's is 2.3 GB)

    def corpus(self, name):
        """Builds the corpus once; returns its summary (parsed) and path."""
        if name in self.corpora:
            return self.corpora[name]
        opts, folders = self.CORPORA[name]
        args = []
        for a in opts.split():
            args.append(os.path.join(self.data, a) if a.startswith("pop909/") else a)
        # Always a real file: `data` replaces its output atomically, and refuses a
        # device such as /dev/null rather than replace it.
        args += [os.path.join(self.data, f) for f in folders] + ["--quiet", "-o", name + ".bin"]
        out = self.run(["data"] + args)
        s = {"path": os.path.join(self.tmp, name + ".bin"), "skips": []}
        m = re.search(r"^files: (\d+) found, (\d+) gave windows, (\d+) read without windows, "
                      r"(\d+) unreadable", out, re.M)
        s["found"], s["gave"], s["without"], s["unreadable"] = map(int, m.groups())
        for k in ("train", "valid", "test"):
            m = re.search(rf"^  {k}\s+(\d+) windows from (\d+) files", out, re.M)
            s[k], s[k + "_files"] = int(m.group(1)), int(m.group(2))
        for m in re.finditer(r"^  skipped (\d+): (?:read, but no windows: )?(.*)$", out, re.M):
            s["skips"].append((int(m.group(1)), m.group(2)))
        s["duplicates"] = int(re.search(r"^  duplicates removed\s+(\d+)", out, re.M).group(1))
        s["total"] = s["train"] + s["valid"] + s["test"]
        s["bytes"] = os.path.getsize(s["path"])
        if name in self.DISCARDED:
            os.remove(s["path"])
        self.corpora[name] = s
        return s

    # ---- evals ---------------------------------------------------------------

    def eval(self, model, corpus, *extra):
        key = (model, corpus) + extra
        if key not in self.evals:
            c = self.corpus(corpus)
            out = self.run(["eval", os.path.join(ROOT, "models", model + ".mvae"),
                            os.path.basename(c["path"]), "--json"] + list(extra))
            self.evals[key] = json.loads(out)
        return self.evals[key]


# ---- generators: each returns the region's Markdown ------------------------------

def files_without(s):
    if not s["skips"] and not s["unreadable"]:
        return "none"
    parts = [f"{n}: {why}" for n, why in s["skips"]]
    if s["unreadable"]:
        parts.append(f"{s['unreadable']} unreadable")
    return "; ".join(parts)


def dedup_sentence(f):
    s = f.corpus("pop909_mel2_nt")
    before = s["total"] + s["duplicates"]
    return (f"Before de-duplication POP909 gives {fmt(before)} untransposed 2-bar melody "
            f"windows: pop songs repeat their choruses, and {100 * s['duplicates'] / before:.0f} % "
            f"of the windows are exact repeats of one taken before.")


def readme_data_table(f):
    rows = [
        ("POP909 melody, 2 bars", "`--track MELODY --meter-table pop909/index.csv --transpose 5`",
         "pop909_mel2"),
        ("POP909 melody, 4 bars", "same, `--bars 4`", "pop909_mel4"),
        ("Groove drums, 2 bars", "`--repr drums`", "groove_drums2"),
        ("Groove drums, 4 bars", "same, `--bars 4`", "groove_drums4"),
        ("JSB chorales, roll, 2 bars", "`--repr roll`", "jsb_roll2_all"),
    ]
    out = ["| corpus | options | windows train / valid / test | files with windows | "
           "files without windows: why |", "|---|---|---|---|---|"]
    for label, opts, name in rows:
        s = f.corpus(name)
        out.append(f"| {label} | {opts} | {fmt(s['train'])} / {fmt(s['valid'])} / "
                   f"{fmt(s['test'])} | {fmt(s['gave'])} of {fmt(s['found'])} | "
                   f"{files_without(s)} |")
    return "\n".join(out) + "\n\n" + dedup_sentence(f) + "\n"


def data_md_table(f):
    rows = [
        ("`--repr melody --bars 2 --track MELODY --meter-table pop909/index.csv pop909`",
         "pop909_mel2_nt"),
        ("same with `--transpose 5`", "pop909_mel2"),
        ("`--repr melody --bars 4 …` (same options)", "pop909_mel4_nt"),
        ("same with `--transpose 5`", "pop909_mel4"),
        ("`--repr drums --bars 2 groove`", "groove_drums2"),
        ("`--repr drums --bars 4 groove`", "groove_drums4"),
        ("`--repr groove --bars 2 groove`", "groove_groove2"),
        ("`--repr groove --bars 4 groove`", "groove_groove4"),
        ("`--repr roll --bars 2 jsb`", "jsb_roll2_all"),
        ("`--repr roll --bars 2 --track Soprano,Alto,Tenor,Bass --pitches 24-107 jsb`",
         "jsb_satb"),
        ("`--repr roll --bars 2 --track PIANO --pitches 24-107 --meter-table "
         "pop909/index.csv pop909`", "pop909_piano"),
        ("both folders, `--track PIANO,Soprano,Alto,Tenor,Bass --pitches 24-107 --transpose 5` "
         "(roll_2bar's corpus, {size})", "roll2"),
    ]
    out = ["| command | windows (train / valid / test) | files with windows | "
           "files without windows: why |", "|---|---|---|---|"]
    for label, name in rows:
        s = f.corpus(name)
        label = label.format(size=f"{s['bytes'] / 1e9:.1f} GB")
        out.append(f"| {label} | {fmt(s['total'])} ({fmt(s['train'])} / {fmt(s['valid'])} / "
                   f"{fmt(s['test'])}) | {fmt(s['gave'])} of {fmt(s['found'])} | "
                   f"{files_without(s)} |")
    return "\n".join(out) + "\n\n" + dedup_sentence(f) + "\n"


def eval_example(f):
    f.corpus("pop909_mel2")
    out = f.run(["eval", os.path.join(ROOT, "models", "mel_2bar.mvae"), "pop909_mel2.bin",
                 "--max", "1000"])
    keep = ("accuracy on ", "all steps ", "note-on steps (onsets) ", "pitch-change onsets ",
            "windows reproduced exactly ")
    lines = ["    $ morphvae eval models/mel_2bar.mvae pop909_mel2.bin --max 1000     # (excerpt)"]
    for line in out.splitlines():
        if line.startswith("  ") and line.strip().startswith(keep):
            lines.append("    " + line.rstrip())
    if len(lines) != 1 + len(keep):
        raise SystemExit("doc_figures: eval's table has changed; update eval_example()")
    return "\n".join(lines) + "\n"


def p3(x):
    return f"{x:.3f}"


def pct(x):
    return f"{100 * x:.1f} %"


def shipped_models(f):
    mel = f.eval("mel_2bar", "pop909_mel2")
    melr = f.eval("mel_2bar", "pop909_mel2", "--refine")
    dr = f.eval("drums_2bar", "groove_drums2")
    drr = f.eval("drums_2bar", "groove_drums2", "--refine")
    m4 = f.eval("mel_4bar", "pop909_mel4")
    d4 = f.eval("drums_4bar", "groove_drums4")

    def two(e, a, b="", bold=False):
        t = f"{p3(e[a + '_tf'])} / {p3(e[a + '_greedy'])}"
        return f"**{t}**" if bold else b + t

    rows = [
        "| model | data, config | steps | acc teacher-forced / greedy | onsets t.-f. / greedy | "
        "pitch-change onsets t.-f. / greedy | exact windows (greedy) | active z dims |",
        "|---|---|---|---|---|---|---|---|",
        f"| `models/mel_2bar.mvae` | POP909 MELODY tracks, 2 bars; z 256, 192-unit LSTMs "
        f"(enc ×1 bidir., cond ×1, dec ×2), 1.70 M params; word dropout 0.3, 96 free bits | "
        f"38,044 | {two(mel, 'acc', bold=True)} | {two(mel, 'onset', bold=True)} | "
        f"{two(mel, 'change')} | {pct(mel['exact_greedy'])} | {mel['active_dims']} |",
        f"| same, anchors refined (`eval --refine`, {melr['refine_steps']} steps) | | | "
        f"{two(melr, 'acc')} | {two(melr, 'onset')} | {two(melr, 'change')} | "
        f"{pct(melr['exact_greedy'])} | |",
        f"| `models/drums_2bar.mvae` | Groove, 2 bars; same sizes, 512 classes, 2.76 M params; "
        f"word dropout | 8,500 | {two(dr, 'acc', bold=True)} | (steps with hits) "
        f"{two(dr, 'hitsteps')} | — | {pct(dr['exact_greedy'])} | {dr['active_dims']} |",
        f"| same, refined | | | {two(drr, 'acc')} | (steps with hits) {two(drr, 'hitsteps')} | | "
        f"{pct(drr['exact_greedy'])} | |",
        f"| `models/mel_4bar.mvae` | POP909 MELODY tracks, **4 bars** (64 steps); mel_2bar's "
        f"sizes (`trainer/train/configs/mel_4bar_small.cfg`), warm-started from mel_2bar; "
        f"word dropout 0.3, 192 free bits | 46,398 | {two(m4, 'acc', bold=True)} | "
        f"{two(m4, 'onset')} | {two(m4, 'change')} | {pct(m4['exact_greedy'])} | "
        f"{m4['active_dims']} |",
        f"| `models/drums_4bar.mvae` | Groove, **4 bars**; drums_2bar's sizes "
        f"(`trainer/train/configs/drums_4bar_small.cfg`), warm-started from drums_2bar; "
        f"word dropout 0.5, 96 free bits | 9,388 | {two(d4, 'acc', bold=True)} | "
        f"(steps with hits) {two(d4, 'hitsteps')} | — | {pct(d4['exact_greedy'])} | "
        f"{d4['active_dims']} |",
        # not regenerated: a model no longer shipped, and a paper's figures
        "| first shipped mel_2bar (its own split) | same sizes, scheduled sampling | 36,451 | "
        "0.822 / 0.817 | 0.573 / 0.565 | 0.498 / — | 6.3 % | 22 |",
        "| Magenta cat-mel_2bar (paper) | Lakh MIDI; enc 512, dec 2×256, 4.42 M params, GPU | "
        "~50k+ | 0.986 / 0.951 | — | — | — | — |",
    ]
    return "\n".join(rows) + "\n"


# (test split, model, corpus, greedy F1 in bold: the model shipped for that data)
ROLL_TESTS = [("POP909 piano", "roll_2bar", "pop909_piano", True),
              ("JSB chorales", "chorale_2bar", "jsb_satb", True),
              ("JSB chorales", "roll_2bar", "jsb_satb", False)]


def roll_test(f):
    rows = ["| test split | model | windows | onset F1 teacher-forced / **greedy** | onset "
            "precision / recall (greedy) | sounding F1 t.-f. / greedy | repeat baseline: onset / "
            "sounding F1 | training split: onset F1 t.-f. / greedy |",
            "|---|---|---|---|---|---|---|---|"]
    for label, model, corpus, bold in ROLL_TESTS:
        e = f.eval(model, corpus)
        t = f.eval(model, corpus, "--split", "train")
        greedy = f"**{p3(e['onset_f1_greedy'])}**" if bold else p3(e["onset_f1_greedy"])
        rows.append(
            f"| {label} | {model} | {fmt(e['windows'])} | {p3(e['onset_f1_tf'])} / "
            f"{greedy} | {p3(e['onset_precision_greedy'])} / "
            f"{p3(e['onset_recall_greedy'])} | {p3(e['sounding_f1_tf'])} / "
            f"{p3(e['sounding_f1_greedy'])} | {p3(e['onset_f1_repeat'])} / "
            f"{p3(e['sounding_f1_repeat'])} | {p3(t['onset_f1_tf'])} / "
            f"{p3(t['onset_f1_greedy'])} |")
    return "\n".join(rows) + "\n"


def roll_phrases(f):
    rows = ["| roll phrases (2 bars) | onsets/bar | pitches sounding at once | range (st) |",
            "|---|---|---|---|"]
    for label, model, corpus, default in (("POP909 piano", "roll_2bar", "pop909_piano",
                                           " (CLI default)"),
                                          ("JSB chorales", "chorale_2bar", "jsb_satb", "")):
        e = f.eval(model, corpus)
        rows.append(f"| {label}, test split | {e['notes_per_bar_data']:.1f} | "
                    f"{e['polyphony_data']:.2f} | {e['range_data']:.1f} |")
        cols = []
        for key, nd in (("notes_per_bar", 1), ("polyphony", 2), ("range", 1)):
            v = [e[f"{key}_recon"], e[f"{key}_prior_t0"], e[f"{key}_prior_t0.5"],
                 e[f"{key}_prior_t1"]]
            s = [f"{x:.{nd}f}" for x in v]
            s[2] = f"**{s[2]}**" if key != "range" else s[2]
            cols.append(" / ".join(s))
        rows.append(f"| {model}: greedy reconstructions / prior T 0 / **T 0.5{default}** / T 1 | "
                    + " | ".join(cols) + " |")
    return "\n".join(rows) + "\n"


# (file, region, group, generator)
REGIONS = [
    ("README.md", "shipped-models", "eval", shipped_models),
    ("README.md", "roll-test", "eval", roll_test),
    ("README.md", "roll-phrases", "eval", roll_phrases),
    ("README.md", "data-table", "data", readme_data_table),
    ("docs/data.md", "data-corpora", "data", data_md_table),
    ("trainer/train/README.md", "eval-example", "eval", eval_example),
]
GROUPS = ("data", "eval")


def replace_region(text, doc, name, body):
    begin = f"<!-- doc_figures: {name} begin -->"
    end = f"<!-- doc_figures: {name} end -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i or text.count(begin) != 1 or text.count(end) != 1:
        raise SystemExit(f"doc_figures: {doc}: the markers of region '{name}' are missing, "
                         f"repeated or out of order ({begin} ... {end})")
    start = i + len(begin)
    return text[:start] + "\n\n" + body + "\n" + text[j:], text[start:j]


def main(argv):
    check, only, build, data = False, set(GROUPS), os.path.join(ROOT, "build"), None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--check":
            check = True
        elif a in ("--only", "--build", "--data") and args:
            v = args.pop(0)
            if a == "--only":
                only = set(v.split(","))
                if not only <= set(GROUPS):
                    print(f"doc_figures: --only takes {', '.join(GROUPS)}, not '{v}'",
                          file=sys.stderr)
                    return 2
            elif a == "--build":
                build = os.path.abspath(v)
            else:
                data = os.path.abspath(v)
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            print(f"doc_figures: unknown argument '{a}'\n" + __doc__.split("\n\n")[1],
                  file=sys.stderr)
            return 2
    if data is None:
        data = os.environ.get("MORPHVAE_SHARED_DATA") or os.path.join(ROOT, "..", "shared", "data")
    exe = os.path.join(build, "trainer", "morphvae")
    if not os.access(exe, os.X_OK):
        print(f"doc_figures: no morphvae at {exe} (build first, or give --build DIR)",
              file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(data, "pop909")):
        print(f"doc_figures: no shared data at {data} (give --data DIR or set "
              f"MORPHVAE_SHARED_DATA)", file=sys.stderr)
        return 2

    started = time.monotonic()
    texts, stale = {}, []
    with tempfile.TemporaryDirectory(prefix="morphvae-docfigs-") as tmp:
        f = Figures(exe, os.path.abspath(data), tmp)
        for doc, name, group, gen in REGIONS:
            if group not in only:
                continue
            print(f"{doc}: {name}", file=sys.stderr)
            if doc not in texts:
                with open(os.path.join(ROOT, doc), encoding="utf-8") as fh:
                    texts[doc] = fh.read()
            new, _ = replace_region(texts[doc], doc, name, gen(f))
            if new != texts[doc]:
                stale.append((doc, name))
                texts[doc] = new
    total = time.monotonic() - started

    changed = sorted({doc for doc, _ in stale})
    if check:
        for doc in changed:
            with open(os.path.join(ROOT, doc), encoding="utf-8") as fh:
                old = fh.read()
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), texts[doc].splitlines(True), f"a/{doc}", f"b/{doc}"))
        if stale:
            print(f"doc_figures: {len(stale)} region(s) differ from what the code produces now: "
                  f"{', '.join(f'{d}:{n}' for d, n in stale)}; run "
                  f"`python3 tools/doc_figures.py` and commit ({total:.1f} s)")
            return 1
        print(f"doc_figures: the docs are up to date ({', '.join(sorted(only))}; {total:.1f} s)")
        return 0
    for doc in changed:
        with open(os.path.join(ROOT, doc), "w", encoding="utf-8") as fh:
            fh.write(texts[doc])
    print(f"doc_figures: {len(stale)} region(s) rewritten"
          + (f" in {', '.join(changed)}" if changed else "") + f" ({total:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
