#!/usr/bin/env python3
"""Render the style corpus: genre-labelled music from mma accompaniment styles, laid out like GTZAN.

Each clip is one mma style ("groove" variant) played over a chord progression typical of its family,
at a randomised tempo (about +-20 % around the style's usual tempo) and key, rendered to MIDI by mma,
to audio by fluidsynth with the FluidR3 General MIDI soundfont (real instrument samples), and to
22050 Hz mono 16-bit WAV by sox, normalised to -1 dBFS and cut to the requested length.

Output:  OUT/genres/<family>/<family>.NNNNN.wav   and   OUT/corpus.csv
         (file, family, style, variant, tempo, key, progression, seed)

Deterministic for a given --seed: every random choice comes from a generator seeded by
(seed, family, clip index), mma is seeded with RndSeed, and fluidsynth renders offline.
Standard library only; run through scripts/make_style_corpus.sh, which installs mma/fluidsynth.
"""
import argparse
import csv
import hashlib
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
MMA_LIB = Path("/usr/share/mma/lib")

# family -> {mma style file: typical tempo in BPM}
FAMILIES = {
    "blues": {"blues": 100, "fastblues": 150, "slowblues": 66, "blues128": 70},
    "jazz": {"swing": 130, "bebop": 200, "bigband": 140, "jazzcombo": 120, "fastswing": 220},
    "rock": {"50srock": 150, "60srock": 130, "basicrock": 120, "rock-128": 70, "softrock": 100},
    "country": {"countryswing": 120, "bluegrass": 160, "slowcountry": 80, "westernswing": 140},
    "latin": {"bossanova": 130, "samba": 100, "salsa": 180, "mambo": 190, "rhumba": 110},
    "ballroom": {"waltz": 90, "vienesewaltz": 170, "foxtrot": 120, "tango": 125},
    "pop": {"8beat": 115, "popballad": 75, "boneym": 125, "rb": 95},
    "march": {"march": 115, "68march": 110, "polka": 120, "dixiemarch": 100},
}

# Chord progressions in C, one bar per chord (repeated to fill the clip).
PROGRESSIONS = {
    "blues": ["C7 C7 C7 C7 F7 F7 C7 C7 G7 F7 C7 G7", "C7 F7 C7 C7 F7 F7 C7 C7 G7 F7 C7 C7",
              "Cm7 Cm7 Cm7 Cm7 Fm7 Fm7 Cm7 Cm7 Ab7 G7 Cm7 G7"],
    "jazz": ["Dm7 G7 Cmaj7 Cmaj7", "Cmaj7 Am7 Dm7 G7", "Am7 D7 Gmaj7 Cmaj7 F#m7b5 B7 Em7 Em7",
             "Em7 A7 Dm7 G7 Cmaj7 A7 Dm7 G7"],
    "rock": ["C C F G", "C Bb F C", "Am F C G", "C F C G", "E A B A"],
    "country": ["C C F C G G C C", "C F G C", "C C7 F F C G C C"],
    "latin": ["Am7 D7 Gmaj7 Cmaj7", "Cmaj7 Dm7 G7 Cmaj7", "Dm7 G7 Cmaj7 A7", "Am Dm E7 Am"],
    "ballroom": ["C Am Dm G7", "C Em F G", "Am Dm E7 Am", "C C7 F Fm"],
    "pop": ["C G Am F", "Am F C G", "C Am F G", "F G Em Am"],
    "march": ["C C G7 G7 G7 G7 C C", "C F C G7", "C C F F G7 G7 C C"],
}
KEYS = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
NOT_A_MAIN_GROOVE = re.compile(r"intro|end|fill|break|metronome", re.IGNORECASE)


def style_file(style):
    hits = sorted(MMA_LIB.rglob(f"{style}.mma"), key=lambda p: (p.parent.name != "stdlib", str(p)))
    if not hits:
        sys.exit(f"mma style '{style}' not found under {MMA_LIB}")
    return hits[0]


def style_info(style):
    """The style's main groove variants and beats per bar, read from its mma library file."""
    text = style_file(style).read_text(errors="replace")
    grooves = [g for g in re.findall(r"^\s*DefGroove\s+(\S+)", text, re.MULTILINE | re.IGNORECASE)
               if not NOT_A_MAIN_GROOVE.search(g)]
    time = re.search(r"^\s*Time\s+(\d+)", text, re.MULTILINE | re.IGNORECASE)
    return list(dict.fromkeys(grooves)), int(time.group(1)) if time else 4


def clip_seed(seed, family, index):
    digest = hashlib.sha256(f"{seed}/{family}/{index}".encode()).hexdigest()
    return int(digest[:8], 16)


def plan(args):
    """Every clip to render, with all its random choices fixed."""
    clips = []
    families = args.families.split(",") if args.families else list(FAMILIES)
    for family in families:
        if family not in FAMILIES:
            sys.exit(f"unknown family '{family}' (known: {', '.join(FAMILIES)})")
        styles = list(FAMILIES[family].items())[: args.max_styles or None]
        index = 0
        for style, base_tempo in styles:
            variants, beats = style_info(style)
            for _ in range(args.clips_per_style):
                s = clip_seed(args.seed, family, index)
                rng = random.Random(s)
                tempo = round(base_tempo * rng.uniform(0.8, 1.2))
                transpose = rng.randint(-5, 6)
                clips.append(dict(
                    file=f"genres/{family}/{family}.{index:05d}.wav", family=family, style=style,
                    variant=rng.choice(variants), tempo=tempo, key=KEYS[transpose % 12],
                    transpose=transpose, progression=rng.choice(PROGRESSIONS[family]), seed=s,
                    beats=beats, seconds=args.seconds))
                index += 1
    return clips


def render(clip, out_dir):
    target = out_dir / clip["file"]
    if target.exists():
        return clip["file"], "exists"
    chords = clip["progression"].split()
    bars = math.ceil(clip["seconds"] * clip["tempo"] / 60 / clip["beats"]) + 2
    lines = [f"RndSeed {clip['seed']}", f"Tempo {clip['tempo']}", f"Groove {clip['variant']}",
             f"Transpose {clip['transpose']}"]
    lines += [f"{i + 1} {chords[i % len(chords)]}" for i in range(bars)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "song.mma").write_text("\n".join(lines) + "\n")
        subprocess.run(["mma", "-f", str(tmp / "song.mid"), str(tmp / "song.mma")], check=True,
                       capture_output=True)
        subprocess.run(["fluidsynth", "-ni", "-q", "-O", "float", "-F", str(tmp / "song.wav"),
                        "-r", "22050", "-g", "0.5", clip["soundfont"], str(tmp / "song.mid")], check=True,
                       capture_output=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial.wav")
        subprocess.run(["sox", "-V1", "-D", str(tmp / "song.wav"), "-c", "1", "-r", "22050", "-b", "16",
                        str(partial), "trim", "0", str(clip["seconds"]), "gain", "-n", "-1"],
                       check=True, capture_output=True)
        os.replace(partial, target)
    return clip["file"], "rendered"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--clips-per-style", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", default="", help="comma-separated subset of: " + ", ".join(FAMILIES))
    ap.add_argument("--max-styles", type=int, default=0, help="use at most N styles per family")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--soundfont", default=SOUNDFONT,
                    help="General MIDI soundfont to render with (another one, e.g. Debian's TimGM6mb, tests whether a "
                         "model learned genres or the default soundfont's timbres)")
    args = ap.parse_args()
    for tool in ("mma", "fluidsynth", "sox"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/setup.sh")
    if not Path(args.soundfont).is_file():
        sys.exit(f"{args.soundfont}: soundfont not found")
    clips = [dict(c, soundfont=args.soundfont) for c in plan(args)]
    args.out.mkdir(parents=True, exist_ok=True)
    done = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name, status in pool.map(render, clips, [args.out] * len(clips)):
            done += 1
            print(f"[{done}/{len(clips)}] {status}: {name}", file=sys.stderr, flush=True)
    columns = ["file", "family", "style", "variant", "tempo", "key", "progression", "seed"]
    tmp = args.out / "corpus.csv.tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(clips)
    os.replace(tmp, args.out / "corpus.csv")
    print(f"{len(clips)} clips of {args.seconds:g} s in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
