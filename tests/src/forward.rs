//! The forward paths under test: how a typed Rust call reaches a C callee
//! when it goes through abi-bridge instead of rustc's own `extern "win64"` /
//! `extern "sysv64"` declaration.

use core::ffi::c_void;

use abi_bridge::Conv;

/// How the generated `call_<name>` functions of `tests/thunks_vs_gcc.rs`
/// reach a corpus callee.
#[derive(Clone, Copy, Debug)]
pub enum Route {
    /// Through the `#[foreign_abi(conv)]` declaration of the callee compiled
    /// for `conv` (`<name>_via_win64` or `<name>_via_sysv64`).
    Macro(Conv),
    /// Through a thunk's entry, transmuted to the signature's function type
    /// with convention `from`.
    Thunk {
        /// The convention the entry is called with.
        from: Conv,
        /// The entry: callable with `from` and the signature, and calling
        /// a C callee of the signature, with whatever convention that has.
        entry: *const c_void,
    },
}
