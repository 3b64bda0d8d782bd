#!/usr/bin/python3
"""Reads a morphvae weights file (docs/weights-format.md) with numpy.

    import mvae_weights
    hparams, tensors, metadata = mvae_weights.read("model.mvae")

hparams is a dict of the 12 hyperparameters and chords (the chord input:
0 none, 1 core/chord.h's 24 features; format version 2 only), tensors a dict name -> float32
array (row-major, shaped as stored), metadata a dict key -> str, float32 array
or int64 array. Both checksums are verified; any problem raises WeightsError
naming the file. As a script it prints a summary, or everything as JSON:

    mvae_weights.py model.mvae [--json [--values]]
"""
import argparse
import json
import struct
import sys
import zlib

import numpy as np

MAGIC = b"MORPHVAE"
VERSION = 2  # version 1 without a chord input; 2 with one, in repr's high half
ENDIAN_MARKER = 0x01020304
ALIGN = 64
HPARAMS = ("repr", "n_classes", "min_pitch", "n_bars", "steps_per_bar", "z_size",
           "enc_size", "enc_layers", "cond_size", "cond_layers", "dec_size", "dec_layers")
# magic, version, endian, 12 hparams, n_tensors, n_meta, table_size, meta_size,
# payload_offset, payload_size, payload_crc, header_crc
HEADER = struct.Struct("<8sII48sIIQQQQII")
ENTRY = struct.Struct("<64sIIQQQQ")  # name, dtype, ndim, dims[2], offset, nbytes
META_HEAD = struct.Struct("<IIQ")  # key_len, type, count
META_TYPES = {1: ("STR", 1), 2: ("F32", 4), 3: ("I64", 8)}
DTYPE_F32 = 2
HEADER_CRC_AT = 108


class WeightsError(Exception):
    pass


def _pad8(n):
    return (n + 7) // 8 * 8


def parse(data, name="<bytes>"):
    """Parses the bytes of a weights file; returns a dict with hparams, tensors,
    metadata, and the table and checksums for summaries."""
    def fail(msg):
        raise WeightsError(f"{name}: {msg}")

    data = memoryview(data).cast("B")
    n = len(data)
    if bytes(data[:8]) != MAGIC[:min(n, 8)]:
        fail("not a morphvae weights file (bad magic)")
    if n < HEADER.size:
        fail(f"truncated in the header ({n} of {HEADER.size} bytes)")
    (_, version, marker, hp_bytes, n_tensors, n_meta, table_size, meta_size, payload_offset,
     payload_size, payload_crc, header_crc) = HEADER.unpack_from(data)
    if marker != ENDIAN_MARKER:
        fail(f"endianness marker is 0x{marker:08x}, expected 0x{ENDIAN_MARKER:08x}")
    if version not in (1, VERSION):
        fail(f"format version {version}, this reader reads versions 1 and {VERSION}")
    hparams = dict(zip(HPARAMS, struct.unpack("<12I", hp_bytes)))
    hparams["chords"] = 0
    if version == VERSION:
        hparams["chords"] = hparams["repr"] >> 16
        hparams["repr"] &= 0xFFFF
        if hparams["chords"] == 0:
            fail(f"bad hyperparameters: format version {VERSION} without a chord input")
    if n_tensors == 0 or table_size != n_tensors * ENTRY.size:
        fail(f"tensor table of {table_size} bytes does not hold {n_tensors} entries")
    meta_start = HEADER.size + table_size
    expect_offset = (meta_start + meta_size + ALIGN - 1) // ALIGN * ALIGN
    if payload_offset != expect_offset:
        fail(f"payload offset {payload_offset}, expected {expect_offset}")
    if n < payload_offset + payload_size:
        fail(f"truncated ({n} of {payload_offset + payload_size} bytes)")
    if n > payload_offset + payload_size:
        fail(f"{n - payload_offset - payload_size} bytes follow the end of the payload")
    crc = zlib.crc32(data[payload_offset:])
    if crc != payload_crc:
        fail(f"payload checksum mismatch (stored 0x{payload_crc:08x}, computed 0x{crc:08x})")
    crc = zlib.crc32(data[HEADER.size:payload_offset], zlib.crc32(data[:HEADER_CRC_AT]))
    if crc != header_crc:
        fail(f"header checksum mismatch (stored 0x{header_crc:08x}, computed 0x{crc:08x})")

    payload = data[payload_offset:]
    tensors, table = {}, []
    for i in range(n_tensors):
        raw, dtype, ndim, d0, d1, offset, nbytes = ENTRY.unpack_from(data, HEADER.size + i * ENTRY.size)
        tname = raw.split(b"\0", 1)[0].decode("ascii", "replace")
        shape = (d0, d1) if ndim == 2 else (d0,)
        if dtype != DTYPE_F32 or ndim not in (1, 2) or 0 in shape:
            fail(f"tensor {tname} has data type {dtype} and shape {shape}")
        if nbytes != 4 * int(np.prod(shape, dtype=object)) or offset % ALIGN:
            fail(f"tensor {tname} declares {nbytes} bytes at offset {offset}")
        if offset + nbytes > payload_size:
            fail(f"tensor {tname} runs past the end of the payload")
        if tname in tensors:
            fail(f"tensor {tname} appears twice")
        tensors[tname] = np.frombuffer(payload, "<f4", nbytes // 4, offset).reshape(shape)
        table.append({"name": tname, "shape": list(shape), "offset": offset, "nbytes": nbytes})

    metadata, pos, end = {}, meta_start, meta_start + meta_size
    for i in range(n_meta):
        if end - pos < META_HEAD.size:
            fail(f"metadata entry {i + 1} of {n_meta} does not fit in the metadata section")
        key_len, mtype, count = META_HEAD.unpack_from(data, pos)
        if mtype not in META_TYPES:
            fail(f"metadata entry {i + 1} has unknown type {mtype}")
        key_at = pos + META_HEAD.size
        data_at = key_at + _pad8(key_len)
        nbytes = count * META_TYPES[mtype][1]
        if data_at + _pad8(nbytes) > end:
            fail(f"metadata entry {i + 1} runs past the metadata section")
        key = bytes(data[key_at:key_at + key_len]).decode("ascii", "replace")
        if key in metadata:
            fail(f"metadata key {key} appears twice")
        raw = data[data_at:data_at + nbytes]
        if mtype == 1:
            try:
                metadata[key] = bytes(raw).decode("utf-8")
            except UnicodeDecodeError:
                fail(f"metadata {key} is not UTF-8 text")
        else:
            metadata[key] = np.frombuffer(raw, "<f4" if mtype == 2 else "<i8")
        pos = data_at + _pad8(nbytes)
    if pos != end:
        fail(f"metadata section has {end - pos} bytes after its last entry")
    return {"hparams": hparams, "tensors": tensors, "metadata": metadata, "table": table,
            "checksum": payload_crc, "header_checksum": header_crc,
            "payload_offset": payload_offset}


def read(path):
    """Returns (hparams, tensors, metadata) of the weights file at path."""
    with open(path, "rb") as f:
        w = parse(f.read(), path)
    return w["hparams"], w["tensors"], w["metadata"]


def _meta_json(value, with_values):
    if isinstance(value, str):
        return {"type": "STR", "value": value}
    kind = "F32" if value.dtype == np.float32 else "I64"
    shown = value.tolist() if with_values else value[:4].tolist()
    return {"type": kind, "count": int(value.size), "value": shown}


def to_json(w, path, with_values=False):
    out = {"file": path, "hparams": w["hparams"], "checksum": w["checksum"],
           "header_checksum": w["header_checksum"], "payload_offset": w["payload_offset"],
           "tensors": [], "metadata": {}}
    for entry in w["table"]:
        item = dict(entry)
        if with_values:
            item["values"] = w["tensors"][entry["name"]].ravel().tolist()
        out["tensors"].append(item)
    for key, value in w["metadata"].items():
        out["metadata"][key] = _meta_json(value, with_values)
    return out


def print_summary(w, path):
    hp = w["hparams"]
    params = sum(t.size for t in w["tensors"].values())
    print(f"{path}: {params} parameters")
    print("  " + " ".join(f"{k}={v}" for k, v in hp.items()))
    for e in w["table"]:
        shape = "x".join(str(d) for d in e["shape"])
        print(f"  {e['name']:<24} {shape:>10}  offset {e['offset']:>9}  {e['nbytes']:>9} bytes")
    for key, value in w["metadata"].items():
        if isinstance(value, str):
            print(f"  {key} = {value!r}")
        else:
            print(f"  {key} = {value.dtype}[{value.size}] {value[:4].tolist()}")
    print(f"  checksum ok (payload crc32 0x{w['checksum']:08x}, header crc32 "
          f"0x{w['header_checksum']:08x})")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Read and verify a morphvae weights file.")
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true", help="print everything as JSON")
    ap.add_argument("--values", action="store_true", help="with --json: every value, not 4")
    args = ap.parse_args(argv)
    try:
        with open(args.file, "rb") as f:
            w = parse(f.read(), args.file)
    except (OSError, WeightsError) as e:
        print(e if isinstance(e, WeightsError) else f"{args.file}: {e.strerror}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(to_json(w, args.file, args.values), sys.stdout)
        print()
    else:
        print_summary(w, args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
