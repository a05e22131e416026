//! abi-bridge: call code compiled for another x86-64 calling convention.
#![doc = "placeholder"]
pub use abi_bridge_runtime::{classify, CallPlan, Conv, Error, FnSignature, ForeignReturn, ForeignType, Signature};
pub use abi_bridge_macros::ForeignType;
#[doc(hidden)]
pub use abi_bridge_runtime::__private;
