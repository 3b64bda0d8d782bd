"""Checks the WAV that ardour7-export rendered from the 16-bar session: sound
in every bar, and the automated Morph audible (the melody of the last two bars
differs from that of the first two).

Per 16th step (1/16 of a bar of 2 s: 4/4 at 120 BPM) the strongest spectral
peak between 50 Hz and 2 kHz is taken as the pitch sounding (the melody is
monophonic); a step quieter than -40 dBFS RMS counts as silent.
usage: analyse_export.py WAV"""
import sys
import wave

import numpy as np

BARS, STEPS = 16, 16


def steps_of(path):
    with wave.open(path) as w:
        rate, n, ch = w.getframerate(), w.getnframes(), w.getnchannels()
        assert w.getsampwidth() == 2, "expected 16-bit samples"
        x = np.frombuffer(w.readframes(n), dtype=np.int16).reshape(-1, ch).mean(axis=1) / 32768
    step = 2 * rate // STEPS
    if len(x) < BARS * STEPS * step:
        sys.exit(f"FAILED: {path} lasts {len(x) / rate:.1f} s, not 16 bars (32 s)")
    fft = 1 << 15
    freqs = np.fft.rfftfreq(fft, 1 / rate)
    band = (freqs > 50) & (freqs < 2000)
    window = np.hanning(step)
    rms, pitch = [], []
    for i in range(BARS * STEPS):
        seg = x[i * step:(i + 1) * step]
        r = float(np.sqrt(np.mean(seg ** 2)))
        spec = np.abs(np.fft.rfft(seg * window, fft)) * band
        rms.append(r)
        pitch.append(int(round(69 + 12 * np.log2(freqs[np.argmax(spec)] / 440))) if r > 0.01 else None)
    return rms, pitch


def main():
    rms, pitch = steps_of(sys.argv[1])
    fail = 0
    for b in range(BARS):
        bar = pitch[b * STEPS:(b + 1) * STEPS]
        energy = np.sqrt(np.mean(np.square(rms[b * STEPS:(b + 1) * STEPS])))
        print(f"bar {b + 1:2d}: rms {energy:.4f}  " + " ".join("." if p is None else str(p) for p in bar))
        if all(p is None for p in bar):
            print(f"FAILED: bar {b + 1} is silent")
            fail = 1
    first, last = pitch[:2 * STEPS], pitch[-2 * STEPS:]
    differ = sum(a != b for a, b in zip(first, last))
    print(f"bars 1-2 and 15-16 differ in {differ} of {2 * STEPS} steps")
    if differ < 2 * STEPS // 4:
        print("FAILED: the last bars play what the first bars play (Morph not heard)")
        fail = 1
    return fail


if __name__ == "__main__":
    sys.exit(main())
