//! Prints where every argument of the plugin's functions travels under each
//! convention: what to look at when a signature misbehaves.
//!
//! Run it with `cargo run -p abi-bridge-examples --bin plans`.

use std::ffi::c_void;

#[path = "../echo_types.rs"]
mod echo_types;
use echo_types::*;

use abi_bridge::{classify, Conv, Signature};

fn main() {
    let functions = [
        ("plugin_info", Signature::of::<fn() -> PluginInfo>()),
        ("plugin_init", Signature::of::<fn(*const c_void) -> i32>()),
        ("plugin_process", Signature::of::<fn(*mut f32, i32, EchoParams) -> Stats>()),
        ("plugin_mix", Signature::of::<fn(i32, f64, i64, f32, i32, f64, f32) -> f64>()),
        ("plugin_map", Signature::of::<fn(*mut f32, i32, extern "win64" fn(f32, i32) -> f32) -> i32>()),
    ];
    for (name, sig) in &functions {
        println!("{name}: {sig}");
        for conv in Conv::ALL {
            println!("  {:<7} {}", conv.name(), classify(conv, sig));
        }
    }
}
