//! SIMD vectors: `core::arch::x86_64`'s `__m128`, `__m128d` and `__m128i`,
//! the types of C's `<immintrin.h>`, and the 256-bit `__m256`, `__m256d`
//! and `__m256i`, which are described but not yet moved (see
//! [`holds_vector256`]).
//!
//! sysv64 passes one in a whole vector register (classes SSE and SSEUP,
//! psABI 3.2.3) and win64 by reference to a 16-byte aligned copy, returning
//! it in xmm0 (Microsoft's "x64 calling convention": "__m128 types, arrays,
//! and strings are never passed by immediate value"; "__m128 ... returned
//! in XMM0"). rustc passes these Rust types as C passes the C ones.

use core::arch::x86_64::{__m128, __m128d, __m128i, __m256, __m256d, __m256i};

use super::{ForeignType, Scalar, TypeDesc, TypeKind};

macro_rules! vector_impls {
    ($($t:ident => $s:ident),* $(,)?) => {$(
        // SAFETY: each is a `#[repr(simd)]` vector of 16 (or 32) bytes aligned
        // to 16 (or 32), as the description says (checked in the tests below).
        unsafe impl ForeignType for $t {
            const DESC: &'static TypeDesc = &TypeDesc::scalar(stringify!($t), Scalar::$s);
        }
    )*};
}

vector_impls!(__m128 => M128, __m128d => M128, __m128i => M128);
vector_impls!(__m256 => M256, __m256d => M256, __m256i => M256);

/// Why a value holding a 256-bit vector cannot cross yet, for the errors
/// that refuse one (at compile time and at run time alike).
pub(crate) const VECTOR256_REASON: &str = "256-bit vectors (`__m256`, `__m256d`, `__m256i`) cannot cross the boundary yet (they need one ymm register under sysv64, AVX at run time, and a copy aligned to 32 under win64); pass a pointer to the vector instead";

/// Whether `ty` is, or holds in a field at any depth, a 256-bit vector.
pub(crate) const fn holds_vector256(ty: &TypeDesc) -> bool {
    match ty.kind {
        TypeKind::Scalar(s) => matches!(s, Scalar::M256),
        TypeKind::Struct(fields) | TypeKind::Union(fields) => {
            let mut i = 0;
            while i < fields.len() {
                if holds_vector256(fields[i].ty) {
                    return true;
                }
                i += 1;
            }
            false
        }
        TypeKind::Array { elem, .. } => holds_vector256(elem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_match_rustc_layout() {
        use core::mem::{align_of, size_of};
        for (desc, size, align) in [
            (__m128::DESC, size_of::<__m128>(), align_of::<__m128>()),
            (__m128d::DESC, size_of::<__m128d>(), align_of::<__m128d>()),
            (__m128i::DESC, size_of::<__m128i>(), align_of::<__m128i>()),
            (__m256::DESC, size_of::<__m256>(), align_of::<__m256>()),
            (__m256d::DESC, size_of::<__m256d>(), align_of::<__m256d>()),
            (__m256i::DESC, size_of::<__m256i>(), align_of::<__m256i>()),
        ] {
            assert_eq!((desc.size, desc.align), (size, align), "{desc}");
        }
    }

    #[test]
    fn a_256_bit_vector_is_found_at_any_depth() {
        let wrapped = TypeDesc::new_struct("Wrapped", &[("tag", f32::DESC), ("v", __m256::DESC)]).unwrap();
        let outer = TypeDesc::new_struct("Outer", &[("w", wrapped)]).unwrap();
        assert!(holds_vector256(__m256i::DESC));
        assert!(holds_vector256(outer));
        assert!(!holds_vector256(__m128::DESC));
        let plain = TypeDesc::new_struct("Plain", &[("v", __m128d::DESC), ("x", f64::DESC)]).unwrap();
        assert!(!holds_vector256(plain));
    }
}
