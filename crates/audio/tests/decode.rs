//! Decoding every supported format, tags, windows, and bad input.

use std::path::{Path, PathBuf};

use genrespace_audio::{decode_file, AudioError, DecodeOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn whole(path: &Path) -> genrespace_audio::DecodedAudio {
    decode_file(path, DecodeOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every fixture is the same 0.6-s chord; lossless ones must give exactly 0.6 s.
#[test]
fn every_format_decodes_to_the_right_length() {
    let cases: &[(&str, u32, usize, f64)] = &[
        // name, rate, channels, allowed length error in seconds
        ("chord_s16.wav", 44100, 2, 0.0),
        ("chord_s24.wav", 44100, 2, 0.0),
        ("chord_s32.wav", 44100, 2, 0.0),
        ("chord_f32.wav", 44100, 2, 0.0),
        ("chord.flac", 44100, 2, 0.0),
        ("chord.aiff", 44100, 2, 0.0),
        ("chord_6ch_48k.flac", 48000, 6, 0.0),
        // Gapless: LAME's delay/padding are trimmed, so the mp3 is exact too.
        ("chord.mp3", 44100, 2, 0.0),
        ("chord.ogg", 44100, 2, 0.0),
        ("chord.opus", 48000, 2, 0.0),
        // MP4 priming is not signalled to symphonia: up to one AAC frame (1024) + padding extra.
        ("chord.m4a", 44100, 2, 0.03),
    ];
    for &(name, rate, channels, tol) in cases {
        let a = whole(&fixture(name));
        assert_eq!(a.sample_rate, rate, "{name}");
        assert_eq!(a.channels, channels, "{name}");
        assert!((a.duration_s() - 0.6).abs() <= tol + 1e-9, "{name}: {} s", a.duration_s());
        let peak = a.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.1 && peak <= 1.01, "{name}: peak {peak}");
        assert!(a.samples.iter().all(|s| s.is_finite()), "{name}");
    }
}

#[test]
fn lossless_formats_agree_sample_for_sample() {
    let reference = whole(&fixture("chord_f32.wav")).samples;
    for name in ["chord_s24.wav", "chord_s32.wav", "chord.flac"] {
        let a = whole(&fixture(name)).samples;
        let max = a.iter().zip(&reference).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(max < 1e-6, "{name}: max diff {max}");
    }
    let s16 = whole(&fixture("chord_s16.wav")).samples;
    let max = s16.iter().zip(&reference).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(max < 1.0 / 16384.0, "s16 max diff {max}");
}

#[test]
fn tags_are_read_from_id3_vorbis_comments_and_mp4_atoms() {
    for name in ["chord.mp3", "chord.flac", "chord.ogg", "chord.opus", "chord.m4a"] {
        let t = whole(&fixture(name)).tags;
        assert_eq!(t.title.as_deref(), Some("Fixture Chord"), "{name}");
        assert_eq!(t.artist.as_deref(), Some("Genrespace Tests"), "{name}");
        assert_eq!(t.album.as_deref(), Some("Codec Fixtures"), "{name}");
        assert_eq!(t.genre.as_deref(), Some("Test"), "{name}");
        assert_eq!(t.year, Some(2024), "{name}");
        assert_eq!(t.track_number, Some(7), "{name}");
    }
}

#[test]
fn offset_and_duration_cut_the_exact_window() {
    for name in ["chord_f32.wav", "chord.flac"] {
        let full = whole(&fixture(name)).samples;
        let opts = DecodeOptions { offset_s: 0.25, duration_s: Some(0.2) };
        let win = decode_file(&fixture(name), opts).unwrap();
        assert_eq!(win.samples.len(), 8820, "{name}");
        assert_eq!(&win.samples[..], &full[11025..11025 + 8820], "{name}");
        assert!((win.file_duration_s - 0.6).abs() < 1e-9, "{name}");
    }
    // Lossy codecs seek to a nearby packet and drop frames up to the offset; the length is exact.
    for name in ["chord.mp3", "chord.ogg", "chord.opus"] {
        let opts = DecodeOptions { offset_s: 0.2, duration_s: Some(0.3) };
        let win = decode_file(&fixture(name), opts).unwrap();
        let rate = win.sample_rate as f64;
        assert_eq!(win.samples.len(), (0.3 * rate).round() as usize, "{name}");
    }
    // A duration past the end just returns what is there.
    let tail = decode_file(&fixture("chord.flac"), DecodeOptions { offset_s: 0.5, duration_s: Some(5.0) }).unwrap();
    assert_eq!(tail.samples.len(), 4410);
}

fn expect_err(path: &Path, check: impl Fn(&AudioError) -> bool) {
    match decode_file(path, DecodeOptions::default()) {
        Ok(a) => panic!("{}: decoded {} samples instead of failing", path.display(), a.samples.len()),
        Err(e) => {
            let msg = e.to_string();
            assert!(check(&e), "{}: unexpected error {e:?}", path.display());
            assert!(msg.contains(&path.display().to_string()), "error does not name the file: {msg}");
        }
    }
}

#[test]
fn bad_input_gives_clear_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    expect_err(&tmp.path().join("missing.mp3"), |e| matches!(e, AudioError::NotFound { .. }));
    expect_err(tmp.path(), |e| matches!(e, AudioError::IsDirectory { .. }));
    expect_err(&write("empty.mp3", b""), |e| matches!(e, AudioError::Empty { .. }));
    expect_err(&write("notes.txt", b"This is a plain text file, not music.\n".repeat(50).as_slice()), |e| matches!(e, AudioError::UnsupportedFormat { .. }));
    // Random bytes named .mp3: a pseudo-random but fixed sequence.
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let noise: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    expect_err(&write("random.mp3", &noise), |e| matches!(e, AudioError::UnsupportedFormat { .. } | AudioError::Decode { .. } | AudioError::NoSamples { .. }));
    // An mp3 cut in half: its Xing/LAME header declares more audio than the file holds.
    let mp3 = std::fs::read(fixture("chord.mp3")).unwrap();
    expect_err(&write("truncated.mp3", &mp3[..mp3.len() / 2]), |e| matches!(e, AudioError::Truncated { .. }));
    // A header and nothing else.
    expect_err(&write("header_only.mp3", &mp3[..600]), |e| {
        matches!(e, AudioError::Truncated { .. } | AudioError::Decode { .. } | AudioError::NoSamples { .. })
    });
    let flac = std::fs::read(fixture("chord.flac")).unwrap();
    expect_err(&write("truncated.flac", &flac[..flac.len() / 3]), |e| matches!(e, AudioError::Truncated { .. }));
}

#[test]
fn invalid_windows_are_rejected() {
    let p = fixture("chord.flac");
    for opts in [
        DecodeOptions { offset_s: -1.0, duration_s: None },
        DecodeOptions { offset_s: f64::NAN, duration_s: None },
        DecodeOptions { offset_s: 0.0, duration_s: Some(0.0) },
    ] {
        assert!(matches!(decode_file(&p, opts), Err(AudioError::InvalidOption(_))), "{opts:?}");
    }
}
