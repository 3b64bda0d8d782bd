"""The Python reader (tools/mvae_weights.py) against the C writer and reader,
for a model without chords (format version 1) and a chord model (version 2):
    test_python_reader.py WRITE_SAMPLE_EXE MVAE_WEIGHTS_PY [MORPHVAE_EXE]
write_sample writes a file and, as JSON, what the C reader reads from it (floats
as bit patterns); the Python reader must read the same values bit for bit, the
same checksum, and refuse corrupted copies. Given the CLI, `morphvae info` must
list what the Python reader finds and refuse what it refuses."""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)


def load_module(path):
    spec = importlib.util.spec_from_file_location("mvae_weights", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bits(values):
    return np.asarray(values, dtype="<f4").view("<u4").ravel().tolist()


def compare(expect, hparams, tensors, metadata):
    check(hparams == expect["hparams"], f"hparams {hparams} != {expect['hparams']}")
    names = [t["name"] for t in expect["tensors"]]
    check(list(tensors) == names, "tensor names and order")
    for t in expect["tensors"]:
        got = tensors.get(t["name"])
        if got is None:
            continue
        check(list(got.shape) == t["shape"], f"{t['name']} shape {got.shape} != {t['shape']}")
        check(got.dtype == np.float32, f"{t['name']} dtype {got.dtype}")
        check(bits(got) == t["bits"], f"{t['name']} values differ")
    check(list(metadata) == [m["key"] for m in expect["metadata"]], "metadata keys and order")
    for m in expect["metadata"]:
        got = metadata.get(m["key"])
        if m["type"] == "STR":
            check(got == m["value"], f"{m['key']}: {got!r} != {m['value']!r}")
        elif m["type"] == "F32":
            check(got is not None and got.dtype == np.float32 and bits(got) == m["bits"],
                  f"{m['key']} floats differ")
        else:
            check(got is not None and got.dtype == np.int64 and got.tolist() == m["value"],
                  f"{m['key']} integers differ")


def expect_refused(mod, tool, data, path, needle, label):
    with open(path, "wb") as f:
        f.write(data)
    try:
        mod.read(path)
        check(False, f"{label}: read accepted a broken file")
    except mod.WeightsError as e:
        msg = str(e)
        check(msg.startswith(path + ": ") and needle in msg, f"{label}: message {msg!r}")
    run = subprocess.run([sys.executable, tool, path], capture_output=True, text=True)
    check(run.returncode == 1, f"{label}: script exit {run.returncode}")
    check(run.stderr.count("\n") == 1 and needle in run.stderr, f"{label}: stderr {run.stderr!r}")
    print(f"  {label:<22} -> {run.stderr.strip()}")


def check_info(morphvae, path, w):
    run = subprocess.run([morphvae, "info", path], capture_output=True, text=True)
    check(run.returncode == 0, f"morphvae info: exit {run.returncode}: {run.stderr}")
    out = run.stdout
    params = sum(t.size for t in w["tensors"].values())
    check(f"parameters     {params} " in out, f"morphvae info: no parameter count {params}")
    for e in w["table"]:
        shape = "x".join(str(d) for d in e["shape"])
        row = [e["name"], shape, str(e["offset"]), str(e["nbytes"])]
        check(any(line.split() == row for line in out.splitlines()),
              f"morphvae info: no row {row}")
    for key, value in w["metadata"].items():
        check(any(line.split()[:1] == [key] for line in out.splitlines()),
              f"morphvae info: no metadata {key}")
        if isinstance(value, str) and value:
            check(value in out, f"morphvae info: string {key} not in full")
    check(f"payload CRC-32 0x{w['checksum']:08x}" in out, "morphvae info: checksum")


def check_info_refuses(morphvae, path, needle):
    run = subprocess.run([morphvae, "info", path], capture_output=True, text=True)
    check(run.returncode == 1 and run.stdout == "", f"morphvae info: exit {run.returncode}")
    check(run.stderr.count("\n") == 1 and path in run.stderr and needle in run.stderr,
          f"morphvae info: stderr {run.stderr!r}")


def run_case(write_sample, tool, morphvae, mod, extra):
    with tempfile.TemporaryDirectory() as tmp:
        path, expect_path = os.path.join(tmp, "sample.mvae"), os.path.join(tmp, "sample.json")
        subprocess.run([write_sample, path, expect_path] + extra, check=True)
        with open(expect_path, encoding="utf-8") as f:
            expect = json.load(f)
        check(expect["hparams"]["chords"] == (1 if extra else 0), "chords in the C reader's view")

        hparams, tensors, metadata = mod.read(path)
        compare(expect, hparams, tensors, metadata)
        with open(path, "rb") as f:
            data = f.read()
        w = mod.parse(data, path)
        check(w["checksum"] == expect["checksum"],
              f"checksum {w['checksum']} != C's {expect['checksum']}")

        # the script: summary and JSON with every value
        run = subprocess.run([sys.executable, tool, path], capture_output=True, text=True)
        check(run.returncode == 0 and "checksum ok" in run.stdout, f"summary: {run.stderr}")
        run = subprocess.run([sys.executable, tool, path, "--json", "--values"],
                             capture_output=True, text=True)
        check(run.returncode == 0, f"--json: {run.stderr}")
        dumped = json.loads(run.stdout)
        check(dumped["checksum"] == expect["checksum"], "--json checksum")
        check(dumped["hparams"] == expect["hparams"], "--json hparams")
        for got, t in zip(dumped["tensors"], expect["tensors"]):
            check(got["name"] == t["name"] and bits(got["values"]) == t["bits"],
                  f"--json values of {t['name']}")
            check(got["offset"] % 64 == 0 and got["nbytes"] == 4 * len(t["bits"]),
                  f"--json offset/size of {t['name']}")

        if morphvae:
            check_info(morphvae, path, w)

        # corrupted copies
        broken = os.path.join(tmp, "broken.mvae")
        poff = w["payload_offset"]
        flipped = bytearray(data)
        flipped[poff + 1234] ^= 0x04
        expect_refused(mod, tool, bytes(flipped), broken, "payload checksum mismatch",
                       "flipped payload bit")
        flipped = bytearray(data)
        flipped[poff - 70] ^= 0x01  # inside the metadata or its padding
        expect_refused(mod, tool, bytes(flipped), broken, "header checksum mismatch",
                       "flipped header bit")
        expect_refused(mod, tool, data[:poff + 500], broken, "truncated", "truncated")
        expect_refused(mod, tool, b"XORPHVAE" + data[8:], broken, "bad magic", "bad magic")
        if morphvae:
            check_info_refuses(morphvae, broken, "bad magic")
            with open(broken, "wb") as f:
                f.write(data[:poff + 500])
            check_info_refuses(morphvae, broken, "truncated in the payload")


def main():
    write_sample, tool = sys.argv[1], sys.argv[2]
    morphvae = sys.argv[3] if len(sys.argv) > 3 else None
    mod = load_module(tool)
    run_case(write_sample, tool, morphvae, mod, [])
    run_case(write_sample, tool, morphvae, mod, ["chords"])
    print(f"python reader: {'ok' if failures == 0 else f'{failures} failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
