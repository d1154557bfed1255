//! minimp3 as symphonia's MP3 decoder, through `nanomp3-core` (a safe Rust port of minimp3
//! whose output is bit-identical to the C library's), decoding straight to mono.
//!
//! Decoding is most of the feature pipeline's time on mp3 (README, "Speed"). minimp3 decodes a
//! 30-s, 256 kbit/s mp3 in ~21 ms on this project's machine where symphonia's own decoder takes
//! ~29 ms; libmpg123 (librosa's decoder, through libsndfile) measured no faster than symphonia's
//! (README, "A faster mp3 decoder"). Only the frame decoding moves: symphonia still demuxes,
//! seeks, trims the encoder delay and padding (gapless), reads the tags and detects truncation,
//! so every caller of [`crate::decode_file`] is unchanged.
//!
//! genrespace only ever wants the mean of the channels, so the decoder outputs that alone:
//! `nanomp3-core` is vendored (`vendor/nanomp3-core`) with a downmixing mode that runs the
//! filterbanks once instead of once per channel and skips the side channel of mid/side frames
//! (~15 % less time on a 30-s, 256 kbit/s mp3, ~30 % on a 320 kbit/s one, half of whose frames
//! are mid/side; README, "Speed"), and synthesises one channel with all four lanes of minimp3's
//! filterbank instead of two.
//!
//! A caller that resamples says which frequencies it keeps ([`crate::DecodeOptions`]'s
//! `max_frequency_hz`): the spectrum above is then not decoded, and when what is kept lies
//! below `29 fs / 128` (musicnn's 16 kHz from 44.1 or 48 kHz) the output is synthesised at half
//! the stream's rate, the track's even samples: half the synthesis and half the resampling,
//! the same features (`tests/real_clips.rs` in genrespace-features).

use nanomp3_core::{half_rate_max_frequency, DecodeError, Decoder, MAX_SAMPLES_PER_FRAME};
use symphonia::core::audio::{layouts, AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, GenericAudioBufferRef};
use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::errors::{decode_error, unsupported_error, Result};
use symphonia::core::packet::PacketRef;

/// One minimp3 decoder, fed one packet (one whole frame, as symphonia's reader cuts them) at a
/// time; it keeps the bit reservoir and the filterbank's state between frames.
pub struct Mp3Decoder {
    params: AudioCodecParameters,
    gapless: bool,
    /// ~22 KiB of state: boxed so the decoder moves cheaply.
    decoder: Box<Decoder>,
    /// The frequency above which the output is not needed ([`crate::DecodeOptions`]).
    max_frequency: Option<u32>,
    /// Synthesising at half the stream's rate ([`half_rate`]).
    half_rate: bool,
    /// At half rate, the parity of the samples of each frame that are kept: set by the first
    /// packet after a reset so that they are the track's even samples, whatever the encoder
    /// delay and wherever decoding starts.
    phase: Option<usize>,
    /// The stream's channels, which every frame must have.
    channels: usize,
    sample_rate: u32,
    /// The last frame, mixed down to mono: minimp3 decodes straight into its plane.
    buf: AudioBuffer<f32>,
}

impl Mp3Decoder {
    /// A decoder for the stream `params` describes whose output is wanted only below
    /// `max_frequency` Hz: the spectrum above it is then not decoded (`Decoder::set_max_frequency`),
    /// and with `half_rate` (see [`half_rate`]) the output is synthesised at half the stream's
    /// rate.
    pub(crate) fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions, max_frequency: Option<u32>, half_rate: bool) -> Result<Self> {
        if params.codec != CODEC_ID_MP3 {
            return unsupported_error("mp3: not an MPEG Layer III stream");
        }
        let (Some(sample_rate), Some(channels)) = (params.sample_rate, params.channels.as_ref().map(|c| c.count())) else {
            return unsupported_error("mp3: the stream does not state its sample rate and channels");
        };
        if !(1..=2).contains(&channels) {
            return unsupported_error("mp3: an mp3 holds one or two channels");
        }
        Ok(Self {
            params: params.clone(),
            gapless: opts.gapless,
            decoder: Box::new(new_decoder(max_frequency)),
            max_frequency,
            half_rate,
            phase: None,
            channels,
            sample_rate,
            // minimp3 asks room for a stereo frame even when it writes one channel.
            buf: AudioBuffer::new(AudioSpec::new(sample_rate >> half_rate as u32, layouts::CHANNEL_LAYOUT_MONO), MAX_SAMPLES_PER_FRAME),
        })
    }

    /// Decode `packet` into `buf`, which is cleared first and stays empty on an error.
    fn decode_frame(&mut self, packet: &PacketRef<'_>) -> Result<()> {
        self.buf.clear();
        if self.half_rate && self.phase.is_none() {
            // The reader stamps packets with the track index of their first sample (negative
            // by the encoder delay at the start): sample m of every frame (an even length)
            // is then even in the track when m has the parity of the stamp.
            let phase = packet.pts.get().rem_euclid(2) as usize;
            self.decoder.set_half_rate(Some(phase));
            self.phase = Some(phase);
        }
        self.buf.render_uninit(Some(MAX_SAMPLES_PER_FRAME));
        let pcm = self.buf.plane_mut(0).expect("a mono buffer has one plane");
        let frames = match self.decoder.decode(packet.data, pcm).1 {
            Ok(info) if info.sample_rate == self.sample_rate && info.channels.num() as usize == self.channels => info.samples_produced,
            // The first frames after a seek reference bits of frames before it (minimp3 then
            // outputs nothing): symphonia's accurate seek starts early enough that the caller
            // drops them, so keep the timeline with silence of the frame's length.
            Err(DecodeError::ReservoirUnavailable(info)) => {
                let frames = samples_per_frame(info.sample_rate) >> self.half_rate as u32;
                pcm[..frames].fill(0.0);
                frames
            }
            failed => {
                self.buf.clear();
                return match failed {
                    Ok(_) => decode_error("mp3: a frame's sample rate or channel count differs from the stream's"),
                    Err(DecodeError::NoFrame | DecodeError::Corrupt(_)) => decode_error("mp3: invalid frame"),
                    Err(_) => decode_error("mp3: not an MPEG Layer III frame"),
                };
            }
        };
        self.buf.truncate(frames);
        if self.gapless {
            let (start, end) = self.trims(packet, frames);
            self.buf.trim(start, end);
        }
        Ok(())
    }

    /// The packet's gapless trims (in the stream's samples) as output samples of a frame that
    /// decoded to `frames`: at half rate, how many of the kept samples lie in each trimmed end.
    fn trims(&self, packet: &PacketRef<'_>, frames: usize) -> (usize, usize) {
        let (start, end) = (packet.trim_start.get() as usize, packet.trim_end.get() as usize);
        let Some(phase) = self.phase else { return (start, end) };
        // Kept sample j is the frame's sample 2j + phase.
        let first_kept = (start + 1 - phase) / 2;
        let last_kept = ((2 * frames).saturating_sub(end) + 1 - phase) / 2;
        (first_kept, frames - last_kept)
    }
}

/// Whether an mp3 stream at `sample_rate` whose output is wanted only below `max_frequency` Hz
/// is synthesised at half its rate: when that changes nothing below `max_frequency`
/// (`nanomp3_core::half_rate_max_frequency`: 9,991 Hz at 44.1 kHz, so for 16 kHz analysis and
/// below) and the reader stamps packets in samples (`frame_timestamps`), which the choice of
/// samples needs. The synthesis then takes half the time, and resampling starts from half as
/// many samples.
pub(crate) fn half_rate(sample_rate: u32, max_frequency: Option<u32>, frame_timestamps: bool) -> bool {
    frame_timestamps && max_frequency.is_some_and(|hz| hz <= half_rate_max_frequency(sample_rate))
}

/// A downmixing decoder, told the frequency above which nothing is needed.
fn new_decoder(max_frequency: Option<u32>) -> Decoder {
    let mut decoder = Decoder::new_downmix();
    decoder.set_max_frequency(max_frequency);
    decoder
}

/// Samples per channel of one Layer III frame: 1152 for MPEG-1 (32, 44.1, 48 kHz), 576 for
/// MPEG-2 and 2.5 (the lower rates).
fn samples_per_frame(sample_rate: u32) -> usize {
    if sample_rate >= 32_000 {
        1152
    } else {
        576
    }
}

impl AudioDecoder for Mp3Decoder {
    fn codec_info(&self) -> &CodecInfo {
        // symphonia's `support_audio_codec!` names the `symphonia_core` crate, which genrespace
        // reaches only through `symphonia`: the same value, written out.
        const INFO: CodecInfo = CodecInfo { short_name: "mp3", long_name: "MPEG Audio Layer 3 (minimp3)", profiles: &[] };
        &INFO
    }

    /// After a seek the bit reservoir and filterbank state of earlier frames are gone.
    fn reset(&mut self) {
        *self.decoder = new_decoder(self.max_frequency);
        self.phase = None;
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        self.decode_frame(packet)?;
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use symphonia::core::audio::{Audio, GenericAudioBufferRef};
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;

    use super::*;

    /// Frames per packet and the mean of the channels, as one decoder gives them.
    #[derive(Default)]
    struct Decoded {
        frames: Vec<usize>,
        mono: Vec<f32>,
    }

    impl Decoded {
        fn push(&mut self, buf: GenericAudioBufferRef<'_>) {
            let GenericAudioBufferRef::F32(b) = buf else { panic!("mp3 decodes to f32") };
            self.frames.push(b.frames());
            let planes: Vec<&[f32]> = (0..b.num_planes()).map(|ch| b.plane(ch).unwrap()).collect();
            crate::decode::append_mono(&mut self.mono, &planes, 0, b.frames());
        }
    }

    /// Every packet of `path` through minimp3 and through symphonia's own decoder.
    fn decode_with_both(path: &Path) -> (Decoded, Decoded) {
        let file = std::fs::File::open(path).unwrap();
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut format =
            symphonia::default::get_probe().probe(Hint::new().with_extension("mp3"), mss, FormatOptions::default(), MetadataOptions::default()).unwrap();
        let params = format.default_track(TrackType::Audio).unwrap().codec_params.as_ref().unwrap().audio().unwrap().clone();
        let opts = AudioDecoderOptions::default();
        let mut ours = Mp3Decoder::try_new(&params, &opts, None, false).unwrap();
        let mut symphonias = symphonia::default::get_codecs().make_audio_decoder(&params, &opts).unwrap();
        let (mut a, mut b) = (Decoded::default(), Decoded::default());
        while let Some(packet) = format.next_packet().unwrap() {
            a.push(ours.decode(&packet).unwrap());
            b.push(symphonias.decode(&packet).unwrap());
        }
        (a, b)
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
    }

    /// The real mp3 clips of `../shared` that are present.
    fn real_clips() -> Vec<PathBuf> {
        let clips = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-clips");
        ["lets_go_fishin_30s.mp3", "fma_000010_excerpt.mp3", "vibe_ace.mp3"]
            .iter()
            .filter_map(|name| match clips.join(name) {
                p if p.is_file() => Some(p),
                _ => {
                    eprintln!("skipped: ../shared/real-clips/{name} is absent");
                    None
                }
            })
            .collect()
    }

    /// Largest difference between two signals of the same length, printed with the rms.
    fn max_difference(path: &Path, a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len(), "{}: lengths differ", path.display());
        let max_diff = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        let rms = (a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>() / a.len() as f64).sqrt();
        eprintln!("{}: max difference {max_diff:.2e}, rms {rms:.2e}", path.display());
        max_diff
    }

    /// minimp3 keeps symphonia's timeline exactly (the same number of frames from every packet,
    /// gapless trims included) and its mono output differs from the mean of symphonia's
    /// channels by float rounding only (up to 7.8e-7 of full scale on these files; the
    /// standard lets a full-accuracy decoder be 2^-14 = 6.1e-5 from the reference).
    #[test]
    fn minimp3_decodes_the_mean_of_symphonias_channels() {
        let mut files: Vec<PathBuf> = ["chord.mp3", "chord_lr.mp3", "chord_mono.mp3"].map(fixture).to_vec();
        files.extend(real_clips());
        for path in files {
            let (ours, symphonias) = decode_with_both(&path);
            assert_eq!(ours.frames, symphonias.frames, "{}: frames per packet", path.display());
            let max_diff = max_difference(&path, &ours.mono, &symphonias.mono);
            assert!(max_diff < 1e-5, "{}: samples differ by up to {max_diff}", path.display());
        }
    }

    /// Every frame of `data` through minimp3, as one channel: the downmixing decoder's output,
    /// or the mean of upstream's interleaved channels.
    fn decode_mono(data: &[u8], downmix: bool) -> Vec<f32> {
        decode_mono_below(data, downmix, None)
    }

    /// [`decode_mono`] by a decoder told that only frequencies below `max_frequency` matter.
    fn decode_mono_below(data: &[u8], downmix: bool, max_frequency: Option<u32>) -> Vec<f32> {
        let mut decoder = if downmix { Decoder::new_downmix() } else { Decoder::new() };
        decoder.set_max_frequency(max_frequency);
        let mut pcm = [0.0f32; MAX_SAMPLES_PER_FRAME];
        let (mut out, mut rest) = (Vec::new(), data);
        while !rest.is_empty() {
            let (consumed, result) = decoder.decode(rest, &mut pcm);
            rest = &rest[consumed..];
            let Ok(info) = result else { continue };
            let channels = if downmix { 1 } else { info.channels.num() as usize };
            let frames = pcm[..info.samples_produced * channels].chunks_exact(channels);
            out.extend(frames.map(|f| f.iter().sum::<f32>() / channels as f32));
        }
        out
    }

    /// Fixtures that take each path of the downmixing decoder (see the test below), and the real
    /// clips.
    fn every_path_of_the_decoder() -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = ["chord.mp3", "chord_lr.mp3", "chord_mono.mp3", "chord_split.mp3"].map(fixture).to_vec();
        files.extend(real_clips());
        files
    }

    /// The vendored decoder's downmixing mode gives the mean of what upstream's mode decodes,
    /// up to float rounding, through each of its paths: mid/side frames from the mid channel
    /// alone (chord.mp3), left/right frames mixed before the filterbanks (chord_lr.mp3), a
    /// mono stream (chord_mono.mp3), and channels with different blocks, from which on each
    /// keeps its own filterbank (chord_split.mp3: scripts/mp3_flip_blocks.py gave the second
    /// channel the other long window in two granules after 0.5 s; the two channels are equal
    /// until there, so the switch itself is exact too). Upstream's minimp3 is the reference,
    /// not symphonia: symphonia rejects channels with different blocks in joint stereo, and
    /// the two window an overlap differently where the standard's order of blocks is broken.
    #[test]
    fn downmixing_decodes_the_mean_of_minimp3s_channels() {
        for path in every_path_of_the_decoder() {
            let data = std::fs::read(&path).unwrap();
            let (mean, downmix) = (decode_mono(&data, false), decode_mono(&data, true));
            assert!(mean.len() > 20_000, "{}: only {} samples", path.display(), mean.len());
            let max_diff = max_difference(&path, &downmix, &mean);
            assert!(max_diff < 1e-6, "{}: samples differ by up to {max_diff}", path.display());
        }
    }

    /// A decoder told that only frequencies below 1 kHz matter leaves the spectrum above ~2 kHz
    /// undecoded (the fixtures' chord lies below, their coding noise above): its output differs
    /// from a full decode, but not once both are resampled to 2 kHz (what a caller that says so
    /// does), on every path of the decoder.
    #[test]
    fn a_decoder_told_a_max_frequency_changes_only_what_lies_above_it() {
        for path in every_path_of_the_decoder() {
            let data = std::fs::read(&path).unwrap();
            for downmix in [false, true] {
                let (full, limited) = (decode_mono(&data, downmix), decode_mono_below(&data, downmix, Some(1000)));
                let left_out = max_difference(&path, &limited, &full);
                assert!(left_out > 1e-3, "{}: nothing was left out", path.display());
                let low = |x: &[f32]| crate::resample(x, 44_100, 2_000).unwrap();
                let max_diff = max_difference(&path, &low(&limited), &low(&full));
                assert!(max_diff < 1e-6, "{}: below 1 kHz, samples differ by up to {max_diff}", path.display());
            }
        }
    }
}
