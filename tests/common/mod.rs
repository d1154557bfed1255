//! Helpers shared by the workspace's end-to-end tests.

use std::path::Path;
use std::process::Command;

/// Whether the style-corpus renderer's tools are installed (scripts/setup.sh installs them).
pub fn corpus_tools_installed() -> bool {
    let have = |tool: &str| Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().map(|o| o.status.success()).unwrap_or(false);
    have("mma") && have("fluidsynth") && have("sox") && Path::new("/usr/share/sounds/sf2/FluidR3_GM.sf2").exists()
}
