//! The README's Quick start, word for word between the markers (a test keeps
//! the two equal): `cargo run -p abi-bridge-examples --bin quick-start`.

// Kept short for the README: every `unsafe` below calls a plugin function
// declared exactly as `plugins/echo_plugin.c` defines it.
#![allow(clippy::undocumented_unsafe_blocks)]

// README quick start begins
use std::ffi::{c_char, CStr};

use abi_bridge::{foreign_abi, Callback, ForeignType, Win64};

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
#[foreign_type(expect(win64 = "by-ref", sysv64 = "integer, integer"))] // checked at compile time
struct PluginInfo {
    name: *const c_char,
    version: u32,
    capabilities: u32,
}

#[foreign_abi(win64, library = EchoPlugin)]
extern "C" {
    fn plugin_info() -> PluginInfo;
    fn plugin_mix(a: i32, b: f64, c: i64, d: f32, e: i32, f: f64, g: f32) -> f64;
    fn plugin_map(samples: *mut f32, n: i32, f: &Callback<fn(f32, i32) -> f32, Win64>) -> i32;
    #[optional]
    fn plugin_reset();
}

fn main() -> Result<(), abi_bridge::Error> {
    // A plugin built with `gcc -mabi=ms`: every symbol and thunk is resolved here, up front.
    let plugin = unsafe { EchoPlugin::load(env!("ECHO_PLUGIN_PATH"))? };
    let info = unsafe { plugin.plugin_info() }; // 16-byte struct back through a hidden pointer
    let name = unsafe { CStr::from_ptr(info.name) }.to_string_lossy();
    let mix = unsafe { plugin.plugin_mix(1, 2.0, 3, 4.0, 5, 6.0, 7.0) }; // three on the win64 stack
    let mut buf = vec![1.0f32; 8];
    let fade = Callback::<fn(f32, i32) -> f32, Win64>::new(Win64, |x, i| x * (1.0 - i as f32 / 8.0))?;
    unsafe { plugin.plugin_map(buf.as_mut_ptr(), 8, &fade) }; // the plugin calls the closure per sample
    let reset = unsafe { plugin.plugin_reset() }; // None: the plugin does not export it
    println!("{name} v{:x}: mix = {mix}, faded = {buf:?}, reset = {reset:?}", info.version);
    Ok(())
}
// README quick start ends
