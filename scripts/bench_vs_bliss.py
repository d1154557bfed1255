#!/usr/bin/env python3
"""genrespace against bliss-rs on the same library, in one run.

For each tool: songs/s (wall time of the whole analysis, 2 cores), peak RSS (the child's
ru_maxrss from wait4), and same-label precision@10 of playlists (the label is the folder a file
is in: the style family on the rendered corpus). bliss: Euclidean distance on its 23 features,
as its own playlist functions do by default. genrespace: `playlist -n 10` with and without the
DTW rerank, indexing 10 slices per song (the default) and every slice. Standard library only.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd):
    """Run `cmd`, return (stdout, seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}")
    return out, seconds, usage.ru_maxrss / 1024


def label(path):
    return Path(path).parent.name


def precision_at(neighbours, query, k):
    same = sum(label(n) == label(query) for n in neighbours[:k])
    return same / k


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", required=True, help="folder of <label>/<file> audio")
    ap.add_argument("--genrespace", required=True)
    ap.add_argument("--bliss", required=True)
    ap.add_argument("--model", default="builtin:msd-musicnn")
    ap.add_argument("--max-slices", type=int, default=10, help="patches per song genrespace indexes (0 = all)")
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--every-slice", action="store_true", help="also index every patch of every song (slow with musicnn)")
    args = ap.parse_args()
    files = sorted(str(p) for p in Path(args.library).rglob("*") if p.suffix.lower() in {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a"})
    if len(files) <= args.k:
        sys.exit(f"need more than {args.k} files in {args.library}")
    out, bliss_s, bliss_rss = run([args.bliss, *files])
    bliss = json.loads(out)
    vecs = {s["path"]: s["analysis"] for s in bliss["songs"]}
    # Both tools must analyse the same files: bliss's symphonia build decodes no Opus, say. Its
    # failures are reported and left out of the comparison (and of genrespace's library).
    for f in bliss["failed"]:
        print(f"bliss-rs failed, left out: {f['path']}: {f['error']}", file=sys.stderr)
    files = [f for f in files if f in vecs]
    shared = tempfile.mkdtemp(prefix="bench-vs-bliss-")
    for f in files:
        link = Path(shared) / label(f) / Path(f).name
        link.parent.mkdir(exist_ok=True)
        link.symlink_to(Path(f).resolve())
    files = sorted(str(Path(shared) / label(f) / Path(f).name) for f in files)
    vecs = {str(Path(shared) / label(p) / Path(p).name): v for p, v in vecs.items()}
    bliss_p = []
    for q, v in vecs.items():
        others = sorted((math.dist(v, w), p) for p, w in vecs.items() if p != q)
        bliss_p.append(precision_at([p for _, p in others], q, args.k))

    def genrespace(max_slices, reranks):
        """Index into a fresh database, then precision of playlists for every file. Also returns the
        decoded length of the library (genrespace's report: right for every container)."""
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "lib.db")
            out, seconds, rss = run([args.genrespace, "index", "--json", "--model", args.model, "--library", shared,
                                     "--db", db, "--max-slices", str(max_slices)])
            report = json.loads(out)
            total = report["total"]
            precision = {}
            for rerank in reranks:
                ps = []
                for q in files:
                    out, _, _ = run([args.genrespace, "playlist", "--json", "-n", str(args.k), "--rerank", rerank, "--db", db, q])
                    ps.append(precision_at([t["path"] for t in json.loads(out)["tracks"]], q, args.k))
                precision[rerank] = sum(ps) / len(ps)
        return total / seconds, rss, precision, report["audio_seconds"]

    gs_sps, gs_rss, gs_p, audio_s = genrespace(args.max_slices, ("none", "dtw"))
    if args.every_slice:
        all_sps, all_rss, all_p, _ = genrespace(0, ("none",))

    labels = [label(f) for f in files]
    n = len(files)
    chance = sum(labels.count(l) - 1 for l in labels) / (n * (n - 1))
    labels = sorted(set(labels))
    sl = f"{args.max_slices} slices/song" if args.max_slices else "every slice"
    rows = [
        ("bliss-rs 0.13 (symphonia)", n / bliss_s, bliss_rss, sum(bliss_p) / len(bliss_p)),
        (f"genrespace ({sl}), rerank none", gs_sps, gs_rss, gs_p["none"]),
        (f"genrespace ({sl}), rerank dtw", gs_sps, gs_rss, gs_p["dtw"]),
    ]
    if args.every_slice:
        rows.append(("genrespace (every slice), rerank none", all_sps, all_rss, all_p["none"]))
    print(f"library: {n} files both tools decode ({len(bliss['failed'])} left out), {len(labels)} labels, {audio_s / 60:.1f} min of audio; precision@{args.k} by chance {chance:.3f}")
    print(f"{'':44} {'songs/s':>8} {'x real time':>11} {'peak RSS':>9} {'P@' + str(args.k):>6}")
    for name, sps, rss, p in rows:
        print(f"{name:44} {sps:8.2f} {sps * audio_s / n:11.0f} {rss:7.0f} MB {p:6.3f}")
    print(f"speed ratio genrespace/bliss: {gs_sps / rows[0][1]:.2f}x; peak RSS ratio: {gs_rss / bliss_rss:.2f}")
    print(json.dumps({"files": n, "left_out": len(bliss["failed"]), "audio_seconds": audio_s,
                      "bliss": {"songs_per_s": rows[0][1], "peak_rss_mb": bliss_rss, "precision": rows[0][3]},
                      "genrespace": {"songs_per_s": gs_sps, "peak_rss_mb": gs_rss, "precision_none": gs_p["none"], "precision_dtw": gs_p["dtw"]}}))


if __name__ == "__main__":
    main()
