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
    # Full-scale tones plus noise: mel power far above float16's 65504, where musicnn's own
    # float16 cast overflows.
    loud16k = (0.7 * np.sin(2 * np.pi * 220 * t(2.0, 16000)) + 0.25 * np.sin(2 * np.pi * 1760 * t(2.0, 16000))
               + 0.05 * np.random.default_rng(99).standard_normal(32000))
    return {
        "sine_sweep": (sweep, SR),
        "two_tones": (tones, SR),
        "white_noise": (noise, SR),
        "silence_gap": (gap, SR),
        "short_clip": (short, SR),
        "two_tones_16k": (tones16k, 16000),
        "loud_16k": (loud16k, 16000),
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


# musicnn's front end (musicnn.extractor.batch_data), computed in float32.
MUSICNN = dict(n_fft=512, hop_length=256, n_mels=96, scale=10000.0)


def musicnn_features(y, sr):
    """log10(1 + 10000 mel) in float32, and how many bins musicnn's float16 cast makes infinite."""
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=MUSICNN["n_fft"], hop_length=MUSICNN["hop_length"],
                                         n_mels=MUSICNN["n_mels"]).astype(np.float32)
    ours = np.log10(np.float32(MUSICNN["scale"]) * mel + np.float32(1))
    with np.errstate(over="ignore"):
        theirs = np.log10(10000 * mel.astype(np.float16) + 1)
    return ours, int(np.isinf(theirs).sum())


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
        if sr == 16000:
            logmel, f16_overflows = musicnn_features(y, sr)
            np.save(OUT / f"{name}.musicnn.logmel.npy", logmel)
            case["musicnn"] = {"logmel": f"{name}.musicnn.logmel.npy", "float16_overflowing_bins": f16_overflows}
        # python_speech_features works in float64 on the signal as given, returns (frames, ceps).
        ceps = psf.mfcc(y.astype(np.float64), samplerate=sr)
        np.save(OUT / case["psf"], ceps.T.astype(np.float32))
        cases.append(case)
    manifest = {
        "librosa_version": librosa.__version__,
        "python_speech_features": "mfcc() defaults (13 ceps, 26 filters, 25 ms / 10 ms, nfft 512, preemph 0.97, lifter 22)",
        "configs": CONFIGS,
        "musicnn": MUSICNN,
        "cases": cases,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
