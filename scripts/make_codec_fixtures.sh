#!/usr/bin/env bash
# Renders the small audio files in crates/audio/tests/fixtures/ that prove genrespace decodes every
# format users have: one 0.6-s stereo chord (44.1 kHz) per format, each tagged. The outputs are
# committed (a few KB each), so tests never need ffmpeg; run this only to regenerate them.
set -euo pipefail
command -v ffmpeg >/dev/null || { apt-get update -q && apt-get install -y -q ffmpeg; }
out="$(dirname "$0")/../crates/audio/tests/fixtures"
mkdir -p "$out"
src="$(mktemp --suffix=.wav)"
trap 'rm -f "$src"' EXIT
# A-major chord, left and right slightly different so the mono downmix is tested.
ffmpeg -v error -y -f lavfi -i "sine=f=440:d=0.6" -f lavfi -i "sine=f=554.37:d=0.6" \
  -f lavfi -i "sine=f=659.25:d=0.6" \
  -filter_complex "[0][1][2]amix=inputs=3[m];[m]asplit[l][r];[l][r]join=inputs=2:channel_layout=stereo" \
  -ar 44100 -c:a pcm_f32le "$src"
meta=(-metadata title="Fixture Chord" -metadata artist="Genrespace Tests" -metadata album="Codec Fixtures"
      -metadata genre="Test" -metadata date="2024" -metadata track="7")
enc() { ffmpeg -v error -y -i "$src" "${meta[@]}" "$@"; }
enc -c:a libmp3lame -b:a 96k "$out/chord.mp3"
enc -c:a pcm_s16le "$out/chord_s16.wav"
enc -c:a pcm_s24le "$out/chord_s24.wav"
enc -c:a pcm_s32le "$out/chord_s32.wav"
enc -c:a pcm_f32le "$out/chord_f32.wav"
enc -c:a flac "$out/chord.flac"
enc -c:a libvorbis -q:a 2 "$out/chord.ogg"
enc -c:a libopus -b:a 48k "$out/chord.opus"
enc -c:a aac -b:a 64k "$out/chord.m4a"
enc -c:a pcm_s16be "$out/chord.aiff"
# mp3s for the downmixing decoder (crates/audio/src/mp3.rs tests), 1 s each: a tone with noise
# bursts every 0.25 s (LAME switches to short blocks there), in both channels or in the left only.
bursts="[1]volume='if(lt(mod(t,0.25),0.01),1,0)':eval=frame[b]"
ffmpeg -v error -y -f lavfi -i "sine=f=440:d=1" -f lavfi -i "anoisesrc=d=1:c=white:a=0.5" \
  -filter_complex "$bursts;[0][b]amix=inputs=2:normalize=0[m];[m]asplit[l][r];[l][r]join=inputs=2:channel_layout=stereo" \
  -ar 44100 -c:a pcm_s16le "$src.same.wav"
ffmpeg -v error -y -f lavfi -i "sine=f=440:d=1" -f lavfi -i "anoisesrc=d=1:c=white:a=0.5" \
  -filter_complex "$bursts;[0]asplit[t][r];[t][b]amix=inputs=2:normalize=0[l];[l][r]join=inputs=2:channel_layout=stereo" \
  -ar 44100 -c:a pcm_s16le "$src.left.wav"
# Left/right stereo (no mid/side), the channels different.
ffmpeg -v error -y -i "$src.left.wav" -c:a libmp3lame -b:a 128k -joint_stereo 0 "$out/chord_lr.mp3"
ffmpeg -v error -y -i "$src.same.wav" -ac 1 -c:a libmp3lame -b:a 64k "$out/chord_mono.mp3"
# Channels with different blocks from 8000 bytes (~0.5 s) on, the channels equal.
ffmpeg -v error -y -i "$src.same.wav" -c:a libmp3lame -b:a 128k -joint_stereo 0 "$src.same.mp3"
python3 "$(dirname "$0")/mp3_flip_blocks.py" "$src.same.mp3" "$out/chord_split.mp3" 8000
rm -f "$src.same.wav" "$src.left.wav" "$src.same.mp3"
# Six channels at 48 kHz: multichannel downmix and a rate other than 44.1 kHz.
ffmpeg -v error -y -i "$src" -af "pan=5.1|c0=c0|c1=c1|c2=c0|c3=c1|c4=c0|c5=c1" -ar 48000 \
  "${meta[@]}" -c:a flac "$out/chord_6ch_48k.flac"
ls -l "$out"
