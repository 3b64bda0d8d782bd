#!/usr/bin/python3
"""The same hierarchical decoder in PyTorch (Debian's torch 1.13, one thread),
eager and TorchScript, greedy decode timed as bench_decode times the C one:
all variants round-robin, median over rounds.

Written the way a PyTorch user would: nn.LSTMCell (fused gates), one-hot
previous token concatenated with the bar embedding as layer 0's input.
Output: a table, then "RESULT <model> <variant> <ms>" lines for run.sh.
Usage: /usr/bin/python3 torch_decode.py [rounds]"""
import sys
import time
from typing import List, Tuple

import torch
from torch import nn

PRESETS = {
    # z, enc, cond, dec, dec_layers, classes, bars, steps
    "mel_2bar": dict(z=256, cond=256, dec=256, dec_layers=2, classes=90, bars=2, steps=16),
    "large": dict(z=512, cond=512, dec=512, dec_layers=2, classes=90, bars=4, steps=16),
}


class HierDecoder(nn.Module):
    def __init__(self, z: int, cond: int, dec: int, dec_layers: int, classes: int,
                 bars: int, steps: int):
        super().__init__()
        self.cond_size, self.dec_size, self.n_layers = cond, dec, dec_layers
        self.n_classes, self.n_bars, self.n_steps = classes, bars, steps
        self.cond_init = nn.Linear(z, 2 * cond)
        self.conductor = nn.LSTMCell(1, cond)  # its input is zeros
        self.dec_init = nn.Linear(cond, 2 * dec * dec_layers)
        self.cells = nn.ModuleList(
            [nn.LSTMCell(classes + cond if l == 0 else dec, dec) for l in range(dec_layers)])
        self.out = nn.Linear(dec, classes)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        batch = z.size(0)
        ch = torch.tanh(self.cond_init(z))
        c, h = ch[:, :self.cond_size], ch[:, self.cond_size:]
        zeros = torch.zeros(batch, 1)
        embeddings: List[torch.Tensor] = []
        for _ in range(self.n_bars):
            h, c = self.conductor(zeros, (h, c))
            embeddings.append(h)
        prev = torch.zeros(batch, self.n_classes)
        tokens: List[torch.Tensor] = []
        for e in embeddings:
            init = torch.tanh(self.dec_init(e))
            states: List[Tuple[torch.Tensor, torch.Tensor]] = []
            for l in range(self.n_layers):
                base = 2 * l * self.dec_size
                states.append((init[:, base + self.dec_size:base + 2 * self.dec_size],
                               init[:, base:base + self.dec_size]))
            for _ in range(self.n_steps):
                x = torch.cat([prev, e], dim=1)
                new_states: List[Tuple[torch.Tensor, torch.Tensor]] = []
                for l, cell in enumerate(self.cells):
                    h_l, c_l = cell(x, states[l])
                    new_states.append((h_l, c_l))
                    x = h_l
                states = new_states
                token = torch.argmax(self.out(x), dim=1)
                tokens.append(token)
                prev = nn.functional.one_hot(token, self.n_classes).float()
        return torch.stack(tokens, dim=1)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for name, hp in PRESETS.items():
        eager = HierDecoder(**hp).eval()
        scripted = torch.jit.script(eager)
        variants = []
        for label, model in (("eager", eager), ("script", scripted)):
            for batch in (1, 16):
                z = torch.randn(batch, hp["z"])
                variants.append((f"torch_{label}_batch{batch}", model, z, []))
        with torch.no_grad():
            for _, model, z, _ in variants:  # warm up (TorchScript profiles first runs)
                for _ in range(3):
                    model(z)
            for _ in range(rounds):
                for _, model, z, samples in variants:
                    reps = 2 if z.size(0) == 1 else 1
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        model(z)
                    samples.append((time.perf_counter() - t0) * 1e3 / reps)
        print(f"{name} (PyTorch {torch.__version__}, 1 thread)")
        for label, _, z, samples in variants:
            ms = sorted(samples)[len(samples) // 2]
            print(f"  {label:22s} {ms:8.3f} ms per call, {ms / z.size(0):7.3f} ms per sequence")
            print(f"RESULT {name} {label} {ms:.4f}")


if __name__ == "__main__":
    main()
