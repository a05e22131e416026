//! Entry points only the UCRT has (its `api-ms-win-crt-*` sets otherwise
//! resolve to the msvcrt implementations).

use core::ffi::{c_char, c_int, c_void};

use super::exports;

/// The UCRT's `_errno`-like accessors and startup hooks.
extern "win64" fn errno_location() -> *mut c_int {
    // SAFETY: the host's errno for this thread.
    unsafe { libc::__errno_location() }
}

/// `_configure_narrow_argv`, `_initialize_narrow_environment`: a DLL's UCRT
/// startup asks for them; there are no arguments to parse in a DLL.
extern "win64" fn nothing_to_configure(_mode: c_int) -> c_int {
    0
}

/// `_execute_onexit_table`/`_initialize_onexit_table`/`_register_onexit_function`
/// over the DLL's own `_onexit_table_t { first, last, end }`.
#[repr(C)]
struct OnexitTable {
    first: *mut usize,
    last: *mut usize,
    end: *mut usize,
}

unsafe extern "win64" fn initialize_onexit_table(table: *mut OnexitTable) -> c_int {
    // SAFETY: the DLL's table.
    unsafe {
        table.write(OnexitTable {
            first: core::ptr::null_mut(),
            last: core::ptr::null_mut(),
            end: core::ptr::null_mut(),
        })
    };
    0
}

unsafe extern "win64" fn register_onexit_function(table: *mut OnexitTable, f: usize) -> c_int {
    // SAFETY: the DLL's table, grown with this allocator.
    unsafe {
        let t = &mut *table;
        let n = if t.first.is_null() { 0 } else { t.last.offset_from(t.first) as usize };
        let grown = libc::realloc(t.first.cast(), (n + 1) * 8).cast::<usize>();
        if grown.is_null() {
            return -1;
        }
        grown.add(n).write(f);
        t.first = grown;
        t.last = grown.add(n + 1);
        t.end = t.last;
    }
    0
}

unsafe extern "win64" fn execute_onexit_table(table: *mut OnexitTable) -> c_int {
    // SAFETY: the DLL's table of win64 functions, run last first.
    unsafe {
        let t = &mut *table;
        while !t.first.is_null() && t.last > t.first {
            t.last = t.last.sub(1);
            let f: unsafe extern "win64" fn() = core::mem::transmute(*t.last);
            f();
        }
        libc::free(t.first.cast());
        t.first = core::ptr::null_mut();
        t.last = core::ptr::null_mut();
        t.end = core::ptr::null_mut();
    }
    0
}

extern "win64" fn crt_at_quick_exit(_f: *const c_void) -> c_int {
    0 // quick_exit is never called from here
}

extern "win64" fn seh_filter_dll(_code: u32, _info: *mut c_void) -> c_int {
    0 // EXCEPTION_CONTINUE_SEARCH: no SEH here
}

extern "win64" fn strdup(s: *const c_char) -> *mut c_char {
    // SAFETY: the DLL's string.
    unsafe { libc::strdup(s) }
}

pub(super) fn table() -> Vec<(&'static str, usize)> {
    exports! {
        "_errno" => errno_location,
        "_configure_narrow_argv" => nothing_to_configure,
        "_initialize_narrow_environment" => nothing_to_configure,
        "_initialize_onexit_table" => initialize_onexit_table,
        "_register_onexit_function" => register_onexit_function,
        "_execute_onexit_table" => execute_onexit_table,
        "_crt_at_quick_exit" => crt_at_quick_exit,
        "_seh_filter_dll" => seh_filter_dll,
        "_strdup" => strdup,
    }
}
