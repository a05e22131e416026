//! SIMD vectors: `core::arch::x86_64`'s `__m128`, `__m128d` and `__m128i`,
//! the types of C's `<immintrin.h>`.
//!
//! sysv64 passes one in a whole vector register (classes SSE and SSEUP,
//! psABI 3.2.3) and win64 by reference to a 16-byte aligned copy, returning
//! it in xmm0 (Microsoft's "x64 calling convention": "__m128 types, arrays,
//! and strings are never passed by immediate value"; "__m128 ... returned
//! in XMM0"). rustc passes these Rust types as C passes the C ones.

use core::arch::x86_64::{__m128, __m128d, __m128i};

use super::{ForeignType, Scalar, TypeDesc};

macro_rules! vector_impls {
    ($($t:ident => $s:ident),* $(,)?) => {$(
        // SAFETY: each is a `#[repr(simd)]` vector of 16 bytes aligned to 16,
        // as the description says (checked in the tests below).
        unsafe impl ForeignType for $t {
            const DESC: &'static TypeDesc = &TypeDesc::scalar(stringify!($t), Scalar::$s);
        }
    )*};
}

vector_impls!(__m128 => M128, __m128d => M128, __m128i => M128);

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
        ] {
            assert_eq!((desc.size, desc.align), (size, align), "{desc}");
        }
    }
}
