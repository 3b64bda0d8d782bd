#!/usr/bin/python3
"""The PyTorch side of bench/train/run.sh: training steps (forward, backward,
global-norm clipping at 1.0, Adam) of the model in tests/train/torch_parity.py
at the same sizes, batch and thread count as bench_train, in float32.

usage: torch_bench.py REPO_ROOT [--config mel_2bar] [--batch 64] [--threads 1] [--steps 20]
"""
import argparse
import os
import sys
import time

import torch

PRESETS = {  # as core/hparams.c
    "mel_2bar": dict(repr=0, n_classes=90, min_pitch=21, n_bars=2, steps_per_bar=16,
                     z_size=256, enc_size=256, enc_layers=1, cond_size=256, cond_layers=1,
                     dec_size=256, dec_layers=2),
}


def make_params(hp):
    E, C, D, Z, K = hp["enc_size"], hp["cond_size"], hp["dec_size"], hp["z_size"], hp["n_classes"]
    shapes = {}
    for l in range(hp["enc_layers"]):
        for d in ("fw", "bw"):
            shapes[f"encoder.{d}.l{l}.w_x"] = (2 * E if l else K, 4 * E)
            shapes[f"encoder.{d}.l{l}.w_h"] = (E, 4 * E)
            shapes[f"encoder.{d}.l{l}.b"] = (4 * E,)
    for name, n_in, n_out in (("encoder.mu", 2 * E, Z), ("encoder.sigma", 2 * E, Z),
                              ("conductor.init", Z, 2 * C * hp["cond_layers"]),
                              ("decoder.init", C, 2 * D * hp["dec_layers"]),
                              ("decoder.out", D, K)):
        shapes[f"{name}.w"] = (n_in, n_out)
        shapes[f"{name}.b"] = (n_out,)
    for l in range(hp["cond_layers"]):
        if l:
            shapes[f"conductor.l{l}.w_x"] = (C, 4 * C)
        shapes[f"conductor.l{l}.w_h"] = (C, 4 * C)
        shapes[f"conductor.l{l}.b"] = (4 * C,)
    for l in range(hp["dec_layers"]):
        shapes[f"decoder.l{l}.w_x"] = (D if l else K + C, 4 * D)
        shapes[f"decoder.l{l}.w_h"] = (D, 4 * D)
        shapes[f"decoder.l{l}.b"] = (4 * D,)
    return {k: (torch.rand(s) * 0.1 - 0.05).requires_grad_() for k, s in shapes.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--config", default="mel_2bar")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.root, "tests", "train"))
    from torch_parity import forward
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    hp = PRESETS[a.config]
    P = make_params(hp)
    opt = torch.optim.Adam(P.values(), lr=1e-3)
    T = hp["n_bars"] * hp["steps_per_bar"]
    tokens = torch.randint(0, hp["n_classes"], (a.batch, T))
    for step in range(-2, a.steps):
        if step == 0:
            t0 = time.perf_counter()
        eps = torch.randn(a.batch, hp["z_size"])
        opt.zero_grad()
        loss, _, _, _ = forward(hp, P, tokens, None, eps, 0.2, 48.0)  # melody: no roll
        loss.backward()
        torch.nn.utils.clip_grad_norm_(P.values(), 1.0)
        opt.step()
    secs = time.perf_counter() - t0
    print(f"PyTorch {torch.__version__} {a.config:10s} batch {a.batch} threads {a.threads}: "
          f"{a.steps * a.batch / secs:7.1f} sequences/s")


if __name__ == "__main__":
    main()
