//! SKELETON (core engineer): loading a DLL and its dependencies, binding
//! imports, TLS, `DllMain`, and the process-wide registry of loaded modules.
//!
//! The functions below are the contract the import environment's built-ins
//! (GetModuleHandle, GetProcAddress, LoadLibrary, FreeLibrary) and the TEB
//! (thread attach/detach) call. Signatures are fixed; bodies are the core
//! engineer's.

use core::ffi::c_void;

use super::imports::ImportName;

/// `GetModuleHandle`: the base of the loaded module named `name` (case-
/// insensitive, with or without `.dll`), or of the first DLL loaded when
/// `name` is `None` (there is no main PE executable). Null if none.
pub(crate) fn module_handle(name: Option<&str>) -> *mut c_void {
    let _ = name;
    unimplemented!("core engineer")
}

/// `GetProcAddress`: an export of the loaded module at `base` (forwarders
/// followed), or null.
pub(crate) fn proc_address(base: *mut c_void, name: ImportName<'_>) -> *const c_void {
    let _ = (base, name);
    unimplemented!("core engineer")
}

/// `LoadLibraryA/W/ExA`: an already loaded module by name (its count raised),
/// else the DLL loaded from the search path with default options. Null on
/// failure (and the error kept for `GetLastError` by the caller).
pub(crate) fn load_library(name: &str) -> *mut c_void {
    let _ = name;
    unimplemented!("core engineer")
}

/// `FreeLibrary`: drops one count taken by `load_library`. False if `base`
/// is not a module loaded that way.
pub(crate) fn free_library(base: *mut c_void) -> bool {
    let _ = base;
    unimplemented!("core engineer")
}

/// Called by the TEB once per thread, right after the thread's TEB is
/// installed (not for the thread that loads a module: loading does its own
/// process attach): gives the thread its implicit-TLS blocks and runs TLS
/// callbacks and `DllMain` with `DLL_THREAD_ATTACH` for every loaded module.
pub(crate) fn thread_attach() {
    unimplemented!("core engineer")
}

/// Called by the TEB at thread exit, before the TEB is freed: TLS callbacks
/// and `DllMain` with `DLL_THREAD_DETACH`, then frees the thread's TLS blocks.
pub(crate) fn thread_detach() {
    unimplemented!("core engineer")
}
