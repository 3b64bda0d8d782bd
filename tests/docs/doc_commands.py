#!/usr/bin/env python3
"""The documentation's commands, run as written (issue 26).

usage: doc_commands.py SOURCE_ROOT BUILD_ROOT SHARED_DATA

Extracts every shell command block of README.md, docs/*.md and
trainer/train/README.md, in that order, and runs its commands one by one, in
order, in one temporary folder laid out like a checkout beside its data:

    TMP/work/             the current folder of every command
    TMP/work/build        -> BUILD_ROOT (so `B=build/trainer/morphvae` works)
    TMP/work/models       a copy of the checkout's shipped models
    TMP/work/tools, presets, configs  -> the checkout's
    TMP/shared/data       -> SHARED_DATA (so `../shared/data/...` works)
    TMP/bin/morphvae      -> BUILD_ROOT/trainer/morphvae, first on PATH
                             (for blocks that write plain `morphvae`)

What is a command block:
  * a fenced block tagged sh, bash, shell or console;
  * an indented (4 spaces) block whose first line starts with `morphvae`,
    `mpirun`, `$ ` or `#` (trainer/train/README.md writes its examples so).
  Fenced blocks without a tag (usage synopses, diagrams) and python or C
  blocks are not commands.
  In a block with `$ ` prompts only the prompted lines are commands (the rest
  is their output). Lines ending in a backslash continue; a here-document
  (`<<WORD`) runs on to WORD. `NAME=value` alone on a line sets a variable for
  the commands after it (the README's `B=build/trainer/morphvae`).

Every command must exit 0; the first that does not fails the test, naming
the doc file, the line and the command (its output is shown). Documented
placeholders must therefore be real files: data under ../shared/data, the
shipped models/, or files an earlier command wrote.

SKIP lists, with the reason printed for each, what cannot run here: set-up
and installs, MPI runs, multi-machine runs, the record of the shipped models'
hours-long training. An entry that matches no command fails the test (the
table cannot go stale). SIZES shrinks what the docs leave to the user (steps,
windows, prior samples) so that the whole run stays within about 30 s on the
loaded 2-core machine; each substitution is printed. MORPHVAE_DOCS_FULL=1 in
the environment runs the commands with the documented sizes instead.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DOCS = ["README.md", "docs/*.md", "trainer/train/README.md"]

# (doc file, regex searched in the command, reason, scope): scope "block"
# skips the whole block from the matching command on, "command" that one.
SKIP = [
    ("README.md", r"^bash tools/setup\.sh", "installs Debian packages as root and builds the "
     "checkout; this test runs on that build", "command"),
    ("README.md", r"^bash tools/test\.sh", "runs the whole suite (three builds), this test "
     "among it", "command"),
    ("README.md", r"^mpirun ", "MPI run on 2 processes (covered by the test train_mpi)",
     "command"),
    ("docs/plugin.md", r"^meson setup build", "builds the checkout; this test runs on that "
     "build", "command"),
    ("docs/plugin.md", r"^meson install", "installs into the system prefix", "command"),
    ("docs/training-mpi.md", r"^mpirun -np 2 build/trainer/morphvae", "MPI run on 2 "
     "processes (covered by the test train_mpi)", "command"),
    ("docs/training-mpi.md", r"^mpirun -np 3", "MPI run on 3 processes (covered by the "
     "test train_mpi)", "command"),
    ("docs/plugin.md", r"^mkdir -p /work/carla-src", "builds Carla from source outside the "
     "repository (minutes; the test plugin_carla_e2e runs it when CARLA_DIR is set)", "block"),
    ("docs/plugin.md", r"^CARLA_DIR=\S+ meson test", "runs the test plugin_carla_e2e "
     "(about a minute; it is in the suite)", "block"),
    ("docs/training-mpi.md", r"^cat > hosts", "several machines (a hostfile of node1, "
     "node2 and /opt, /data, /runs paths on them)", "block"),
    ("trainer/train/README.md", r"--config configs/mel_2bar_small\.cfg", "record of how "
     "the shipped models were trained (hours, '...' for the options repeated)", "block"),
    ("trainer/train/README.md", r"^morphvae data --repr roll --bars 2 --track "
     r"PIANO,Soprano,Alto,Tenor,Bass --pitches 24-107 \\?\s*--transpose 5 --meter-table",
     "record of how the piano-roll model was trained (hours on 2 MPI processes)", "block"),
    ("trainer/train/README.md", r"-o pop909_mel4\.bin", "record of how the 4-bar melody "
     "model was trained (two hours on 2 MPI processes)", "block"),
    ("trainer/train/README.md", r"-o groove_drums4\.bin", "record of how the 4-bar drum "
     "model was trained (50 minutes)", "block"),
    ("trainer/train/README.md", r"--init r37\.mvae", "record of the second "
     "piano-roll session (hours, MPI)", "block"),
    ("trainer/train/README.md", r"-o pop909_mel2_chords\.bin", "record of how the chord "
     "model was trained (an hour and a half)", "block"),
    ("docs/long-phrases.md", r"-o pop909_mel16\.bin", "record of how the 16-bar models "
     "were trained (two hours side by side)", "block"),
    ("trainer/train/README.md", r"-o groove_groove2\.bin", "record of how the first groove "
     "model was trained (half an hour)", "block"),
    ("trainer/train/README.md", r"--init groove_2bar_first\.mvae", "record of how the shipped "
     "groove model was trained (two hours, one core a run)", "block"),
    ("trainer/train/README.md", r"-o groove_groove4\.bin", "record of how the 4-bar groove "
     "model was trained (25 minutes)", "block"),
]

# (regex the command must match, pattern, replacement): sizes that are the
# user's choice, made tiny.
SIZES = [
    (r" train ", r"--steps \d+", "--steps 2 --eval-windows 16"),
    (r" train .*--resume", r"(\s+#.*)?$", r" --eval-windows 16\1"),
    (r" eval ", r"--max \d+", ""),
    (r" eval ", r"(\s+#.*)?$", r" --max 16\1"),
    (r" eval .*--refine", r"--refine", "--refine 5"),
    (r" stats ", r"--prior \d+", "--prior 4"),
    (r" stats ", r"(\s+#.*)?$", r" --max 32\1"),
    # A 2-step model's vectors move nothing: --min-effect 0 lets it store them
    # (else attributes exits 1, "no attribute vector is usable", by design).
    (r" attributes ", r"(\s+#.*)?$", r" --max-windows 64 --eval 16 --min-effect 0\1"),
    (r" plot latent ", r"(\s+#.*)?$", r" --max 60 --iterations 100 --perplexity 10\1"),
    (r" anchors ", r"(\s+#.*)?$", r" --refine 5\1"),
]

FENCE_TAGS = {"sh", "bash", "shell", "console"}
INDENTED_START = re.compile(r"^(morphvae\b|mpirun\b|\$ |#)")
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$")


def blocks_of(path, text):
    """Yields (first line number, [(line number, text)]) per command block."""
    lines = text.split("\n")
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        m = re.match(r"^(\s*)```\s*([A-Za-z]*)", line)
        if m:
            tag, indent = m.group(2).lower(), len(m.group(1))
            body, j = [], i + 1
            while j < n and not lines[j].lstrip().startswith("```"):
                body.append((j + 1, lines[j][indent:]))
                j += 1
            if tag in FENCE_TAGS:
                yield i + 2, body
            i = j + 1
            continue
        if (line.startswith("    ") and (i == 0 or not lines[i - 1].strip())
                and INDENTED_START.match(line[4:])):
            body, j = [], i
            while j < n and (lines[j].startswith("    ") or not lines[j].strip()):
                body.append((j + 1, lines[j][4:]))
                j += 1
            while body and not body[-1][1].strip():
                body.pop()
            yield i + 1, body
            i = j
            continue
        i += 1


def commands_of(body):
    """[(line number, command)] of a block: continuations joined, comments and
    blank lines dropped, output lines of a prompted block dropped."""
    prompted = any(t.startswith("$ ") for _, t in body)
    out, k = [], 0
    while k < len(body):
        num, t = body[k]
        k += 1
        if prompted:
            if not t.startswith("$ "):
                continue
            t = t[2:]
        if not t.strip() or t.lstrip().startswith("#"):
            continue
        cmd = t
        while cmd.endswith("\\") and k < len(body):
            cmd = cmd[:-1] + " " + body[k][1].strip()
            k += 1
        heredoc = re.search(r"<<-?\s*'?(\w+)'?", cmd)
        if heredoc:
            word = heredoc.group(1)
            while k < len(body):
                cmd += "\n" + body[k][1]
                k += 1
                if body[k - 1][1].strip() == word:
                    break
        out.append((num, cmd.strip()))
    return out


def resize(cmd):
    if os.environ.get("MORPHVAE_DOCS_FULL") == "1":
        return cmd
    new = cmd
    for when, pattern, repl in SIZES:
        if re.search(when, " " + new.split("#")[0]):
            new = re.sub(pattern, repl, new, count=1)
    return new


def layout(tmp, source_root, build_root, shared_data):
    work = os.path.join(tmp, "work")
    os.makedirs(work)
    os.makedirs(os.path.join(tmp, "shared"))
    os.symlink(os.path.abspath(shared_data), os.path.join(tmp, "shared", "data"))
    os.symlink(os.path.abspath(build_root), os.path.join(work, "build"))
    # a copy: a documented command that rewrote a shipped model would
    # otherwise change the checkout
    shutil.copytree(os.path.join(source_root, "models"), os.path.join(work, "models"))
    for name in ("tools", "presets"):
        os.symlink(os.path.join(os.path.abspath(source_root), name), os.path.join(work, name))
    os.symlink(os.path.join(os.path.abspath(source_root), "trainer", "train", "configs"),
               os.path.join(work, "configs"))
    os.makedirs(os.path.join(tmp, "bin"))
    os.symlink(os.path.join(os.path.abspath(build_root), "trainer", "morphvae"),
               os.path.join(tmp, "bin", "morphvae"))
    return work


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source_root, build_root, shared_data = sys.argv[1:]
    files = []
    for pattern in DOCS:
        if "*" in pattern:
            d, glob = os.path.split(pattern)
            rx = re.compile("^" + re.escape(glob).replace(r"\*", ".*") + "$")
            files += sorted(os.path.join(d, f) for f in os.listdir(os.path.join(source_root, d))
                            if rx.match(f))
        else:
            files.append(pattern)

    tmp = tempfile.mkdtemp(prefix="morphvae-docs-")
    work = layout(tmp, source_root, build_root, shared_data)
    env = dict(os.environ)
    env["PATH"] = os.path.join(tmp, "bin") + os.pathsep + env.get("PATH", "")
    used = set()
    ran = skipped = 0
    started = time.monotonic()
    failure = None
    for doc in files:
        with open(os.path.join(source_root, doc), encoding="utf-8") as f:
            text = f.read()
        for first, body in blocks_of(doc, text):
            skip_block = None
            for num, cmd in commands_of(body):
                where = f"{doc}:{num}"
                reason = skip_block
                for idx, (sdoc, rx, why, scope) in enumerate(SKIP):
                    if reason is None and sdoc == doc and re.search(rx, cmd):
                        used.add(idx)
                        reason = why
                        if scope == "block":
                            skip_block = why
                if reason is not None:
                    skipped += 1
                    print(f"SKIP {where}: {cmd.splitlines()[0]}\n     because: {reason}")
                    continue
                m = ASSIGNMENT.match(cmd)
                if m:
                    env[m.group(1)] = m.group(2)
                    print(f"SET  {where}: {cmd}")
                    continue
                run = resize(cmd)
                print(f"RUN  {where}: {cmd}")
                if run != cmd:
                    print(f"     as: {run}")
                sys.stdout.flush()
                t0 = time.monotonic()
                p = subprocess.run(["bash", "-o", "pipefail", "-c", run], cwd=work, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
                dt = time.monotonic() - t0
                ran += 1
                if p.returncode != 0:
                    out = p.stdout.decode("utf-8", "replace")
                    failure = (f"FAIL {where}: exit status {p.returncode} ({dt:.1f} s)\n"
                               f"  command: {cmd}\n" + (f"  run as:  {run}\n" if run != cmd
                                                        else "") + "  output:\n" +
                               "".join("    " + l + "\n" for l in out.splitlines()[-40:]))
                    break
                print(f"     ok ({dt:.1f} s)")
            if failure:
                break
        if failure:
            break
    stale = [SKIP[i] for i in range(len(SKIP)) if i not in used]
    if not failure and stale:
        failure = "".join(f"FAIL stale skip entry: {d}: /{rx}/ matches no command\n"
                          for d, rx, _, _ in stale)
    total = time.monotonic() - started
    if failure:
        print(failure, end="")
        print(f"(temporary folder kept: {tmp})")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{ran} commands ran, {skipped} skipped, {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
