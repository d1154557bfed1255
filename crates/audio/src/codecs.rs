//! The codec registry: symphonia's decoders plus libopus for Ogg/Opus, which symphonia lacks,
//! and with the `mpg123` feature libmpg123 for mp3 in place of symphonia's decoder.

use std::sync::OnceLock;
use symphonia::core::codecs::registry::CodecRegistry;

/// All decoders genrespace uses, built once per process.
pub(crate) fn registry() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        #[cfg(feature = "mpg123")]
        registry.register_audio_decoder::<crate::mpg123::Mpg123Decoder>();
        registry
    })
}
