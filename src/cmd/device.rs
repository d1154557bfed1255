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
            DeviceArg::Wgpu => wgpu(),
        }
    }
}

#[cfg(feature = "wgpu")]
fn wgpu() -> Result<(Device, &'static str)> {
    Ok((Device::wgpu(burn::tensor::DeviceKind::DefaultDevice), "wgpu"))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu() -> Result<(Device, &'static str)> {
    bail!("this genrespace was built without GPU support: rebuild with `cargo build --release --features wgpu`")
}
