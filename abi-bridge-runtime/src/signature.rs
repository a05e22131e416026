//! A function's signature as the calling conventions see it: argument types
//! and a return type, each a [`TypeDesc`].

use core::fmt;
use std::borrow::Cow;

use crate::conv::Conv;
use crate::error::Error;
use crate::types::{holds_vector256, ForeignReturn, ForeignType, TypeDesc, TypeKind, VECTOR256_REASON};

/// The argument and return types of a foreign function.
///
/// Built from a Rust function type with [`Signature::of`], or at run time from
/// type descriptions with [`Signature::new`] (for hosts that learn a plugin's
/// signatures from a manifest).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    args: Cow<'static, [&'static TypeDesc]>,
    ret: Option<&'static TypeDesc>,
    /// For a variadic function (`int printf(const char *, ...)`), how many
    /// of `args` are the named ones; the rest are the variadic arguments of
    /// one call, already promoted. `None` for a function with a fixed list.
    fixed: Option<usize>,
}

impl Signature {
    /// The signature of the function type `F`, e.g.
    /// `Signature::of::<fn(Vec2, f32) -> Vec2>()`.
    pub fn of<F: FnSignature>() -> Signature {
        Signature { args: Cow::Borrowed(F::ARGS), ret: F::RET, fixed: None }
    }

    /// A signature built at run time, for hosts that learn a plugin's
    /// functions from a manifest rather than from Rust types.
    ///
    /// ```
    /// use abi_bridge_runtime::{ForeignType, Signature, TypeDesc};
    ///
    /// // `double scale(struct Vec2f { float x, y; } v, int32_t k)`, read from a manifest:
    /// let vec2 = TypeDesc::new_struct("Vec2f", &[("x", f32::DESC), ("y", f32::DESC)])?;
    /// let sig = Signature::new(&[vec2, i32::DESC], Some(f64::DESC))?;
    /// assert_eq!(sig.to_string(), "fn(Vec2f, i32) -> f64");
    ///
    /// // Arrays never travel by value in C.
    /// assert!(Signature::new(&[<[u8; 4]>::DESC], None).is_err());
    /// # Ok::<(), abi_bridge_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedSignature`] if an argument or the return value is an
    /// array: C passes arrays as pointers, so declare the parameter as a pointer
    /// (or wrap the array in a struct to pass it by value).
    pub fn new(args: &[&'static TypeDesc], ret: Option<&'static TypeDesc>) -> Result<Signature, Error> {
        for (i, arg) in args.iter().enumerate() {
            check_passable(arg, || format!("argument {i} (`{}`)", arg.name))?;
        }
        if let Some(ret) = ret {
            check_passable(ret, || format!("return value (`{}`)", ret.name))?;
        }
        Ok(Signature { args: Cow::Owned(args.to_vec()), ret, fixed: None })
    }

    /// A signature from descriptions known at compile time, unchecked (the
    /// code `#[foreign_abi]` generates checks each type at compile time
    /// instead; this is how it names signatures of any number of arguments).
    #[doc(hidden)]
    pub const fn from_static(args: &'static [&'static TypeDesc], ret: Option<&'static TypeDesc>) -> Signature {
        Signature { args: Cow::Borrowed(args), ret, fixed: None }
    }

    /// The signature of one call of a variadic function: its named
    /// arguments `fixed`, then the arguments given after the `...` at this
    /// call, `variadic`, then the return type. A variadic function has one
    /// signature (and one thunk) per list of variadic types it is called with.
    ///
    /// The variadic arguments are promoted as C promotes them (see
    /// [`promoted`](crate::types::promoted)): a `float` given after the `...`
    /// travels as a `double`, a `short` as an `int`, and the signature says so.
    ///
    /// ```
    /// use abi_bridge_runtime::{classify, Conv, ForeignType, Signature};
    ///
    /// // `int printf(const char *fmt, ...)` called as `printf(fmt, (short)1, 2.5f)`:
    /// let sig = Signature::new_variadic(&[<*const i8>::DESC], &[i16::DESC, f32::DESC], Some(i32::DESC))?;
    /// assert_eq!(sig.to_string(), "fn(pointer, ...; i32, f64) -> i32");
    /// // sysv64 says in al how many vector registers carry arguments;
    /// // win64 puts a variadic double in both xmm2 and r8.
    /// assert_eq!(classify(Conv::SysV64, &sig).to_string(), "a0: rdi  ...  a1: rsi  a2: xmm0  al: 1  ret: rax");
    /// assert_eq!(classify(Conv::Win64, &sig).to_string(), "a0: rcx  ...  a1: rdx  a2: xmm2+r8  ret: rax");
    /// # Ok::<(), abi_bridge_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedSignature`] if an argument or the return value is
    /// an array (as for [`Signature::new`]).
    pub fn new_variadic(
        fixed: &[&'static TypeDesc],
        variadic: &[&'static TypeDesc],
        ret: Option<&'static TypeDesc>,
    ) -> Result<Signature, Error> {
        let mut args = fixed.to_vec();
        args.extend(variadic.iter().map(|ty| crate::types::promoted(ty)));
        let sig = Signature::new(&args, ret)?;
        Ok(Signature { fixed: Some(fixed.len()), ..sig })
    }

    /// For a variadic function, the number of named arguments (those before
    /// the `...`); `None` for a function with a fixed argument list.
    pub fn fixed_args(&self) -> Option<usize> {
        self.fixed
    }

    /// The same signature with `args` in front of the argument list (the
    /// target or context pointer of generated code).
    pub(crate) fn with_leading(&self, args: &[&'static TypeDesc]) -> Signature {
        let mut all = args.to_vec();
        all.extend_from_slice(&self.args);
        Signature { args: Cow::Owned(all), ret: self.ret, fixed: self.fixed.map(|n| n + args.len()) }
    }

    /// The named arguments of a variadic signature followed by `args`, as a
    /// function with a fixed list (the host side of generated code, which
    /// receives the variadic part some other way).
    pub(crate) fn fixed_part_then(&self, args: &[&'static TypeDesc]) -> Signature {
        let mut all = self.args[..self.fixed.unwrap_or(self.args.len())].to_vec();
        all.extend_from_slice(args);
        Signature { args: Cow::Owned(all), ret: self.ret, fixed: None }
    }

    /// The signature as rustc passes the Rust types it describes: each type
    /// through [`rust_view`](crate::types::rust_view) (which differs from C
    /// only for `long double`). The plan of the Rust side of generated code
    /// is made from this.
    pub(crate) fn rust_view(&self) -> Signature {
        let args = self.args.iter().map(|&ty| crate::types::rust_view(ty)).collect();
        Signature { args: Cow::Owned(args), ret: self.ret.map(crate::types::rust_view), fixed: self.fixed }
    }

    /// Checks that every function pointer in the signature (an argument, a
    /// field of one, or the return value) can cross between `from` and `to`:
    /// the code on the foreign side calls the pointers it receives, and hands
    /// out pointers to functions of, its own convention, so their types must
    /// say that convention (or none).
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedSignature`] naming the first value whose function
    /// pointer states another convention, and the type to write instead.
    pub fn check_crossing(&self, from: Conv, to: Conv) -> Result<(), Error> {
        if from == to {
            return Ok(());
        }
        let foreign = if from == Conv::HOST { to } else { from };
        let values = self.args.iter().enumerate().map(|(i, ty)| (Some(i), *ty));
        for (i, ty) in values.chain(self.ret.map(|ty| (None, ty))) {
            if let Some(stated) = ty.fn_pointer_not_of(foreign) {
                let position = match i {
                    Some(i) => format!("argument {i} (`{}`)", ty.name),
                    None => format!("return value (`{}`)", ty.name),
                };
                return Err(Error::UnsupportedSignature {
                    position,
                    reason: format!(
                        "it is or holds a function pointer whose type says `extern \"{stated}\"`, but {foreign} code calls and makes function pointers with the {foreign} convention; declare it `extern \"{foreign}\" fn(..)`"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The argument types, in order.
    pub fn args(&self) -> &[&'static TypeDesc] {
        &self.args
    }

    /// The return type, `None` for `void`.
    pub fn ret(&self) -> Option<&'static TypeDesc> {
        self.ret
    }
}

fn check_passable(ty: &TypeDesc, position: impl FnOnce() -> String) -> Result<(), Error> {
    let reason = match ty.kind {
        TypeKind::Array { .. } => {
            "C never passes arrays by value; pass a pointer to the first element, or wrap the array in a #[repr(C)] struct"
        }
        _ if holds_vector256(ty) => VECTOR256_REASON,
        _ => return Ok(()),
    };
    Err(Error::UnsupportedSignature { position: position(), reason: reason.to_owned() })
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fn(")?;
        let fixed = self.fixed.unwrap_or(self.args.len());
        for (i, arg) in self.args[..fixed].iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(arg.name)?;
        }
        if self.fixed.is_some() {
            f.write_str(if fixed > 0 { ", ..." } else { "..." })?;
            for (i, arg) in self.args[fixed..].iter().enumerate() {
                f.write_str(if i == 0 { "; " } else { ", " })?;
                f.write_str(arg.name)?;
            }
        }
        f.write_str(")")?;
        if let Some(ret) = self.ret {
            write!(f, " -> {}", ret.name)?;
        }
        Ok(())
    }
}

/// A Rust function-pointer type that names a foreign signature: `fn(A, B) -> R`
/// (or `unsafe fn`, `extern "C" fn`, ...) whose arguments are [`ForeignType`]s
/// and whose return type is `()` or a [`ForeignType`]. Up to 32 arguments
/// (`#[foreign_abi]` declarations have no limit).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name a foreign signature",
    label = "expected a function pointer type such as `fn(i32, f64) -> i32`",
    note = "every argument must be a `ForeignType` (not an array) and the return type `()` or a `ForeignType`; at most 32 arguments"
)]
pub trait FnSignature {
    /// The argument types.
    const ARGS: &'static [&'static TypeDesc];
    /// The return type, `None` for `()`.
    const RET: Option<&'static TypeDesc>;
}

/// Rejects, at compile time, an array used as a whole argument or return
/// value, and a value holding a 256-bit vector, which no thunk moves yet
/// (here and in the checks `#[foreign_abi]` declarations get).
pub(crate) const fn assert_passable(ty: &TypeDesc) -> &TypeDesc {
    if let TypeKind::Array { .. } = ty.kind {
        panic!(
            "C never passes or returns arrays by value: use a pointer to the first element (`*const T`), or wrap the array in a #[repr(C)] struct"
        );
    }
    if holds_vector256(ty) {
        panic!(
            "256-bit vectors (`__m256`, `__m256d`, `__m256i`) cannot cross the boundary yet: pass a pointer to the vector instead"
        );
    }
    ty
}

macro_rules! fn_signature_impls {
    ($($arg:ident)*) => {
        fn_signature_impls!(@one [fn] $($arg)*);
        fn_signature_impls!(@one [unsafe fn] $($arg)*);
        fn_signature_impls!(@one [extern "C" fn] $($arg)*);
        fn_signature_impls!(@one [unsafe extern "C" fn] $($arg)*);
        fn_signature_impls!(@one [extern "win64" fn] $($arg)*);
        fn_signature_impls!(@one [unsafe extern "win64" fn] $($arg)*);
        fn_signature_impls!(@one [extern "efiapi" fn] $($arg)*);
        fn_signature_impls!(@one [unsafe extern "efiapi" fn] $($arg)*);
        fn_signature_impls!(@one [extern "sysv64" fn] $($arg)*);
        fn_signature_impls!(@one [unsafe extern "sysv64" fn] $($arg)*);
    };
    (@one [$($fnty:tt)*] $($arg:ident)*) => {
        impl<R: ForeignReturn, $($arg: ForeignType),*> FnSignature for $($fnty)*($($arg),*) -> R {
            const ARGS: &'static [&'static TypeDesc] = &[$(assert_passable(<$arg as ForeignType>::DESC)),*];
            const RET: Option<&'static TypeDesc> = match <R as ForeignReturn>::RETURN_DESC {
                Some(ty) => Some(assert_passable(ty)),
                None => None,
            };
        }
    };
}

for_each_arity!(fn_signature_impls);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_256_bit_vector_is_refused_with_its_position() {
        use core::arch::x86_64::{__m256, __m256d};
        let err = Signature::new(&[i32::DESC, __m256::DESC], None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("argument 1 (`__m256`)") && text.contains("256-bit vectors"), "{text}");
        let wrapped = TypeDesc::new_struct("Wrapped", &[("v", __m256d::DESC)]).unwrap();
        let err = Signature::new(&[], Some(wrapped)).unwrap_err();
        assert!(err.to_string().contains("return value (`Wrapped`)"), "{err}");
        let err = Signature::new_variadic(&[i32::DESC], &[__m256d::DESC], None).unwrap_err();
        assert!(err.to_string().contains("argument 1 (`__m256d`)"), "{err}");
    }

    #[test]
    fn static_and_run_time_signatures_agree() {
        let a = Signature::of::<fn(i32, f64) -> u8>();
        let b = Signature::new(&[i32::DESC, f64::DESC], Some(u8::DESC)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "fn(i32, f64) -> u8");
    }

    #[test]
    fn variadic_arguments_are_promoted_and_shown_after_the_dots() {
        let sig = Signature::new_variadic(&[u8::DESC], &[bool::DESC, u16::DESC, f32::DESC, i64::DESC], None).unwrap();
        assert_eq!(sig.to_string(), "fn(u8, ...; i32, i32, f64, i64)");
        assert_eq!(sig.fixed_args(), Some(1));
        let none = Signature::new_variadic(&[], &[], None).unwrap();
        assert_eq!(none.to_string(), "fn(...)");
        // A variadic call and a fixed function of the same types differ.
        let fixed = Signature::new(&[u8::DESC, i32::DESC], None).unwrap();
        assert_ne!(fixed, Signature::new_variadic(&[u8::DESC], &[i32::DESC], None).unwrap());
    }

    #[test]
    fn arrays_are_rejected_as_arguments() {
        let err = Signature::new(&[i32::DESC, <[u8; 4]>::DESC], None).unwrap_err();
        assert!(err.to_string().contains("argument 1"), "{err}");
    }
}
