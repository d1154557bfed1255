//! Decoding every supported format, tags, windows, and bad input.

use std::path::{Path, PathBuf};

use genrespace_audio::{decode_file, resample, AudioError, DecodeOptions, DecodedAudio};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn whole(path: &Path) -> DecodedAudio {
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

/// A window (`offset`, `duration`) holds the samples the whole decode has at that offset. Lossy
/// codecs seek to a packet before the offset, decode a pre-roll and drop frames by the packets'
/// timestamps: mp3 and Vorbis windows equal the whole decode exactly, AAC's to rounding, Opus's
/// to its decoder's state converging. (Before, Vorbis windows came 1,024 samples late, Opus's
/// 312 early, and the first ~15 ms of mp3 and AAC windows differed by up to 0.12.)
#[test]
fn offset_and_duration_cut_the_exact_window() {
    // name, tolerance, the file's declared length where it is the chord's exact 0.6 s
    let cases: &[(&str, f32, Option<f64>)] = &[
        ("chord_f32.wav", 0.0, Some(0.6)),
        ("chord.flac", 0.0, Some(0.6)),
        ("chord.aiff", 0.0, Some(0.6)),
        ("chord.mp3", 0.0, Some(0.6)),
        ("chord.ogg", 0.0, Some(0.6)),
        ("chord.m4a", 1e-4, None),
        ("chord.opus", 2e-2, None),
    ];
    for &(name, tolerance, declared_s) in cases {
        let full = whole(&fixture(name));
        if let Some(d) = declared_s {
            assert!((full.file_duration_s - d).abs() < 1e-9, "{name}: declares {} s", full.file_duration_s);
        }
        // 0.05 s is inside the pre-roll (decoded from the start); the others seek.
        for offset_s in [0.05, 0.13, 0.25, 0.31] {
            let opts = DecodeOptions { offset_s, duration_s: Some(0.2), ..DecodeOptions::default() };
            let win = decode_file(&fixture(name), opts).unwrap();
            assert_same_window(name, &full, &win, opts, tolerance);
            assert_eq!(win.file_duration_s, full.file_duration_s, "{name}");
        }
    }
    for name in ["lets_go_fishin_30s.mp3", "vibe_ace.ogg"] {
        let Some(path) = shared_clip(name) else { continue };
        let full = whole(&path);
        for offset_s in [1.0, 17.3] {
            let opts = DecodeOptions { offset_s, duration_s: Some(3.0), ..DecodeOptions::default() };
            let win = decode_file(&path, opts).unwrap();
            assert_same_window(name, &full, &win, opts, 0.0);
        }
    }
    // A duration past the end just returns what is there.
    let tail = decode_file(&fixture("chord.flac"), DecodeOptions { offset_s: 0.5, duration_s: Some(5.0), ..DecodeOptions::default() }).unwrap();
    assert_eq!(tail.samples.len(), 4410);
}

/// `win`, decoded with `opts`, is `full`'s samples from the offset for the duration, each within
/// `tolerance`.
fn assert_same_window(name: &str, full: &DecodedAudio, win: &DecodedAudio, opts: DecodeOptions, tolerance: f32) {
    let rate = full.sample_rate as f64;
    let (offset_s, duration_s) = (opts.offset_s, opts.duration_s.unwrap());
    let start = (offset_s * rate).round() as usize;
    assert_eq!(win.samples.len(), (duration_s * rate).round() as usize, "{name} at {offset_s} s: length");
    let expected = &full.samples[start..start + win.samples.len()];
    let worst = win.samples.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst <= tolerance, "{name} at {offset_s} s: the window differs from the whole decode by up to {worst}");
}

/// The errors of a stream that was recognised but could not be decoded into audio.
fn undecodable(e: &AudioError) -> bool {
    matches!(e, AudioError::Decode { .. } | AudioError::BadPackets { .. } | AudioError::BadStream { .. } | AudioError::NoSamples { .. })
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
    expect_err(&write("random.mp3", &noise), |e| matches!(e, AudioError::UnsupportedFormat { .. }) || undecodable(e));
    // An mp3 cut in half: its Xing/LAME header declares more audio than the file holds.
    let mp3 = std::fs::read(fixture("chord.mp3")).unwrap();
    expect_err(&write("truncated.mp3", &mp3[..mp3.len() / 2]), |e| matches!(e, AudioError::Truncated { .. }));
    // A header and nothing else.
    expect_err(&write("header_only.mp3", &mp3[..600]), |e| matches!(e, AudioError::Truncated { .. }) || undecodable(e));
    let flac = std::fs::read(fixture("chord.flac")).unwrap();
    expect_err(&write("truncated.flac", &flac[..flac.len() / 3]), |e| matches!(e, AudioError::Truncated { .. }));
}

#[test]
fn invalid_windows_are_rejected() {
    let p = fixture("chord.flac");
    for opts in [
        DecodeOptions { offset_s: -1.0, duration_s: None, ..DecodeOptions::default() },
        DecodeOptions { offset_s: f64::NAN, duration_s: None, ..DecodeOptions::default() },
        DecodeOptions { offset_s: 0.0, duration_s: Some(0.0), ..DecodeOptions::default() },
    ] {
        assert!(matches!(decode_file(&p, opts), Err(AudioError::InvalidOption(_))), "{opts:?}");
    }
}

fn shared_clip(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-clips").join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/real-clips/{name} is absent");
        None
    }
}

/// A file cut short: what it holds is decoded when that is at least `MIN_PLAYABLE_S` (and the
/// cut is reported), otherwise it is an error that says "truncated"; a file that ends inside its
/// ID3v2 tag says so instead of "not a recognised audio format".
#[test]
fn truncated_files_are_decoded_as_far_as_they_go_or_refused_truthfully() {
    let tmp = tempfile::tempdir().unwrap();
    // Eight seconds of WAV (its header declares them), cut at 6 s and at 2.4 s.
    let wav = tmp.path().join("full.wav");
    let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..8 * 22050 {
        w.write_sample(((i as f32 * 0.05).sin() * 10000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    let bytes = std::fs::read(&wav).unwrap();
    let cut = |name: &str, len: usize| {
        let p = tmp.path().join(name);
        std::fs::write(&p, &bytes[..len]).unwrap();
        p
    };
    let long = decode_file(&cut("long.wav", 44 + 6 * 22050 * 2), DecodeOptions::default()).unwrap();
    let t = long.truncated.expect("reported as truncated");
    assert!((t.decoded_s - 6.0).abs() < 0.01 && (t.declared_s - 8.0).abs() < 0.01, "{t:?}");
    assert!((long.duration_s() - 6.0).abs() < 0.01);
    assert!(whole(&wav).truncated.is_none());
    let e = decode_file(&cut("short.wav", 44 + 24 * 2205 * 2), DecodeOptions::default()).unwrap_err();
    assert!(matches!(e, AudioError::Truncated { .. }) && e.to_string().contains("truncated"), "{e}");

    // Real downloads cut off: an mp3 with 6 s of its 30 s, and one cut inside its 685 KB ID3 tag.
    if let Some(mp3) = shared_clip("lets_go_fishin_30s.mp3") {
        let p = tmp.path().join("cut.mp3");
        std::fs::write(&p, &std::fs::read(mp3).unwrap()[..200_000]).unwrap();
        let a = decode_file(&p, DecodeOptions::default()).unwrap();
        let t = a.truncated.expect("truncated");
        assert!(t.decoded_s > 5.0 && t.decoded_s < 7.0 && (t.declared_s - 30.0).abs() < 0.1, "{t:?}");
    }
    if let Some(mp3) = shared_clip("vibe_ace.mp3") {
        let p = tmp.path().join("in_tag.mp3");
        std::fs::write(&p, &std::fs::read(mp3).unwrap()[..300_000]).unwrap();
        let e = decode_file(&p, DecodeOptions::default()).unwrap_err();
        assert!(matches!(e, AudioError::TruncatedInTag { file_bytes: 300_000, .. }), "{e}");
        assert!(e.to_string().contains("ends inside its ID3v2 tag"), "{e}");
    }
}

/// Chained Ogg (streams one after another, as in radio captures and concatenated files) is
/// decoded to the end, not cut at the first stream's end, from the start or from an offset.
#[test]
fn chained_ogg_streams_are_all_decoded() {
    let tmp = tempfile::tempdir().unwrap();
    let chord = std::fs::read(fixture("chord.ogg")).unwrap();
    let twice = tmp.path().join("twice.ogg");
    std::fs::write(&twice, [chord.clone(), chord].concat()).unwrap();
    let a = whole(&twice);
    assert!((a.duration_s() - 1.2).abs() < 0.01, "two 0.6-s streams: {} s", a.duration_s());
    let one = whole(&fixture("chord.ogg"));
    assert_eq!(&a.samples[..one.samples.len()], &one.samples[..], "the first stream is decoded as on its own");
    // A window across the boundary keeps the second stream, whose timestamps start again at 0.
    let opts = DecodeOptions { offset_s: 0.4, duration_s: Some(0.5), ..DecodeOptions::default() };
    assert_same_window("twice.ogg", &a, &decode_file(&twice, opts).unwrap(), opts, 0.0);

    let (Some(first), Some(second)) = (shared_clip("solo_trumpet.ogg"), shared_clip("hungarian_dance_5.ogg")) else { return };
    let chained = tmp.path().join("chained.ogg");
    std::fs::write(&chained, [std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap()].concat()).unwrap();
    let (a, b, both) = (whole(&first), whole(&second), whole(&chained));
    assert!((both.duration_s() - a.duration_s() - b.duration_s()).abs() < 0.05, "{} + {} vs {}", a.duration_s(), b.duration_s(), both.duration_s());
    assert!(both.truncated.is_none());
}

/// The mp3 is the lossless chord through an encoder: decoded gaplessly, its samples line up with
/// the original's (no frame of lag, no shift by the encoder delay) and differ by coding noise
/// only. (Written for a libmpg123 decoder tried in commit 81697f0, whose first frame came out a
/// packet late; it holds for symphonia's decoder as for any correct one.)
#[test]
fn mp3_samples_line_up_with_the_lossless_original() {
    let original = whole(&fixture("chord_f32.wav")).samples;
    let mp3 = whole(&fixture("chord.mp3")).samples;
    assert_eq!(mp3.len(), original.len());
    let correlation = |lag: i64| -> f64 {
        let pairs = (0..original.len() as i64).filter_map(|i| Some((original[i as usize], *mp3.get(usize::try_from(i + lag).ok()?)?)));
        pairs.map(|(a, b)| a as f64 * b as f64).sum()
    };
    let best = (-1200..=1200).max_by(|&a, &b| correlation(a).total_cmp(&correlation(b))).unwrap();
    assert_eq!(best, 0, "the mp3 is shifted by {best} samples");
    let noise: f64 = original.iter().zip(&mp3).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
    let signal: f64 = original.iter().map(|&a| (a as f64).powi(2)).sum();
    let snr_db = 10.0 * (signal / noise).log10();
    assert!(snr_db > 20.0, "signal to coding noise {snr_db:.1} dB");
}

/// An mp3 whose caller needs it only below 4 kHz (`max_frequency_hz`) is synthesised at half
/// its rate: every other sample of the track, the first one included whatever the parity of the
/// encoder delay (the fixtures' is odd), so that below 4 kHz it is the full decode resampled;
/// windows of it are cut from it exactly, seeking or not. The fixtures take each path of the
/// downmixing decoder (mid/side, left/right, mono, channels with different blocks).
#[test]
fn an_mp3_decoded_at_half_rate_is_the_full_decode_below_its_band() {
    let mut files: Vec<PathBuf> = ["chord.mp3", "chord_lr.mp3", "chord_mono.mp3", "chord_split.mp3"].map(fixture).to_vec();
    files.extend(shared_clip("lets_go_fishin_30s.mp3"));
    // Without its LAME tag the encoder delay is unknown, the timeline starts at the first frame
    // and the even samples are each frame's first, second...: the other parity.
    let tmp = tempfile::tempdir().unwrap();
    let untagged = tmp.path().join("no_lame_tag.mp3");
    std::fs::write(&untagged, without_first_frame(&std::fs::read(fixture("chord.mp3")).unwrap())).unwrap();
    files.push(untagged);
    let below_4k = DecodeOptions { max_frequency_hz: Some(4000), ..DecodeOptions::default() };
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (full, half) = (whole(&path), decode_file(&path, below_4k).unwrap());
        assert_eq!((half.sample_rate, half.file_sample_rate), (22050, 44100), "{name}");
        assert_eq!(half.samples.len(), full.samples.len().div_ceil(2), "{name}");
        assert_eq!(half.file_duration_s, full.file_duration_s, "{name}");
        // Both through the same 22.05 -> 8 kHz filter, the full decode first brought to 22.05 kHz,
        // and compared away from the ends (10 ms), where the filters see zeros. (A decode that
        // kept the odd samples, one sample late, differs by 9e-3 on chord.mp3.)
        let low = |x: &[f32], rate: u32| resample(&resample(x, rate, 22050).unwrap(), 22050, 8000).unwrap();
        let (a, b) = (low(&full.samples, 44100), low(&half.samples, 22050));
        assert_eq!(a.len(), b.len(), "{name}");
        let inner = 80..a.len() - 80;
        let worst = a[inner.clone()].iter().zip(&b[inner]).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-5, "{name}: below 4 kHz the half-rate decode differs by up to {worst}");
        for offset_s in [0.05, 0.13, 0.31] {
            let opts = DecodeOptions { offset_s, duration_s: Some(0.2), ..below_4k };
            assert_same_window(&name, &half, &decode_file(&path, opts).unwrap(), opts, 0.0);
        }
    }
}

/// An MPEG-1 Layer III file without its first frame (where LAME writes its tag: delay, padding,
/// length), after any ID3v2 tag.
fn without_first_frame(mp3: &[u8]) -> Vec<u8> {
    let start = if mp3.starts_with(b"ID3") { 10 + mp3[6..10].iter().fold(0usize, |n, &b| (n << 7) | b as usize) } else { 0 };
    let header = &mp3[start..start + 4];
    assert!(header[0] == 0xFF && header[1] & 0xFE == 0xFA, "not an MPEG-1 Layer III frame at {start}");
    const KBPS: [usize; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const RATES: [usize; 3] = [44100, 48000, 32000];
    let len = 144_000 * KBPS[(header[2] >> 4) as usize] / RATES[((header[2] >> 2) & 3) as usize] + ((header[2] >> 1) & 1) as usize;
    [&mp3[..start], &mp3[start + len..]].concat()
}
