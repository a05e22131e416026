//! The Windows PE DLL fixtures, for the build scripts of the tests and the
//! examples: built from their sources by `scripts/build-dlls.sh` when
//! mingw-w64 is installed, else copied from the checked-in builds in
//! `tests/dll/bin` (the same script's output, byte for byte: the tests check
//! that whenever they can build them).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the DLLs are, and whether they were built here from source.
pub(crate) struct PeDlls {
    pub(crate) dir: PathBuf,
    pub(crate) built: bool,
}

/// The folder `scripts/build-dlls.sh` writes, for a crate whose manifest is
/// in `manifest_dir` (a member of the workspace).
pub(crate) fn provide(manifest_dir: &Path, out: &Path) -> PeDlls {
    let root = manifest_dir.parent().expect("a workspace member's folder has a parent");
    let script = root.join("scripts/build-dlls.sh");
    let checked_in = root.join("tests/dll/bin");
    for watched in ["scripts/build-dlls.sh", "tests/dll", "examples/plugins"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=MINGW_CC");
    let dir = out.join("dll");
    if mingw_installed() {
        let status = Command::new("bash").arg(&script).arg(&dir).status().expect("run bash");
        assert!(status.success(), "scripts/build-dlls.sh failed to build the DLL fixtures with mingw-w64");
        return PeDlls { dir, built: true };
    }
    PeDlls { dir: checked_in, built: false }
}

fn mingw_installed() -> bool {
    let cc = std::env::var("MINGW_CC").unwrap_or_else(|_| "x86_64-w64-mingw32-gcc".into());
    Command::new(cc).arg("--version").output().is_ok_and(|o| o.status.success())
}
