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
//!   struct, union, fieldless enum or transparent newtype, and checks at
//!   compile time that rustc lays it out as C does.
//! - [`Callback`] turns a closure into a function pointer that foreign code
//!   calls with its own convention.
//! - [`Thunk`], [`Signature`] and [`classify`] are the dynamic layer under the
//!   macros, for signatures known only at run time (from a manifest, say), and
//!   [`CallPlan`]'s `Display` shows where every argument travels.
//!
//! # What stays `unsafe`
//!
//! abi-bridge makes the *convention* right; it cannot check that a foreign
//! function really has the signature you declare, that pointers you pass are
//! valid, or that foreign code does not keep a callback's pointer after the
//! [`Callback`] is dropped. Those are the promises each `unsafe` call makes.

pub use abi_bridge_macros::{foreign_abi, ForeignType};
pub use abi_bridge_runtime::callback::{CallbackClosure, CallbackClosureMut};
pub use abi_bridge_runtime::{
    classify, generated_code_bytes, live_trampolines, set_trampoline_limit, AsConv, CallPlan, Callback, CallbackFn,
    Conv, Error, FnSignature, ForeignPointee, ForeignReturn, ForeignType, Library, Signature, StaticConv, SysV64,
    Thunk, TypeDesc, Win64, MAX_FN_TYPE_ARITY,
};

/// The pieces of a plan and of a type description, for tools that inspect them.
pub mod plan {
    pub use abi_bridge_runtime::conv::{sysv64, win64};
    pub use abi_bridge_runtime::plan::{Ext, Gpr, Loc, PassMode, Piece, Reg, RegSet, RetMode};
    pub use abi_bridge_runtime::types::{Field, Scalar, TypeError, TypeKind};
}

#[doc(hidden)]
pub use abi_bridge_runtime::__private;
