//! The Win32 and C runtime functions a DLL built by mingw-w64 imports,
//! implemented here as `extern "win64"` Rust functions (rustc compiles them
//! for the DLL's convention: no thunk in between), one file per DLL or
//! family: `kernel32` (with `sync` for threads, handles and locks), `msvcrt`
//! (startup, heap, strings, math, time) and `stdio` (files and the printf
//! family). The UCRT's `api-ms-win-crt-*` sets and `ucrtbase` resolve to the
//! same implementations (`ucrt` adds the few entry points only the UCRT has).
//!
//! What is here behaves as the host's C library does (`%e` prints a
//! two-digit exponent, as glibc does, where msvcrt prints three). What
//! cannot be honoured is not provided, so a DLL calling it reaches a trap
//! that names it, instead of a function that pretends. A panic inside one
//! aborts (rustc makes every `extern "win64"` function abort rather than
//! unwind), so nothing unwinds into the DLL's frames.

use std::collections::HashMap;
use std::sync::OnceLock;

mod kernel32;
mod msvcrt;
mod stdio;
mod sync;
mod ucrt;

/// The host C library's functions the `libc` crate does not declare.
mod host {
    use core::ffi::{c_char, c_int, c_long, c_void};

    extern "C" {
        pub(super) fn llabs(n: i64) -> i64;
        pub(super) fn ldexp(x: f64, e: c_int) -> f64;
        pub(super) fn frexp(x: f64, e: *mut c_int) -> f64;
        pub(super) fn modf(x: f64, i: *mut f64) -> f64;
        pub(super) fn clock() -> c_long;
        pub(super) fn vsnprintf(s: *mut c_char, n: usize, fmt: *const c_char, va: *mut c_void) -> c_int;
        pub(super) fn vsscanf(s: *const c_char, fmt: *const c_char, va: *mut c_void) -> c_int;
    }
}

/// The Win32 error codes the built-ins leave for `GetLastError`
/// (`winerror.h`).
mod win32_error {
    pub(super) const ACCESS_DENIED: u32 = 5;
    pub(super) const INVALID_HANDLE: u32 = 6;
    pub(super) const NOT_ENOUGH_MEMORY: u32 = 8;
    pub(super) const BAD_LENGTH: u32 = 24;
    pub(super) const INVALID_PARAMETER: u32 = 87;
    pub(super) const INSUFFICIENT_BUFFER: u32 = 122;
    pub(super) const MOD_NOT_FOUND: u32 = 126;
    pub(super) const PROC_NOT_FOUND: u32 = 127;
    pub(super) const TOO_MANY_POSTS: u32 = 298;
}

/// The implementations of one DLL, by symbol.
pub(crate) struct Table(HashMap<&'static str, usize>);

impl Table {
    /// The address of `name`'s implementation.
    pub(crate) fn get(&self, name: &str) -> Option<*const core::ffi::c_void> {
        self.0.get(name).map(|&a| a as *const core::ffi::c_void)
    }
}

/// The built-in implementations of the DLL whose module key (lower case,
/// no `.dll`) is `key`, if abi-bridge provides it.
pub(crate) fn dll(key: &str) -> Option<&'static Table> {
    static KERNEL32: OnceLock<Table> = OnceLock::new();
    static CRT: OnceLock<Table> = OnceLock::new();
    if key == "kernel32" {
        return Some(KERNEL32.get_or_init(|| Table(kernel32::table().into_iter().chain(sync::table()).collect())));
    }
    let crt = key == "msvcrt" || key == "ucrtbase" || (key.starts_with("api-ms-win-crt-") && key.ends_with("-l1-1-0"));
    crt.then(|| {
        CRT.get_or_init(|| {
            Table(
                msvcrt::table()
                    .into_iter()
                    .chain(stdio::table())
                    .chain(ucrt::table())
                    .chain(sync::crt_table())
                    .collect(),
            )
        })
    })
}

/// `(symbol, address)` pairs for a table, from `name => function` items.
macro_rules! exports {
    ($($name:literal => $f:expr),* $(,)?) => {
        vec![$(($name, $f as *const () as usize)),*]
    };
}
pub(crate) use exports;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dll_names_resolve_without_case_or_suffix() {
        assert!(dll("kernel32").and_then(|t| t.get("GetLastError")).is_some());
        assert!(dll("msvcrt").and_then(|t| t.get("strlen")).is_some());
        assert!(dll("api-ms-win-crt-string-l1-1-0").and_then(|t| t.get("strlen")).is_some());
        assert!(dll("user32").is_none());
        assert!(dll("kernel32").and_then(|t| t.get("Beep")).is_none());
    }
}
