//! `kernel32.dll`: the last-error state and thread identity (in the TEB),
//! TLS slots, virtual memory, the process heap, modules, clocks, code-page
//! conversions and the standard handles. Threads, handles and locks are in
//! `sync`.

use core::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;

use super::exports;
use super::win32_error as error;
use crate::pe::imports::ImportName;
use crate::pe::{loader, teb};

const TLS_OUT_OF_INDEXES: u32 = 0xffff_ffff;

fn teb_u32(offset: usize) -> *mut u32 {
    // SAFETY: a field inside this thread's TEB.
    unsafe { teb::current().add(offset).cast() }
}

/// `SetLastError`, for the other built-ins too.
pub(crate) extern "win64" fn set_last_error(code: u32) {
    // SAFETY: this thread's TEB field.
    unsafe { *teb_u32(teb::LAST_ERROR) = code };
}
extern "win64" fn get_last_error() -> u32 {
    // SAFETY: this thread's TEB field.
    unsafe { *teb_u32(teb::LAST_ERROR) }
}

/// This thread's id, as `GetCurrentThreadId` gives it (the Linux tid).
pub(crate) extern "win64" fn thread_id() -> u32 {
    // SAFETY: this thread's TEB field.
    unsafe { *teb_u32(teb::THREAD_ID) }
}
extern "win64" fn process_id() -> u32 {
    std::process::id()
}
extern "win64" fn current_process() -> isize {
    -1
}
extern "win64" fn current_thread() -> isize {
    -2
}

// TLS slots: 64 in the TEB, then 1024 in its expansion array.

static TLS_USED: Mutex<[bool; teb::TLS_SLOT_COUNT]> = Mutex::new([false; teb::TLS_SLOT_COUNT]);

fn tls_slot(index: u32) -> Option<*mut usize> {
    let teb = teb::current();
    let i = index as usize;
    // SAFETY: slots inside this thread's TEB, or its expansion array.
    unsafe {
        if i < 64 {
            Some(teb.add(teb::TLS_SLOTS + 8 * i).cast())
        } else if i < teb::TLS_SLOT_COUNT {
            let expansion = teb.add(teb::TLS_EXPANSION_SLOTS).cast::<*mut usize>().read();
            Some(expansion.add(i - 64))
        } else {
            None
        }
    }
}

extern "win64" fn tls_alloc() -> u32 {
    let mut used = TLS_USED.lock().unwrap_or_else(|e| e.into_inner());
    match used.iter().position(|u| !u) {
        Some(i) => {
            used[i] = true;
            i as u32
        }
        None => {
            set_last_error(error::NOT_ENOUGH_MEMORY);
            TLS_OUT_OF_INDEXES
        }
    }
}
extern "win64" fn tls_get_value(index: u32) -> *mut c_void {
    match tls_slot(index) {
        Some(slot) => {
            // Windows clears the last error on success: callers tell a null
            // value from a failure by it.
            set_last_error(0);
            // SAFETY: this thread's slot.
            unsafe { *slot as *mut c_void }
        }
        None => {
            set_last_error(error::INVALID_PARAMETER);
            core::ptr::null_mut()
        }
    }
}
extern "win64" fn tls_set_value(index: u32, value: *mut c_void) -> i32 {
    match tls_slot(index) {
        // SAFETY: this thread's slot.
        Some(slot) => unsafe {
            *slot = value as usize;
            1
        },
        None => {
            set_last_error(error::INVALID_PARAMETER);
            0
        }
    }
}
extern "win64" fn tls_free(index: u32) -> i32 {
    let mut used = TLS_USED.lock().unwrap_or_else(|e| e.into_inner());
    match used.get_mut(index as usize) {
        Some(u) if *u => {
            *u = false;
            1
        }
        _ => {
            set_last_error(error::INVALID_PARAMETER);
            0
        }
    }
}

// Virtual memory. Windows' protections map onto mmap's, except that nothing
// is ever writable and executable at once: such requests fail with
// error::ACCESS_DENIED, as does making a page of loaded code writable.

const MEM_COMMIT: u32 = 0x1000;
const MEM_RESERVE: u32 = 0x2000;
const MEM_DECOMMIT: u32 = 0x4000;
const MEM_RELEASE: u32 = 0x8000;
const MEM_FREE: u32 = 0x10000;
const MEM_PRIVATE: u32 = 0x20000;
const MEM_IMAGE: u32 = 0x100_0000;

/// The mmap protection for a `PAGE_*` value, if allowed.
fn protection(page: u32) -> Option<libc::c_int> {
    Some(match page {
        0x01 => libc::PROT_NONE,
        0x02 => libc::PROT_READ,
        0x04 | 0x08 => libc::PROT_READ | libc::PROT_WRITE,
        0x10 | 0x20 => libc::PROT_READ | libc::PROT_EXEC,
        _ => return None,
    })
}

fn page_value(prot: &str) -> u32 {
    match (prot.contains('r'), prot.contains('w'), prot.contains('x')) {
        (_, true, true) => 0x40,
        (_, false, true) => 0x20,
        (_, true, false) => 0x04,
        (true, false, false) => 0x02,
        _ => 0x01,
    }
}

/// The `/proc/self/maps` region holding `addr`: (start, end, perms).
fn region(addr: usize) -> Option<(usize, usize, String)> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        let (range, perms) = (parts.next()?, parts.next()?);
        let (start, end) = range.split_once('-')?;
        let (start, end) = (usize::from_str_radix(start, 16).ok()?, usize::from_str_radix(end, 16).ok()?);
        (start <= addr && addr < end).then(|| (start, end, perms.to_owned()))
    })
}

const PAGE: usize = crate::memory::PAGE;

extern "win64" fn virtual_alloc(addr: *mut c_void, size: usize, kind: u32, page: u32) -> *mut c_void {
    let Some(prot) = protection(page) else {
        set_last_error(error::ACCESS_DENIED);
        return core::ptr::null_mut();
    };
    if size == 0 || kind & (MEM_COMMIT | MEM_RESERVE) == 0 {
        set_last_error(error::INVALID_PARAMETER);
        return core::ptr::null_mut();
    }
    let len = size.next_multiple_of(PAGE);
    if !addr.is_null() && kind & MEM_RESERVE == 0 {
        // Committing inside an earlier reservation: give the pages their protection.
        let start = (addr as usize) & !(PAGE - 1);
        // SAFETY: pages the DLL reserved before.
        return if unsafe { libc::mprotect(start as *mut c_void, len, prot) } == 0 {
            addr
        } else {
            set_last_error(error::INVALID_PARAMETER);
            core::ptr::null_mut()
        };
    }
    let prot = if kind & MEM_COMMIT == 0 { libc::PROT_NONE } else { prot };
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | if addr.is_null() { 0 } else { libc::MAP_FIXED_NOREPLACE };
    // SAFETY: a new anonymous mapping; never over an existing one.
    let at = unsafe { libc::mmap(addr, len, prot, flags, -1, 0) };
    if at == libc::MAP_FAILED || (!addr.is_null() && at != addr) {
        set_last_error(error::NOT_ENOUGH_MEMORY);
        return core::ptr::null_mut();
    }
    at
}

extern "win64" fn virtual_free(addr: *mut c_void, size: usize, kind: u32) -> i32 {
    let ok = if kind & MEM_RELEASE != 0 {
        // Windows releases the whole reservation (size 0); Linux needs its
        // length: the region /proc/self/maps shows from `addr` on.
        let len = if size != 0 { size } else { region(addr as usize).map_or(0, |(_, end, _)| end - addr as usize) };
        // SAFETY: pages the DLL allocated with VirtualAlloc.
        len > 0 && unsafe { libc::munmap(addr, len) } == 0
    } else if kind & MEM_DECOMMIT != 0 {
        // SAFETY: pages the DLL allocated with VirtualAlloc.
        unsafe {
            libc::madvise(addr, size, libc::MADV_DONTNEED) == 0 && libc::mprotect(addr, size, libc::PROT_NONE) == 0
        }
    } else {
        false
    };
    if !ok {
        set_last_error(error::INVALID_PARAMETER);
    }
    ok as i32
}

extern "win64" fn virtual_protect(addr: *mut c_void, size: usize, page: u32, old: *mut u32) -> i32 {
    let Some(prot) = protection(page) else {
        set_last_error(error::ACCESS_DENIED);
        return 0;
    };
    let start = (addr as usize) & !(PAGE - 1);
    let end = (addr as usize + size.max(1)).next_multiple_of(PAGE);
    let Some((_, _, perms)) = region(start) else {
        set_last_error(error::INVALID_PARAMETER);
        return 0;
    };
    // Loaded code is never made writable again.
    if prot & libc::PROT_WRITE != 0
        && (start..end).step_by(PAGE).any(|p| region(p).is_some_and(|(_, _, r)| r.contains('x')))
    {
        set_last_error(error::ACCESS_DENIED);
        return 0;
    }
    if !old.is_null() {
        // SAFETY: the DLL's out pointer.
        unsafe { *old = page_value(&perms) };
    }
    // SAFETY: pages of this process the DLL names; W+X was refused above.
    if unsafe { libc::mprotect(start as *mut c_void, end - start, prot) } != 0 {
        set_last_error(error::INVALID_PARAMETER);
        return 0;
    }
    1
}

/// `MEMORY_BASIC_INFORMATION` (x64, 48 bytes).
#[repr(C)]
struct MemoryBasicInformation {
    base_address: usize,
    allocation_base: usize,
    allocation_protect: u32,
    partition_id: u16,
    region_size: usize,
    state: u32,
    protect: u32,
    kind: u32,
}

extern "win64" fn virtual_query(addr: *const c_void, info: *mut MemoryBasicInformation, len: usize) -> usize {
    if len < core::mem::size_of::<MemoryBasicInformation>() {
        set_last_error(error::BAD_LENGTH);
        return 0;
    }
    let page = (addr as usize) & !(PAGE - 1);
    let module = loader::module_containing(page);
    let answer = match region(page) {
        Some((start, end, perms)) => MemoryBasicInformation {
            base_address: page,
            allocation_base: module.as_ref().map_or(start, |m| m.base() as usize),
            allocation_protect: page_value(&perms),
            partition_id: 0,
            region_size: end - page,
            state: MEM_COMMIT,
            protect: page_value(&perms),
            kind: if module.is_some() { MEM_IMAGE } else { MEM_PRIVATE },
        },
        None => MemoryBasicInformation {
            base_address: page,
            allocation_base: 0,
            allocation_protect: 0,
            partition_id: 0,
            region_size: PAGE,
            state: MEM_FREE,
            protect: 0x01,
            kind: 0,
        },
    };
    // SAFETY: the DLL's buffer, checked large enough.
    unsafe { info.write_unaligned(answer) };
    core::mem::size_of::<MemoryBasicInformation>()
}

// The process heap is the host's malloc.

const HEAP_ZERO_MEMORY: u32 = 0x8;

extern "win64" fn get_process_heap() -> usize {
    teb::PROCESS_HEAP
}
extern "win64" fn heap_alloc(_heap: usize, flags: u32, size: usize) -> *mut c_void {
    // SAFETY: plain allocation.
    unsafe {
        if flags & HEAP_ZERO_MEMORY != 0 {
            libc::calloc(1, size.max(1))
        } else {
            libc::malloc(size.max(1))
        }
    }
}
extern "win64" fn heap_free(_heap: usize, _flags: u32, p: *mut c_void) -> i32 {
    // SAFETY: memory from heap_alloc (or null).
    unsafe { libc::free(p) };
    1
}
extern "win64" fn heap_realloc(_heap: usize, _flags: u32, p: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: memory from heap_alloc.
    unsafe { libc::realloc(p, size.max(1)) }
}

// Modules.

/// A NUL-terminated UTF-16 string from the DLL, as Rust text.
fn wide(s: *const u16) -> String {
    let mut n = 0;
    // SAFETY: the DLL's NUL-terminated wide string.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: `n` code units.
    String::from_utf16_lossy(unsafe { core::slice::from_raw_parts(s, n) })
}

fn narrow(s: *const c_char) -> String {
    // SAFETY: the DLL's NUL-terminated string.
    unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
}

fn found(handle: *mut c_void) -> *mut c_void {
    if handle.is_null() {
        set_last_error(error::MOD_NOT_FOUND);
    }
    handle
}

extern "win64" fn get_module_handle_a(name: *const c_char) -> *mut c_void {
    found(loader::module_handle((!name.is_null()).then(|| narrow(name)).as_deref()))
}
extern "win64" fn get_module_handle_w(name: *const u16) -> *mut c_void {
    found(loader::module_handle((!name.is_null()).then(|| wide(name)).as_deref()))
}
extern "win64" fn get_module_handle_ex_w(_flags: u32, name: *const u16, out: *mut *mut c_void) -> i32 {
    let handle = get_module_handle_w(name);
    // SAFETY: the DLL's out pointer.
    unsafe { *out = handle };
    (!handle.is_null()) as i32
}
extern "win64" fn get_proc_address(module: *mut c_void, name: *const c_char) -> *const c_void {
    let text;
    let symbol = if (name as usize) < 0x10000 {
        ImportName::Ordinal(name as usize as u16)
    } else {
        text = narrow(name);
        ImportName::Name(&text)
    };
    let address = loader::proc_address(module, symbol);
    if address.is_null() {
        set_last_error(error::PROC_NOT_FOUND);
    }
    address
}
extern "win64" fn load_library_a(name: *const c_char) -> *mut c_void {
    found(loader::load_library(&narrow(name)))
}
extern "win64" fn load_library_w(name: *const u16) -> *mut c_void {
    found(loader::load_library(&wide(name)))
}
extern "win64" fn load_library_ex_a(name: *const c_char, _file: *mut c_void, _flags: u32) -> *mut c_void {
    load_library_a(name)
}
extern "win64" fn load_library_ex_w(name: *const u16, _file: *mut c_void, _flags: u32) -> *mut c_void {
    load_library_w(name)
}
extern "win64" fn free_library(module: *mut c_void) -> i32 {
    loader::free_library(module) as i32
}
/// Copies `units` into the DLL's buffer of `n` as `GetModuleFileName`
/// does: truncated to fit with its terminator; the count copied.
fn copy_out<T: Copy + Default>(units: &[T], buf: *mut T, n: u32) -> u32 {
    let k = units.len().min(n.saturating_sub(1) as usize);
    // SAFETY: the DLL's buffer of `n` units.
    unsafe {
        core::ptr::copy_nonoverlapping(units.as_ptr(), buf, k);
        if n > 0 {
            *buf.add(k) = T::default();
        }
    }
    k as u32
}

fn module_path(module: *mut c_void) -> Option<String> {
    let path = loader::module_path(module);
    if path.is_none() {
        set_last_error(error::MOD_NOT_FOUND);
    }
    path
}

extern "win64" fn get_module_file_name_a(module: *mut c_void, buf: *mut u8, n: u32) -> u32 {
    module_path(module).map_or(0, |path| copy_out(path.as_bytes(), buf, n))
}
extern "win64" fn get_module_file_name_w(module: *mut c_void, buf: *mut u16, n: u32) -> u32 {
    module_path(module).map_or(0, |path| copy_out(&path.encode_utf16().collect::<Vec<_>>(), buf, n))
}

// Clocks.

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: fills `ts`.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
extern "win64" fn get_tick_count() -> u32 {
    (clock_ns(libc::CLOCK_MONOTONIC) / 1_000_000) as u32
}
extern "win64" fn get_tick_count64() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC) / 1_000_000
}
extern "win64" fn query_performance_counter(out: *mut i64) -> i32 {
    // SAFETY: the DLL's out pointer.
    unsafe { *out = clock_ns(libc::CLOCK_MONOTONIC) as i64 };
    1
}
extern "win64" fn query_performance_frequency(out: *mut i64) -> i32 {
    // SAFETY: the DLL's out pointer.
    unsafe { *out = 1_000_000_000 };
    1
}
/// 100-nanosecond intervals since 1601-01-01 (UTC).
extern "win64" fn get_system_time_as_file_time(out: *mut u64) {
    const UNIX_EPOCH_AS_FILETIME: u64 = 116_444_736_000_000_000;
    // SAFETY: the DLL's out pointer (a FILETIME, two u32 halves).
    unsafe { out.write_unaligned(UNIX_EPOCH_AS_FILETIME + clock_ns(libc::CLOCK_REALTIME) / 100) };
}

// Code pages: the ANSI code page is taken as UTF-8.

const CP_ACP: u32 = 0;
const CP_UTF8: u32 = 65001;

extern "win64" fn is_dbcs_lead_byte_ex(_code_page: u32, _byte: u8) -> i32 {
    0 // UTF-8 and the C locale have no double-byte lead bytes
}

unsafe extern "win64" fn multi_byte_to_wide_char(
    cp: u32,
    _flags: u32,
    src: *const u8,
    len: i32,
    dst: *mut u16,
    n: i32,
) -> i32 {
    if cp != CP_ACP && cp != CP_UTF8 {
        set_last_error(error::INVALID_PARAMETER);
        return 0;
    }
    // SAFETY: the DLL's string of `len` bytes, or NUL-terminated (len -1,
    // the NUL counted).
    let bytes = unsafe {
        if len < 0 {
            CStr::from_ptr(src.cast()).to_bytes_with_nul()
        } else {
            core::slice::from_raw_parts(src, len as usize)
        }
    };
    let units: Vec<u16> = String::from_utf8_lossy(bytes).encode_utf16().collect();
    if n == 0 {
        return units.len() as i32;
    }
    if units.len() > n as usize {
        set_last_error(error::INSUFFICIENT_BUFFER);
        return 0;
    }
    // SAFETY: the DLL's buffer of `n` units.
    unsafe { core::ptr::copy_nonoverlapping(units.as_ptr(), dst, units.len()) };
    units.len() as i32
}

unsafe extern "win64" fn wide_char_to_multi_byte(
    cp: u32,
    _flags: u32,
    src: *const u16,
    len: i32,
    dst: *mut u8,
    n: i32,
    _default: *const c_char,
    used_default: *mut i32,
) -> i32 {
    if cp != CP_ACP && cp != CP_UTF8 {
        set_last_error(error::INVALID_PARAMETER);
        return 0;
    }
    let count = if len < 0 {
        let mut k = 0;
        // SAFETY: NUL-terminated.
        while unsafe { *src.add(k) } != 0 {
            k += 1;
        }
        k + 1
    } else {
        len as usize
    };
    // SAFETY: `count` units of the DLL's string.
    let text = String::from_utf16_lossy(unsafe { core::slice::from_raw_parts(src, count) });
    if !used_default.is_null() {
        // SAFETY: the DLL's out pointer.
        unsafe { *used_default = 0 };
    }
    if n == 0 {
        return text.len() as i32;
    }
    if text.len() > n as usize {
        set_last_error(error::INSUFFICIENT_BUFFER);
        return 0;
    }
    // SAFETY: the DLL's buffer of `n` bytes.
    unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), dst, text.len()) };
    text.len() as i32
}

// The standard handles are the host's file descriptors 0, 1 and 2, offset
// so that they are not mistaken for null or for table handles.

const STD_HANDLE_BASE: usize = 0x10;

extern "win64" fn get_std_handle(which: u32) -> usize {
    match which as i32 {
        -10 => STD_HANDLE_BASE,
        -11 => STD_HANDLE_BASE + 1,
        -12 => STD_HANDLE_BASE + 2,
        _ => usize::MAX, // INVALID_HANDLE_VALUE
    }
}
extern "win64" fn write_file(
    handle: usize,
    buf: *const c_void,
    n: u32,
    written: *mut u32,
    _overlapped: *mut c_void,
) -> i32 {
    let fd = match handle.wrapping_sub(STD_HANDLE_BASE) {
        fd @ (1 | 2) => fd as libc::c_int,
        _ => {
            set_last_error(error::INVALID_HANDLE);
            return 0;
        }
    };
    // SAFETY: the DLL's buffer of `n` bytes.
    let r = unsafe { libc::write(fd, buf, n as usize) };
    if !written.is_null() {
        // SAFETY: the DLL's out pointer.
        unsafe { *written = r.max(0) as u32 };
    }
    (r >= 0) as i32
}
extern "win64" fn output_debug_string_a(s: *const c_char) {
    eprint!("{}", narrow(s));
}
extern "win64" fn is_debugger_present() -> i32 {
    0
}

/// `SYSTEM_INFO` (x64, 48 bytes).
#[repr(C)]
struct SystemInfo {
    processor_architecture: u16,
    reserved: u16,
    page_size: u32,
    minimum_application_address: usize,
    maximum_application_address: usize,
    active_processor_mask: usize,
    number_of_processors: u32,
    processor_type: u32,
    allocation_granularity: u32,
    processor_level: u16,
    processor_revision: u16,
}
extern "win64" fn get_system_info(out: *mut SystemInfo) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    let info = SystemInfo {
        processor_architecture: 9, // PROCESSOR_ARCHITECTURE_AMD64
        reserved: 0,
        page_size: PAGE as u32,
        minimum_application_address: 0x10000,
        maximum_application_address: 0x7fff_ffff_0000,
        active_processor_mask: if cpus >= 64 { usize::MAX } else { (1usize << cpus) - 1 },
        number_of_processors: cpus,
        processor_type: 8664,
        allocation_granularity: 0x10000,
        processor_level: 6,
        processor_revision: 0,
    };
    // SAFETY: the DLL's SYSTEM_INFO.
    unsafe { out.write_unaligned(info) };
}

pub(super) fn table() -> Vec<(&'static str, usize)> {
    exports! {
        "GetLastError" => get_last_error, "SetLastError" => set_last_error,
        "GetCurrentThreadId" => thread_id, "GetCurrentProcessId" => process_id,
        "GetCurrentProcess" => current_process, "GetCurrentThread" => current_thread,
        "TlsAlloc" => tls_alloc, "TlsGetValue" => tls_get_value, "TlsSetValue" => tls_set_value, "TlsFree" => tls_free,
        "VirtualAlloc" => virtual_alloc, "VirtualFree" => virtual_free, "VirtualProtect" => virtual_protect,
        "VirtualQuery" => virtual_query,
        "GetProcessHeap" => get_process_heap, "HeapAlloc" => heap_alloc, "HeapFree" => heap_free,
        "HeapReAlloc" => heap_realloc,
        "GetModuleHandleA" => get_module_handle_a, "GetModuleHandleW" => get_module_handle_w,
        "GetModuleHandleExW" => get_module_handle_ex_w, "GetProcAddress" => get_proc_address,
        "LoadLibraryA" => load_library_a, "LoadLibraryW" => load_library_w,
        "LoadLibraryExA" => load_library_ex_a, "LoadLibraryExW" => load_library_ex_w, "FreeLibrary" => free_library,
        "GetModuleFileNameA" => get_module_file_name_a, "GetModuleFileNameW" => get_module_file_name_w,
        "GetTickCount" => get_tick_count, "GetTickCount64" => get_tick_count64,
        "QueryPerformanceCounter" => query_performance_counter, "QueryPerformanceFrequency" => query_performance_frequency,
        "GetSystemTimeAsFileTime" => get_system_time_as_file_time,
        "GetSystemTimePreciseAsFileTime" => get_system_time_as_file_time,
        "IsDBCSLeadByteEx" => is_dbcs_lead_byte_ex, "MultiByteToWideChar" => multi_byte_to_wide_char,
        "WideCharToMultiByte" => wide_char_to_multi_byte,
        "GetStdHandle" => get_std_handle, "WriteFile" => write_file, "OutputDebugStringA" => output_debug_string_a,
        "IsDebuggerPresent" => is_debugger_present, "GetSystemInfo" => get_system_info,
    }
}
