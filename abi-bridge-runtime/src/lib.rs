//! The runtime of [abi-bridge](https://docs.rs/abi-bridge): type descriptions,
//! C layout, calling-convention plans, and (in later modules) the JIT that turns
//! two plans into a thunk.
//!
//! Data flows one way: [`types`] (what a value is) → [`layout`] (where its
//! bytes are) → [`conv`] (where a convention puts it) → [`plan`] (a
//! signature's complete plan).
//!
//! Users depend on the `abi-bridge` crate, which re-exports what they need.

pub mod callback;
pub mod conv;
pub mod error;
mod foreign;
mod jit;
pub mod layout;
pub mod library;
mod memory;
pub mod plan;
pub mod signature;
mod thunk;
pub mod types;

pub use callback::{live_trampolines, set_trampoline_limit, Callback, CallbackFn};
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
    pub use crate::layout::RecordLayout;
    pub use crate::types::{Field, ForeignType, TypeDesc, TypeKind};
    pub use core::mem::{align_of, offset_of, size_of};

    pub use crate::foreign::*;
}
