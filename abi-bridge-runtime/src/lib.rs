//! The runtime of [abi-bridge](https://docs.rs/abi-bridge): type descriptions,
//! C layout, calling-convention plans, and (in later modules) the JIT that turns
//! two plans into a thunk.
//!
//! Data flows one way: [`types`] (what a value is) → [`layout`] (where its
//! bytes are) → [`conv`] (where a convention puts it) → [`plan`] (a
//! signature's complete plan).
//!
//! Users depend on the `abi-bridge` crate, which re-exports what they need.

/// Invokes `$m!(A16 .. A1)`, `$m!(A15 .. A1)`, ... down to `$m!()`: every
/// arity a foreign signature may have (up to 16 arguments).
macro_rules! for_each_arity {
    ($m:ident) => {
        for_each_arity!(@ $m A16 A15 A14 A13 A12 A11 A10 A9 A8 A7 A6 A5 A4 A3 A2 A1);
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
mod foreign;
mod hash;
mod jit;
pub mod layout;
pub mod library;
mod memory;
pub mod plan;
pub mod signature;
mod thunk;
pub mod types;

pub use callback::{generated_code_bytes, live_trampolines, set_trampoline_limit, Callback, CallbackFn};
pub use conv::Conv;
pub use error::Error;
pub use library::Library;
pub use plan::{classify, CallPlan};
pub use signature::{FnSignature, Signature};
pub use thunk::Thunk;
pub use types::{ForeignReturn, ForeignType, Scalar, TypeDesc, TypeKind};

/// Support for the code that `abi-bridge-macros` generates. Not public API:
/// its contents may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::conv::{sysv64, win64};
    pub use crate::types::{Field, ForeignType, TypeDesc, TypeKind};
    pub use core::mem::{align_of, offset_of, size_of};

    pub use crate::foreign::*;
    pub use crate::memory::writable_and_executable_mappings;

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

    /// The C layout of a struct (or, if `union`, a union) whose fields have
    /// the types `fields`, in declaration order.
    pub const fn c_layout<const N: usize>(union: bool, fields: &[&TypeDesc; N]) -> CLayout<N> {
        let mut record = crate::layout::RecordLayout::new(union);
        let mut offsets = [0; N];
        let mut i = 0;
        while i < N {
            offsets[i] = record.place(fields[i].size, fields[i].align);
            i += 1;
        }
        CLayout { offsets, size: record.size(), align: record.align() }
    }
}
