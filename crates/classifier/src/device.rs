//! The burn devices genrespace runs on: the CPU backend always, a GPU through wgpu only in a
//! build with the `wgpu` feature (it adds ~40 min of compile, so it is opt-in).

use burn::tensor::Device;

/// The system's preferred GPU through wgpu (Vulkan, Metal or DX12), or `None` in a build
/// without the `wgpu` feature.
pub fn gpu() -> Option<Device> {
    #[cfg(feature = "wgpu")]
    return Some(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice));
    #[cfg(not(feature = "wgpu"))]
    None
}
