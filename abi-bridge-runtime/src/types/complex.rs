//! C's `_Complex float` and `_Complex double`.
//!
//! C17 6.2.5p13 lays a complex number out as an array of two elements of
//! its real type, real part first; the psABI (3.2.3, "Arguments of complex
//! T where T is one of the types float or double are treated as if they
//! are implemented as: struct complexT { T real; T imag; };") and every
//! win64 compiler (gcc 12 `ms_abi`, clang for `x86_64-windows-gnu`: "by
//! size", as any 8- or 16-byte aggregate) pass it as that struct. So its
//! description is a struct of two fields, and no convention needs a rule of
//! its own for it.

use super::{Field, ForeignType, TypeDesc, TypeKind};

/// A C complex number: `Complex<f32>` is `_Complex float`, `Complex<f64>` is
/// `_Complex double`. It crosses every boundary exactly as C passes those
/// types (see the table in the crate's README).
///
/// ```
/// use abi_bridge_runtime::Complex;
/// use abi_bridge_runtime::{classify, Conv, ForeignType, Signature};
///
/// // _Complex double f(_Complex float, _Complex double);
/// let sig = Signature::of::<fn(Complex<f32>, Complex<f64>) -> Complex<f64>>();
/// // sysv64: one SSE eightbyte for the float pair, two for the double pair.
/// assert_eq!(classify(Conv::SysV64, &sig).to_string(), "a0: xmm0  a1: {xmm1, xmm2}  ret: {xmm0, xmm1}");
/// // win64: 8 bytes in a general register, 16 bytes by reference.
/// assert_eq!(classify(Conv::Win64, &sig).to_string(), "a0: rdx  a1: by-ref(r8)  ret: sret(rcx)");
/// assert_eq!(Complex::<f64>::DESC.name, "_Complex double");
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Complex<T> {
    /// The real part (`creal`).
    pub re: T,
    /// The imaginary part (`cimag`).
    pub im: T,
}

impl<T> Complex<T> {
    /// `re + im·i`.
    pub const fn new(re: T, im: T) -> Complex<T> {
        Complex { re, im }
    }
}

/// The description of `_Complex {real}`: two `real` fields, `re` then `im`.
const fn complex(name: &'static str, real: &'static TypeDesc, fields: &'static [Field; 2]) -> TypeDesc {
    TypeDesc { name, size: 2 * real.size, align: real.align, kind: TypeKind::Struct(fields) }
}

// SAFETY: `#[repr(C)]` with two fields of `f32` puts `re` at 0 and `im` at 4:
// 8 bytes aligned to 4, as described.
unsafe impl ForeignType for Complex<f32> {
    const DESC: &'static TypeDesc = &complex(
        "_Complex float",
        f32::DESC,
        &[Field { name: "re", offset: 0, ty: f32::DESC }, Field { name: "im", offset: 4, ty: f32::DESC }],
    );
}

// SAFETY: as above with `f64`: `re` at 0, `im` at 8, 16 bytes aligned to 8.
unsafe impl ForeignType for Complex<f64> {
    const DESC: &'static TypeDesc = &complex(
        "_Complex double",
        f64::DESC,
        &[Field { name: "re", offset: 0, ty: f64::DESC }, Field { name: "im", offset: 8, ty: f64::DESC }],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_match_rustc_layout() {
        use core::mem::{align_of, offset_of, size_of};
        for (desc, size, align, im) in [
            (Complex::<f32>::DESC, size_of::<Complex<f32>>(), align_of::<Complex<f32>>(), offset_of!(Complex<f32>, im)),
            (Complex::<f64>::DESC, size_of::<Complex<f64>>(), align_of::<Complex<f64>>(), offset_of!(Complex<f64>, im)),
        ] {
            assert_eq!((desc.size, desc.align), (size, align), "{desc}");
            let TypeKind::Struct([re_field, im_field]) = desc.kind else { panic!("{desc} is a struct of two") };
            assert_eq!((re_field.offset, im_field.offset), (0, im), "{desc}");
        }
    }
}
