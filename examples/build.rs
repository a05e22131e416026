//! Builds the example plugins: most with the Microsoft x64 convention
//! (`gcc -mabi=ms`), as a plugin for a Windows-convention host would be, and
//! one System V library for the reverse direction. The echo plugin is also a
//! real Windows DLL (`ECHO_PLUGIN_DLL`), built by mingw-w64 with the tests'
//! DLL fixtures or taken from their checked-in builds.

#[path = "../tests/build/pe_dlls.rs"]
mod pe_dlls;

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // (source, built with the Microsoft x64 convention?)
    for (plugin, win64) in [("echo_plugin", true), ("sort_plugin", true), ("geometry", false)] {
        let source = format!("plugins/{plugin}.c");
        println!("cargo:rerun-if-changed={source}");
        let lib = out.join(format!("lib{plugin}.so"));
        let mut gcc = Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into()));
        if win64 {
            // A win64 plugin must not call the host's C library: its functions
            // use the sysv64 convention and -mabi=ms would call them as win64.
            // These flags keep gcc from turning loops and sqrt into such calls.
            gcc.args([
                "-mabi=ms",
                "-fno-math-errno",
                "-fno-tree-loop-distribute-patterns",
                "-fno-semantic-interposition",
            ]);
        }
        let status = gcc
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o"])
            .arg(&lib)
            .arg(&source)
            .status()
            .expect("gcc must be installed to build the example plugins (scripts/setup.sh installs it)");
        assert!(status.success(), "gcc failed to build {source}");
        println!("cargo:rustc-env={}_PATH={}", plugin.to_uppercase(), lib.display());
    }
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dlls = pe_dlls::provide(&manifest, &out);
    println!("cargo:rustc-env=ECHO_PLUGIN_DLL={}", dlls.dir.join("echo_plugin.dll").display());
    let origin = if dlls.built { "built here by mingw-w64" } else { "the checked-in mingw-w64 build" };
    println!("cargo:rustc-env=ECHO_PLUGIN_DLL_ORIGIN={origin}");
}
