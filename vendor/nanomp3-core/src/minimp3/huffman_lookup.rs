//! genrespace: one-lookup decoding of the short codes of the big-values Huffman tables.
//!
//! minimp3 walks each pair's code through `L3_HUFFMAN_TABS`, a tree read 5, then 1 to 7 bits
//! at a time: two to four dependent loads for the codes of the large tables. `LOOKUP` holds,
//! for every book and every `LOOKUP_BITS`-bit prefix, the leaf that walk ends on when it ends
//! within the prefix, `(code length << 8) | (second value << 4) | first value`, or `LONGER`
//! when the walk would read past the prefix (then the decoder walks the tree as before). Built
//! at compile time by walking the same tree, so a decode is the same with or without it.
//!
//! Measured and not kept: entries that also hold the values' signs (the pair decoded in one
//! step when code and signs fit in the prefix) were no faster, and 8, 9, 11 or 12 bits of
//! prefix no better than 10.

use super::tables::{L3_HUFFMAN_TABINDEX, L3_HUFFMAN_TABS};

/// Prefix length: every code of tables 1 to 13 fits in it, and most pairs of the large tables.
pub(crate) const LOOKUP_BITS: u32 = 10;
/// The entry of a prefix whose code is longer than `LOOKUP_BITS`.
pub(crate) const LONGER: u16 = u16::MAX;

/// The distinct books (tables 16 to 23 share one, so do 24 to 31; 0, 4 and 14 have none).
const BOOKS: usize = 16;

/// `BOOK_OF_TABLE[t]`: which of `LOOKUP`'s books table `t` reads.
pub(crate) static BOOK_OF_TABLE: [u8; 32] = book_of_table();
/// `LOOKUP[book][prefix]`, see the module's doc.
pub(crate) static LOOKUP: [[u16; 1 << LOOKUP_BITS]; BOOKS] = lookup();

const fn book_offsets() -> [i16; BOOKS] {
    let mut offsets = [0i16; BOOKS];
    let mut n = 0;
    let mut t = 0;
    while t < 32 {
        let off = L3_HUFFMAN_TABINDEX[t];
        let mut seen = false;
        let mut i = 0;
        while i < n {
            seen |= offsets[i] == off;
            i += 1;
        }
        if !seen {
            assert!(n < BOOKS);
            offsets[n] = off;
            n += 1;
        }
        t += 1;
    }
    assert!(n == BOOKS);
    offsets
}

const fn book_of_table() -> [u8; 32] {
    let offsets = book_offsets();
    let mut books = [0u8; 32];
    let mut t = 0;
    while t < 32 {
        let mut b = 0;
        while offsets[b] != L3_HUFFMAN_TABINDEX[t] {
            b += 1;
        }
        books[t] = b as u8;
        t += 1;
    }
    books
}

/// The bits `consumed..consumed + w` of `prefix`, counted from its top.
const fn bits(prefix: u32, consumed: i32, w: i32) -> i32 {
    ((prefix >> (LOOKUP_BITS as i32 - consumed - w)) & ((1 << w) - 1)) as i32
}

/// minimp3's tree walk (`l3_huffman`) over the first `LOOKUP_BITS` bits of a code.
const fn entry(offset: usize, prefix: u32) -> u16 {
    let mut consumed = 0;
    let mut w = 5;
    let mut leaf = L3_HUFFMAN_TABS[offset + bits(prefix, consumed, w) as usize] as i32;
    while leaf < 0 {
        consumed += w;
        w = leaf & 7;
        if consumed + w > LOOKUP_BITS as i32 {
            return LONGER;
        }
        leaf = L3_HUFFMAN_TABS[(offset as i32 + bits(prefix, consumed, w) - (leaf >> 3)) as usize] as i32;
    }
    let length = consumed + (leaf >> 8);
    if length > LOOKUP_BITS as i32 {
        return LONGER;
    }
    ((length << 8) | (leaf & 0xFF)) as u16
}

const fn lookup() -> [[u16; 1 << LOOKUP_BITS]; BOOKS] {
    let offsets = book_offsets();
    let mut table = [[0u16; 1 << LOOKUP_BITS]; BOOKS];
    let mut b = 0;
    while b < BOOKS {
        let mut prefix = 0;
        while prefix < 1 << LOOKUP_BITS {
            table[b][prefix as usize] = entry(offsets[b] as usize, prefix);
            prefix += 1;
        }
        b += 1;
    }
    table
}
