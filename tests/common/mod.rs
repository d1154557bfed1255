//! Helpers shared by the workspace's end-to-end tests (each test file uses some of them).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The `genrespace` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_genrespace"))
}

/// Write `samples` (in [-1, 1]) as a 22050 Hz mono 16-bit WAV, creating the parent folders.
pub fn write_wav(path: &Path, samples: impl IntoIterator<Item = f32>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for v in samples {
        w.write_sample((v * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Whether the style-corpus renderer's tools are installed (scripts/setup.sh installs them).
pub fn corpus_tools_installed() -> bool {
    let have = |tool: &str| Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().map(|o| o.status.success()).unwrap_or(false);
    have("mma") && have("fluidsynth") && have("sox") && Path::new("/usr/share/sounds/sf2/FluidR3_GM.sf2").exists()
}

#[path = "pg.rs"]
pub mod pg;
