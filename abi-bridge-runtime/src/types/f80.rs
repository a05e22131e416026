//! C's `long double` on x86-64: the x87 80-bit extended format.
//!
//! Rust has no such type, so [`F80`] holds its bits and converts them; the
//! conventions' rules for it (sysv64: X87/X87UP classes, always memory as
//! an argument, returned in `st(0)`; gcc `ms_abi`: by reference, returned
//! through a hidden pointer) live in `conv/`.
//!
//! One more fact matters here: rustc passes the Rust type `F80` (16 bytes,
//! aligned to 16, no float in it) as it passes any such struct, not as C
//! passes `long double`. Where Rust code is one side of a thunk (the code
//! behind `#[foreign_abi]`, the shim of a `Callback`), that side's plan is
//! made from [`rust_view`] of the signature, which describes what rustc
//! actually passes. Both sides of a [`Thunk`](crate::Thunk) are C code: a
//! `long double` in its signature is C's. A Rust `extern "C"` function
//! taking or returning `F80` is not C's `long double` function (rustc
//! passes it as a struct): hand C code a [`Callback`](crate::Callback)
//! instead, whose entry follows C.

use core::fmt;

use super::{intern, Field, ForeignType, Scalar, TypeDesc, TypeKind};

/// An x87 80-bit extended-precision value, C's `long double` on x86-64
/// (gcc, clang, mingw): 16 bytes aligned to 16, of which the first 10 hold
/// the value (a 64-bit significand with an explicit integer bit, then a
/// 15-bit biased exponent and the sign); the other 6 are padding.
///
/// Bit access is lossless ([`F80::from_bits`], [`F80::to_bits`]); every
/// `f64` converts exactly ([`F80::from_f64`]), and back with rounding to
/// nearest, ties to even, as the x87 unit does ([`F80::to_f64`]).
///
/// ```
/// use abi_bridge_runtime::F80;
///
/// let third = F80::from_f64(1.0 / 3.0);
/// assert_eq!(third.to_f64(), 1.0 / 3.0);
/// // 1.0: integer bit set, exponent 16383, sign 0.
/// assert_eq!(F80::from_f64(1.0).to_bits(), 0x3FFF_8000_0000_0000_0000);
/// // A value that needs the extra precision survives as bits.
/// let bits = 0x3FFF_C000_0000_0000_0001;
/// assert_eq!(F80::from_bits(bits).to_bits(), bits);
/// ```
#[repr(C, align(16))]
#[derive(Clone, Copy, Default)]
pub struct F80 {
    bytes: [u8; 16],
}

/// The significand's explicit integer bit.
const INTEGER_BIT: u64 = 1 << 63;
/// The exponent of 1.0.
const BIAS: i32 = 16383;
/// The largest exponent field: infinities and NaNs.
const MAX_EXP: u16 = 0x7FFF;

impl F80 {
    /// The value whose 80 bits are the low 80 bits of `bits` (significand
    /// in bits 0–63, exponent in 64–78, sign in 79); higher bits are ignored.
    pub const fn from_bits(bits: u128) -> F80 {
        let le = bits.to_le_bytes();
        let mut bytes = [0; 16];
        let mut i = 0;
        while i < 10 {
            bytes[i] = le[i];
            i += 1;
        }
        F80 { bytes }
    }

    /// The value's 80 bits, in the low bits (see [`F80::from_bits`]).
    pub const fn to_bits(self) -> u128 {
        let mut le = [0; 16];
        let mut i = 0;
        while i < 10 {
            le[i] = self.bytes[i];
            i += 1;
        }
        u128::from_le_bytes(le)
    }

    /// The 10 bytes C stores, in memory order.
    pub const fn to_le_bytes(self) -> [u8; 10] {
        let mut out = [0; 10];
        let mut i = 0;
        while i < 10 {
            out[i] = self.bytes[i];
            i += 1;
        }
        out
    }

    /// The value C stores as these 10 bytes.
    pub const fn from_le_bytes(bytes: [u8; 10]) -> F80 {
        let mut le = [0; 16];
        let mut i = 0;
        while i < 10 {
            le[i] = bytes[i];
            i += 1;
        }
        F80::from_bits(u128::from_le_bytes(le))
    }

    fn parts(self) -> (bool, u16, u64) {
        let bits = self.to_bits();
        let sign_exp = (bits >> 64) as u16;
        (sign_exp >> 15 == 1, sign_exp & MAX_EXP, bits as u64)
    }

    fn from_parts(negative: bool, exp: u16, significand: u64) -> F80 {
        let sign_exp = u128::from(u16::from(negative) << 15 | exp);
        F80::from_bits(sign_exp << 64 | u128::from(significand))
    }

    /// `x` exactly: every `f64`, including subnormals, infinities and NaN
    /// payloads, has an 80-bit equal.
    pub fn from_f64(x: f64) -> F80 {
        let bits = x.to_bits();
        let negative = bits >> 63 == 1;
        let exp = ((bits >> 52) & 0x7FF) as i32;
        let fraction = bits & ((1 << 52) - 1);
        match exp {
            0x7FF => F80::from_parts(negative, MAX_EXP, INTEGER_BIT | fraction << 11),
            0 if fraction == 0 => F80::from_parts(negative, 0, 0),
            // Subnormal: fraction · 2^-1074, normalized so the integer bit is set.
            0 => {
                let shift = fraction.leading_zeros();
                let exp = BIAS + 63 - 1074 - shift as i32;
                F80::from_parts(negative, exp as u16, fraction << shift)
            }
            _ => F80::from_parts(negative, (exp - 1023 + BIAS) as u16, INTEGER_BIT | fraction << 11),
        }
    }

    /// The nearest `f64`, ties to even (the x87 unit's default rounding):
    /// too large becomes infinite, too small a subnormal or zero; a NaN
    /// stays a NaN, made quiet, with the top of its payload. An encoding the
    /// x87 unit rejects (exponent not zero, integer bit clear: unnormals,
    /// pseudo-infinities and pseudo-NaNs) becomes the default NaN, as
    /// `fld`/`fstp` make it.
    pub fn to_f64(self) -> f64 {
        let (negative, exp, significand) = self.parts();
        let sign = u64::from(negative) << 63;
        if exp != 0 && significand & INTEGER_BIT == 0 {
            return f64::from_bits(0xFFF8_0000_0000_0000);
        }
        if exp == MAX_EXP {
            let fraction = significand & !INTEGER_BIT;
            return f64::from_bits(if fraction == 0 {
                sign | 0x7FF0_0000_0000_0000
            } else {
                sign | 0x7FF8_0000_0000_0000 | fraction >> 11
            });
        }
        if significand == 0 {
            return f64::from_bits(sign);
        }
        // value = significand · 2^(e - 16383 - 63), denormals at e = 1.
        let shift = significand.leading_zeros();
        let normalized = significand << shift;
        let biased = i32::from(exp.max(1)) - BIAS + 1023 - shift as i32;
        if biased >= 0x7FF {
            return f64::from_bits(sign | 0x7FF0_0000_0000_0000);
        }
        // Bits of `normalized` to drop: 11 for a normal result, more for a
        // subnormal one (whose exponent field is 0 and scale that of 1).
        let drop = if biased >= 1 { 11 } else { 12 - biased } as u32;
        let wide = u128::from(normalized);
        let (kept, rest) = if drop >= 128 { (0, wide) } else { (wide >> drop, wide & ((1 << drop) - 1)) };
        let half = if drop >= 129 { u128::MAX } else { 1u128 << (drop - 1) };
        let round_up = rest > half || (rest == half && kept & 1 == 1);
        let mantissa = (kept + u128::from(round_up)) as u64;
        // A carry out of the significand bumps the exponent: the encoding's
        // exponent and fraction fields are adjacent, so adding does it.
        let encoded = if biased >= 1 {
            (u64::try_from(biased).expect("positive") << 52) + (mantissa - (1 << 52))
        } else {
            mantissa
        };
        f64::from_bits(sign | encoded)
    }
}

impl From<f64> for F80 {
    fn from(x: f64) -> F80 {
        F80::from_f64(x)
    }
}

impl From<F80> for f64 {
    fn from(x: F80) -> f64 {
        x.to_f64()
    }
}

/// Equal bits (the 10 significant bytes): `-0.0` and `0.0` differ, a NaN
/// equals itself.
impl PartialEq for F80 {
    fn eq(&self, other: &F80) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Eq for F80 {}

impl fmt::Debug for F80 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "F80({:?} ≈ {:#022x})", self.to_f64(), self.to_bits())
    }
}

// SAFETY: `F80` is 16 bytes aligned to 16 (`repr(C, align(16))` over
// `[u8; 16]`), the size and alignment of `long double`, whose bytes it holds.
unsafe impl ForeignType for F80 {
    const DESC: &'static TypeDesc = &TypeDesc::scalar("F80", Scalar::F80);
}

/// What rustc passes for the Rust type [`F80`]: a 16-byte struct aligned to
/// 16 with no float in it (two INTEGER eightbytes in sysv64; checked in this
/// module's tests against rustc's own code).
static RUST_F80: TypeDesc = TypeDesc {
    name: "F80",
    size: 16,
    align: 16,
    kind: TypeKind::Struct(&[
        Field { name: "lo", offset: 0, ty: <u64 as ForeignType>::DESC },
        Field { name: "hi", offset: 8, ty: <u64 as ForeignType>::DESC },
    ]),
};

/// `ty` as rustc passes the Rust type it describes: itself, unless it is or
/// holds a `long double`, which rustc passes as [`RUST_F80`] (run-time
/// descriptions of the aggregates holding one are made, and interned, once).
pub(crate) fn rust_view(ty: &'static TypeDesc) -> &'static TypeDesc {
    if !holds_f80(ty) {
        return ty;
    }
    let view_of =
        |fields: &'static [Field]| intern::fields(fields.iter().map(|f| Field { ty: rust_view(f.ty), ..*f }).collect());
    let kind = match ty.kind {
        TypeKind::Scalar(_) => return &RUST_F80,
        TypeKind::Struct(fields) => TypeKind::Struct(view_of(fields)),
        TypeKind::Union(fields) => TypeKind::Union(view_of(fields)),
        TypeKind::Array { elem, len } => TypeKind::Array { elem: rust_view(elem), len },
    };
    intern::desc(TypeDesc { kind, ..*ty })
}

fn holds_f80(ty: &TypeDesc) -> bool {
    let mut found = false;
    ty.for_each_scalar(0, &mut |_, s| found |= s == Scalar::F80);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The x87 unit's own conversions, the oracle of the software ones.
    fn x87_from_f64(x: f64) -> F80 {
        let mut out = F80::default();
        // SAFETY: loads 8 bytes from `x` and stores 10 into `out`, popping
        // what it pushed: the x87 stack is left as it was.
        unsafe {
            core::arch::asm!("fld qword ptr [{x}]", "fstp tbyte ptr [{out}]", x = in(reg) &x, out = in(reg) &mut out.bytes)
        };
        out
    }

    fn x87_to_f64(v: F80) -> f64 {
        let mut out = 0f64;
        // SAFETY: as above, 10 bytes in, 8 out, the x87 stack balanced.
        unsafe {
            core::arch::asm!("fld tbyte ptr [{v}]", "fstp qword ptr [{out}]", v = in(reg) &v.bytes, out = in(reg) &mut out)
        };
        out
    }

    fn samples() -> Vec<u64> {
        let mut st = 0x1234_5678_9ABC_DEF0u64;
        let mut next = move || {
            st ^= st << 13;
            st ^= st >> 7;
            st ^= st << 17;
            st
        };
        let mut v: Vec<u64> = (0..20_000).map(|_| next()).collect();
        v.extend([0, 1, 2, 0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF]);
        v.extend([0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0001, 0x7FF0_0000_0000_0001, 0x3FF0_0000_0000_0000]);
        v.extend(v.clone().iter().map(|b| b ^ 1 << 63));
        v
    }

    #[test]
    fn from_f64_is_the_x87_load() {
        for bits in samples() {
            let x = f64::from_bits(bits);
            let (ours, x87) = (F80::from_f64(x), x87_from_f64(x));
            // A signalling NaN comes out of `fld` quiet; ours keeps its bits.
            let quiet = |v: F80| if x.is_nan() { v.to_bits() | 1 << 62 } else { v.to_bits() };
            assert_eq!(quiet(ours), quiet(x87), "{bits:#018x}");
            assert_eq!(ours.to_f64().to_bits() | u64::from(x.is_nan()) << 51, bits | u64::from(x.is_nan()) << 51);
        }
    }

    #[test]
    fn to_f64_is_the_x87_store() {
        let mut st = 0x0BAD_5EED_u64;
        let mut wide = Vec::new();
        for b in samples() {
            st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Every exponent near and beyond double's range, every rounding case.
            let exp = [0u64, 1, 15360, 15361, 15362, 15308, 15309, 16383, 17406, 17407, 17408, 0x7FFE, 0x7FFF]
                [(st >> 60) as usize % 13];
            let significand = match st >> 58 & 3 {
                0 => b | 1 << 63,
                1 => (b | 1 << 63) & !0x7FF | 0x400,
                2 => b & !(1 << 63),
                _ => b,
            };
            wide.push(u128::from(st >> 63) << 79 | u128::from(exp) << 64 | u128::from(significand));
        }
        for bits in wide {
            let v = F80::from_bits(bits);
            let (ours, x87) = (v.to_f64(), x87_to_f64(v));
            assert!(
                ours.to_bits() == x87.to_bits() || (ours.is_nan() && x87.is_nan()),
                "{bits:#022x}: {ours:e} vs {x87:e}"
            );
            if !ours.is_nan() {
                assert_eq!(ours.to_bits(), x87.to_bits(), "{bits:#022x}");
            }
        }
    }

    #[test]
    fn bits_round_trip_and_padding_stays_zero() {
        let v = F80::from_bits(u128::MAX);
        assert_eq!(v.to_bits(), (1 << 80) - 1);
        assert_eq!(v.bytes[10..], [0; 6]);
        assert_eq!(F80::from_le_bytes(v.to_le_bytes()), v);
        assert_eq!((core::mem::size_of::<F80>(), core::mem::align_of::<F80>()), (F80::DESC.size, F80::DESC.align));
    }

    #[test]
    fn rust_views_replace_long_doubles_and_nothing_else() {
        assert!(core::ptr::eq(rust_view(f64::DESC), f64::DESC));
        assert!(core::ptr::eq(rust_view(F80::DESC), &RUST_F80));
        let s = TypeDesc::new_struct("S", &[("x", F80::DESC), ("n", i32::DESC)]).unwrap();
        let view = rust_view(s);
        let TypeKind::Struct([x, n]) = view.kind else { panic!("{view:?}") };
        assert_eq!((x.ty, n.ty, view.size, view.align), (&RUST_F80, i32::DESC, 32, 16));
        assert!(core::ptr::eq(view, rust_view(s)), "interned");
    }
}
