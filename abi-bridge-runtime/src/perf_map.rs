//! A `perf` map of generated code, so that `perf report` names thunks
//! instead of attributing their time to nothing: `/tmp/perf-<pid>.map`, one
//! line `START SIZE NAME` (hexadecimal, no prefix) per piece of code, the
//! format `perf` reads for JIT-compiled code.
//!
//! Opt-in, either way:
//! - set `ABI_BRIDGE_PERF_MAP=1` in the environment before the first thunk
//!   is made, or
//! - call [`enable`] (code made before the call is written too).
//!
//! Names say what the code bridges, e.g.
//! `abi_bridge::thunk[sysv64->win64](fn(i32, i32) -> i32)`; the trampoline
//! pool's stubs are one entry per block (`abi_bridge::trampolines`).

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

struct Map {
    /// Every piece of code made so far, for a map enabled later.
    entries: Vec<(usize, usize, String)>,
    file: Option<File>,
    checked_env: bool,
}

static MAP: Mutex<Map> = Mutex::new(Map { entries: Vec::new(), file: None, checked_env: false });

/// Where this process's map is: `/tmp/perf-<pid>.map`.
pub fn path() -> PathBuf {
    PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

fn line(start: usize, len: usize, name: &str) -> String {
    format!("{start:x} {len:x} {name}\n")
}

impl Map {
    fn open(&mut self) -> io::Result<()> {
        if self.file.is_some() {
            return Ok(());
        }
        let mut file = File::create(path())?;
        for (start, len, name) in &self.entries {
            file.write_all(line(*start, *len, name).as_bytes())?;
        }
        self.file = Some(file);
        Ok(())
    }
}

/// Starts writing the map (with everything made so far); returns its path.
///
/// # Errors
///
/// If the file cannot be created.
pub fn enable() -> io::Result<PathBuf> {
    MAP.lock().unwrap_or_else(PoisonError::into_inner).open()?;
    Ok(path())
}

/// Notes a piece of generated code; written at once if the map is on.
pub(crate) fn record(start: *const u8, len: usize, name: impl FnOnce() -> String) {
    let mut map = MAP.lock().unwrap_or_else(PoisonError::into_inner);
    if !map.checked_env {
        map.checked_env = true;
        if std::env::var_os("ABI_BRIDGE_PERF_MAP").is_some_and(|v| v != "0" && !v.is_empty()) {
            // A map that cannot be written is not worth failing a thunk for.
            let _ = map.open();
        }
    }
    let name = name();
    if let Some(file) = &mut map.file {
        let _ = file.write_all(line(start as usize, len, &name).as_bytes());
    }
    map.entries.push((start as usize, len, name));
}
