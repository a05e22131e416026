//! Files and the printf family. The DLL's `stdin`/`stdout`/`stderr` (from
//! msvcrt's `__iob_func` or the UCRT's `__acrt_iob_func`) are the host's;
//! other `FILE *`s are the host's own, from `fopen`. Formats are rewritten
//! from Windows' spellings to the host's before formatting (`%ld` is a
//! 32-bit `long`, `%I64d` a 64-bit integer, `%Iu` a `size_t`), and the
//! arguments are read from the DLL's win64 slots by the host's
//! `vsnprintf` through a System V `va_list` over them.

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::sync::OnceLock;

use super::{exports, host};
use crate::conv::sysv64::VaList;
use crate::{Conv, VaArgs, VariadicCallback};

extern "C" {
    static mut stdin: *mut libc::FILE;
    static mut stdout: *mut libc::FILE;
    static mut stderr: *mut libc::FILE;
}

/// msvcrt's `FILE` is 48 bytes; the DLL only takes the address of each.
const WIN_FILE: usize = 48;

struct Iob(UnsafeCell<[u8; 3 * WIN_FILE]>);
// SAFETY: the DLL only compares and passes these addresses; nothing here
// reads or writes the bytes.
unsafe impl Sync for Iob {}
static IOB: Iob = Iob(UnsafeCell::new([0; 3 * WIN_FILE]));

fn iob() -> *mut u8 {
    IOB.0.get().cast()
}

/// The host `FILE *` for a DLL's `FILE *`.
fn host_file(f: *mut c_void) -> *mut libc::FILE {
    let offset = (f as usize).wrapping_sub(iob() as usize);
    // SAFETY: reads the C library's standard stream pointers.
    unsafe {
        match offset / WIN_FILE {
            0 if offset < 3 * WIN_FILE => stdin,
            1 => stdout,
            2 if offset < 3 * WIN_FILE => stderr,
            _ => f.cast(),
        }
    }
}

extern "win64" fn iob_func() -> *mut u8 {
    iob()
}
extern "win64" fn acrt_iob_func(index: c_int) -> *mut u8 {
    // SAFETY: one of the three entries.
    unsafe { iob().add(index.clamp(0, 2) as usize * WIN_FILE) }
}

/// Rewrites a Windows format for the host's `printf`/`scanf`: `I64` → `ll`,
/// `I32` → nothing, `I` → `z`, `l` before an integer conversion → nothing
/// (Windows' `long` is 32 bits), `w` → `l`. Returns it NUL-terminated.
pub(crate) fn host_format(fmt: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fmt.len() + 8);
    let mut i = 0;
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    while i < fmt.len() {
        let c = fmt[i];
        out.push(c);
        i += 1;
        if c != b'%' {
            continue;
        }
        if at(i) == b'%' {
            out.push(b'%');
            i += 1;
            continue;
        }
        while matches!(at(i), b'-' | b'+' | b' ' | b'#' | b'0' | b'\'' | b'*' | b'.' | b'1'..=b'9') {
            out.push(at(i));
            i += 1;
        }
        let integer = |c: u8| matches!(c, b'd' | b'i' | b'o' | b'u' | b'x' | b'X' | b'n');
        if fmt[i..].starts_with(b"I64") {
            out.extend_from_slice(b"ll");
            i += 3;
        } else if fmt[i..].starts_with(b"I32") {
            i += 3;
        } else if at(i) == b'I' && integer(at(i + 1)) {
            out.push(b'z');
            i += 1;
        } else if at(i) == b'l' && at(i + 1) == b'l' {
            out.extend_from_slice(b"ll");
            i += 2;
        } else if at(i) == b'l' && integer(at(i + 1)) {
            i += 1;
        } else if at(i) == b'w' {
            out.push(b'l');
            i += 1;
        }
    }
    out.push(0);
    out
}

/// A fresh `va_list` over the same arguments (`va_copy`): `list` is a
/// System V list whose registers are used up, over the DLL's slots.
fn copy(list: *mut c_void) -> VaList {
    // SAFETY: `list` points at a VaList (made by `VaArgs` or `of_slots`).
    unsafe { list.cast::<VaList>().read() }
}

/// A list over a win64 `va_list` (a pointer to the DLL's 8-byte slots).
fn of_slots(slots: *mut u8) -> VaList {
    VaList::of_stack_slots(slots)
}

/// Formats `fmt` (a Windows format) with the arguments of `list`.
///
/// # Safety
///
/// `fmt` is a NUL-terminated format whose conversions match the arguments.
unsafe fn format(fmt: *const c_char, list: &VaList) -> Vec<u8> {
    // SAFETY: (caller's promise) a NUL-terminated string.
    let fmt = host_format(unsafe { CStr::from_ptr(fmt) }.to_bytes());
    let mut first = *list;
    // SAFETY: measuring: the host reads the arguments the format names.
    let n =
        unsafe { host::vsnprintf(core::ptr::null_mut(), 0, fmt.as_ptr().cast(), (&mut first as *mut VaList).cast()) };
    if n < 0 {
        return Vec::new();
    }
    let mut out = vec![0u8; n as usize + 1];
    let mut second = *list;
    // SAFETY: the same arguments, into a buffer of the measured size.
    unsafe {
        host::vsnprintf(out.as_mut_ptr().cast(), out.len(), fmt.as_ptr().cast(), (&mut second as *mut VaList).cast())
    };
    out.pop();
    out
}

fn write_to(file: *mut libc::FILE, text: &[u8]) -> c_int {
    // SAFETY: a host stream and `text.len()` bytes.
    let n = unsafe { libc::fwrite(text.as_ptr().cast(), 1, text.len(), file) };
    if n == text.len() {
        text.len() as c_int
    } else {
        -1
    }
}

/// C99 `snprintf` semantics: at most `n - 1` bytes and a NUL; the full length.
fn store_c99(buf: *mut c_char, n: usize, text: &[u8]) -> c_int {
    if n > 0 && !buf.is_null() {
        let k = text.len().min(n - 1);
        // SAFETY: the DLL's buffer of `n` bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast(), k);
            *buf.add(k) = 0;
        }
    }
    text.len() as c_int
}

/// msvcrt `_snprintf` semantics: the terminator only if it fits; -1 when
/// the text does not.
fn store_legacy(buf: *mut c_char, n: usize, text: &[u8]) -> c_int {
    let k = text.len().min(n);
    // SAFETY: the DLL's buffer of `n` bytes.
    unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast(), k) };
    if text.len() < n {
        // SAFETY: inside the buffer.
        unsafe { *buf.add(text.len()) = 0 };
    }
    if text.len() > n {
        -1
    } else {
        text.len() as c_int
    }
}

fn store_unbounded(buf: *mut c_char, text: &[u8]) -> c_int {
    store_c99(buf, usize::MAX, text)
}

// The va_list versions: a win64 `va_list` is a pointer to the slots.

unsafe extern "win64" fn vprintf(fmt: *const c_char, va: *mut u8) -> c_int {
    // SAFETY: the DLL's format and arguments.
    write_to(unsafe { stdout }, &unsafe { format(fmt, &of_slots(va)) })
}
unsafe extern "win64" fn vfprintf(f: *mut c_void, fmt: *const c_char, va: *mut u8) -> c_int {
    // SAFETY: the DLL's format and arguments.
    write_to(host_file(f), &unsafe { format(fmt, &of_slots(va)) })
}
unsafe extern "win64" fn vsprintf(buf: *mut c_char, fmt: *const c_char, va: *mut u8) -> c_int {
    // SAFETY: the DLL's format and arguments.
    store_unbounded(buf, &unsafe { format(fmt, &of_slots(va)) })
}
unsafe extern "win64" fn vsnprintf(buf: *mut c_char, n: usize, fmt: *const c_char, va: *mut u8) -> c_int {
    // SAFETY: the DLL's format and arguments.
    store_c99(buf, n, &unsafe { format(fmt, &of_slots(va)) })
}
unsafe extern "win64" fn vsnprintf_legacy(buf: *mut c_char, n: usize, fmt: *const c_char, va: *mut u8) -> c_int {
    // SAFETY: the DLL's format and arguments.
    store_legacy(buf, n, &unsafe { format(fmt, &of_slots(va)) })
}

/// The UCRT's one formatter behind `printf`, `fprintf`, `vfprintf`, …
unsafe extern "win64" fn stdio_common_vfprintf(
    _options: u64,
    f: *mut c_void,
    fmt: *const c_char,
    _locale: *mut c_void,
    va: *mut u8,
) -> c_int {
    // SAFETY: the DLL's format and arguments.
    write_to(host_file(f), &unsafe { format(fmt, &of_slots(va)) })
}

/// The UCRT's formatter behind `sprintf`, `snprintf`, `_snprintf`, …:
/// option bit 1 asks for C99 truncation, else the legacy `-1`.
unsafe extern "win64" fn stdio_common_vsprintf(
    options: u64,
    buf: *mut c_char,
    n: usize,
    fmt: *const c_char,
    _locale: *mut c_void,
    va: *mut u8,
) -> c_int {
    const STANDARD_SNPRINTF: u64 = 2;
    // SAFETY: the DLL's format and arguments.
    let text = unsafe { format(fmt, &of_slots(va)) };
    if buf.is_null() {
        return text.len() as c_int;
    }
    if options & STANDARD_SNPRINTF != 0 {
        store_c99(buf, n, &text)
    } else {
        store_legacy(buf, n, &text)
    }
}

/// The variadic entries: each a win64 variadic entry made once for the
/// process, whose closure formats through the host.
fn variadic_entries() -> &'static [(&'static str, usize)] {
    static ENTRIES: OnceLock<Vec<(&'static str, usize)>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        fn keep<F: crate::CallbackFn>(cb: Result<VariadicCallback<'static, F>, crate::Error>) -> usize {
            let cb = cb.expect("the printf family's entries are made once, with room in the pool");
            Box::leak(Box::new(cb)).entry() as usize
        }
        fn list(args: &mut VaArgs<'_>) -> VaList {
            copy(args.host_va_list())
        }
        vec![
            (
                "printf",
                keep(VariadicCallback::<fn(*const c_char) -> c_int>::new(Conv::Win64, |fmt, args| {
                    // SAFETY: the DLL's format and arguments.
                    write_to(unsafe { stdout }, &unsafe { format(fmt, &list(args)) })
                })),
            ),
            (
                "fprintf",
                keep(VariadicCallback::<fn(*mut c_void, *const c_char) -> c_int>::new(Conv::Win64, |f, fmt, args| {
                    // SAFETY: the DLL's format and arguments.
                    write_to(host_file(f), &unsafe { format(fmt, &list(args)) })
                })),
            ),
            (
                "sprintf",
                keep(VariadicCallback::<fn(*mut c_char, *const c_char) -> c_int>::new(
                    Conv::Win64,
                    |buf, fmt, args| {
                        // SAFETY: the DLL's format and arguments.
                        store_unbounded(buf, &unsafe { format(fmt, &list(args)) })
                    },
                )),
            ),
            (
                "snprintf",
                keep(VariadicCallback::<fn(*mut c_char, usize, *const c_char) -> c_int>::new(
                    Conv::Win64,
                    |buf, n, fmt, args| {
                        // SAFETY: the DLL's format and arguments.
                        store_c99(buf, n, &unsafe { format(fmt, &list(args)) })
                    },
                )),
            ),
            (
                "_snprintf",
                keep(VariadicCallback::<fn(*mut c_char, usize, *const c_char) -> c_int>::new(
                    Conv::Win64,
                    |buf, n, fmt, args| {
                        // SAFETY: the DLL's format and arguments.
                        store_legacy(buf, n, &unsafe { format(fmt, &list(args)) })
                    },
                )),
            ),
            (
                "sscanf",
                keep(VariadicCallback::<fn(*const c_char, *const c_char) -> c_int>::new(
                    Conv::Win64,
                    |s, fmt, args| {
                        // SAFETY: the DLL's string, format and pointers.
                        let fmt = host_format(unsafe { CStr::from_ptr(fmt) }.to_bytes());
                        let mut l = list(args);
                        // SAFETY: as above.
                        unsafe { host::vsscanf(s, fmt.as_ptr().cast(), (&mut l as *mut VaList).cast()) }
                    },
                )),
            ),
        ]
    })
}

unsafe extern "win64" fn fwrite(p: *const c_void, size: usize, n: usize, f: *mut c_void) -> usize {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fwrite(p, size, n, host_file(f)) }
}
unsafe extern "win64" fn fread(p: *mut c_void, size: usize, n: usize, f: *mut c_void) -> usize {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fread(p, size, n, host_file(f)) }
}
unsafe extern "win64" fn fputc(c: c_int, f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fputc(c, host_file(f)) }
}
unsafe extern "win64" fn fputs(s: *const c_char, f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fputs(s, host_file(f)) }
}
unsafe extern "win64" fn puts(s: *const c_char) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::puts(s) }
}
unsafe extern "win64" fn putchar(c: c_int) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::putchar(c) }
}
unsafe extern "win64" fn fgetc(f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fgetc(host_file(f)) }
}
unsafe extern "win64" fn fgets(s: *mut c_char, n: c_int, f: *mut c_void) -> *mut c_char {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fgets(s, n, host_file(f)) }
}
unsafe extern "win64" fn fflush(f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL (null flushes every stream).
    unsafe { libc::fflush(if f.is_null() { core::ptr::null_mut() } else { host_file(f) }) }
}
unsafe extern "win64" fn fclose(f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fclose(host_file(f)) }
}
unsafe extern "win64" fn feof(f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::feof(host_file(f)) }
}
unsafe extern "win64" fn ferror(f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::ferror(host_file(f)) }
}
unsafe extern "win64" fn fileno(f: *mut c_void) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fileno(host_file(f)) }
}
/// `fopen`: Windows' `t` (text) mode flag means nothing here and is dropped.
unsafe extern "win64" fn fopen(name: *const c_char, mode: *const c_char) -> *mut c_void {
    // SAFETY: a NUL-terminated mode from the DLL.
    let mut host_mode: Vec<u8> =
        unsafe { CStr::from_ptr(mode) }.to_bytes().iter().copied().filter(|&c| c != b't').collect();
    host_mode.push(0);
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fopen(name, host_mode.as_ptr().cast()) }.cast()
}
/// `fseek` with Windows' 32-bit `long` offset.
unsafe extern "win64" fn fseek(f: *mut c_void, offset: i32, whence: c_int) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fseek(host_file(f), c_long::from(offset), whence) }
}
unsafe extern "win64" fn fseeki64(f: *mut c_void, offset: i64, whence: c_int) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::fseeko(host_file(f), offset, whence) }
}
unsafe extern "win64" fn ftell(f: *mut c_void) -> i32 {
    // SAFETY: forwarded from the DLL.
    i32::try_from(unsafe { libc::ftell(host_file(f)) }).unwrap_or(-1)
}
unsafe extern "win64" fn ftelli64(f: *mut c_void) -> i64 {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::ftello(host_file(f)) }
}
unsafe extern "win64" fn rewind(f: *mut c_void) {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::rewind(host_file(f)) }
}
/// `setvbuf` with Windows' mode numbers (`_IOFBF` 0, `_IOLBF` 0x40, `_IONBF` 4).
unsafe extern "win64" fn setvbuf(f: *mut c_void, buf: *mut c_char, mode: c_int, size: usize) -> c_int {
    let mode = match mode {
        0 => libc::_IOFBF,
        0x40 => libc::_IOLBF,
        4 => libc::_IONBF,
        _ => return -1,
    };
    // SAFETY: forwarded from the DLL.
    unsafe { libc::setvbuf(host_file(f), buf, mode, size) }
}
unsafe extern "win64" fn perror(s: *const c_char) {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::perror(s) }
}

pub(super) fn table() -> Vec<(&'static str, usize)> {
    let mut t = exports! {
        "__iob_func" => iob_func, "__acrt_iob_func" => acrt_iob_func,
        "vprintf" => vprintf, "vfprintf" => vfprintf, "vsprintf" => vsprintf,
        "vsnprintf" => vsnprintf, "_vsnprintf" => vsnprintf_legacy,
        "__stdio_common_vfprintf" => stdio_common_vfprintf, "__stdio_common_vsprintf" => stdio_common_vsprintf,
        "fwrite" => fwrite, "fread" => fread, "fputc" => fputc, "putc" => fputc, "fputs" => fputs, "puts" => puts,
        "putchar" => putchar, "fgetc" => fgetc, "getc" => fgetc, "fgets" => fgets, "fflush" => fflush,
        "fclose" => fclose, "feof" => feof, "ferror" => ferror, "fileno" => fileno, "_fileno" => fileno,
        "fopen" => fopen, "fseek" => fseek, "_fseeki64" => fseeki64, "ftell" => ftell, "_ftelli64" => ftelli64,
        "rewind" => rewind, "setvbuf" => setvbuf, "perror" => perror,
    };
    t.extend_from_slice(variadic_entries());
    t
}

#[cfg(test)]
mod tests {
    use super::host_format;

    fn rewrite(fmt: &str) -> String {
        let mut out = host_format(fmt.as_bytes());
        assert_eq!(out.pop(), Some(0));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn windows_formats_become_the_hosts() {
        assert_eq!(rewrite("%d %ld %lu %lx %I64d %I64u %I32d %Iu %zu %lld"), "%d %d %u %x %lld %llu %d %zu %zu %lld");
        assert_eq!(rewrite("%5.2f %-8s %lf %% %c %p %e %08lX"), "%5.2f %-8s %lf %% %c %p %e %08X");
        assert_eq!(rewrite("%*d %.*s %ws"), "%*d %.*s %ls");
    }
}
