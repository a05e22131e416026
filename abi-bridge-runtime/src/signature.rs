//! A function's signature as the calling conventions see it: argument types
//! and a return type, each a [`TypeDesc`].

use core::fmt;
use std::borrow::Cow;

use crate::conv::Conv;
use crate::error::Error;
use crate::types::{ForeignReturn, ForeignType, TypeDesc, TypeKind};

/// The argument and return types of a foreign function.
///
/// Built from a Rust function type with [`Signature::of`], or at run time from
/// type descriptions with [`Signature::new`] (for hosts that learn a plugin's
/// signatures from a manifest).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    args: Cow<'static, [&'static TypeDesc]>,
    ret: Option<&'static TypeDesc>,
}

impl Signature {
    /// The signature of the function type `F`, e.g.
    /// `Signature::of::<fn(Vec2, f32) -> Vec2>()`.
    pub fn of<F: FnSignature>() -> Signature {
        Signature { args: Cow::Borrowed(F::ARGS), ret: F::RET }
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
            check_not_array(arg, || format!("argument {i} (`{}`)", arg.name))?;
        }
        if let Some(ret) = ret {
            check_not_array(ret, || format!("return value (`{}`)", ret.name))?;
        }
        Ok(Signature { args: Cow::Owned(args.to_vec()), ret })
    }

    /// A signature from descriptions known at compile time, unchecked (the
    /// code `#[foreign_abi]` generates checks each type at compile time
    /// instead; this is how it names signatures of any number of arguments).
    #[doc(hidden)]
    pub const fn from_static(args: &'static [&'static TypeDesc], ret: Option<&'static TypeDesc>) -> Signature {
        Signature { args: Cow::Borrowed(args), ret }
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

fn check_not_array(ty: &TypeDesc, position: impl FnOnce() -> String) -> Result<(), Error> {
    match ty.kind {
        TypeKind::Array { .. } => Err(Error::UnsupportedSignature {
            position: position(),
            reason: "C never passes arrays by value; pass a pointer to the first element, or wrap the array in a #[repr(C)] struct".to_owned(),
        }),
        _ => Ok(()),
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fn(")?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(arg.name)?;
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

/// Rejects, at compile time, an array used as a whole argument or return value.
const fn assert_passable(ty: &TypeDesc) -> &TypeDesc {
    if let TypeKind::Array { .. } = ty.kind {
        panic!("C never passes arrays by value: pass a pointer, or wrap the array in a #[repr(C)] struct");
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
    fn static_and_run_time_signatures_agree() {
        let a = Signature::of::<fn(i32, f64) -> u8>();
        let b = Signature::new(&[i32::DESC, f64::DESC], Some(u8::DESC)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "fn(i32, f64) -> u8");
    }

    #[test]
    fn arrays_are_rejected_as_arguments() {
        let err = Signature::new(&[i32::DESC, <[u8; 4]>::DESC], None).unwrap_err();
        assert!(err.to_string().contains("argument 1"), "{err}");
    }
}
