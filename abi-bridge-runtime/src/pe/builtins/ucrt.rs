//! Entry points only the UCRT has (its `api-ms-win-crt-*` sets otherwise
//! resolve to the msvcrt implementations).

use core::cell::UnsafeCell;
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

/// A DLL has no command line of its own: `argc` 0, `argv` an empty list.
#[repr(C)]
struct ArgState {
    argc: c_int,
    argv: [*mut c_char; 1],
    wargv: [*mut u16; 1],
    wenviron: [*mut u16; 1],
}
struct Args(UnsafeCell<ArgState>);
// SAFETY: never written through by us; a DLL that writes its own copy of
// `argc` only races with itself.
unsafe impl Sync for Args {}
static ARGS: Args = Args(UnsafeCell::new(ArgState {
    argc: 0,
    argv: [core::ptr::null_mut()],
    wargv: [core::ptr::null_mut()],
    wenviron: [core::ptr::null_mut()],
}));

extern "win64" fn p_argc() -> *mut c_int {
    // SAFETY: a field of the static.
    unsafe { &raw mut (*ARGS.0.get()).argc }
}
extern "win64" fn p_argv() -> *mut *mut c_char {
    // SAFETY: a field of the static.
    unsafe { (&raw mut (*ARGS.0.get()).argv).cast() }
}
extern "win64" fn p_wargv() -> *mut *mut u16 {
    // SAFETY: a field of the static.
    unsafe { (&raw mut (*ARGS.0.get()).wargv).cast() }
}
/// The host's environment (`char **`, the same on both sides); the wide one
/// is empty.
extern "win64" fn p_environ() -> *mut *mut *mut c_char {
    extern "C" {
        static mut environ: *mut *mut c_char;
    }
    // Taking the address of the C library's environment pointer reads nothing.
    &raw mut environ
}
extern "win64" fn p_wenviron() -> *mut *mut u16 {
    // SAFETY: a field of the static (an empty list).
    unsafe { (&raw mut (*ARGS.0.get()).wenviron).cast() }
}
extern "win64" fn set_new_mode(_mode: c_int) -> c_int {
    0 // malloc never calls a new handler here, in either mode
}
extern "win64" fn crt_atexit(f: Option<unsafe extern "win64" fn()>) -> c_int {
    super::msvcrt::register_at_exit(f)
}

/// The time-zone state (`_tzset`, `__daylight`, `__timezone`, `__tzname`)
/// in Windows' types: `int`, `long` (32 bits), `char *[2]`.
struct Zone(UnsafeCell<(c_int, i32, [*mut c_char; 2])>);
// SAFETY: written by `_tzset` only, as Windows' own state is.
unsafe impl Sync for Zone {}
static ZONE: Zone = Zone(UnsafeCell::new((0, 0, [core::ptr::null_mut(); 2])));

extern "win64" fn tzset() {
    extern "C" {
        fn tzset();
        static daylight: c_int;
        static timezone: core::ffi::c_long;
        static tzname: [*mut c_char; 2];
    }
    // SAFETY: the host's tzset and the globals it sets, copied in Windows' types.
    unsafe {
        tzset();
        *ZONE.0.get() = (daylight, timezone as i32, tzname);
    }
}
extern "win64" fn p_daylight() -> *mut c_int {
    // SAFETY: a field of the static.
    unsafe { &raw mut (*ZONE.0.get()).0 }
}
extern "win64" fn p_timezone() -> *mut i32 {
    // SAFETY: a field of the static.
    unsafe { &raw mut (*ZONE.0.get()).1 }
}
extern "win64" fn p_tzname() -> *mut *mut c_char {
    // SAFETY: a field of the static.
    unsafe { (&raw mut (*ZONE.0.get()).2).cast() }
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
        "_configure_wide_argv" => nothing_to_configure,
        "_initialize_wide_environment" => nothing_to_configure,
        "__p___argc" => p_argc, "__p___argv" => p_argv, "__p___wargv" => p_wargv,
        "__p__environ" => p_environ, "__p__wenviron" => p_wenviron,
        "_set_new_mode" => set_new_mode, "_crt_atexit" => crt_atexit,
        "_tzset" => tzset, "__daylight" => p_daylight, "__timezone" => p_timezone, "__tzname" => p_tzname,
        "_initialize_onexit_table" => initialize_onexit_table,
        "_register_onexit_function" => register_onexit_function,
        "_execute_onexit_table" => execute_onexit_table,
        "_crt_at_quick_exit" => crt_at_quick_exit,
        "_seh_filter_dll" => seh_filter_dll,
        "_strdup" => strdup,
    }
}
