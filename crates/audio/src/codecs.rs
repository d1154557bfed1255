//! The codec registry: symphonia's decoders plus libopus for Ogg/Opus, which symphonia lacks,
//! and minimp3 for mp3 in place of symphonia's decoder (faster; see `mp3.rs`).

use std::sync::OnceLock;
use symphonia::core::codecs::registry::CodecRegistry;

/// All decoders genrespace uses, built once per process.
pub(crate) fn registry() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        // Registered after symphonia's, so it decodes mp3 in their stead.
        registry.register_audio_decoder::<crate::mp3::Mp3Decoder>();
        registry
    })
}
