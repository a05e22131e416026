//! SKELETON (environment engineer): traps for unresolved imports.

use core::ffi::c_void;

use super::imports::ImportName;
use crate::Error;

/// A win64-callable trap for an unresolved import: when called it prints
/// `abi-bridge: unresolved import KERNEL32.dll!Beep called` and aborts.
/// Process-lived and shared by every load that needs it.
pub(crate) fn trap(dll: &str, name: ImportName<'_>) -> Result<*const c_void, Error> {
    let _ = (dll, name);
    unimplemented!("environment engineer")
}
