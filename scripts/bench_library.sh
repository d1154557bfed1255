#!/usr/bin/env bash
# Shared (PostgreSQL) libraries measured against SQLite (issue 13), on a throwaway cluster
# (scripts/pg_cluster.sh; PostgreSQL 15 with contrib's cube):
#  1. Indexing throughput: the style corpus (350 clips x 30 s, style-cnn, every slice) indexed by
#     one SQLite run, then into PostgreSQL by 1, 2 and 3 workers started together (separate
#     processes, as on separate machines; here they share the same 2 cores). Prints tracks/s of
#     the whole run and the coordination cost per track against the SQLite run.
#  2. Playlist latency at catalogue size: TRACKS synthetic tracks (default 1,000,000: genre
#     vectors, 200-d embeddings, MFCC sequences of 10-30-s songs) generated into SQLite, copied
#     into PostgreSQL with `genrespace library copy` (timed), then p50/p95 of 100 playlists (a
#     library track as the query, 50 candidates, DTW rerank to 10, one connection kept open as a
#     server keeps it): PostgreSQL with the cube GiST index, PostgreSQL without it (dropped), and
#     SQLite scanning every point held in memory (as the web app does).
#  3. One-off `genrespace playlist` runs at catalogue size, each a new process (open the library,
#     find the candidates, rerank, print): PostgreSQL (the CLI searches the GiST index) against
#     SQLite (the CLI reads every point), in the genre space and the 200-d embedding space.
# Usage: scripts/bench_library.sh [TRACKS]
set -euo pipefail
cd "$(dirname "$0")/.."
tracks="${1:-1000000}"
cargo build --release --locked -q
cargo build --release --locked -q -p genrespace-recommender --example bench_playlist
target="${CARGO_TARGET_DIR:-target}/release"
corpus=datasets/style-corpus/genres
[ -d "$corpus" ] || scripts/make_style_corpus.sh
mkdir -p bench-out
pg=$(mktemp -d /tmp/genrespace-bench-pg.XXXXXX)
trap 'scripts/pg_cluster.sh stop "$pg"' EXIT
url=$(scripts/pg_cluster.sh start "$pg")

python3 - "$target/genrespace" "$corpus" "$url" "$pg" <<'PY'
import json, os, subprocess, sys, tempfile, time
bin_, corpus, url, pg = sys.argv[1:]
n = sum(len(files) for _, _, files in os.walk(corpus))
def index(db, extra=()):
    return subprocess.Popen([bin_, "index", "--model", "models/style-cnn", "--max-slices", "0", "--library", corpus,
                             "--db", db, "--json", *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
with tempfile.TemporaryDirectory() as tmp:
    t = time.perf_counter()
    out = index(os.path.join(tmp, "lib.db")).communicate()[0]
    sqlite_s = time.perf_counter() - t
    assert json.loads(out)["added"] == n
print(json.dumps({"engine": "sqlite", "workers": 1, "tracks": n, "seconds": round(sqlite_s, 2), "tracks_per_s": round(n / sqlite_s, 1)}))
for workers in (1, 2, 3):
    db = url.replace("/genrespace?", f"/w{workers}?", 1)
    subprocess.run(["psql", url, "-qc", f"CREATE DATABASE w{workers}"], check=True)
    t = time.perf_counter()
    procs = [index(db) for _ in range(workers)]
    reports = [json.loads(p.communicate()[0]) for p in procs]
    s = time.perf_counter() - t
    added = sum(r["added"] for r in reports)
    assert added == n, f"{added} tracks added by {workers} workers, expected {n}"
    print(json.dumps({"engine": "postgresql", "workers": workers, "tracks": n, "seconds": round(s, 2), "tracks_per_s": round(n / s, 1),
                      "per_worker": [r["added"] for r in reports], "overhead_ms_per_track_vs_sqlite": round(1e3 * (s - sqlite_s) / n, 2)}))
PY

db="bench-out/catalogue-${tracks}.db"
[ -f "$db" ] || "$target/examples/bench_playlist" generate "$db" models/style-cnn --tracks "$tracks" --max-seconds 30
copy=$(/usr/bin/time -f '%e' "$target/genrespace" library copy --json --from "$db" --to "$url" 2>&1 >/dev/null | tail -n 1)
echo "{\"copy_sqlite_to_postgresql_s\": $copy, \"tracks\": $tracks}"
scripts/bench_cli_playlists.py "$target/genrespace" "$tracks" "$url" "$db"
"$target/examples/bench_playlist" catalogue "$url" --index
psql "$url" -qc "DROP INDEX vectors_point"
"$target/examples/bench_playlist" catalogue "$url" --index
"$target/examples/bench_playlist" catalogue "$url"
"$target/examples/bench_playlist" catalogue "$db"
"$target/examples/bench_playlist" catalogue "$url" --space embedding --queries 30
"$target/examples/bench_playlist" catalogue "$db" --space embedding --queries 30
