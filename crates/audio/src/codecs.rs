//! The decoders: symphonia's plus libopus for Ogg/Opus, which symphonia lacks, and minimp3 for
//! mp3 in place of symphonia's decoder (faster; see `mp3.rs`).

use std::sync::OnceLock;
use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Result;

/// A decoder for the stream `params` describes, whose output is wanted only below
/// `max_frequency` Hz (`DecodeOptions::max_frequency_hz`), and the factor by which its output
/// rate is below the stream's (1, or 2 for an mp3 synthesised at half rate; that needs a reader
/// that stamps packets in samples: `frame_timestamps`). mp3 is built here rather than by the
/// registry, whose constructor has no place for these.
pub(crate) fn make_decoder(params: &AudioCodecParameters, max_frequency: Option<u32>, frame_timestamps: bool) -> Result<(Box<dyn AudioDecoder>, u32)> {
    let opts = AudioDecoderOptions::default();
    if params.codec == CODEC_ID_MP3 {
        let half_rate = crate::mp3::half_rate(params.sample_rate.unwrap_or(0), max_frequency, frame_timestamps);
        let decoder = crate::mp3::Mp3Decoder::try_new(params, &opts, max_frequency, half_rate)?;
        return Ok((Box::new(decoder), 1 + half_rate as u32));
    }
    Ok((registry().make_audio_decoder(params, &opts)?, 1))
}

/// All decoders genrespace uses, built once per process.
fn registry() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}
