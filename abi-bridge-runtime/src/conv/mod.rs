//! Where a convention puts a value: one file per calling convention, each a
//! pure function from a [`Signature`] to a [`CallPlan`], and [`classify`],
//! which picks the file. Nothing here knows about machine code.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;
use crate::plan::CallPlan;
use crate::signature::Signature;

pub mod sysv64;
#[cfg(test)]
mod tests;
pub mod win64;

/// An x86-64 calling convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Conv {
    /// The System V AMD64 convention (Linux, BSD, macOS): rustc's `extern "sysv64"`.
    SysV64,
    /// The Microsoft x64 convention (Windows, UEFI, `gcc -mabi=ms`,
    /// `__attribute__((ms_abi))`): rustc's `extern "win64"` and `extern "efiapi"`.
    Win64,
}

impl Conv {
    /// The convention of this host's `extern "C"`.
    #[cfg(windows)]
    pub const HOST: Conv = Conv::Win64;
    /// The convention of this host's `extern "C"`.
    #[cfg(not(windows))]
    pub const HOST: Conv = Conv::SysV64;

    /// Every convention, for tests and tools that iterate over them.
    pub const ALL: [Conv; 2] = [Conv::SysV64, Conv::Win64];

    /// The names [`Conv::from_str`] accepts, as the macro also lists them.
    pub const NAMES: [&'static str; 3] = ["sysv64", "win64", "efiapi"];

    /// The convention's canonical name, as rustc spells it in `extern "..."`.
    pub const fn name(self) -> &'static str {
        match self {
            Conv::SysV64 => "sysv64",
            Conv::Win64 => "win64",
        }
    }

    /// Parses a convention name in `const` context (for the macros); `efiapi`
    /// is the win64 convention.
    pub const fn from_name(name: &str) -> Option<Conv> {
        match name.as_bytes() {
            b"sysv64" => Some(Conv::SysV64),
            b"win64" | b"efiapi" => Some(Conv::Win64),
            _ => None,
        }
    }
}

impl fmt::Display for Conv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Conv {
    type Err = Error;

    fn from_str(s: &str) -> Result<Conv, Error> {
        Conv::from_name(s).ok_or_else(|| Error::UnknownConvention { name: s.to_owned() })
    }
}

/// A calling convention named by a value: at run time ([`Conv`]) or in the
/// type ([`Win64`], [`SysV64`]), so that a [`Callback`](crate::Callback)
/// whose convention is in its type can be checked against a
/// `#[foreign_abi]` declaration at compile time.
pub trait AsConv: Copy + Send + Sync + 'static {
    /// The convention.
    fn conv(self) -> Conv;
}

impl AsConv for Conv {
    fn conv(self) -> Conv {
        self
    }
}

/// A calling convention named by a type: [`Win64`] or [`SysV64`].
pub trait StaticConv: AsConv + Default {
    /// The convention.
    const CONV: Conv;
}

/// The Microsoft x64 convention, named by a type (see [`StaticConv`]); also
/// the convention of `extern "efiapi"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Win64;

/// The System V AMD64 convention, named by a type (see [`StaticConv`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SysV64;

macro_rules! static_convs {
    ($($t:ident => $c:expr),*) => {$(
        impl AsConv for $t {
            fn conv(self) -> Conv {
                $c
            }
        }
        impl StaticConv for $t {
            const CONV: Conv = $c;
        }
    )*};
}

static_convs!(Win64 => Conv::Win64, SysV64 => Conv::SysV64);

/// Where `sig`'s arguments and return value travel under `conv`: the one
/// place that picks a convention's rules.
///
/// A pure function: the same signature always gets the same plan. The plan's
/// `Display` is where each value travels, as users and tests read it:
///
/// ```
/// use abi_bridge_runtime::{classify, Conv, ForeignType, Signature, TypeDesc};
///
/// let vec2 = TypeDesc::new_struct("Vec2f", &[("x", f32::DESC), ("y", f32::DESC)])?;
/// let big = TypeDesc::new_struct("Big", &[("a", f64::DESC), ("b", f64::DESC), ("c", f64::DESC)])?;
/// let sig = Signature::new(&[vec2, i32::DESC, big], Some(big))?;
///
/// // win64: an 8-byte struct in a general register, whatever its fields;
/// // other sizes by reference; a hidden return pointer first.
/// assert_eq!(
///     classify(Conv::Win64, &sig).to_string(),
///     "a0: rdx  a1: r8  a2: by-ref(r9)  ret: sret(rcx)"
/// );
/// // sysv64: two floats are one SSE eightbyte; 24 bytes go on the stack.
/// assert_eq!(
///     classify(Conv::SysV64, &sig).to_string(),
///     "a0: xmm0  a1: rsi  a2: [rsp+8; 24 bytes]  ret: sret(rdi)"
/// );
/// # Ok::<(), abi_bridge_runtime::Error>(())
/// ```
pub fn classify(conv: Conv, sig: &Signature) -> CallPlan {
    match conv {
        Conv::SysV64 => sysv64::classify(sig),
        Conv::Win64 => win64::classify(sig),
    }
}
