//! Real Windows DLLs, built by mingw-w64 from `dll/` (or the checked-in
//! builds of the same sources), loaded into this Linux process and called
//! through `#[foreign_abi(win64, library = ..)]`: signatures against the
//! DLL's ELF twin (`dll/pe_abi.c` built by gcc `-mabi=ms`) and rustc's own
//! `extern "win64"` calls of the same exports; the C runtime, threads, TLS,
//! initialisers, relocation, dependencies and C++ inside the DLLs.

// Every `unsafe` here calls an export declared exactly as its source in
// `dll/` defines it, or loads one of those DLLs.
#![allow(clippy::undocumented_unsafe_blocks)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use abi_bridge::pe::LoadOptions;
use abi_bridge::{foreign_abi, Callback, Error, ForeignType, Library, Win64};
use abi_bridge_tests as _;

fn dll(name: &str) -> PathBuf {
    PathBuf::from(env!("ABT_PE_DLLS")).join(name)
}

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Vec2 {
    x: f32,
    y: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Vec3 {
    x: f32,
    y: f32,
    z: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Range {
    lo: f64,
    hi: f64,
    tag: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Rgba {
    r: u8,
    g: u8,
    b: u8,
    a: u8,
}

#[foreign_abi(win64, library = PeAbi)]
extern "C" {
    fn pe_add(a: i32, b: i32) -> i32;
    fn pe_digest10(a: i8, b: f64, c: u16, d: f32, e: i64, f: u8, g: f64, h: i32, i: f32, j: u64) -> u64;
    fn pe_scale(x: f64, k: f32, n: i32) -> f64;
    fn pe_vec2_dot(a: Vec2, b: Vec2) -> f32;
    fn pe_vec2_swap(v: Vec2) -> Vec2;
    fn pe_vec3_cross(a: Vec3, b: Vec3) -> Vec3;
    fn pe_range(v: Vec3, tag: i64, c: Rgba, w: f64) -> Range;
    fn pe_digest_structs(a: Rgba, b: Vec3, c: Range, d: Vec2, e: i8, f: Range) -> u64;
    fn pe_apply(f: extern "win64" fn(i64, f64, Vec3) -> i64, x: i64) -> i64;
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn f32(&mut self) -> f32 {
        (self.next() % 20001) as f32 / 100.0 - 100.0
    }
    fn f64(&mut self) -> f64 {
        (self.next() % 2_000_001) as f64 / 1000.0 - 1000.0
    }
    fn vec3(&mut self) -> Vec3 {
        Vec3 { x: self.f32(), y: self.f32(), z: self.f32() }
    }
    fn range(&mut self) -> Range {
        Range { lo: self.f64(), hi: self.f64(), tag: self.next() as i64 }
    }
    fn rgba(&mut self) -> Rgba {
        let [r, g, b, a, ..] = self.next().to_le_bytes();
        Rgba { r, g, b, a }
    }
}

/// The DLL's answers equal its ELF twin's (`gcc -mabi=ms`) and rustc's own
/// win64 calls of the DLL's exports.
#[test]
fn dll_exports_answer_as_their_elf_twin_and_rustcs_own_calls() {
    let pe = unsafe { PeAbi::load(dll("pe_abi.dll")) }.unwrap();
    let elf = unsafe { PeAbi::load(env!("ABT_PE_ABI_SO")) }.unwrap();
    type Digest10 = extern "win64" fn(i8, f64, u16, f32, i64, u8, f64, i32, f32, u64) -> u64;
    type Range4 = extern "win64" fn(Vec3, i64, Rgba, f64) -> Range;
    type Structs = extern "win64" fn(Rgba, Vec3, Range, Vec2, i8, Range) -> u64;
    let library = pe.library();
    let rustc_digest10: Digest10 = unsafe { core::mem::transmute(library.symbol("pe_digest10").unwrap()) };
    let rustc_range: Range4 = unsafe { core::mem::transmute(library.symbol("pe_range").unwrap()) };
    let rustc_structs: Structs = unsafe { core::mem::transmute(library.symbol("pe_digest_structs").unwrap()) };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..500 {
        let (a, b, c, d, e) = (rng.next() as i8, rng.f64(), rng.next() as u16, rng.f32(), rng.next() as i64);
        let (f, g, h, i, j) = (rng.next() as u8, rng.f64(), rng.next() as i32, rng.f32(), rng.next());
        let want = rustc_digest10(a, b, c, d, e, f, g, h, i, j);
        assert_eq!(unsafe { pe.pe_digest10(a, b, c, d, e, f, g, h, i, j) }, want);
        assert_eq!(unsafe { elf.pe_digest10(a, b, c, d, e, f, g, h, i, j) }, want);

        let (v, tag, color, w) = (rng.vec3(), rng.next() as i64, rng.rgba(), rng.f64());
        let want = rustc_range(v, tag, color, w);
        assert_eq!(unsafe { pe.pe_range(v, tag, color, w) }, want);
        assert_eq!(unsafe { elf.pe_range(v, tag, color, w) }, want);

        let (r1, r2, v2) = (rng.range(), rng.range(), Vec2 { x: rng.f32(), y: rng.f32() });
        let want = rustc_structs(color, v, r1, v2, a, r2);
        assert_eq!(unsafe { pe.pe_digest_structs(color, v, r1, v2, a, r2) }, want);
        assert_eq!(unsafe { elf.pe_digest_structs(color, v, r1, v2, a, r2) }, want);

        let (p, q) = (rng.vec3(), rng.vec3());
        assert_eq!(unsafe { pe.pe_vec3_cross(p, q) }, unsafe { elf.pe_vec3_cross(p, q) });
        assert_eq!(unsafe { pe.pe_vec2_swap(v2) }, Vec2 { x: v2.y, y: v2.x });
        assert_eq!(unsafe { pe.pe_vec2_dot(v2, v2) }.to_bits(), unsafe { elf.pe_vec2_dot(v2, v2) }.to_bits());
        assert_eq!(unsafe { pe.pe_scale(g, d, h) }.to_bits(), unsafe { elf.pe_scale(g, d, h) }.to_bits());
        assert_eq!(unsafe { pe.pe_add(h, 1) }, h.wrapping_add(1));
    }
}

extern "win64" fn host_weigh(x: i64, scale: f64, v: Vec3) -> i64 {
    x * 10 + (scale * 4.0) as i64 + (v.x + v.y + v.z) as i64
}

/// A DLL export calls back into the host: a rustc `extern "win64"` function
/// and a closure `Callback`.
#[test]
fn dll_exports_call_the_host_back() {
    let pe = unsafe { PeAbi::load(dll("pe_abi.dll")) }.unwrap();
    // 7 * 10 + 2 + 3 = 75, then * 3 + 1.
    assert_eq!(unsafe { pe.pe_apply(host_weigh, 7) }, 226);
    let offset = 1000;
    let closure =
        Callback::<fn(i64, f64, Vec3) -> i64, Win64>::new(Win64, move |x, s, v| host_weigh(x, s, v) + offset).unwrap();
    assert_eq!(unsafe { pe.pe_apply(closure.as_win64().unwrap(), 7) }, 3226);
}

#[foreign_abi(win64, library = PeReloc)]
extern "C" {
    fn reloc_apply(op: i32, a: i32, b: i32) -> i32;
    fn reloc_name(op: i32) -> *const c_char;
    fn reloc_self() -> *const c_void;
}

/// `pe_reloc.dll` prefers 0x7e00_0000_0000; this test holds that address
/// first, so the loader must apply every base relocation of its pointer
/// tables.
#[test]
fn a_dll_whose_preferred_base_is_taken_is_relocated() {
    const PREFERRED: usize = 0x7e00_0000_0000;
    let len = 1 << 20;
    let taken = unsafe {
        libc::mmap(
            PREFERRED as *mut c_void,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    assert_eq!(taken as usize, PREFERRED, "could not occupy the preferred base first");
    let lib = unsafe { PeReloc::load(dll("pe_reloc.dll")) }.unwrap();
    let at = unsafe { lib.reloc_self() } as usize;
    assert!(!(PREFERRED..PREFERRED + len).contains(&at), "not relocated: {at:#x}");
    assert_eq!(unsafe { lib.reloc_apply(0, 7, 5) }, 12);
    assert_eq!(unsafe { lib.reloc_apply(1, 7, 5) }, 2);
    assert_eq!(unsafe { lib.reloc_apply(2, 7, 5) }, 35);
    let names: Vec<_> =
        (0..3).map(|i| unsafe { CStr::from_ptr(lib.reloc_name(i)) }.to_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["add", "sub", "mul"]);
    drop(lib);
    unsafe { libc::munmap(taken, len) };
}

#[foreign_abi(win64, library = PeCrt)]
extern "C" {
    fn crt_init_record(constructors: *mut i32, attaches: *mut i32, tls_callbacks: *mut i32) -> i32;
    fn crt_thread_attaches() -> i32;
    fn crt_strlen(s: *const c_char) -> usize;
    fn crt_reverse(s: *const c_char, out: *mut c_char, n: usize) -> i32;
    fn crt_sort_descending(values: *mut i32, n: i32);
    fn crt_sort_with(values: *mut i32, n: i32, compare: extern "win64" fn(*const c_void, *const c_void) -> c_int);
    fn crt_format(buf: *mut c_char, n: usize, d: i32, f: f64, e: f64, s: *const c_char) -> i32;
    fn crt_format_imported(
        buf: *mut c_char,
        n: usize,
        d: i32,
        l: i32,
        f: f64,
        e: f64,
        s: *const c_char,
        p: *const c_void,
        c: c_char,
    ) -> i32;
    fn crt_tls_swap(value: i32) -> i32;
    fn crt_set_error(code: u32);
    fn crt_get_error() -> u32;
    fn crt_deep_frame(seed: i32) -> i32;
    fn crt_notify_host(value: i32) -> i32;
    fn crt_run_thread(input: i32, last_error_seen: *mut i32) -> i32;
    fn crt_locked_add(n: i64) -> i64;
    fn crt_teb() -> *mut c_void;
    fn crt_kernel32_checks() -> u32;
    fn crt_modern_sync() -> i64;
    fn crt_suspended_threads() -> i32;
    fn crt_stack_is_inside() -> i32;
}

/// What `host_notify` saw: (event, value) pairs in order.
static NOTIFIED: Mutex<Vec<(i32, i32)>> = Mutex::new(Vec::new());

/// `pe_crt.dll`, loaded once for every test of this file that uses it (as a
/// process loads a DLL once), with `host.dll!host_notify` provided by the
/// host as a closure.
fn crt() -> &'static PeCrt {
    static CRT: std::sync::OnceLock<PeCrt> = std::sync::OnceLock::new();
    CRT.get_or_init(|| {
        let notify =
            Callback::<fn(i32, i32), Win64>::new(Win64, |event, value| NOTIFIED.lock().unwrap().push((event, value)))
                .unwrap();
        let options = LoadOptions::new().import_callback("host.dll", "host_notify", notify);
        unsafe { PeCrt::load_with(dll("pe_crt.dll"), options) }.unwrap()
    })
}

fn c_string(bytes: &[u8]) -> String {
    CStr::from_bytes_until_nul(bytes).unwrap().to_str().unwrap().to_owned()
}

/// TLS callbacks, then constructors, then `DllMain`, each exactly once, and
/// `DllMain` could call the host's import.
#[test]
fn initialisers_run_once_in_windows_order() {
    let crt = crt();
    let (mut constructors, mut attaches, mut tls_callbacks) = (0, 0, 0);
    let order = unsafe { crt.crt_init_record(&mut constructors, &mut attaches, &mut tls_callbacks) };
    assert_eq!((constructors, attaches, tls_callbacks), (1, 1, 1));
    assert_eq!(order, 123, "TLS callback (1), constructor (2), DllMain (3)");
    assert_eq!(NOTIFIED.lock().unwrap().first(), Some(&(1, 1)), "DllMain's call of host_notify");
    assert_eq!(unsafe { crt.crt_notify_host(41) }, 42);
    assert!(NOTIFIED.lock().unwrap().contains(&(2, 41)));
}

#[test]
fn the_c_runtime_inside_the_dll() {
    let crt = crt();
    assert_eq!(unsafe { crt.crt_strlen(c"abi-bridge".as_ptr()) }, 10);
    let mut out = [0u8; 32];
    assert_eq!(unsafe { crt.crt_reverse(c"stressed".as_ptr(), out.as_mut_ptr().cast(), out.len()) }, 8);
    assert_eq!(c_string(&out), "desserts");

    let mut values = [5, -3, 12, 0, 7, 7, -20, 99];
    unsafe { crt.crt_sort_descending(values.as_mut_ptr(), values.len() as i32) };
    assert_eq!(values, [99, 12, 7, 7, 5, 0, -3, -20]);
    extern "win64" fn ascending(a: *const c_void, b: *const c_void) -> c_int {
        let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
        a.cmp(&b) as c_int
    }
    unsafe { crt.crt_sort_with(values.as_mut_ptr(), values.len() as i32, ascending) };
    assert_eq!(values, [-20, -3, 0, 5, 7, 7, 12, 99]);
}

/// `snprintf` as mingw compiles it (inside the DLL) and msvcrt's `_snprintf`
/// (an import the host serves through a reverse variadic entry) format as
/// the host's `snprintf` does.
#[test]
fn formatting_inside_the_dll_matches_the_host() {
    let crt = crt();
    let mut host = [0u8; 128];
    let mut ours = [0u8; 128];
    let n = unsafe {
        libc::snprintf(host.as_mut_ptr().cast(), 128, c"%d %f %e %s".as_ptr(), -42, 3.25, 6.02e23, c"ok".as_ptr())
    };
    let m = unsafe { crt.crt_format(ours.as_mut_ptr().cast(), 128, -42, 3.25, 6.02e23, c"ok".as_ptr()) };
    assert_eq!((m, c_string(&ours)), (n, c_string(&host)));

    let p = 0x1234_5678usize as *const c_void;
    let n = unsafe {
        libc::snprintf(
            host.as_mut_ptr().cast(),
            128,
            c"%d %ld %f %e %s %p %c".as_ptr(),
            7,
            -123_456i64,
            -0.5,
            1e-9,
            c"text".as_ptr(),
            p,
            c_int::from(b'Z'),
        )
    };
    let m = unsafe {
        crt.crt_format_imported(
            ours.as_mut_ptr().cast(),
            128,
            7,
            -123_456,
            -0.5,
            1e-9,
            c"text".as_ptr(),
            p,
            b'Z' as c_char,
        )
    };
    assert_eq!((m, c_string(&ours)), (n, c_string(&host)));
}

/// Eight host threads at once: each gets its own TEB, `__thread` values,
/// last-error state and (through `DLL_THREAD_ATTACH`) the DLL's notice; a
/// critical section inside the DLL serialises their sums.
#[test]
fn eight_host_threads_call_in_at_once() {
    let crt = crt();
    let before = unsafe { crt.crt_thread_attaches() };
    let started = AtomicI32::new(0);
    std::thread::scope(|s| {
        for t in 0..8i32 {
            let started = &started;
            s.spawn(move || {
                started.fetch_add(1, Ordering::SeqCst);
                assert_eq!(unsafe { crt.crt_tls_swap(100 + t) }, 7, "a fresh thread sees the template value");
                unsafe { crt.crt_set_error(5000 + t as u32) };
                for _ in 0..1000 {
                    unsafe { crt.crt_locked_add(1) };
                }
                assert_eq!(unsafe { crt.crt_tls_swap(0) }, 100 + t);
                assert_eq!(unsafe { crt.crt_get_error() }, 5000 + t as u32);
            });
        }
    });
    assert_eq!(started.load(Ordering::SeqCst), 8);
    assert_eq!(unsafe { crt.crt_locked_add(0) } % 1000, 0);
    assert!(unsafe { crt.crt_locked_add(0) } >= 8000);
    assert!(unsafe { crt.crt_thread_attaches() } >= before + 8, "DLL_THREAD_ATTACH for each new thread");
}

/// This thread's `%gs` base, as the kernel has it.
fn gs_base() -> usize {
    const ARCH_GET_GS: libc::c_int = 0x1004;
    let mut base = 0usize;
    assert_eq!(unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_GET_GS, &mut base) }, 0);
    base
}

/// `%gs:0x30` is the calling thread's own TEB, whose stack bounds are the
/// thread's. Linux gives a new thread its creator's `%gs`; the gate sees
/// that the TEB is not the new thread's and gives it one of its own.
#[test]
fn each_thread_has_its_own_teb() {
    let crt = crt();
    let mine = unsafe { crt.crt_teb() } as usize;
    assert_eq!(gs_base(), mine, "%gs holds this thread's TEB");
    assert_eq!(unsafe { crt.crt_stack_is_inside() }, 1);
    let (inherited, theirs, inside, later) = std::thread::spawn(move || {
        let inherited = gs_base();
        let theirs = unsafe { crt.crt_teb() } as usize;
        (inherited, theirs, unsafe { crt.crt_stack_is_inside() }, gs_base())
    })
    .join()
    .unwrap();
    assert_eq!(inherited, mine, "a new thread starts with its creator's %gs");
    assert_ne!(theirs, mine, "the new thread's first call gave it its own TEB");
    assert_eq!(later, theirs);
    assert_eq!(inside, 1);
}

/// kernel32 as the DLL uses it: events, semaphores, mutexes and waits on
/// them, TLS slots, virtual memory (refusing writable and executable pages),
/// modules. Each check is a bit the DLL sets.
#[test]
fn kernel32_from_inside_the_dll() {
    let checks = unsafe { crt().crt_kernel32_checks() };
    let failed: Vec<u32> = (0..23).filter(|bit| checks & (1 << bit) == 0).collect();
    assert!(failed.is_empty(), "checks failed (bits of crt_kernel32_checks in dll/pe_crt.c): {failed:?}");
}

/// SRW locks, condition variables (with an SRW lock and with a critical
/// section, and a timeout) and one-time initialisation, from inside the DLL:
/// a producer thread hands 1..=100 over a one-slot queue.
#[test]
fn srw_locks_condition_variables_and_init_once() {
    assert_eq!(unsafe { crt().crt_modern_sync() }, 5050);
}

/// Threads created suspended (`CreateThread`, the C runtime's
/// `_beginthreadex`) start at `ResumeThread`, not before.
#[test]
fn suspended_threads_start_when_resumed() {
    // 11 runs of the routines' marks, exit codes 11 + 12.
    assert_eq!(unsafe { crt().crt_suspended_threads() }, 11 * 100 + 23);
}

/// A thread the DLL starts itself with `CreateThread` has its own TEB.
#[test]
fn the_dll_starts_its_own_thread() {
    let crt = crt();
    unsafe { crt.crt_set_error(77) };
    let mut seen = 0;
    assert_eq!(unsafe { crt.crt_run_thread(10, &mut seen) }, 37, "10 * 3 + the thread's fresh __thread value 7");
    assert_eq!(seen, 1234);
    assert_eq!(unsafe { crt.crt_get_error() }, 77, "the other thread's SetLastError is its own");
}

/// A 64 KiB frame, probed page by page by `___chkstk_ms`, on a thread with a
/// 256 KiB stack.
#[test]
fn a_deep_frame_on_a_small_stack() {
    let crt = crt();
    let sum = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || unsafe { crt.crt_deep_frame(3) })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(sum, (0..16).map(|i| 3 + i).sum::<i32>());
}

#[foreign_abi(win64, library = PeCpp)]
extern "C" {
    fn cpp_word_counts(text: *const c_char, out: *mut c_char, n: usize) -> i32;
    fn cpp_shapes(dims: *const f64, n: i32, out: *mut c_char, size: usize) -> f64;
    fn cpp_vector_sum(n: i32) -> i64;
}

/// A mingw g++ DLL with static libstdc++: std::map, std::string,
/// std::vector, virtual calls, new and delete.
#[test]
fn a_cpp_dll_with_the_standard_library() {
    let cpp = unsafe { PeCpp::load(dll("pe_cpp.dll")) }.unwrap();
    let mut out = [0u8; 256];
    let words =
        unsafe { cpp.cpp_word_counts(c"the cat saw the dog and the cat".as_ptr(), out.as_mut_ptr().cast(), out.len()) };
    assert_eq!(words, 8);
    assert_eq!(c_string(&out), "and=1 cat=2 dog=1 saw=1 the=3");
    let dims = [2.0, 3.0, -1.0, 2.0, 1.5, 4.0];
    let total = unsafe { cpp.cpp_shapes(dims.as_ptr(), dims.len() as i32, out.as_mut_ptr().cast(), out.len()) };
    assert_eq!(total, 6.0 + 12.0 + 6.0);
    assert_eq!(c_string(&out), "rect+circle+rect=24");
    assert_eq!(unsafe { cpp.cpp_vector_sum(1000) }, (1..=1000i64).map(|i| i * i).sum::<i64>());
}

#[foreign_abi(win64, library = PeUcrt)]
extern "C" {
    fn ucrt_constructed() -> i32;
    fn ucrt_format(buf: *mut c_char, n: usize, d: i32, f: f64, e: f64, s: *const c_char) -> i32;
    fn ucrt_time_agrees(host_now: i64) -> i64;
}

/// A DLL linked against the UCRT (`api-ms-win-crt-*` imports,
/// `__stdio_common_vsprintf`): started, formatting and telling the time as
/// the host does.
#[test]
fn a_ucrt_dll() {
    let ucrt = unsafe { PeUcrt::load(dll("pe_ucrt.dll")) }.unwrap();
    assert_eq!(unsafe { ucrt.ucrt_constructed() }, 1);
    let (mut host, mut ours) = ([0u8; 128], [0u8; 128]);
    let n = unsafe {
        libc::snprintf(host.as_mut_ptr().cast(), 128, c"%d %f %e %s".as_ptr(), 99, -2.5, 1.5e-7, c"ucrt".as_ptr())
    };
    let m = unsafe { ucrt.ucrt_format(ours.as_mut_ptr().cast(), 128, 99, -2.5, 1.5e-7, c"ucrt".as_ptr()) };
    assert_eq!((m, c_string(&ours)), (n, c_string(&host)));
    let now = unsafe { libc::time(core::ptr::null_mut()) };
    assert!(unsafe { ucrt.ucrt_time_agrees(now) }.abs() <= 2);
}

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Pair {
    x: f32,
    y: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Vec3d {
    x: f64,
    y: f64,
    z: f64,
}

#[foreign_abi(win64, library = PeMsvc)]
extern "C" {
    fn msvc_tls_bump(by: i32) -> i32;
    fn msvc_callback_runs() -> i32;
    fn msvc_big_frame(seed: i32) -> i32;
    fn msvc_pair(x: f32, y: f32) -> Pair;
    fn msvc_scale(v: Vec3d, k: f64) -> Vec3d;
}

/// A DLL with Microsoft's conventions (clang for x86_64-pc-windows-msvc,
/// lld-link, no C runtime): native TLS through `%gs:0x58` and the module's
/// TLS index, each thread with its own copy of the template; its TLS
/// callback; `__chkstk` reading the TEB's stack limit on a small stack;
/// struct returns in rax and through a hidden pointer.
#[test]
fn a_dll_with_msvc_conventions_and_native_tls() {
    let msvc = unsafe { PeMsvc::load(dll("msvc/pe_msvc.dll")) }.unwrap();
    assert_eq!(unsafe { msvc.msvc_callback_runs() }, 1, "the TLS callback ran at process attach");
    let msvc = &msvc;
    std::thread::scope(|s| {
        for t in 1..=8 {
            s.spawn(move || {
                // The template: 5 and a zero-filled 0, then this thread's own.
                assert_eq!(unsafe { msvc.msvc_tls_bump(t) }, (5 + t) * 1000 + 1);
                assert_eq!(unsafe { msvc.msvc_tls_bump(t) }, (5 + 2 * t) * 1000 + 2);
            });
        }
    });
    let sum = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn_scoped(s, move || unsafe { msvc.msvc_big_frame(2) })
            .unwrap()
            .join()
            .unwrap()
    });
    assert_eq!(sum, (0..10).map(|i| 2 + i).sum::<i32>());
    assert_eq!(unsafe { msvc.msvc_pair(1.5, -2.0) }, Pair { x: -2.0, y: 1.5 });
    let v = Vec3d { x: 1.0, y: -2.0, z: 0.25 };
    assert_eq!(unsafe { msvc.msvc_scale(v, 4.0) }, Vec3d { x: 4.0, y: -8.0, z: 1.0 });
}

#[foreign_abi(win64, library = PeDeps)]
extern "C" {
    fn dep_main_quad(x: i32) -> i32;
    fn dep_forwarded(x: i32) -> i32;
}

/// `pe_dep_main.dll` imports from `pe_dep_lib.dll`, found in its own folder,
/// and forwards one export to it.
#[test]
fn dependencies_load_from_the_dlls_folder_and_forwarders_resolve() {
    let deps = unsafe { PeDeps::load(dll("dep/pe_dep_main.dll")) }.unwrap();
    assert_eq!(unsafe { deps.dep_main_quad(3) }, 12);
    assert_eq!(unsafe { deps.dep_forwarded(250) }, 150);
}

#[foreign_abi(win64, library = PeUnresolved)]
extern "C" {
    fn unresolved_fine(x: i32) -> i32;
    fn unresolved_beep() -> i32;
}

/// An import nothing provides: lenient loading binds a trap that names it
/// when called; strict loading fails and lists it.
#[test]
fn unresolved_imports_trap_by_name_or_fail_a_strict_load() {
    // Strict first: a DLL already loaded is not loaded again.
    let strict = unsafe { PeUnresolved::load_with(dll("pe_unresolved.dll"), LoadOptions::new().strict(true)) };
    let message = match strict {
        Err(e @ Error::LoadLibrary { .. }) => format!("{e}: {}", std::error::Error::source(&e).unwrap()),
        other => panic!("a strict load with an unresolved import: {other:?}"),
    };
    assert!(message.contains("unresolved imports: KERNEL32.dll!Beep"), "{message}");

    let lib = unsafe { PeUnresolved::load(dll("pe_unresolved.dll")) }.unwrap();
    assert_eq!(unsafe { lib.unresolved_fine(1) }, 2);

    if std::env::var_os("ABT_PE_CALL_TRAP").is_some() {
        unsafe { lib.unresolved_beep() };
        unreachable!("the trap aborts");
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "unresolved_imports_trap_by_name_or_fail_a_strict_load", "--nocapture"])
        .env("ABT_PE_CALL_TRAP", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("KERNEL32.dll!Beep"), "{stderr}");
}

/// An exported variable is reached at its address; an exported function
/// through a gate in front of it.
#[test]
fn exported_data_is_its_address() {
    let lib = unsafe { Library::open(dll("pe_abi.dll")) }.unwrap();
    let answer = lib.symbol("pe_answer").unwrap();
    assert_eq!(unsafe { *answer.cast::<i32>() }, 42);
    let add: extern "win64" fn(i32, i32) -> i32 = unsafe { core::mem::transmute(lib.symbol("pe_add").unwrap()) };
    assert_eq!(add(40, 2), 42);
}

/// Once a thread has its TEB, a gate lets its calls through inline (where
/// the CPU lets user space read `%gs`'s base): no call takes the slow path.
#[test]
fn gates_take_the_slow_path_once_per_thread() {
    let lib = unsafe { PeAbi::load(dll("pe_abi.dll")) }.unwrap();
    std::thread::spawn(move || {
        assert_eq!(unsafe { lib.pe_add(1, 2) }, 3);
        let (before, fast) = abi_bridge::pe::__gate_slow_entries();
        for i in 0..1000 {
            assert_eq!(unsafe { lib.pe_add(i, 1) }, i + 1);
        }
        let (after, _) = abi_bridge::pe::__gate_slow_entries();
        if fast {
            // Other tests' threads may enter meanwhile, but not a thousand times.
            assert!(after - before < 100, "{} slow entries for 1000 calls on one thread", after - before);
        } else {
            assert!(after - before >= 1000);
        }
    })
    .join()
    .unwrap();
}

/// A `DllMain` that returns FALSE for `DLL_PROCESS_ATTACH` fails the load
/// with a typed error, after which (as on Windows) it is called with
/// `DLL_PROCESS_DETACH` and the DLL is unloaded.
#[test]
fn a_dllmain_that_refuses_fails_the_load() {
    // The host's import as a plain rustc `extern "win64"` function this time.
    static SEEN: Mutex<Vec<i32>> = Mutex::new(Vec::new());
    extern "win64" fn notify(event: i32, _value: i32) {
        SEEN.lock().unwrap().push(event);
    }
    let options = LoadOptions::new().import("HOST.DLL", "host_notify", notify as extern "win64" fn(i32, i32));
    let err = unsafe { Library::open_with(dll("pe_refuse.dll"), options) }.unwrap_err();
    let reason = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<abi_bridge::pe::PeError>());
    assert!(
        matches!(reason, Some(abi_bridge::pe::PeError::DllMainFailed { dll }) if dll == "pe_refuse.dll"),
        "{err:?}"
    );
    assert_eq!(*SEEN.lock().unwrap(), [101, 100], "DLL_PROCESS_ATTACH, then DLL_PROCESS_DETACH");
}

/// A library dropped on a thread that never called into it: `DllMain`
/// (`DLL_PROCESS_DETACH`, in mingw's C runtime, which reads `%gs`) runs on
/// that thread, which gets its TEB for it.
#[test]
fn a_dll_unloaded_from_a_thread_that_never_called_it() {
    // A copy under a name of its own, so that no other test shares it and
    // dropping it here does unload it.
    let dir = std::env::temp_dir().join(format!("abt-pe-detach-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pe_msvc_detach.dll");
    std::fs::copy(dll("msvc/pe_msvc.dll"), &path).unwrap();
    // Loaded and called on another thread; this one only drops it.
    let lib = std::thread::spawn(move || {
        let lib = unsafe { PeMsvc::load(&path) }.unwrap();
        assert_eq!(unsafe { lib.msvc_tls_bump(1) }, 6001);
        lib
    })
    .join()
    .unwrap();
    assert_eq!(gs_base(), 0, "this thread has no TEB yet");
    drop(lib);
    assert_ne!(gs_base(), 0, "DllMain's DLL_PROCESS_DETACH ran with a TEB");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Errors name what is wrong and leave nothing loaded.
#[test]
fn not_a_dll_and_missing_symbols_are_errors() {
    let lib = unsafe { Library::open(dll("pe_abi.dll")) }.unwrap();
    assert!(matches!(lib.symbol("no_such_export"), Err(Error::MissingSymbol { .. })));
    let truncated = std::env::temp_dir().join(format!("abt-truncated-{}.dll", std::process::id()));
    let bytes = std::fs::read(dll("pe_abi.dll")).unwrap();
    std::fs::write(&truncated, &bytes[..300]).unwrap();
    assert!(matches!(unsafe { Library::open(&truncated) }, Err(Error::LoadLibrary { .. })));
    std::fs::remove_file(truncated).unwrap();
}
