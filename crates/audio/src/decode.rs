//! Decoding a file to mono `f32` samples with symphonia.

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::audio::{Audio, GenericAudioBufferRef};
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::{Time, TimeBase, Timestamp};

use crate::codecs::make_decoder;
use crate::error::AudioError;
use crate::tags::Tags;

/// Which part of a file to decode. The default is the whole file.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DecodeOptions {
    /// Start this many seconds into the file. Uses the container's seek index when it has one, so
    /// a window late in a long file does not cost decoding everything before it.
    pub offset_s: f64,
    /// Stop after this many seconds of audio (from the offset). `None` reads to the end.
    pub duration_s: Option<f64>,
    /// The caller needs the audio only below this frequency in Hz, typically because it
    /// resamples to twice it: decoders that can leave the rest out do. mp3 does not decode the
    /// spectrum above it and, when it is below 29/128 of the stream's rate (16 kHz analysis of
    /// 44.1 or 48 kHz), synthesises at half rate ([`DecodedAudio::sample_rate`]). The output
    /// then differs from a full decode only above this frequency. `None` decodes everything.
    pub max_frequency_hz: Option<u32>,
}

/// A decoded file: mono samples at the file's own sample rate (or half of it, see
/// [`DecodeOptions::max_frequency_hz`]), plus what we know of the file.
#[derive(Debug, Clone)]
pub struct DecodedAudio {
    /// Mono samples (the mean of all channels), at `sample_rate`.
    pub samples: Vec<f32>,
    /// The rate of `samples` in Hz: the file's, or half of it for an mp3 whose
    /// [`DecodeOptions::max_frequency_hz`] allowed its decoder to synthesise at half rate.
    pub sample_rate: u32,
    /// The file's sample rate in Hz.
    pub file_sample_rate: u32,
    /// Number of channels in the file before downmixing.
    pub channels: usize,
    /// Length of the whole file in seconds when the container declares it, else of what was
    /// decoded plus the offset.
    pub file_duration_s: f64,
    /// Tags found in the file (ID3v2, Vorbis comments, MP4 atoms, RIFF INFO...).
    pub tags: Tags,
    /// Set when the file ends before the length its header declares but what it holds is long
    /// enough to analyse (at least [`MIN_PLAYABLE_S`]): the samples are what could be played.
    pub truncated: Option<Truncation>,
}

/// How much of a truncated file could be decoded.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Truncation {
    pub decoded_s: f64,
    pub declared_s: f64,
}

/// A truncated file holding at least this many seconds of audio is decoded as far as it goes
/// (with [`DecodedAudio::truncated`] set); a shorter remainder is an [`AudioError::Truncated`].
/// Five seconds hold more than one 3-s musicnn patch and several MFCC frames, enough for a
/// track's place in genre space; less is more likely a broken download than a song.
pub const MIN_PLAYABLE_S: f64 = 5.0;

impl DecodedAudio {
    /// Duration of the decoded samples in seconds.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// Decode `path` (any supported format) to mono `f32` samples at its own rate.
///
/// Gapless decoding is on, so mp3/aac encoder delay and padding are trimmed and sample counts
/// match librosa's. Errors always name the file; corrupt packets in the middle of a stream are
/// skipped (as players do) unless they are the majority; a file that ends well before the
/// length its header declares is decoded as far as it goes when that is at least
/// [`MIN_PLAYABLE_S`] (see [`DecodedAudio::truncated`]) and reported as
/// [`AudioError::Truncated`] otherwise; chained streams are decoded one after another.
pub fn decode_file(path: &Path, opts: DecodeOptions) -> Result<DecodedAudio, AudioError> {
    validate_options(&opts)?;
    let file = open_checked(path)?;
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|source| cut_inside_id3(path).unwrap_or_else(|| AudioError::UnsupportedFormat { path: path.to_path_buf(), source }))?;
    Decoder::new(path, format, opts.max_frequency_hz)?.run(opts)
}

/// A file that ends inside the ID3v2 tag at its start (a download cut off in the cover art) has
/// no audio at all: say so instead of "not a recognised audio format".
fn cut_inside_id3(path: &Path) -> Option<AudioError> {
    use std::io::Read;
    let mut header = [0u8; 10];
    File::open(path).ok()?.read_exact(&mut header).ok()?;
    if &header[..3] != b"ID3" || header[6..10].iter().any(|b| b & 0x80 != 0) {
        return None;
    }
    // The tag size is "syncsafe": four 7-bit bytes, plus the 10-byte header.
    let tag_bytes = header[6..10].iter().fold(0u64, |n, &b| (n << 7) | b as u64) + 10;
    let file_bytes = std::fs::metadata(path).ok()?.len();
    (file_bytes <= tag_bytes).then(|| AudioError::TruncatedInTag { path: path.to_path_buf(), tag_bytes, file_bytes })
}

fn validate_options(opts: &DecodeOptions) -> Result<(), AudioError> {
    if !(opts.offset_s.is_finite() && opts.offset_s >= 0.0) {
        return Err(AudioError::InvalidOption(format!("offset must be a finite number of seconds >= 0, got {}", opts.offset_s)));
    }
    if let Some(d) = opts.duration_s {
        if !(d.is_finite() && d > 0.0) {
            return Err(AudioError::InvalidOption(format!("duration must be a finite number of seconds > 0, got {d}")));
        }
    }
    Ok(())
}

/// Open the file, turning the common failures into errors that say what is wrong with it.
fn open_checked(path: &Path) -> Result<File, AudioError> {
    let p = path.to_path_buf();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AudioError::NotFound { path: p.clone() },
        _ => AudioError::Io { path: p.clone(), source: e },
    })?;
    if meta.is_dir() {
        return Err(AudioError::IsDirectory { path: p });
    }
    if meta.len() == 0 {
        return Err(AudioError::Empty { path: p });
    }
    File::open(path).map_err(|e| AudioError::Io { path: p, source: e })
}

/// How far before a window's offset decoding starts. A decoder started at a seek point has none
/// of the frames before it, which transform codecs overlap with (mp3's filterbanks, Vorbis, AAC,
/// Opus): symphonia's seek backs up only as far as the mp3 bit reservoir needs, and the window's
/// first ~15 ms then differed from the same samples decoded from the file's start (by up to 0.12
/// on a real mp3). 100 ms covers mp3's two frames of filterbank state and Opus's recommended
/// 80-ms pre-roll; what is decoded in it is dropped.
const SEEK_PREROLL_S: f64 = 0.1;

/// Which decoded frames come before a window's offset.
enum Skip {
    /// The first this many, counted from where decoding starts (no seek was made).
    Frames(u64),
    /// Those before this frame index of the track, read from the packets' timestamps. After a
    /// seek, counting is not enough: a decoder reset there may output nothing for its first
    /// packets (Vorbis needs two to overlap; counting from the seek point put Vorbis windows
    /// 1,024 samples late).
    Before(i64),
}

impl Skip {
    /// How many of the `frames` a packet decoded to, the first at frame index `first`, to drop.
    fn take(&mut self, first: i64, frames: usize) -> usize {
        match self {
            Skip::Frames(n) => {
                let k = (*n).min(frames as u64);
                *n -= k;
                k as usize
            }
            Skip::Before(offset) => {
                let k = (*offset - first).clamp(0, frames as i64) as usize;
                if k < frames {
                    // The window has begun: later packets are all kept, even a chained stream's
                    // whose timestamps start again from zero.
                    *self = Skip::Frames(0);
                }
                k
            }
        }
    }
}

/// The state of one decode: the format reader, the chosen track and its decoder.
struct Decoder {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::audio::AudioDecoder>,
    track_id: u32,
    /// [`DecodeOptions::max_frequency_hz`], for each stream's decoder.
    max_frequency: Option<u32>,
    /// The stream's sample rate.
    sample_rate: u32,
    /// How many of the stream's samples make one decoded sample (2 for an mp3 synthesised at
    /// half rate, else 1). Frame counts below are at the decoded rate unless they say otherwise.
    decimation: u32,
    channels: usize,
    time_base: Option<TimeBase>,
    /// The packet timestamp of the track's first playable frame, in time-base ticks (see
    /// [`Decoder::first_frame`]).
    pts_origin: i64,
    /// Playable frames the container declares (delay and padding excluded, at the stream's
    /// rate), if it does.
    declared_frames: Option<u64>,
    tags: Tags,
}

impl Decoder {
    fn new(path: &Path, mut format: Box<dyn FormatReader>, max_frequency: Option<u32>) -> Result<Self, AudioError> {
        let no_track = || AudioError::NoAudioTrack { path: path.to_path_buf() };
        let track = format.default_track(TrackType::Audio).ok_or_else(no_track)?;
        let params = track.codec_params.as_ref().and_then(|p| p.audio()).ok_or_else(no_track)?;
        let sample_rate = params
            .sample_rate
            .filter(|&r| r > 0)
            .ok_or_else(|| AudioError::BadStream { path: path.to_path_buf(), reason: "the stream does not state its sample rate" })?;
        let time_base = track.time_base;
        let (decoder, decimation) = make_decoder(params, max_frequency, in_samples(time_base, sample_rate))
            .map_err(|source| AudioError::Decode { path: path.to_path_buf(), source })?;
        let channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(0);
        let track_id = track.id;
        // mp3 and Vorbis packets say their encoder delay through negative timestamps and the
        // first packet's trim; Ogg Opus packets are stamped before the pre-skip, which the
        // libopus adapter trims inside its decoder.
        let pts_origin = if params.codec == CODEC_ID_OPUS { track.delay.unwrap_or(0) as i64 } else { 0 };
        let declared_frames = track.num_frames;
        let mut tags = Tags::default();
        tags.absorb_log(&mut format.metadata());
        Ok(Self {
            path: path.to_path_buf(),
            format,
            decoder,
            track_id,
            max_frequency,
            sample_rate,
            decimation,
            channels,
            time_base,
            pts_origin,
            declared_frames,
            tags,
        })
    }

    /// The rate of the decoded samples.
    fn output_rate(&self) -> u32 {
        self.sample_rate / self.decimation
    }

    /// A chained stream (an Ogg radio capture or concatenated files: one logical stream after
    /// another) makes the reader start a new track: decode it with a new decoder when it keeps
    /// the sample rate so far, and count its declared length after the `decoded` frames already
    /// read. A stream at another rate (or decoded at another) ends the decode there (one file,
    /// one rate).
    fn next_chained_stream(&mut self, decoded: u64) -> Result<bool, AudioError> {
        let Some(track) = self.format.default_track(TrackType::Audio) else { return Ok(false) };
        let Some(params) = track.codec_params.as_ref().and_then(|p| p.audio()) else { return Ok(false) };
        if params.sample_rate != Some(self.sample_rate) {
            return Ok(false);
        }
        let (track_id, time_base, frames) = (track.id, track.time_base, track.num_frames);
        let (decoder, decimation) = make_decoder(params, self.max_frequency, in_samples(time_base, self.sample_rate)).map_err(|e| self.decode_error(e))?;
        if decimation != self.decimation {
            return Ok(false);
        }
        self.decoder = decoder;
        self.track_id = track_id;
        self.time_base = time_base;
        self.declared_frames = frames.map(|n| decoded * self.decimation as u64 + n);
        Ok(true)
    }

    fn decode_error(&self, source: SymError) -> AudioError {
        AudioError::Decode { path: self.path.clone(), source }
    }

    /// Seek to [`SEEK_PREROLL_S`] before `offset_s` if the container allows it, and say which
    /// decoded frames to drop to land exactly on the offset.
    fn seek(&mut self, offset_s: f64) -> Skip {
        let wanted = (offset_s * self.output_rate() as f64).round() as u64;
        let start_s = offset_s - SEEK_PREROLL_S;
        if start_s <= 0.0 {
            return Skip::Frames(wanted);
        }
        let Some(time) = Time::try_from_secs_f64(start_s) else { return Skip::Frames(wanted) };
        let to = SeekTo::Time { time, track_id: Some(self.track_id) };
        match self.format.seek(SeekMode::Accurate, to) {
            Ok(_) => {
                self.decoder.reset();
                Skip::Before(wanted as i64)
            }
            Err(_) => Skip::Frames(wanted),
        }
    }

    /// Convert a time-base timestamp to a frame index at the track's sample rate.
    fn ticks_to_frames(&self, ticks: i64) -> i64 {
        match self.time_base.and_then(|tb| tb.calc_time(Timestamp::new(ticks))) {
            Some(t) => (t.as_nanos() as f64 * 1e-9 * self.sample_rate as f64).round() as i64,
            None => ticks,
        }
    }

    /// The index among the track's playable (decoded) frames of the first frame `packet` decodes
    /// to (after its gapless trim). At half rate the decoder keeps the track's even samples, so
    /// that is the first even one from there, halved.
    fn first_frame(&self, packet: &Packet) -> i64 {
        let in_stream = self.ticks_to_frames(packet.pts.get() - self.pts_origin) + packet.trim_start.get() as i64;
        let d = self.decimation as i64;
        (in_stream + d - 1).div_euclid(d)
    }

    fn run(mut self, opts: DecodeOptions) -> Result<DecodedAudio, AudioError> {
        let mut skip = self.seek(opts.offset_s);
        let max_frames = opts.duration_s.map(|d| (d * self.output_rate() as f64).round() as usize);
        let mut samples: Vec<f32> = Vec::with_capacity(self.capacity_hint(max_frames));
        let mut planes: Vec<Vec<f32>> = Vec::new();
        let (mut good_packets, mut bad_packets) = (0usize, 0usize);
        let mut last_error: Option<SymError> = None;
        let mut stopped_early = false;

        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                // A stream cut off mid-packet ends here; the length check below decides whether
                // the file counts as truncated.
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(SymError::ResetRequired) => match self.next_chained_stream(samples.len() as u64)? {
                    true => continue,
                    false => break,
                },
                Err(e @ SymError::DecodeError(_)) => {
                    bad_packets += 1;
                    last_error = Some(e);
                    if bad_packets > 64 && bad_packets > good_packets {
                        break;
                    }
                    continue;
                }
                Err(e) => return Err(self.decode_error(e)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let first_frame = self.first_frame(&packet);
            let buf = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(e @ (SymError::DecodeError(_) | SymError::IoError(_))) => {
                    bad_packets += 1;
                    last_error = Some(e);
                    continue;
                }
                Err(e) => return Err(self.decode_error(e)),
            };
            good_packets += 1;
            let frames = buf.frames();
            if frames == 0 {
                continue;
            }
            if self.channels == 0 {
                self.channels = buf.spec().channels().count().max(1);
            }
            let skip = skip.take(first_frame, frames);
            match &buf {
                // mp3, aac, vorbis and opus decode to f32: downmix straight from the decoder's
                // planes instead of copying them first.
                GenericAudioBufferRef::F32(b) => {
                    let views: Vec<&[f32]> = (0..b.num_planes()).filter_map(|i| b.plane(i)).collect();
                    append_mono(&mut samples, &views, skip, frames);
                }
                other => {
                    other.copy_to_vecs_planar::<f32>(&mut planes);
                    let views: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
                    append_mono(&mut samples, &views, skip, frames);
                }
            }
            if let Some(max) = max_frames {
                if samples.len() >= max {
                    samples.truncate(max);
                    stopped_early = true;
                    break;
                }
            }
        }
        self.tags.absorb_log(&mut self.format.metadata());

        let (sr, out_sr) = (self.sample_rate as f64, self.output_rate() as f64);
        let mut truncated = None;
        if let Some(declared) = self.declared_frames {
            let reached_s = samples.len() as f64 / out_sr + opts.offset_s;
            let declared_s = declared as f64 / sr;
            if !stopped_early && reached_s < declared_s * 0.98 - 0.05 {
                let cut = Truncation { decoded_s: reached_s, declared_s };
                if cut.decoded_s < MIN_PLAYABLE_S {
                    return Err(AudioError::Truncated { path: self.path.clone(), decoded_s: cut.decoded_s, declared_s: cut.declared_s });
                }
                truncated = Some(cut);
            }
        }
        if good_packets == 0 || (bad_packets > good_packets && bad_packets > 2) {
            let path = self.path.clone();
            return Err(match last_error {
                None => AudioError::BadStream { path, reason: "no decodable audio packets" },
                Some(last) => AudioError::BadPackets { path, failed: bad_packets, total: bad_packets + good_packets, last },
            });
        }
        if samples.is_empty() && opts.offset_s == 0.0 {
            return Err(AudioError::NoSamples { path: self.path.clone() });
        }
        let file_duration_s = match self.declared_frames {
            Some(n) => n as f64 / sr,
            None if !stopped_early => opts.offset_s + samples.len() as f64 / out_sr,
            None => f64::NAN,
        };
        let (sample_rate, file_sample_rate) = (self.output_rate(), self.sample_rate);
        Ok(DecodedAudio { samples, sample_rate, file_sample_rate, channels: self.channels.max(1), file_duration_s, tags: self.tags, truncated })
    }

    fn capacity_hint(&self, max_frames: Option<usize>) -> usize {
        let declared = (self.declared_frames.unwrap_or(0) as usize).div_ceil(self.decimation as usize);
        match max_frames {
            Some(m) => m.min(declared.max(m)),
            None => declared,
        }
    }
}

/// Whether a track's timestamps count its samples (as MP3 files' do), which half-rate decoding
/// needs to keep the right ones.
fn in_samples(time_base: Option<TimeBase>, sample_rate: u32) -> bool {
    time_base.is_some_and(|tb| tb.numer.get() == 1 && tb.denom.get() == sample_rate)
}

/// Append the mean of all channels of `planes[..][skip..frames]` to `out`.
pub(crate) fn append_mono(out: &mut Vec<f32>, planes: &[&[f32]], skip: usize, frames: usize) {
    match planes {
        [] => {}
        [mono] => out.extend_from_slice(&mono[skip..frames]),
        [left, right] => out.extend(left[skip..frames].iter().zip(&right[skip..frames]).map(|(l, r)| 0.5 * (l + r))),
        many => {
            let scale = 1.0 / many.len() as f32;
            let start = out.len();
            out.extend_from_slice(&many[0][skip..frames]);
            for plane in &many[1..] {
                for (o, s) in out[start..].iter_mut().zip(&plane[skip..frames]) {
                    *o += s;
                }
            }
            out[start..].iter_mut().for_each(|o| *o *= scale);
        }
    }
}
