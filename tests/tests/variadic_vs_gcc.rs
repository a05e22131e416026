//! Variadic calls both ways, against gcc and rustc.
//!
//! `build/variadic.rs` makes 240 random lists of variadic arguments (fixed
//! seed; 0–20 arguments mixing ints, promoted small ints and floats, int64,
//! doubles, pointers and six kinds of struct). For each, the callees of
//! `c/variadic.c` (`ms_abi` with `__builtin_ms_va_list`, `sysv_abi` with
//! `va_list`) hash what they read, as the list's descriptor says. rustc's
//! own variadic call (`extern "win64"` / `extern "sysv64"`, stable since
//! Rust 1.91) is the oracle; every other path must return the same:
//!
//! - `#[foreign_abi]` declarations, linked and from a shared object, of
//!   each convention;
//! - `Thunk`s of the call's variadic `Signature` in all four convention
//!   pairs, called by rustc's variadic call of the `from` convention;
//! - `VariadicCallback`s that walk the list with `VaArgs` and hash the same
//!   way, called by rustc's variadic calls and by gcc-compiled callers
//!   (`ms_abi` and `sysv_abi`) of the same list, which give the expected
//!   result when they call gcc's callees instead.
//!
//! Lists rotate through three declarations: `(desc, ...)`, named arguments
//! of both kinds before the `...` (`(double, int32_t, desc, ...)`), and a
//! struct return through a hidden pointer.

// Every `unsafe` here calls a gcc fixture of `c/variadic.c` as declared
// there, or an entry made for exactly that declaration.
#![allow(clippy::undocumented_unsafe_blocks, clippy::missing_transmute_annotations)]

use core::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;

use core::arch::x86_64::{__m128, _mm_mul_ps, _mm_set_ps};

use abi_bridge::{
    foreign_abi, Complex, Conv, ForeignReturn, ForeignType, Signature, SysV64, Thunk, TypeDesc, VaArgs, VarArgs,
    VariadicCallback, Win64, F80,
};
// The gcc-built fixtures are linked through this crate.
use abi_bridge_tests as _;

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
struct S8 {
    a: i32,
    b: i32,
}

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
struct F8 {
    x: f32,
    y: f32,
}

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
struct T3 {
    a: u8,
    b: u8,
    c: u8,
}

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
struct V16 {
    x: f64,
    y: f64,
}

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
struct M16 {
    x: f64,
    y: i64,
}

#[derive(Clone, Copy, Debug, ForeignType)]
#[repr(C)]
struct B24 {
    a: i64,
    b: i64,
    c: i64,
}

/// The callees' starting hash (FNV-1a's offset basis).
const SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, as `mix` in `c/variadic.c`.
fn mix(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn bytes_of<T: Copy>(v: &T) -> &[u8] {
    // SAFETY: the structs here have no padding; any initialised value's bytes may be read.
    unsafe { core::slice::from_raw_parts((v as *const T).cast(), size_of::<T>()) }
}

/// Reads the variadic arguments as `desc` says and hashes them, as the
/// callees of `c/variadic.c` do.
///
/// # Safety
///
/// `desc` is a C string describing exactly the variadic arguments `args` walks.
unsafe fn walk(desc: *const c_char, args: &mut VaArgs<'_>, mut h: u64) -> u64 {
    for &c in unsafe { CStr::from_ptr(desc) }.to_bytes() {
        h = mix(h, &[c]);
        h = unsafe {
            match c {
                b'i' => mix(h, &args.next::<i32>().to_ne_bytes()),
                b'c' => mix(h, &i32::from(args.next::<i8>()).to_ne_bytes()),
                b'h' => mix(h, &i32::from(args.next::<u16>()).to_ne_bytes()),
                b'z' => mix(h, &i32::from(args.next::<bool>()).to_ne_bytes()),
                b'l' => mix(h, &args.next::<i64>().to_ne_bytes()),
                b'd' => mix(h, &args.next::<f64>().to_ne_bytes()),
                b'f' => mix(h, &f64::from(args.next::<f32>()).to_ne_bytes()),
                b'p' => mix(h, &(args.next::<*const c_void>() as usize).to_ne_bytes()),
                b'S' => mix(h, bytes_of(&args.next::<S8>())),
                b'F' => mix(h, bytes_of(&args.next::<F8>())),
                b'T' => mix(h, bytes_of(&args.next::<T3>())),
                b'V' => mix(h, bytes_of(&args.next::<V16>())),
                b'M' => mix(h, bytes_of(&args.next::<M16>())),
                b'B' => mix(h, bytes_of(&args.next::<B24>())),
                b'Q' => mix(h, &args.next::<i128>().to_ne_bytes()),
                b'X' => mix(h, &bytes_of(&args.next::<F80>())[..10]),
                b'W' => mix(h, bytes_of(&args.next::<__m128>())),
                b'C' => mix(h, bytes_of(&args.next::<Complex<f64>>())),
                _ => 0,
            }
        };
    }
    h
}

/// A result as one number (the sret callees return a struct made from the hash).
trait Fold {
    fn fold(self) -> u64;
}

impl Fold for u64 {
    fn fold(self) -> u64 {
        self
    }
}

impl Fold for B24 {
    /// As `fold_b24` in the generated drivers.
    fn fold(self) -> u64 {
        (self.a as u64) ^ (self.b as u64).wrapping_mul(31) ^ (self.c as u64).wrapping_mul(131)
    }
}

/// The sret callees' result for hash `h`.
fn b24_of(h: u64) -> B24 {
    B24 { a: h as i64, b: !h as i64, c: h.wrapping_mul(3) as i64 }
}

/// Declares one variadic callee (`$ms` / `$sysv`, with named parameters
/// `$p: $t` before the descriptor) every way the tests call it.
macro_rules! variant {
    ($module:ident, [$($p:ident: $t:ty),*], $ret:ty, $ms:tt, $sysv:tt) => {
        mod $module {
            use super::*;

            pub(crate) type Ret = $ret;
            pub(crate) type WinFn = unsafe extern "win64" fn($($t,)* *const c_char, ...) -> $ret;
            pub(crate) type SysvFn = unsafe extern "sysv64" fn($($t,)* *const c_char, ...) -> $ret;
            pub(crate) const NAMED: &[&TypeDesc] = &[$(<$t as ForeignType>::DESC,)* <*const c_char as ForeignType>::DESC];

            unsafe extern "win64" {
                #[link_name = $ms]
                pub(crate) fn rustc_ms($($p: $t,)* desc: *const c_char, ...) -> $ret;
            }
            unsafe extern "sysv64" {
                #[link_name = $sysv]
                pub(crate) fn rustc_sysv($($p: $t,)* desc: *const c_char, ...) -> $ret;
            }

            #[foreign_abi(win64)]
            extern "C" {
                #[link_name = $ms]
                pub(crate) fn linked_ms($($p: $t,)* desc: *const c_char, ...) -> $ret;
            }
            #[foreign_abi(sysv64)]
            extern "C" {
                #[link_name = $sysv]
                pub(crate) fn linked_sysv($($p: $t,)* desc: *const c_char, ...) -> $ret;
            }

            #[foreign_abi(win64, library = LibMs)]
            extern "C" {
                #[link_name = $ms]
                pub(crate) fn call($($p: $t,)* desc: *const c_char, ...) -> $ret;
            }
            #[foreign_abi(sysv64, library = LibSysv)]
            extern "C" {
                #[link_name = $sysv]
                pub(crate) fn call($($p: $t,)* desc: *const c_char, ...) -> $ret;
            }

            pub(crate) fn lib_ms() -> &'static LibMs {
                static LIB: OnceLock<LibMs> = OnceLock::new();
                LIB.get_or_init(|| unsafe { LibMs::load(env!("ABT_VARIADIC_SO")) }.expect("load the fixture library"))
            }
            pub(crate) fn lib_sysv() -> &'static LibSysv {
                static LIB: OnceLock<LibSysv> = OnceLock::new();
                LIB.get_or_init(|| unsafe { LibSysv::load(env!("ABT_VARIADIC_SO")) }.expect("load the fixture library"))
            }

            /// The gcc callee of convention `conv`.
            pub(crate) fn target(conv: Conv) -> *const c_void {
                match conv {
                    Conv::Win64 => rustc_ms as *const c_void,
                    Conv::SysV64 => rustc_sysv as *const c_void,
                }
            }
        }
    };
}

variant!(plain, [], u64, "abt_va_ms", "abt_va_sysv");
variant!(named, [x: f64, n: i32], u64, "abt_va_named_ms", "abt_va_named_sysv");
variant!(sret, [], B24, "abt_va_sret_ms", "abt_va_sret_sysv");

/// The promoted types of a tuple of variadic arguments.
fn descs_of<V: VarArgs>(_: &V) -> &'static [&'static TypeDesc] {
    V::DESCS
}

/// A variadic callback of named signature `F` for each convention.
type Both<F> = (VariadicCallback<'static, F, Win64>, VariadicCallback<'static, F, SysV64>);

/// Rust's variadic callbacks for each declaration, win64 then sysv64.
struct Callbacks {
    plain: Both<fn(*const c_char) -> u64>,
    named: Both<fn(f64, i32, *const c_char) -> u64>,
    sret: Both<fn(*const c_char) -> B24>,
}

impl Callbacks {
    fn new() -> Callbacks {
        macro_rules! both {
            ($f:ty, $make:expr) => {
                (
                    VariadicCallback::<$f, Win64>::new(Win64, $make).unwrap(),
                    VariadicCallback::<$f, SysV64>::new(SysV64, $make).unwrap(),
                )
            };
        }
        Callbacks {
            plain: both!(fn(*const c_char) -> u64, |desc, args: &mut VaArgs<'_>| unsafe { walk(desc, args, SEED) }),
            named: both!(fn(f64, i32, *const c_char) -> u64, |x: f64, n: i32, desc, args: &mut VaArgs<'_>| {
                let h = mix(mix(SEED, &x.to_ne_bytes()), &n.to_ne_bytes());
                unsafe { walk(desc, args, h) }
            }),
            sret: both!(fn(*const c_char) -> B24, |desc, args: &mut VaArgs<'_>| b24_of(unsafe {
                walk(desc, args, SEED)
            })),
        }
    }
}

/// Calls the list's callee every way, comparing each result with rustc's
/// own win64 variadic call; returns the disagreements.
macro_rules! variadic_list {
    ($name:ident, $v:ident, [$($n:expr),* $(,)?], $desc:expr, $ours:expr, [$($o:expr),*], $drive_ms:ident, $drive_sysv:ident) => {
        fn $name(cbs: &Callbacks) -> Vec<String> {
            let d: *const c_char = $desc.as_ptr();
            let ours = $ours;
            let mut errors = Vec::new();
            unsafe {
                let expect = $v::rustc_ms($($n,)* d $(, $o)*).fold();
                let mut check = |what: &str, got: u64| {
                    if got != expect {
                        errors.push(format!("{what}: {got:#x}, expected {expect:#x}"));
                    }
                };
                check("rustc's sysv64 call", $v::rustc_sysv($($n,)* d $(, $o)*).fold());
                // Twice each: the first call makes the code, the second finds it.
                for call in ["first", "second"] {
                    check(&format!("#[foreign_abi(win64)], {call} call"), $v::linked_ms($($n,)* d, ours).fold());
                    check(&format!("#[foreign_abi(sysv64)], {call} call"), $v::linked_sysv($($n,)* d, ours).fold());
                    check(&format!("#[foreign_abi(win64, library)], {call} call"), $v::lib_ms().call($($n,)* d, ours).fold());
                    check(&format!("#[foreign_abi(sysv64, library)], {call} call"), $v::lib_sysv().call($($n,)* d, ours).fold());
                }

                let ret = <$v::Ret as ForeignReturn>::RETURN_DESC;
                let sig = Signature::new_variadic($v::NAMED, descs_of(&ours), ret).unwrap();
                for from in Conv::ALL {
                    for to in Conv::ALL {
                        let thunk = Thunk::new(from, to, &sig, $v::target(to)).unwrap();
                        let got = match from {
                            Conv::Win64 => core::mem::transmute::<_, $v::WinFn>(thunk.entry())($($n,)* d $(, $o)*),
                            Conv::SysV64 => core::mem::transmute::<_, $v::SysvFn>(thunk.entry())($($n,)* d $(, $o)*),
                        };
                        check(&format!("Thunk {from} -> {to} of {sig}"), got.fold());
                    }
                }

                let (cb_ms, cb_sysv) = &cbs.$v;
                check("rustc's win64 call of a callback", core::mem::transmute::<_, $v::WinFn>(cb_ms.entry())($($n,)* d $(, $o)*).fold());
                check("rustc's sysv64 call of a callback", core::mem::transmute::<_, $v::SysvFn>(cb_sysv.entry())($($n,)* d $(, $o)*).fold());
                check("gcc ms_abi caller of gcc", $drive_ms($v::target(Conv::Win64)));
                check("gcc ms_abi caller of a callback", $drive_ms(cb_ms.entry()));
                check("gcc sysv_abi caller of gcc", $drive_sysv($v::target(Conv::SysV64)));
                check("gcc sysv_abi caller of a callback", $drive_sysv(cb_sysv.entry()));
            }
            errors
        }
    };
}

struct List {
    desc: &'static str,
    run: fn(&Callbacks) -> Vec<String>,
}

include!(concat!(env!("OUT_DIR"), "/variadic_lists.rs"));

#[test]
fn every_list_every_way_agrees_with_rustc_and_gcc() {
    let cbs = Callbacks::new();
    let mut failures = Vec::new();
    for (i, list) in LISTS.iter().enumerate() {
        for error in (list.run)(&cbs) {
            failures.push(format!("list {i} \"{}\": {error}", list.desc));
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn lists_called_from_many_threads_at_once_agree() {
    // Each thread has its own table of recent calls; the code is shared.
    std::thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                let cbs = Callbacks::new();
                for list in LISTS.iter().skip(t).step_by(3) {
                    assert!((list.run)(&cbs).is_empty(), "list \"{}\" on thread {t}", list.desc);
                }
            });
        }
    });
}

#[test]
fn the_lists_cover_every_kind_and_length() {
    assert!(LISTS.len() >= 200);
    for code in "ichzldfpSFTVMB".chars() {
        assert!(LISTS.iter().any(|l| l.desc.contains(code)), "no list passes `{code}`");
    }
    assert!(LISTS.iter().any(|l| l.desc.is_empty()));
    assert!(LISTS.iter().any(|l| l.desc.len() == 20));
}

/// The host's C library (sysv64 on this host).
mod host {
    use core::ffi::{c_char, c_int, c_void};

    unsafe extern "C" {
        pub(crate) fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
        pub(crate) fn vsnprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ap: *mut c_void) -> c_int;
    }
}

type FormatMs = unsafe extern "win64" fn(*mut c_char, usize, *const c_char, ...) -> i32;
type FormatSysv = unsafe extern "sysv64" fn(*mut c_char, usize, *const c_char, ...) -> i32;

unsafe extern "win64" {
    /// gcc `ms_abi` code calling `f(buf, n, "%d %ld %f %e %s %p %c|%x %g %lld", ..)`.
    fn abt_va_format_ms(f: FormatMs, buf: *mut c_char, n: usize) -> i32;
}
unsafe extern "sysv64" {
    /// The same, `sysv_abi`.
    fn abt_va_format_sysv(f: FormatSysv, buf: *mut c_char, n: usize) -> i32;
}

/// What `c/variadic.c`'s format helpers print.
const FORMATTED: &str = "-42 -1234567890123 2.500000 1.000000e-03 str 0x1234 x|ff 0.125 77";

/// Calls `format` with a buffer and returns what it wrote, checking the count.
fn formatted(format: impl FnOnce(*mut c_char, usize) -> i32) -> String {
    let mut buf = [0 as c_char; 128];
    let n = format(buf.as_mut_ptr(), buf.len());
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned();
    assert_eq!(n as usize, text.len(), "{text}");
    text
}

/// rustc's win64 variadic call of `f` with the same arguments as the gcc helpers.
unsafe fn format_from_rustc_win64(f: FormatMs, buf: *mut c_char, n: usize) -> i32 {
    let fmt = c"%d %ld %f %e %s %p %c|%x %g %lld";
    unsafe {
        f(
            buf,
            n,
            fmt.as_ptr(),
            -42i32,
            -1_234_567_890_123i64,
            2.5f64,
            1.0e-3f64,
            c"str".as_ptr(),
            0x1234usize as *const c_void,
            b'x' as i32,
            255u32,
            0.125f64,
            77i64,
        )
    }
}

#[test]
fn the_hosts_snprintf_is_callable_as_win64_through_a_thunk() {
    // SAFETY: the host's "C" is sysv64.
    let snprintf: FormatSysv = unsafe { core::mem::transmute(host::snprintf as *const c_void) };
    let host = formatted(|buf, n| unsafe { abt_va_format_sysv(snprintf, buf, n) });
    assert_eq!(host, FORMATTED);
    let pointer = <*const c_char as ForeignType>::DESC;
    let sig = Signature::new_variadic(
        &[pointer, usize::DESC, pointer],
        &[i32::DESC, i64::DESC, f64::DESC, f64::DESC, pointer, pointer, u8::DESC, u32::DESC, f64::DESC, i64::DESC],
        Some(i32::DESC),
    )
    .unwrap();
    let thunk = Thunk::new(Conv::Win64, Conv::SysV64, &sig, host::snprintf as *const c_void).unwrap();
    let as_win64: FormatMs = unsafe { core::mem::transmute(thunk.entry()) };
    assert_eq!(formatted(|buf, n| unsafe { format_from_rustc_win64(as_win64, buf, n) }), FORMATTED);
    assert_eq!(formatted(|buf, n| unsafe { abt_va_format_ms(as_win64, buf, n) }), FORMATTED);
}

#[test]
fn win64_code_formats_through_a_variadic_callback_forwarding_to_vsnprintf() {
    let forward = |buf, n, fmt, args: &mut VaArgs<'_>| unsafe { host::vsnprintf(buf, n, fmt, args.host_va_list()) };
    let win64 = VariadicCallback::<fn(*mut c_char, usize, *const c_char) -> i32, Win64>::new(Win64, forward).unwrap();
    let as_win64: FormatMs = unsafe { core::mem::transmute(win64.entry()) };
    assert_eq!(formatted(|buf, n| unsafe { abt_va_format_ms(as_win64, buf, n) }), FORMATTED);
    assert_eq!(formatted(|buf, n| unsafe { format_from_rustc_win64(as_win64, buf, n) }), FORMATTED);
    // A sysv64 caller's list is handed on as it is.
    let sysv = VariadicCallback::<fn(*mut c_char, usize, *const c_char) -> i32, SysV64>::new(SysV64, forward).unwrap();
    let as_sysv: FormatSysv = unsafe { core::mem::transmute(sysv.entry()) };
    assert_eq!(formatted(|buf, n| unsafe { abt_va_format_sysv(as_sysv, buf, n) }), FORMATTED);
}

#[test]
fn a_va_list_handed_on_after_some_reads_starts_at_the_next_argument() {
    // `int log(int level, const char *fmt, ...)` whose first variadic
    // argument is read by Rust and the rest formatted by the host.
    let log = |level: i32, fmt, args: &mut VaArgs<'_>| {
        let tag = unsafe { args.next::<i32>() };
        let mut buf = [0 as c_char; 64];
        unsafe { host::vsnprintf(buf.as_mut_ptr(), buf.len(), fmt, args.host_va_list()) };
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
        (text == "7 2.5 s" && tag == 99 && level == 3) as i32
    };
    for conv in Conv::ALL {
        let cb = VariadicCallback::<fn(i32, *const c_char) -> i32>::new(conv, log).unwrap();
        let args = (99i32, 7i32, 2.5f64, c"s".as_ptr());
        let ok = unsafe {
            match conv {
                Conv::Win64 => core::mem::transmute::<_, unsafe extern "win64" fn(i32, *const c_char, ...) -> i32>(
                    cb.entry(),
                )(3, c"%d %.1f %s".as_ptr(), args.0, args.1, args.2, args.3),
                Conv::SysV64 => core::mem::transmute::<_, unsafe extern "sysv64" fn(i32, *const c_char, ...) -> i32>(
                    cb.entry(),
                )(3, c"%d %.1f %s".as_ptr(), args.0, args.1, args.2, args.3),
            }
        };
        assert_eq!(ok, 1, "{conv}");
    }
}

#[foreign_abi(win64)]
extern "C" {
    fn abt_va_apply_ms(n: i32, ...) -> i32;
}

extern "C" fn host_plus_one(x: i32) -> i32 {
    x + 1
}

#[test]
fn a_host_function_after_the_dots_is_wrapped_for_win64_code() {
    // As for a named argument: win64 code calls what it gets as win64.
    let f: extern "C" fn(i32) -> i32 = host_plus_one;
    assert_eq!(unsafe { abt_va_apply_ms(3, (f, 13i8)) }, 42);
}

unsafe extern "win64" {
    fn abt_va_wide_caller_ms(f: unsafe extern "win64" fn(*const c_char, ...) -> u64) -> u64;
}
unsafe extern "sysv64" {
    fn abt_va_wide_caller_sysv(f: unsafe extern "sysv64" fn(*const c_char, ...) -> u64) -> u64;
}

/// The list `abt_va_wide_caller_*` pass (`c/variadic.c`'s WIDE_ARGS):
/// `__int128`, `long double`, `__m128` and `double _Complex` among ints, a
/// double and a pointer, so that one `__int128` no longer fits the last
/// register and goes to the stack, 16-aligned.
#[allow(clippy::type_complexity)]
fn wide_list() -> (i32, i128, f64, F80, __m128, Complex<f64>, *const c_void, i128, F80, __m128, Complex<f64>, i32) {
    let q = (0x0123_4567_89ab_cdef_i128 << 64) | 0xfedc_ba98_7654_3210_i128;
    // SAFETY: SSE is part of x86-64.
    let w = unsafe { _mm_set_ps(4.0, 3.0, 2.0, 1.0) };
    let c = Complex { re: 1.5, im: 2.5 };
    // SAFETY: as above.
    let w2 = unsafe { _mm_mul_ps(w, w) };
    (
        7,
        q,
        2.5,
        F80::from_f64(3.25),
        w,
        c,
        0x1234 as *const c_void,
        !q,
        F80::from_f64(-3.25),
        w2,
        Complex { re: 3.0, im: 5.0 },
        9,
    )
}

const WIDE_DESC: &CStr = c"iQdXWCpQXWCi";

/// `__int128`, `long double`, `__m128` and `double _Complex` after the
/// `...`, forward: `#[foreign_abi]` calls (linked and from the library) of
/// gcc's callees hash what gcc's `va_arg` reads; gcc's own caller of the same
/// list gives the expected hash.
#[test]
fn wide_values_after_the_dots_reach_gccs_va_arg() {
    let expected_ms = unsafe { abt_va_wide_caller_ms(plain::rustc_ms) };
    let expected_sysv = unsafe { abt_va_wide_caller_sysv(plain::rustc_sysv) };
    let d = WIDE_DESC.as_ptr();
    assert_eq!(unsafe { plain::linked_ms(d, wide_list()) }, expected_ms);
    assert_eq!(unsafe { plain::lib_ms().call(d, wide_list()) }, expected_ms);
    assert_eq!(unsafe { plain::linked_sysv(d, wide_list()) }, expected_sysv);
    assert_eq!(unsafe { plain::lib_sysv().call(d, wide_list()) }, expected_sysv);
}

/// The same list, reverse: gcc's callers call a `VariadicCallback` that
/// reads it with `VaArgs::next` and hashes as gcc's callees do.
#[test]
fn wide_values_from_gccs_callers_reach_va_args() {
    let walker = |desc: *const c_char, args: &mut VaArgs<'_>| unsafe { walk(desc, args, SEED) };
    let ms = VariadicCallback::<fn(*const c_char) -> u64, Win64>::new(Win64, walker).unwrap();
    let sysv = VariadicCallback::<fn(*const c_char) -> u64, SysV64>::new(SysV64, walker).unwrap();
    let (ms_fn, sysv_fn) = unsafe { (core::mem::transmute(ms.entry()), core::mem::transmute(sysv.entry())) };
    assert_eq!(unsafe { abt_va_wide_caller_ms(ms_fn) }, unsafe { abt_va_wide_caller_ms(plain::rustc_ms) });
    assert_eq!(unsafe { abt_va_wide_caller_sysv(sysv_fn) }, unsafe { abt_va_wide_caller_sysv(plain::rustc_sysv) });
}

/// The same list through `Thunk`s of its variadic `Signature` in all four
/// convention pairs, with gcc on both sides: gcc's caller of the `from`
/// convention calls the thunk, which calls gcc's callee of the `to`
/// convention.
#[test]
fn wide_values_through_thunks_between_gccs_caller_and_callee() {
    let expected = unsafe { abt_va_wide_caller_ms(plain::rustc_ms) };
    assert_eq!(expected, unsafe { abt_va_wide_caller_sysv(plain::rustc_sysv) }, "both callees hash alike");
    let sig = Signature::new_variadic(plain::NAMED, descs_of(&wide_list()), Some(u64::DESC)).unwrap();
    for from in [Conv::Win64, Conv::SysV64] {
        for to in [Conv::Win64, Conv::SysV64] {
            let thunk = Thunk::new(from, to, &sig, plain::target(to)).unwrap();
            let got = unsafe {
                match from {
                    Conv::Win64 => abt_va_wide_caller_ms(core::mem::transmute(thunk.entry())),
                    Conv::SysV64 => abt_va_wide_caller_sysv(core::mem::transmute(thunk.entry())),
                }
            };
            assert_eq!(got, expected, "{from:?} -> {to:?}: {sig}");
        }
    }
}
