//! Differential tests of abi-bridge against the compilers.
//!
//! Everything here is driven by one corpus of structs, unions and signatures
//! that `build.rs` generates with a fixed seed (hand-written edge cases first,
//! then random shapes). gcc compiles its C half: the records, their layout,
//! and for every signature an `ms_abi` and a `sysv_abi` callee that hash what
//! they received. The tests in `tests/` then check that
//!
//! - our C layout equals gcc's and rustc's for every record (`layout.rs`);
//! - rustc's typed `extern "win64"` / `extern "sysv64"` calls deliver exactly
//!   the bytes we sent, so gcc and rustc agree on every shape (`rustc_oracle.rs`);
//! - calling each callee by following nothing but our
//!   [`classify`](abi_bridge::classify) plan ([`plan_call`]) does too
//!   (`plans_vs_gcc.rs`);
//! - calling each callee through `#[foreign_abi]` declarations (linked and
//!   from a shared object) and through [`Thunk`](abi_bridge::Thunk)s called
//!   with the other convention does too ([`forward`], `thunks_vs_gcc.rs`);
//! - gcc-compiled callers (drivers) calling [`Callback`](abi_bridge::Callback)s
//!   get the same as when they call rustc-compiled callees, on the calling
//!   thread, on a fresh pthread and under concurrent churn ([`reverse`],
//!   `callbacks_vs_gcc.rs`).
//!
//! ```
//! use abi_bridge::{classify, Conv};
//! use abi_bridge_tests::corpus::SIGNATURES;
//!
//! let f3 = SIGNATURES.iter().find(|s| s.name == "f3_roundtrip").unwrap();
//! let plan = classify(Conv::SysV64, &f3.signature());
//! assert_eq!(plan.to_string(), "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}");
//! ```

// Empty where trybuild compiles it for the UI cases, which use none of it
// (see `build.rs`).
#![cfg(not(trybuild))]

pub mod corpus;
pub mod forward;
pub mod layer;
pub mod plan_call;
pub mod reverse;
pub mod value;
