//! Traps for unresolved imports: each is generated code that, when the DLL
//! calls it, names the import and aborts, instead of jumping to address 0.

use core::ffi::c_void;
use std::collections::HashMap;
use std::sync::Mutex;

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynasmApi, VecAssembler};

use super::imports::ImportName;
use crate::memory::publish;
use crate::Error;

/// The message of a trap, as a C string leaked for the process.
extern "sysv64" fn trap_hit(message: *const u8, len: usize) -> ! {
    // SAFETY: a leaked string of `len` bytes made by `trap`.
    let text = unsafe { core::slice::from_raw_parts(message, len) };
    eprintln!("{}", String::from_utf8_lossy(text));
    std::process::abort();
}

/// The message a trap prints.
pub(crate) fn message(dll: &str, name: ImportName<'_>) -> String {
    let symbol = match name {
        ImportName::Name(n) => n.to_owned(),
        ImportName::Ordinal(n) => format!("#{n}"),
    };
    format!(
        "abi-bridge: unresolved import {dll}!{symbol} called (the DLL imports it and nothing provides it); aborting"
    )
}

/// A win64-callable trap for an unresolved import: when called it prints
/// `abi-bridge: unresolved import KERNEL32.dll!Beep called …` and aborts.
/// Process-lived and shared by every load that needs it.
pub(crate) fn trap(dll: &str, name: ImportName<'_>) -> Result<*const c_void, Error> {
    static TRAPS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);
    let text = message(dll, name);
    let mut traps = TRAPS.lock().unwrap_or_else(|e| e.into_inner());
    let traps = traps.get_or_insert_with(HashMap::new);
    if let Some(&at) = traps.get(&text) {
        return Ok(at as *const c_void);
    }
    let leaked: &'static str = Box::leak(text.clone().into_boxed_str());
    let mut a: VecAssembler<X64Relocation> = VecAssembler::new(0);
    dynasm!(a
        ; .arch x64
        ; mov rdi, QWORD leaked.as_ptr() as i64
        ; mov rsi, QWORD leaked.len() as i64
        ; and rsp, -16
        ; mov rax, QWORD trap_hit as *const () as i64
        ; call rax
        ; ud2
    );
    let code = a.finalize().expect("no labels");
    let at = publish(&[&code])?[0] as usize;
    crate::perf_map::record(at as *const u8, code.len(), || {
        format!("abi_bridge::pe::trap({})", text.split(' ').nth(3).unwrap_or("?"))
    });
    traps.insert(text, at);
    Ok(at as *const c_void)
}
