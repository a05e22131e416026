//! SKELETON (environment engineer): the per-thread TEB in `%gs`, and the
//! gates that install it on a thread's first call into PE code.

use core::ffi::c_void;

use crate::Error;

/// Installs this thread's TEB in `%gs` if it has none of its own (a thread
/// may inherit its creator's `%gs`), then calls `loader::thread_attach`.
/// Idempotent and cheap once done.
pub(crate) fn enter_thread() -> Result<(), Error> {
    unimplemented!("environment engineer")
}

/// Sets this thread's `ThreadLocalStoragePointer` (TEB + 0x58), the array
/// native TLS indexes into. Calls `enter_thread` first.
pub(crate) fn set_thread_local_storage_pointer(array: *mut *mut c_void) -> Result<(), Error> {
    let _ = array;
    unimplemented!("environment engineer")
}

/// Records the image base of the first DLL loaded as the PEB's
/// `ImageBaseAddress` (there is no PE executable).
pub(crate) fn set_process_image(base: *mut c_void) {
    let _ = base;
    unimplemented!("environment engineer")
}

/// A gate for `target`: generated code, win64-callable with `target`'s
/// signature, that makes sure the calling thread's TEB is installed and
/// jumps to `target` (arguments and stack untouched). Process-lived.
pub(crate) fn gate(target: *const c_void) -> Result<*const c_void, Error> {
    let _ = target;
    unimplemented!("environment engineer")
}
