#!/usr/bin/env python3
"""Rewrite a stereo MPEG-1 Layer III file so that its two channels use different blocks.

Usage: mp3_flip_blocks.py IN.mp3 OUT.mp3 FROM_BYTE

In every frame that starts at or after FROM_BYTE, each granule whose second channel has a start
window (block_type 1) gets a stop window (3) and the reverse. Both are long blocks with the same
scalefactor layout and Huffman regions, so the frame stays decodable and only that channel's
IMDCT window changes: the first channel keeps its own. LAME always gives both channels the same
blocks; other encoders may not, and minimp3 decodes such frames, so the downmixing decoder
(vendor/nanomp3-core) has a path for them that this file exercises. Made for
scripts/make_codec_fixtures.sh (crates/audio/tests/fixtures/chord_split.mp3).
"""
import sys

BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
RATES = [44100, 48000, 32000]


class Bits:
    """A bit cursor over a bytearray, most significant bit first."""

    def __init__(self, data, byte):
        self.data, self.pos = data, byte * 8

    def read(self, n):
        v = 0
        for _ in range(n):
            v = (v << 1) | ((self.data[self.pos >> 3] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def write(self, n, v):
        for i in reversed(range(n)):
            byte, shift = self.pos >> 3, 7 - (self.pos & 7)
            self.data[byte] = (self.data[byte] & ~(1 << shift)) | (((v >> i) & 1) << shift)
            self.pos += 1


def frames(data):
    """(offset, header) of every frame, after an ID3v2 tag."""
    i = 0
    if data[:3] == b"ID3":
        i = 10 + sum((b & 0x7F) << (7 * (3 - k)) for k, b in enumerate(data[6:10]))
    while i + 4 <= len(data) and data[i] == 0xFF and data[i + 1] & 0xE0 == 0xE0:
        h = data[i:i + 4]
        if (h[1] >> 3) & 3 != 3 or (h[1] >> 1) & 3 != 1:
            sys.exit("only MPEG-1 Layer III files")
        yield i, h
        i += 144000 * BITRATES[h[2] >> 4] // RATES[(h[2] >> 2) & 3] + ((h[2] >> 1) & 1)


def flip(data, from_byte):
    """Flip the second channel's start/stop windows; returns how many granules changed."""
    changed = 0
    for start, h in frames(data):
        if h[3] >> 6 == 3:
            continue  # a mono frame
        b = Bits(data, start + 4 + (0 if h[1] & 1 else 2))  # after the CRC, if any
        b.read(9 + 3 + 2 * 4)  # main_data_begin, private bits, scfsi
        for _granule in range(2):
            for ch in range(2):
                b.read(12 + 9 + 8 + 4)  # part2_3_length, big_values, global_gain, scalefac_compress
                if b.read(1):  # window switching: block_type, mixed, 2 tables, 3 subblock gains
                    at = b.pos
                    block_type = b.read(2)
                    if ch == 1 and block_type in (1, 3) and start >= from_byte:
                        b.pos = at
                        b.write(2, 4 - block_type)
                        changed += 1
                    b.read(1 + 10 + 9)
                else:  # 3 tables, 2 region counts
                    b.read(15 + 7)
                b.read(3)  # preflag, scalefac_scale, count1table_select
    return changed


def main():
    src, dst, from_byte = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = bytearray(open(src, "rb").read())
    n = flip(data, from_byte)
    if n == 0:
        sys.exit(f"{src}: no start or stop window in channel 2 after byte {from_byte}")
    open(dst, "wb").write(data)
    print(f"{dst}: {n} granules of channel 2 given the other long window")


if __name__ == "__main__":
    main()
