#!/usr/bin/env python3
"""One-off `genrespace playlist` runs on a catalogue made by `bench_playlist generate` (tracks at
/synthetic/NNN/NNNNNN.mp3): each run a new process, timed from start to the printed playlist.
Prints p50/p95 per library and space, and what the CLI said it spent reading points.

`playlist` takes a seed only as a file that exists, so the seeds' paths get empty placeholder
files for the run (removed afterwards); the library's stored analysis is what is used.

Usage: scripts/bench_cli_playlists.py GENRESPACE TRACKS LIBRARY... [--runs N]
"""
import argparse
import json
import os
import random
import subprocess
import time
from contextlib import contextmanager


def quantile(values, q):
    values = sorted(values)
    return values[min(int(len(values) * q), len(values) - 1)]


@contextmanager
def placeholders(paths):
    """Empty files at `paths` (and their folders) that did not exist, removed on leaving."""
    made = []
    try:
        for path in paths:
            folder = os.path.dirname(path)
            missing = []
            while not os.path.exists(folder):
                missing.append(folder)
                folder = os.path.dirname(folder)
            for folder in reversed(missing):
                os.mkdir(folder)
                made.append(folder)
            if not os.path.exists(path):
                open(path, "wb").close()
                made.append(path)
        yield
    finally:
        for path in reversed(made):
            (os.rmdir if os.path.isdir(path) else os.remove)(path)


def seed_path(i):
    return f"/synthetic/{i // 1000:03}/{i:06}.mp3"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("genrespace")
    ap.add_argument("tracks", type=int)
    ap.add_argument("libraries", nargs="+")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    plan = [(space, random.Random(11).sample(range(args.tracks), runs)) for space, runs in (("genres", args.runs), ("embedding", max(3, args.runs // 4)))]
    with placeholders([seed_path(i) for _, queries in plan for i in queries]):
        run(args, plan)


def run(args, plan):
    for space, queries in plan:
        runs = len(queries)
        for db in args.libraries:
            walls, loads = [], []
            for i in queries:
                path = seed_path(i)
                t = time.perf_counter()
                out = subprocess.run([args.genrespace, "playlist", "--json", "--db", db, "--space", space, path], capture_output=True, text=True)
                walls.append(1e3 * (time.perf_counter() - t))
                if out.returncode != 0:
                    raise SystemExit(f"{db}: {out.stderr.strip()}")
                playlist = json.loads(out.stdout)
                assert len(playlist["tracks"]) == 10, playlist
                loads.append(playlist["timings"]["load_ms"])
            engine = "postgresql" if db.startswith("postgres") else "sqlite"
            print(json.dumps({"cli_playlist": engine, "space": space, "runs": runs, "p50_ms": round(quantile(walls, 0.5), 1),
                              "p95_ms": round(quantile(walls, 0.95), 1), "median_points_read_ms": round(quantile(loads, 0.5), 1)}))


if __name__ == "__main__":
    main()
