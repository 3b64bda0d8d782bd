#!/usr/bin/python3
"""PyTorch parity of the trainer: the same model built on PyTorch's LSTM
kernel (torch._VF.lstm, what torch.nn.LSTM runs), loaded from the weights file the C side wrote (through
tools/mvae_weights.py), run on the same batch with the same eps. Logits, mu,
sigma, the loss and the gradient of EVERY tensor must agree with the C
trainer's (double precision on both sides) to a relative error below 1e-4.
Run for a melody model, for a groove model (27 features a step in, hits,
velocities and offsets out), for a piano-roll model (multi-hot steps in,
independent sigmoid cross-entropies out) and for a chord-conditioned melody
model (each step's 24 chord features, dumped by the C side, as more inputs of
the token decoder's first layer: its w_chord rows after w_x's).

usage: torch_parity.py TRAIN_PARITY_DUMP WORKDIR TOOLS_DIR
"""
import math
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

TOL = 1e-4


def read_dump(path):
    arrays = {}
    with open(path, "rb") as f:
        while True:
            line = f.readline()
            if not line:
                break
            fields = line.decode().split()
            name, ndim = fields[0], int(fields[1])
            dims = [int(d) for d in fields[2:2 + ndim]]
            n = int(np.prod(dims))
            arrays[name] = np.frombuffer(f.read(8 * n), dtype="<f8").reshape(dims)
    return arrays


def layer_weights(P, prefix, l, first_input=None):
    """PyTorch's LSTM weights of one layer (weight_ih [4H, n_in], weight_hh,
    bias_ih, bias_hh) from ours (w_x [n_in, 4H], w_h [H, 4H], b [4H]; both
    order the gates i, f, g, o)."""
    key = f"{prefix}.l{l}.w_x"
    b = P[f"{prefix}.l{l}.b"]
    return [P[key].t() if key in P else first_input, P[f"{prefix}.l{l}.w_h"].t(), b,
            torch.zeros_like(b)]


def lstm(x, state, weights, layers, bidirectional=False):
    """torch.nn.LSTM's kernel, batch first; returns (output, h_n, c_n)."""
    return torch._VF.lstm(x, state, weights, True, layers, 0.0, False, bidirectional, True)


def init_states(init, layers, H):
    """[c_l | h_l] per layer -> (h0, c0) shaped [layers, B, H]."""
    c = torch.stack([init[:, 2 * H * l:2 * H * l + H] for l in range(layers)])
    h = torch.stack([init[:, 2 * H * l + H:2 * H * (l + 1)] for l in range(layers)])
    return h.contiguous(), c.contiguous()


def forward(hp, P, tokens, roll, eps, beta, free_bits, chord_x=None, groove=False):
    """tokens [B, T] (melody), or roll [B, T, K] 0/1 steps (piano roll) or
    features (groove: hits, velocity / 127, 2 x offset of 9 drums);
    chord_x [B, T, 24] the chord features of a chord model."""
    K, Z = hp["n_classes"], hp["z_size"]
    E, C, D = hp["enc_size"], hp["cond_size"], hp["dec_size"]
    Le, Lc, Ld = hp["enc_layers"], hp["cond_layers"], hp["dec_layers"]
    NB, S = hp["n_bars"], hp["steps_per_bar"]
    dtype = eps.dtype
    onehot = roll.to(dtype) if roll is not None else F.one_hot(tokens, K).to(dtype)
    B, T = onehot.shape[:2]

    weights = []
    for l in range(Le):
        weights += layer_weights(P, "encoder.fw", l) + layer_weights(P, "encoder.bw", l)
    zeros = torch.zeros(2 * Le, B, E, dtype=dtype)
    _, h_n, _ = lstm(onehot, (zeros, zeros), weights, Le, bidirectional=True)
    enc_out = torch.cat([h_n[-2], h_n[-1]], dim=1)  # last layer: fw, bw
    mu = enc_out @ P["encoder.mu.w"] + P["encoder.mu.b"]
    sigma = F.softplus(enc_out @ P["encoder.sigma.w"] + P["encoder.sigma.b"])
    z = mu + sigma * eps

    # the conductor's inputs are zeros: one zero input with a zero kernel
    zero_w = torch.zeros(4 * C, 1, dtype=dtype)
    weights = []
    for l in range(Lc):
        weights += layer_weights(P, "conductor", l, first_input=zero_w)
    state = init_states(torch.tanh(z @ P["conductor.init.w"] + P["conductor.init.b"]), Lc, C)
    e, _, _ = lstm(torch.zeros(B, NB, 1, dtype=dtype), state, weights, Lc)

    dweights = []
    for l in range(Ld):
        dweights += layer_weights(P, "decoder", l)
    if chord_x is not None:
        dweights[0] = torch.cat([P["decoder.l0.w_x"], P["decoder.l0.w_chord"]]).t()
    prev = torch.cat([torch.zeros(B, 1, K, dtype=dtype), onehot[:, :-1]], dim=1)
    outs = []
    for bar in range(NB):
        e_b = e[:, bar]
        state = init_states(torch.tanh(e_b @ P["decoder.init.w"] + P["decoder.init.b"]), Ld, D)
        x = torch.cat([prev[:, bar * S:(bar + 1) * S], e_b[:, None].expand(B, S, C)], dim=2)
        if chord_x is not None:
            x = torch.cat([x, chord_x[:, bar * S:(bar + 1) * S]], dim=2)
        out, _, _ = lstm(x, state, dweights, Ld)
        outs.append(out)
    logits = torch.cat(outs, dim=1) @ P["decoder.out.w"] + P["decoder.out.b"]

    if groove:
        V = 9
        hits = onehot[..., :V]
        recon = F.binary_cross_entropy_with_logits(logits[..., :V], hits, reduction="sum")
        velocity = torch.sigmoid(logits[..., V:2 * V]) - onehot[..., V:2 * V]
        offset = torch.tanh(logits[..., 2 * V:]) - onehot[..., 2 * V:]
        recon = (recon + (hits * (velocity ** 2 + offset ** 2)).sum()) / B
    elif roll is not None:
        recon = F.binary_cross_entropy_with_logits(logits, onehot, reduction="sum") / B
    else:
        recon = F.cross_entropy(logits.reshape(-1, K), tokens.reshape(-1), reduction="sum") / B
    kl = (0.5 * (mu * mu + sigma * sigma - 1) - torch.log(sigma)).sum(dim=1)
    loss = recon + beta * torch.relu(kl - free_bits * math.log(2.0)).mean()
    return loss, logits, mu, sigma


def rel_err(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def compare(dump_exe, workdir, mvae_weights, extra):
    subprocess.run([dump_exe, workdir] + extra, check=True)
    hp, tensors, _ = mvae_weights.read(f"{workdir}/parity.mvae")
    c = read_dump(f"{workdir}/parity.dump")
    P = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in tensors.items()}
    tokens = torch.tensor(c["tokens"].astype(np.int64)) if "tokens" in c else None
    roll = torch.tensor(c["roll"]) if "roll" in c else None
    groove = "groove" in c
    if groove:
        roll = torch.tensor(c["groove"])
    eps = torch.tensor(c["eps"])
    c_loss, beta, free_bits, _ = c["scalars"]

    chord_x = torch.tensor(c["chord_x"]) if "chord_x" in c else None
    loss, logits, mu, sigma = forward(hp, P, tokens, roll, eps, beta, free_bits, chord_x, groove)
    loss.backward()
    missing = [k for k, p in P.items() if p.grad is None]
    if missing:
        print("no gradient reached", missing)

    failures = 0
    checks = [("logits", logits.detach().numpy(), c["logits"]),
              ("mu", mu.detach().numpy(), c["mu"]),
              ("sigma", sigma.detach().numpy(), c["sigma"]),
              ("loss", np.array([loss.item()]), np.array([c_loss]))]
    for name, p in P.items():
        checks.append((f"grad {name}", c[f"grad.{name}"], p.grad.numpy()))
    for name, a, b in checks:
        e = rel_err(a, b)
        ok = e < TOL and a.shape == b.shape
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:28s} relative error {e:.2e}")
    if len(P) != sum(1 for k in c if k.startswith("grad.")):
        print("FAIL the dump and the weights file hold different tensor sets")
        failures += 1
    what = ("groove" if groove else "roll" if roll is not None
            else "chords" if chord_x is not None else "melody")
    print(f"{what}: loss C {c_loss:.12f} torch "
          f"{loss.item():.12f}; {len(checks)} checks, {failures} failed")
    return failures


def main():
    dump_exe, workdir, tools_dir = sys.argv[1:4]
    sys.path.insert(0, tools_dir)
    import mvae_weights
    failures = compare(dump_exe, workdir, mvae_weights, [])
    failures += compare(dump_exe, workdir, mvae_weights, ["roll"])
    failures += compare(dump_exe, workdir, mvae_weights, ["chords"])
    failures += compare(dump_exe, workdir, mvae_weights, ["groove"])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
