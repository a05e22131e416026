//! The data types of `plugins/echo_plugin.c`, shared by the examples that
//! talk to it.

use std::ffi::c_char;

use abi_bridge::ForeignType;

/// `PluginInfo`: 16 bytes, so win64 returns it through a hidden pointer.
#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
pub(crate) struct PluginInfo {
    /// NUL-terminated name, owned by the plugin.
    pub(crate) name: *const c_char,
    /// `0x00MMmmpp`.
    pub(crate) version: u32,
    /// Bit set of `CAP_*`.
    pub(crate) capabilities: u32,
}

/// `EchoParams`: 12 bytes, by reference under win64, SSE + INTEGER under sysv64.
#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
#[foreign_type(expect(win64 = "by-ref", sysv64 = "sse, integer"))]
pub(crate) struct EchoParams {
    /// Input gain.
    pub(crate) gain: f32,
    /// How much of the delayed signal is fed back.
    pub(crate) feedback: f32,
    /// Delay in samples.
    pub(crate) delay: i32,
}

/// `Stats`: 24 bytes, returned through a hidden pointer in both conventions.
#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
pub(crate) struct Stats {
    /// Largest absolute sample.
    pub(crate) peak: f64,
    /// Root mean square.
    pub(crate) rms: f64,
    /// FNV-1a over the samples' bits.
    pub(crate) checksum: u64,
}
