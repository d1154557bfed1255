#!/usr/bin/env python3
"""DTW speed: genrespace vs dtaidistance (C) and fastdtw, on the same MFCC-like sequences, in one run.

Sequences are random walks shaped like genrespace's pooled MFCC sequences (20 dims; ~2 frames/s,
so 60 frames for a 30-s clip and 600 for a 5-minute song). genrespace and dtaidistance compute
the same exact DTW (squared Euclidean frame cost, square root at the end: dtaidistance's
`dtw_ndim.distance_fast`); their distances are checked equal before timing counts. fastdtw (the
library the MFCC+DTW recommender genrespace grows from used) is an approximation computed in
Python; it is timed on a subset of the pairs. All single-threaded. The last case is how playlists
use DTW: a Sakoe-Chiba band of 10 % of the sequence (widened to the length difference), the same
band given to dtaidistance (its `window` counts the diagonal, hence +1); fastdtw has no band.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
from dtaidistance import dtw_ndim
from fastdtw import fastdtw
from scipy.spatial.distance import euclidean


def sequences(rng, count, frames, dims):
    return [np.cumsum(rng.standard_normal((frames + rng.integers(-frames // 10, frames // 10 + 1), dims)), axis=0) * 0.3
            for _ in range(count)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    print(f"{'case':24} {'pairs':>6} | {'genrespace':>11} {'dtaidistance':>13} {'fastdtw':>10} | {'vs dtai':>8} {'vs fastdtw':>10}")
    cases = (("30-s clips (60x20)", 40, 60, 20, None), ("5-min songs (600x20)", 12, 600, 3, None),
             ("5-min songs, band 10 %", 12, 600, 3, 60))
    for name, count, frames, fast_pairs, window in cases:
        seqs = sequences(rng, count, frames, 20)
        pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
        with tempfile.TemporaryDirectory() as tmp:
            raw, desc = os.path.join(tmp, "seq.f32"), os.path.join(tmp, "desc.json")
            np.concatenate([s.astype(np.float32).ravel() for s in seqs]).tofile(raw)
            json.dump({"dims": 20, "lengths": [len(s) for s in seqs], "pairs": pairs, "cost": "squared", "window": window}, open(desc, "w"))
            ours = json.loads(subprocess.run(["taskset", "-c", "0", a.harness, raw, desc], check=True,
                                             capture_output=True, text=True).stdout)
        s64 = [s.astype(np.float32).astype(np.float64) for s in seqs]
        band = {} if window is None else {"window": window + 1}
        dtw_ndim.distance_fast(s64[0], s64[1], **band)
        t0 = time.perf_counter()
        theirs = [dtw_ndim.distance_fast(s64[i], s64[j], **band) for i, j in pairs]
        t_dtai = time.perf_counter() - t0
        np.testing.assert_allclose(ours["distances"], theirs, rtol=1e-4)
        t0 = time.perf_counter()
        for i, j in pairs[:fast_pairs]:
            fastdtw(s64[i], s64[j], dist=euclidean)
        t_fast = (time.perf_counter() - t0) / fast_pairs * len(pairs)
        per = lambda t: f"{1e3 * t / len(pairs):8.3f} ms"
        print(f"{name:24} {len(pairs):6d} | {per(ours['seconds']):>11} {per(t_dtai):>13} {per(t_fast):>10} | "
              f"{t_dtai / ours['seconds']:7.2f}x {t_fast / ours['seconds']:9.0f}x")
    print("per-pair times; ratios = their time / genrespace's time (higher is faster for genrespace);"
          " distances equal to dtaidistance's within 1e-4")


if __name__ == "__main__":
    main()
