//! libmpg123 as symphonia's MP3 decoder (cargo feature `mpg123`, off by default).
//!
//! Decoding is most of the feature pipeline's time on mp3 (README, "Speed"), and libmpg123 —
//! the decoder behind libsndfile, so behind librosa — decodes faster than symphonia's pure-Rust
//! one. Only the frame decoding moves: symphonia still demuxes, seeks, trims the encoder delay
//! and padding (gapless), reads the tags and detects truncation, so every caller of
//! [`crate::decode_file`] is unchanged. It needs the system's libmpg123 (Debian's
//! `libmpg123-dev`); the FFI declarations come from the `mpg123-sys` crate, and this module is
//! the only unsafe code in the crate: a handle owned by one decoder, fed one packet at a time.

use std::ffi::{c_int, c_long};
use std::ptr;
use std::sync::Once;

use mpg123_sys as ffi;
use symphonia::core::audio::{layouts, AsGenericAudioBufferRef, Audio, AudioBuffer, AudioMut, AudioSpec, GenericAudioBufferRef};
use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::errors::{decode_error, unsupported_error, Result};
use symphonia::core::packet::PacketRef;

/// Samples per channel in one MPEG-1 Layer III frame (MPEG-2/2.5 frames hold half).
const FRAME: usize = 1152;

/// libmpg123's flag (newer than `mpg123-sys`' declarations) not to read ahead for the next
/// frame's header once the stream runs: symphonia's packets are whole frames.
const MPG123_NO_READAHEAD: c_long = 0x40_0000;

/// One libmpg123 handle in feed mode, decoding to interleaved `f32`.
pub struct Mpg123Decoder {
    params: AudioCodecParameters,
    gapless: bool,
    handle: Handle,
    channels: usize,
    sample_rate: u32,
    /// Interleaved output of the last packet.
    pcm: Vec<f32>,
    buf: AudioBuffer<f32>,
    /// Frames `buf` holds room for.
    capacity: usize,
    /// Gapless trim owed by packets that gave no samples yet: libmpg123 outputs a stream's first
    /// frame only with the second (it checks the next header first, even when told not to), so
    /// the first packet's trim applies to the front of the second packet's output.
    owed_trim: usize,
}

/// Owns the `mpg123_handle` (deleted on drop).
struct Handle(*mut ffi::mpg123_handle);

// SAFETY: a handle is used by one decoder at a time (`&mut self` for every call into it);
// libmpg123 handles keep no thread-local state, so moving one between threads is sound, and
// the `&self` methods of the decoder never touch it.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `mpg123_new` and is deleted once.
        unsafe { ffi::mpg123_delete(self.0) }
    }
}

impl Handle {
    /// A handle in feed mode that outputs `channels` of `f32` at `rate` and trims nothing itself.
    fn open(rate: u32, channels: usize) -> Result<Self> {
        static INIT: Once = Once::new();
        // SAFETY: required once before any handle by libmpg123 < 1.27, a no-op after.
        INIT.call_once(|| unsafe {
            ffi::mpg123_init();
        });
        let mut err = 0;
        // SAFETY: a null decoder name picks libmpg123's fastest for this CPU.
        let raw = unsafe { ffi::mpg123_new(ptr::null(), &mut err) };
        if raw.is_null() {
            return unsupported_error("mpg123: cannot create a decoder");
        }
        let handle = Handle(raw);
        let flags = (ffi::mpg123_param_flags::MPG123_QUIET | ffi::mpg123_param_flags::MPG123_FORCE_FLOAT).bits() as c_long | MPG123_NO_READAHEAD;
        let gapless = ffi::mpg123_param_flags::MPG123_GAPLESS.bits() as c_long;
        let layout = if channels == 1 { ffi::MPG123_MONO } else { ffi::MPG123_STEREO } as c_int;
        let float = ffi::mpg123_enc_enum::MPG123_ENC_FLOAT_32.bits();
        // SAFETY: `handle.0` is a live handle; the calls only set its parameters.
        let ok = unsafe {
            ffi::mpg123_param(handle.0, ffi::MPG123_ADD_FLAGS, flags, 0.0) == 0
                && ffi::mpg123_param(handle.0, ffi::MPG123_REMOVE_FLAGS, gapless, 0.0) == 0
                && ffi::mpg123_format_none(handle.0) == 0
                && ffi::mpg123_format(handle.0, rate as c_long, layout, float) == 0
                && ffi::mpg123_open_feed(handle.0) == 0
        };
        if !ok {
            return unsupported_error("mpg123: the stream's format is not supported");
        }
        Ok(handle)
    }

    /// Decode one MP3 frame (`data`), appending what libmpg123 outputs to `out` (cleared first).
    fn decode(&mut self, data: &[u8], out: &mut Vec<f32>) -> Result<()> {
        out.clear();
        let mut input = Some(data);
        loop {
            let (inp, len) = input.take().map_or((ptr::null(), 0), |d| (d.as_ptr(), d.len()));
            let start = out.len();
            out.resize(start + FRAME * 2, 0.0);
            let room = &mut out[start..];
            let mut done = 0;
            // SAFETY: `inp` is `len` readable bytes (or null with 0), the output is `room`'s
            // bytes, and libmpg123 writes at most that many, reporting them in `done`.
            let ret = unsafe { ffi::mpg123_decode(self.0, inp, len, room.as_mut_ptr().cast(), std::mem::size_of_val(room), &mut done) };
            out.truncate(start + done / std::mem::size_of::<f32>());
            match ret {
                r if r == ffi::MPG123_NEED_MORE as c_int => return Ok(()),
                r if r == ffi::MPG123_OK as c_int || r == ffi::MPG123_NEW_FORMAT as c_int => continue,
                _ => return decode_error("mpg123: invalid frame"),
            }
        }
    }
}

impl Mpg123Decoder {
    fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Self> {
        let (Some(sample_rate), Some(channels)) = (params.sample_rate, params.channels.as_ref().map(|c| c.count())) else {
            return unsupported_error("mpg123: the stream does not state its sample rate and channels");
        };
        let layout = match channels {
            1 => layouts::CHANNEL_LAYOUT_MONO,
            2 => layouts::CHANNEL_LAYOUT_STEREO,
            _ => return unsupported_error("mpg123: mp3 holds one or two channels"),
        };
        Ok(Self {
            params: params.clone(),
            gapless: opts.gapless,
            handle: Handle::open(sample_rate, channels)?,
            channels,
            sample_rate,
            pcm: Vec::new(),
            buf: AudioBuffer::new(AudioSpec::new(sample_rate, layout), FRAME),
            capacity: FRAME,
            owed_trim: 0,
        })
    }
}

impl AudioDecoder for Mpg123Decoder {
    fn codec_info(&self) -> &CodecInfo {
        &Self::supported_codecs()[0].info
    }

    /// After a seek the bit reservoir of earlier frames is gone: start a new stream.
    fn reset(&mut self) {
        if let Ok(handle) = Handle::open(self.sample_rate, self.channels) {
            self.handle = handle;
        }
        self.owed_trim = 0;
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        self.buf.clear();
        self.handle.decode(packet.data, &mut self.pcm)?;
        let frames = self.pcm.len() / self.channels;
        if frames > self.capacity {
            self.buf = AudioBuffer::new(self.buf.spec().clone(), frames);
            self.capacity = frames;
        }
        self.buf.render_uninit(Some(frames));
        self.buf.copy_from_slice_interleaved(&&self.pcm[..frames * self.channels]);
        if self.gapless {
            let (start, end) = (packet.trim_start.get() as usize, packet.trim_end.get() as usize);
            if frames == 0 {
                self.owed_trim += start;
            } else {
                self.buf.trim(std::mem::take(&mut self.owed_trim) + start, end);
            }
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

impl RegisterableAudioDecoder for Mpg123Decoder {
    fn try_registry_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(Self::try_new(params, opts)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        // symphonia's `support_audio_codec!` names the `symphonia_core` crate, which genrespace
        // reaches only through `symphonia`: the same value, written out.
        const INFO: CodecInfo = CodecInfo { short_name: "mp3", long_name: "MPEG Audio Layer 3 (libmpg123)", profiles: &[] };
        &[SupportedAudioCodec { id: CODEC_ID_MP3, info: INFO }]
    }
}
