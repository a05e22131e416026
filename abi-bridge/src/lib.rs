//! Call code compiled for another x86-64 calling convention, and let it call
//! back into Rust.
//!
//! A Linux program cannot call a function built with `gcc -mabi=ms` (or any
//! Windows-convention code: UEFI, Windows DLL code, reverse-engineered
//! binaries) through a plain function pointer: the arguments land in the
//! wrong registers. abi-bridge generates, at run time, a small piece of
//! machine code per signature (a *thunk*) that moves every argument from
//! where the caller put it to where the callee expects it.
//!
//! ```
//! use abi_bridge::{foreign_abi, Callback, Conv, ForeignType};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
//! #[repr(C)]
//! pub struct Vec2 { x: f64, y: f64 }
//!
//! // The "foreign" side: here a Rust function compiled for win64, exactly as
//! // a C plugin built with `gcc -mabi=ms` would be.
//! #[unsafe(no_mangle)]
//! pub extern "win64" fn doc_vadd(a: Vec2, b: Vec2) -> Vec2 { Vec2 { x: a.x + b.x, y: a.y + b.y } }
//! #[unsafe(no_mangle)]
//! pub extern "win64" fn doc_apply(f: extern "win64" fn(i32) -> i32, x: i32) -> i32 { f(x) }
//!
//! #[foreign_abi(win64)]
//! extern "C" {
//!     #[link_name = "doc_vadd"]
//!     fn vadd(a: Vec2, b: Vec2) -> Vec2;
//!     #[link_name = "doc_apply"]
//!     fn apply(f: &Callback<fn(i32) -> i32>, x: i32) -> i32;
//! }
//!
//! let v = unsafe { vadd(Vec2 { x: 1.0, y: 2.0 }, Vec2 { x: 3.0, y: 4.0 }) };
//! assert_eq!(v, Vec2 { x: 4.0, y: 6.0 });
//!
//! // A closure that win64 code can call.
//! let k = 3;
//! let triple = Callback::<fn(i32) -> i32>::new(Conv::Win64, move |x| x * k)?;
//! assert_eq!(unsafe { apply(&triple, 14) }, 42);
//! # Ok::<(), abi_bridge::Error>(())
//! ```
//!
//! # The pieces
//!
//! - [`#[foreign_abi(conv)]`](foreign_abi) on an `extern "C"` block turns each
//!   declaration into an `unsafe fn` that calls the linked symbol through a
//!   thunk; with `library = Name` it generates a `Name` type that loads a
//!   shared object and exposes one method per declaration.
//! - [`#[derive(ForeignType)]`](derive@ForeignType) describes a `#[repr(C)]`
//!   struct, union, fieldless enum or transparent newtype (also packed,
//!   `packed(N)` or `align(N)`, and with `i128`/`u128` fields, as gcc's
//!   `__attribute__((packed))`, `#pragma pack(N)`, `aligned(N)` and
//!   `__int128`), and checks at compile time that rustc lays it out as C does.
//! - [`Callback`] turns a closure into a function pointer that foreign code
//!   calls with its own convention.
//! - [`Thunk`], [`Signature`] and [`classify`] are the dynamic layer under the
//!   macros, for signatures known only at run time (from a manifest, say), and
//!   [`CallPlan`]'s `Display` shows where every argument travels.
//! - Variadic functions both ways: a `...` declaration takes its variadic
//!   arguments as one tuple ([`VarArgs`]), checked at each call and promoted
//!   as C promotes them; a [`VariadicCallback`] hands Rust a [`VaArgs`]
//!   cursor, which can also be passed on to the host's `vprintf` family.
//!
//! ```
//! use core::ffi::{c_char, c_void, CStr};
//! use abi_bridge::{foreign_abi, VaArgs, VariadicCallback, Win64};
//!
//! #[foreign_abi(sysv64)]
//! extern "C" {
//!     fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> i32;
//! }
//! unsafe extern "C" {
//!     fn vsnprintf(buf: *mut c_char, n: usize, fmt: *const c_char, args: *mut c_void) -> i32;
//! }
//!
//! let mut buf = [0 as c_char; 32];
//! // The tuple's types are checked here: a `char` or `String` would not compile.
//! let n = unsafe { snprintf(buf.as_mut_ptr(), 32, c"%d %.1f %s".as_ptr(), (42, 2.5f32, c"ok".as_ptr())) };
//! assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"42 2.5 ok");
//! assert_eq!(n, 9);
//!
//! // A `printf`-like function for win64 code, implemented by the host's vsnprintf.
//! let format = VariadicCallback::<fn(*mut c_char, usize, *const c_char) -> i32, Win64>::new(
//!     Win64,
//!     |buf, n, fmt, args: &mut VaArgs<'_>| unsafe { vsnprintf(buf, n, fmt, args.host_va_list()) },
//! )?;
//! // What win64 code would do with its entry:
//! let f: unsafe extern "win64" fn(*mut c_char, usize, *const c_char, ...) -> i32 =
//!     unsafe { core::mem::transmute(format.entry()) };
//! unsafe { f(buf.as_mut_ptr(), 32, c"%ld|%e".as_ptr(), -7i64, 0.5f64) };
//! assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"-7|5.000000e-01");
//! # Ok::<(), abi_bridge::Error>(())
//! ```
//!
//! # What stays `unsafe`
//!
//! abi-bridge makes the *convention* right; it cannot check that a foreign
//! function really has the signature you declare, that pointers you pass are
//! valid, or that foreign code does not keep a callback's pointer after the
//! [`Callback`] is dropped. Those are the promises each `unsafe` call makes.

pub use abi_bridge_macros::ForeignType;

/// # Examples
///
/// Linked symbols. Here the "foreign" functions are Rust compiled for win64,
/// exactly as a `gcc -mabi=ms` object would be:
///
/// ```
/// use abi_bridge::{foreign_abi, ForeignType};
///
/// #[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
/// #[repr(C)]
/// pub struct Rgb { r: u8, g: u8, b: u8 }
///
/// #[unsafe(no_mangle)]
/// pub extern "win64" fn ex_blend(a: Rgb, b: Rgb, t: f32) -> Rgb {
///     let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t) as u8;
///     Rgb { r: mix(a.r, b.r), g: mix(a.g, b.g), b: mix(a.b, b.b) }
/// }
///
/// #[foreign_abi(win64, symbols = addresses)]
/// extern "C" {
///     /// Blends two colours (a 3-byte struct: by reference under win64).
///     #[link_name = "ex_blend"]
///     pub fn blend(a: Rgb, b: Rgb, t: f32) -> Rgb;
/// }
///
/// let c = unsafe { blend(Rgb { r: 0, g: 100, b: 200 }, Rgb { r: 100, g: 100, b: 0 }, 0.5) };
/// assert_eq!(c, Rgb { r: 50, g: 100, b: 100 });
/// // The symbol itself, for a `Thunk` or for other code:
/// assert_eq!(addresses::blend(), ex_blend as *const core::ffi::c_void);
/// ```
///
/// A library loaded at run time, with a symbol it may lack. The C library's
/// `libm` is sysv64 code; a win64 plugin is declared the same way with `win64`:
///
/// ```
/// use abi_bridge::{foreign_abi, Error};
///
/// #[foreign_abi(sysv64, library = LibM)]
/// extern "C" {
///     fn cos(x: f64) -> f64;
///     #[link_name = "ldexp"]
///     fn scale_by_power_of_two(x: f64, exp: i32) -> f64;
///     #[optional]
///     fn abi_bridge_doc_missing(x: f64) -> f64;
/// }
///
/// // Resolves every symbol and generates every thunk now.
/// let m = unsafe { LibM::load("libm.so.6")? };
/// assert_eq!(unsafe { m.cos(0.0) }, 1.0);
/// assert_eq!(unsafe { m.scale_by_power_of_two(3.0, 4) }, 48.0);
/// assert!(!m.has_abi_bridge_doc_missing());
/// assert_eq!(unsafe { m.abi_bridge_doc_missing(1.0) }, None);
///
/// let err = unsafe { LibM::load("libabi_bridge_no_such_library.so") }.unwrap_err();
/// assert!(matches!(err, Error::LoadLibrary { .. }));
/// # Ok::<(), Error>(())
/// ```
///
/// Callbacks and host functions. Foreign code calls function pointers with
/// its own convention; abi-bridge hands it pointers it can call:
///
/// ```
/// use abi_bridge::{foreign_abi, Callback, Conv, Win64};
///
/// // What a win64 plugin does with a function pointer it is given.
/// #[unsafe(no_mangle)]
/// pub extern "win64" fn ex_twice(f: Option<extern "win64" fn(i32) -> i32>, x: i32) -> i32 {
///     f.map_or(-1, |f| f(f(x)))
/// }
///
/// type Transform = extern "C" fn(i32) -> i32;
///
/// #[foreign_abi(win64)]
/// extern "C" {
///     // A callback whose type names its convention: checked at compile time.
///     #[link_name = "ex_twice"]
///     fn twice(f: &Callback<fn(i32) -> i32, Win64>, x: i32) -> i32;
///     // Nullable, convention chosen at run time: checked before the call.
///     #[link_name = "ex_twice"]
///     fn twice_or_not(f: Option<&Callback<fn(i32) -> i32>>, x: i32) -> i32;
///     // A host function, even behind an alias: wrapped for win64 callers.
///     #[link_name = "ex_twice"]
///     fn twice_host(f: Option<Transform>, x: i32) -> i32;
/// }
///
/// let k = 3;
/// let triple = Callback::<fn(i32) -> i32, Win64>::new(Win64, move |x| x * k)?;
/// assert_eq!(unsafe { twice(&triple, 2) }, 18);
///
/// let add = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 10)?;
/// assert_eq!(unsafe { twice_or_not(Some(&add), 1) }, 21);
/// assert_eq!(unsafe { twice_or_not(None, 1) }, -1);
///
/// extern "C" fn negate(x: i32) -> i32 { -x }
/// assert_eq!(unsafe { twice_host(Some(negate), 5) }, 5);
/// # Ok::<(), abi_bridge::Error>(())
/// ```
///
/// A callback made for the other convention does not compile when its type
/// says so:
///
/// ```compile_fail
/// use abi_bridge::{foreign_abi, Callback, SysV64};
///
/// #[foreign_abi(win64)]
/// extern "C" {
///     fn apply(f: &Callback<fn(i32) -> i32, SysV64>, x: i32) -> i32;
/// }
/// ```
#[doc(inline)]
pub use abi_bridge_macros::foreign_abi;
pub use abi_bridge_runtime::callback::{CallbackClosure, CallbackClosureMut};
pub use abi_bridge_runtime::{
    classify, generated_code_bytes, live_trampolines, set_trampoline_limit, AsConv, CallPlan, Callback, CallbackFn,
    Complex, Conv, Error, FnSignature, ForeignPointee, ForeignReturn, ForeignType, Library, Signature, StaticConv,
    SysV64, Thunk, TypeDesc, VaArgs, VarArg, VarArgs, VariadicCallback, Win64, F80, MAX_FN_TYPE_ARITY,
};

/// An opt-in `perf` map of generated code (`/tmp/perf-<pid>.map`), so that
/// `perf report` names thunks: `ABI_BRIDGE_PERF_MAP=1` or [`perf_map::enable`].
pub use abi_bridge_runtime::perf_map;

/// Windows DLLs on Linux: the options a load takes (the host's imports),
/// the errors it reports, and a reader for PE images.
pub use abi_bridge_runtime::pe;

/// The pieces of a plan and of a type description, for tools that inspect them.
pub mod plan {
    pub use abi_bridge_runtime::conv::{sysv64, win64};
    pub use abi_bridge_runtime::plan::{Ext, Gpr, Loc, PassMode, Piece, Reg, RegSet, RetMode, VaStart, Variadic};
    pub use abi_bridge_runtime::types::{Field, Scalar, TypeError, TypeKind};
}

#[doc(hidden)]
pub use abi_bridge_runtime::__private;
