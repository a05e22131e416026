// abi-bridge supports x86-64 Linux only: the thunks are x86-64 code that
// moves arguments between the win64 and sysv64 conventions, executable memory
// comes from Linux mmap/mprotect, and the tests read /proc/self/maps. On any
// other target the crate stops at one error naming the platform: the
// `compile_error!` reports it, and `cfg(any())` then empties the crate, so that
// rustc does not go on to report every `extern "win64"` in it as an
// unsupported ABI (hundreds of errors on aarch64). rustc adds one note that the
// doc value is not a literal.
#![cfg_attr(
    not(target_arch = "x86_64"),
    doc = compile_error!("abi-bridge supports x86-64 Linux only, and this target's architecture is not x86-64"),
    cfg(any())
)]
#![cfg_attr(
    all(target_arch = "x86_64", not(target_os = "linux")),
    doc = compile_error!("abi-bridge supports x86-64 Linux only, and this target's OS is not Linux"),
    cfg(any())
)]

//! The runtime of [abi-bridge](https://docs.rs/abi-bridge): type descriptions,
//! C layout, calling-convention plans, the JIT that turns two plans into a
//! thunk, executable memory, callbacks and library loading.
//!
//! Data flows one way: [`types`] (what a value is, its bytes placed by the
//! leaf module [`layout`]) → [`conv`] (where a convention puts it) → [`plan`]
//! (a signature's complete plan) → `jit` (two plans become code) → `memory`
//! (sealed code pages). `thunk`, `callback`, `trampoline`, `fn_pointer` and
//! `foreign` use that engine; nothing before `jit` knows machine code, and
//! nothing after `conv` knows a convention's rules.
//!
//! Users depend on the `abi-bridge` crate, which re-exports what they need.
//!
//! Supported platform: x86-64 Linux. On any other target the crate does not
//! compile, with one error that says so.

/// Invokes `$m!(A32 .. A1)`, `$m!(A31 .. A1)`, ... down to `$m!()`: every
/// arity a function type naming a signature may have (up to
/// [`MAX_FN_TYPE_ARITY`] arguments; `#[foreign_abi]` declarations have no limit).
macro_rules! for_each_arity {
    ($m:ident) => {
        for_each_arity!(@ $m
            A32 A31 A30 A29 A28 A27 A26 A25 A24 A23 A22 A21 A20 A19 A18 A17
            A16 A15 A14 A13 A12 A11 A10 A9 A8 A7 A6 A5 A4 A3 A2 A1);
    };
    (@ $m:ident $first:ident $($rest:ident)*) => {
        $m!($first $($rest)*);
        for_each_arity!(@ $m $($rest)*);
    };
    (@ $m:ident) => {
        $m!();
    };
}

pub mod callback;
pub mod conv;
pub mod error;
mod fn_pointer;
mod foreign;
mod hash;
mod jit;
pub mod layout;
pub mod library;
mod memory;
pub mod pe;
pub mod perf_map;
pub mod plan;
pub mod signature;
mod thunk;
mod trampoline;
pub mod types;
pub mod variadic;

pub use callback::{generated_code_bytes, Callback, CallbackFn};
pub use conv::{AsConv, Conv, StaticConv, SysV64, Win64};
pub use error::Error;
pub use library::Library;
pub use plan::{classify, CallPlan};
pub use signature::{FnSignature, Signature};
pub use thunk::Thunk;
pub use trampoline::{live_trampolines, set_trampoline_limit};
pub use types::{Complex, ForeignPointee, ForeignReturn, ForeignType, Scalar, TypeDesc, TypeKind, F80};
pub use variadic::{VaArgs, VarArg, VarArgs, VariadicCallback};

/// The most arguments a function *type* naming a signature may have
/// (`fn(A1, …, An) -> R` in [`Signature::of`], [`Callback`], function-pointer
/// [`ForeignType`]s): Rust has no variadic generics, so each arity is an impl.
/// `#[foreign_abi]` declarations and run-time [`Signature`]s have no limit.
pub const MAX_FN_TYPE_ARITY: usize = 32;

/// Support for the code that `abi-bridge-macros` generates. Not public API:
/// its contents may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::conv::{sysv64, win64};
    pub use crate::types::{Field, ForeignType, TypeDesc, TypeKind};
    pub use core::mem::{align_of, offset_of, size_of};

    pub use crate::foreign::*;
    pub use crate::memory::writable_and_executable_mappings;
    pub use crate::variadic::{variadic_code, variadic_code_made, VariadicDecl, VariadicFn};

    /// A record's C layout, computed in `const` context by the code of
    /// `#[derive(ForeignType)]`, which then asserts that rustc agrees.
    pub struct CLayout<const N: usize> {
        /// Each field's offset, in declaration order.
        pub offsets: [usize; N],
        /// The record's size.
        pub size: usize,
        /// The record's alignment.
        pub align: usize,
    }

    pub use crate::layout::RecordAttrs;

    /// The C layout of a struct (or, if `union`, a union) whose fields have
    /// the types `fields`, in declaration order, packed or over-aligned as
    /// `attrs` says.
    pub const fn c_layout<const N: usize>(union: bool, attrs: RecordAttrs, fields: &[&TypeDesc; N]) -> CLayout<N> {
        let mut record = crate::layout::RecordLayout::with_attrs(union, attrs);
        let mut offsets = [0; N];
        let mut i = 0;
        while i < N {
            offsets[i] = record.place(fields[i].size, fields[i].align);
            i += 1;
        }
        CLayout { offsets, size: record.size(), align: record.align() }
    }
}
