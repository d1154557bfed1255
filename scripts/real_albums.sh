#!/usr/bin/env bash
# Real recordings for demos and playlist measurements: free game soundtracks that Debian packages
# ship, one album per folder (album = label). Downloads the packages with `apt-get download` (no
# root needed to unpack: `dpkg -x`), keeps only the music, never the rest of the game.
#
#   OUT/<album>/<track>          the library (95 tracks of 6 albums; Ogg Vorbis, Warzone 2100's Opus)
#   OUT-query/<track>.ogg        one Wesnoth track held out of the library, as the demo's query
#
# Albums (package: folder; composers and licences in each package's copyright file):
#   wesnoth         wesnoth-1.16-music: data/core/music          (orchestral, 40 tracks + 1 held out)
#   wz2100-aftermath  warzone2100-music: albums/aftermath_soundtrack (electronic/ambient, 13)
#   wz2100-legacy     warzone2100-music: albums/legacy_soundtrack    (electronic/rock, 13)
#   flare           flare-game: mods/fantasycore/music           (fantasy orchestral, 12)
#   etr             extremetuxracer-data: etr/music               (game pop/rock, 10)
#   xmoto           xmoto-data: Textures/Musics                   (mixed, 7)
# Usage: scripts/real_albums.sh [OUT]   (default datasets/debian-music; ~570 MB of packages, cached)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-datasets/debian-music}"
debs="datasets/debian-debs"
query_dir="${out}-query"
held_out="wesnoth/battle-epic.ogg"
if [ -f "$out/.complete" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$debs"
packages=(wesnoth-1.16-music warzone2100-music flare-game extremetuxracer-data xmoto-data)
missing=()
for p in "${packages[@]}"; do
  compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || { echo "real_albums: apt-get is needed to fetch ${missing[*]}" >&2; exit 1; }
  [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ] || { SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo; $SUDO apt-get update -q >&2; }
  (cd "$debs" && apt-get download "${missing[@]}" >&2)
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for p in "${packages[@]}"; do
  dpkg -x "$(compgen -G "$debs/${p}_*.deb" | head -1)" "$tmp"
done
games="$tmp/usr/share/games"
take() { # album source-folder
  mkdir -p "$out.partial/$1"
  find "$2" -maxdepth 1 -type f \( -name '*.ogg' -o -name '*.opus' \) -exec cp {} "$out.partial/$1/" \;
}
rm -rf "$out.partial"
take wesnoth "$games/wesnoth/1.16/data/core/music"
take wz2100-aftermath "$games/warzone2100/music/albums/aftermath_soundtrack"
take wz2100-legacy "$games/warzone2100/music/albums/legacy_soundtrack"
take flare "$games/flare/mods/fantasycore/music"
take etr "$games/etr/music"
take xmoto "$games/xmoto/Textures/Musics"
mkdir -p "$query_dir"
mv "$out.partial/$held_out" "$query_dir/"
rm -rf "$out"
mv "$out.partial" "$out"
touch "$out/.complete"
echo "real_albums: $(find "$out" -type f ! -name .complete | wc -l) tracks in $(ls "$out" | wc -l) albums under $out; query $query_dir/$(basename "$held_out")" >&2
echo "$out"
