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
//! are mid/side; README, "Speed").

use nanomp3_core::{DecodeError, Decoder, MAX_SAMPLES_PER_FRAME};
use symphonia::core::audio::{layouts, AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, GenericAudioBufferRef};
use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
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
    /// The stream's channels, which every frame must have.
    channels: usize,
    sample_rate: u32,
    /// The last frame, mixed down to mono.
    pcm: Box<[f32; MAX_SAMPLES_PER_FRAME]>,
    buf: AudioBuffer<f32>,
}

impl Mp3Decoder {
    fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Self> {
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
            decoder: Box::new(Decoder::new_downmix()),
            channels,
            sample_rate,
            pcm: Box::new([0.0; MAX_SAMPLES_PER_FRAME]),
            buf: AudioBuffer::new(AudioSpec::new(sample_rate, layouts::CHANNEL_LAYOUT_MONO), MAX_SAMPLES_PER_FRAME / 2),
        })
    }

    /// Decode `packet` into `buf`, which is cleared first and stays empty on an error.
    fn decode_frame(&mut self, packet: &PacketRef<'_>) -> Result<()> {
        self.buf.clear();
        let frames = match self.decoder.decode(packet.data, &mut self.pcm[..]).1 {
            Ok(info) if info.sample_rate != self.sample_rate || info.channels.num() as usize != self.channels => {
                return decode_error("mp3: a frame's sample rate or channel count differs from the stream's");
            }
            Ok(info) => info.samples_produced,
            // The first frames after a seek reference bits of frames before it (minimp3 then
            // outputs nothing): symphonia's accurate seek starts early enough that the caller
            // drops them, so keep the timeline with silence of the frame's length.
            Err(DecodeError::ReservoirUnavailable(info)) => {
                self.pcm.fill(0.0);
                samples_per_frame(info.sample_rate)
            }
            Err(DecodeError::NoFrame | DecodeError::Corrupt(_)) => return decode_error("mp3: invalid frame"),
            Err(_) => return decode_error("mp3: not an MPEG Layer III frame"),
        };
        self.buf.render_uninit(Some(frames));
        self.buf.copy_from_slice_interleaved(&&self.pcm[..frames]);
        if self.gapless {
            self.buf.trim(packet.trim_start.get() as usize, packet.trim_end.get() as usize);
        }
        Ok(())
    }
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
        &Self::supported_codecs()[0].info
    }

    /// After a seek the bit reservoir and filterbank state of earlier frames are gone.
    fn reset(&mut self) {
        *self.decoder = Decoder::new_downmix();
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

impl RegisterableAudioDecoder for Mp3Decoder {
    fn try_registry_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(Self::try_new(params, opts)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        // symphonia's `support_audio_codec!` names the `symphonia_core` crate, which genrespace
        // reaches only through `symphonia`: the same value, written out.
        const INFO: CodecInfo = CodecInfo { short_name: "mp3", long_name: "MPEG Audio Layer 3 (minimp3)", profiles: &[] };
        &[SupportedAudioCodec { id: CODEC_ID_MP3, info: INFO }]
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
        let mut ours = Mp3Decoder::try_new(&params, &opts).unwrap();
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
        let mut decoder = if downmix { Decoder::new_downmix() } else { Decoder::new() };
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
        let mut files: Vec<PathBuf> = ["chord.mp3", "chord_lr.mp3", "chord_mono.mp3", "chord_split.mp3"].map(fixture).to_vec();
        files.extend(real_clips());
        for path in files {
            let data = std::fs::read(&path).unwrap();
            let (mean, downmix) = (decode_mono(&data, false), decode_mono(&data, true));
            assert!(mean.len() > 20_000, "{}: only {} samples", path.display(), mean.len());
            let max_diff = max_difference(&path, &downmix, &mean);
            assert!(max_diff < 1e-6, "{}: samples differ by up to {max_diff}", path.display());
        }
    }
}
