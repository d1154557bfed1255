//! `--device cpu|wgpu`: the burn device a command runs on.

use anyhow::{bail, Result};
use burn::tensor::Device;
use clap::ValueEnum;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// burn's CPU backend (flex).
    Cpu,
    /// A GPU through wgpu (needs a build with `--features wgpu`).
    Wgpu,
}

impl DeviceArg {
    pub fn device(self) -> Result<(Device, &'static str)> {
        match self {
            DeviceArg::Cpu => Ok((Device::flex(), "cpu (flex)")),
            DeviceArg::Wgpu => match genrespace_classifier::device::gpu() {
                Some(gpu) => Ok((gpu, "wgpu")),
                None => bail!("this genrespace was built without GPU support: rebuild with `cargo build --release --features wgpu`"),
            },
        }
    }
}
