#!/usr/bin/env python3
"""Golden feature values from librosa and python_speech_features for genrespace's parity tests.

Generates deterministic test signals (sine sweep, two tones, seeded white noise, a tone with a
silent gap, a clip shorter than n_fft), computes with librosa the mel power spectrogram, the
log-mel in dB and the MFCC for several configurations, and python_speech_features' mfcc(), then
writes everything as .npy files plus manifest.json into crates/features/tests/fixtures/reference/.
The Rust tests read the signals from there, recompute, and compare.

Run:  PY=$(scripts/python_env.sh) && $PY scripts/reference_features.py
"""
import json
import pathlib

import librosa
import numpy as np
import python_speech_features as psf

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/features/tests/fixtures/reference"
SR = 22050


def signals():
    t = lambda secs, sr=SR: np.arange(int(secs * sr)) / sr
    sweep = 0.5 * np.sin(2 * np.pi * (100 * t(1.5) + (8000 - 100) / (2 * 1.5) * t(1.5) ** 2))
    tones = 0.4 * np.sin(2 * np.pi * 440 * t(1.2)) + 0.2 * np.sin(2 * np.pi * 1250 * t(1.2))
    noise = 0.3 * np.random.default_rng(1234).standard_normal(int(1.2 * SR))
    gap = np.concatenate([0.5 * np.sin(2 * np.pi * 330 * t(0.4)), np.zeros(int(0.4 * SR)),
                          0.5 * np.sin(2 * np.pi * 660 * t(0.4))])
    short = 0.5 * np.sin(2 * np.pi * 1000 * t(1000 / SR))
    tones16k = 0.4 * np.sin(2 * np.pi * 440 * t(1.0, 16000)) + 0.2 * np.sin(2 * np.pi * 3000 * t(1.0, 16000))
    return {
        "sine_sweep": (sweep, SR),
        "two_tones": (tones, SR),
        "white_noise": (noise, SR),
        "silence_gap": (gap, SR),
        "short_clip": (short, SR),
        "two_tones_16k": (tones16k, 16000),
    }


# Feature configs, named with genrespace's FeatureConfig field names.
CONFIGS = {
    "default": dict(n_fft=2048, hop_length=512, n_mels=128, fmin=0.0, fmax=None, htk=False, n_mfcc=20, lifter=0),
    "htk_64_lifter": dict(n_fft=1024, hop_length=256, n_mels=64, fmin=50.0, fmax=8000.0, htk=True, n_mfcc=13, lifter=22),
}


def librosa_features(y, sr, c):
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=c["n_fft"], hop_length=c["hop_length"],
                                         n_mels=c["n_mels"], fmin=c["fmin"], fmax=c["fmax"], htk=c["htk"])
    logmel = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)
    mfcc = librosa.feature.mfcc(S=logmel, n_mfcc=c["n_mfcc"], lifter=c["lifter"])
    return mel, logmel, mfcc


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, (y, sr) in signals().items():
        y = y.astype(np.float32)
        np.save(OUT / f"{name}.signal.npy", y)
        case = {"name": name, "sample_rate": sr, "librosa": {}, "psf": f"{name}.psf.npy"}
        if sr == SR:
            for cname, c in CONFIGS.items():
                mel, logmel, mfcc = librosa_features(y, sr, c)
                for kind, arr in (("mel", mel), ("logmel", logmel), ("mfcc", mfcc)):
                    np.save(OUT / f"{name}.{cname}.{kind}.npy", arr.astype(np.float32))
                case["librosa"][cname] = {k: f"{name}.{cname}.{k}.npy" for k in ("mel", "logmel", "mfcc")}
        # python_speech_features works in float64 on the signal as given, returns (frames, ceps).
        ceps = psf.mfcc(y.astype(np.float64), samplerate=sr)
        np.save(OUT / case["psf"], ceps.T.astype(np.float32))
        cases.append(case)
    manifest = {
        "librosa_version": librosa.__version__,
        "python_speech_features": "mfcc() defaults (13 ceps, 26 filters, 25 ms / 10 ms, nfft 512, preemph 0.97, lifter 22)",
        "configs": CONFIGS,
        "cases": cases,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
