//! Test values and their hash, mirroring `tests/c/corpus_support.h` bit for bit.
//!
//! A value is seen as its *leaves*: every scalar it contains, in field order,
//! each as its bit pattern zero-extended to 64 bits. Padding is never a leaf,
//! and a union's leaves are those of its active member (the first of its
//! largest members), the only member test values are written through. Values
//! are generated leaf by leaf from a [`SplitMix64`] stream, so the same seed
//! gives the same value whether it is built as a typed Rust value ([`Value`])
//! or as raw bytes from a run-time description ([`generate_bytes`]).

use core::ffi::c_void;

use abi_bridge_runtime::{Scalar, TypeDesc, TypeKind};

/// The hash of an empty argument list (`ABT_HASH_INIT`).
pub const HASH_INIT: u64 = 0x243F_6A88_85A3_08D3;
/// XORed into the received hash to seed the returned value (`ABT_RET_SEED`).
pub const RET_SEED: u64 = 0xD1B5_4A32_D192_ED03;
/// What the C side reports when no callee ran (`ABT_NOTHING_RECEIVED`).
pub const NOTHING_RECEIVED: u64 = 0x4E4F_5448_494E_4721;

/// One step of the leaf hash (`abt_mix`).
pub const fn mix(h: u64, leaf: u64) -> u64 {
    let h = (h ^ leaf).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

/// The hash of a sequence of leaves, as a C callee computes it over its arguments.
pub fn hash_leaves(leaves: &[u64]) -> u64 {
    leaves.iter().fold(HASH_INIT, |h, &leaf| mix(h, leaf))
}

/// splitmix64 (`abt_next`): the deterministic stream test values come from.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream starting from `seed`.
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next output.
    #[allow(clippy::should_implement_trait)] // an endless stream, not an `Iterator`
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The leaf of kind `scalar` made from one stream output `s` (`abt_from_*`,
/// then `abt_bits_*`): integers are truncated, `bool` is one bit of `s`, floats
/// keep the sign and drop the top exponent bit so they are never infinite or NaN.
pub const fn leaf_bits(scalar: Scalar, s: u64) -> u64 {
    match scalar {
        Scalar::I8 | Scalar::U8 => s & 0xFF,
        Scalar::I16 | Scalar::U16 => s & 0xFFFF,
        Scalar::I32 | Scalar::U32 => s & 0xFFFF_FFFF,
        Scalar::I64 | Scalar::U64 | Scalar::Pointer | Scalar::FnPointer(_) => s,
        // Each half of a 128-bit integer is a leaf of its own.
        Scalar::I128 | Scalar::U128 => s,
        Scalar::Bool => (s >> 17) & 1,
        Scalar::F32 => s & 0xBFFF_FFFF,
        Scalar::F64 => s & 0xBFFF_FFFF_FFFF_FFFF,
        // Never a leaf itself: `for_each_leaf` splits it in two.
        Scalar::F80 | Scalar::M128 => panic!("a long double or a vector is two leaves"),
        // The corpus has no 256-bit vectors: no signature may hold one yet.
        Scalar::M256 => panic!("a 256-bit vector cannot cross the boundary yet"),
    }
}

/// The active member of a union: the first of its largest members.
pub fn active_member(fields: &[abi_bridge_runtime::types::Field]) -> &abi_bridge_runtime::types::Field {
    let max = fields.iter().map(|f| f.ty.size).max().expect("C unions have members");
    fields.iter().find(|f| f.ty.size == max).expect("the largest member is a member")
}

/// Calls `visit(offset, scalar)` for every leaf of `ty` at `base`, in order.
/// A 128-bit integer is two `u64` leaves, low half first; a `long double`
/// two leaves, its significand (a `u64`), then its sign and exponent (a
/// `u16`), its last 6 bytes being padding; a vector two `u64` leaves, its
/// low and high 64 bits.
pub fn for_each_leaf(ty: &TypeDesc, base: usize, visit: &mut impl FnMut(usize, Scalar)) {
    match ty.kind {
        TypeKind::Scalar(Scalar::F80) => {
            visit(base, Scalar::U64);
            visit(base + 8, Scalar::U16);
        }
        TypeKind::Scalar(Scalar::I128 | Scalar::U128 | Scalar::M128) => {
            visit(base, Scalar::U64);
            visit(base + 8, Scalar::U64);
        }
        TypeKind::Scalar(s) => visit(base, s),
        TypeKind::Struct(fields) => fields.iter().for_each(|f| for_each_leaf(f.ty, base + f.offset, visit)),
        TypeKind::Union(fields) => {
            let active = active_member(fields);
            for_each_leaf(active.ty, base + active.offset, visit);
        }
        TypeKind::Array { elem, len } => (0..len).for_each(|i| for_each_leaf(elem, base + i * elem.size, visit)),
    }
}

/// The byte every padding byte of a generated value holds, so nothing can
/// depend on padding by luck.
pub const PADDING: u8 = 0xCC;

/// A value of type `ty` as raw bytes, its leaves drawn from `st` (exactly as
/// [`Value::generate`] draws them) and its padding bytes [`PADDING`].
pub fn generate_bytes(ty: &TypeDesc, st: &mut SplitMix64) -> Vec<u8> {
    let mut bytes = vec![PADDING; ty.size];
    for_each_leaf(ty, 0, &mut |offset, scalar| {
        let leaf = leaf_bits(scalar, st.next());
        bytes[offset..offset + scalar.size()].copy_from_slice(&leaf.to_le_bytes()[..scalar.size()]);
    });
    bytes
}

/// The leaves of a value of type `ty` held in `bytes`.
pub fn leaves_of_bytes(ty: &TypeDesc, bytes: &[u8]) -> Vec<u64> {
    assert_eq!(bytes.len(), ty.size, "a `{}` is {} bytes", ty.name, ty.size);
    let mut leaves = Vec::new();
    for_each_leaf(ty, 0, &mut |offset, scalar| {
        let mut le = [0u8; 8];
        le[..scalar.size()].copy_from_slice(&bytes[offset..offset + scalar.size()]);
        leaves.push(u64::from_le_bytes(le));
    });
    leaves
}

/// The leaves of the value a C callee returns after receiving arguments
/// whose hash is `received`.
pub fn expected_return(ty: &TypeDesc, received: u64) -> Vec<u64> {
    let bytes = generate_bytes(ty, &mut SplitMix64::new(received ^ RET_SEED));
    leaves_of_bytes(ty, &bytes)
}

/// A typed test value: built from a stream, seen as leaves. Implemented for
/// the scalars and arrays here and for every corpus record by the generated code.
pub trait Value: Copy {
    /// The value whose leaves are the next outputs of `st`, in leaf order.
    fn generate(st: &mut SplitMix64) -> Self;
    /// Appends the value's leaves to `out`.
    fn leaves(&self, out: &mut Vec<u64>);
}

macro_rules! int_values {
    ($($t:ty => $u:ty, $s:ident);* $(;)?) => {$(
        impl Value for $t {
            fn generate(st: &mut SplitMix64) -> Self {
                leaf_bits(Scalar::$s, st.next()) as $u as $t
            }
            fn leaves(&self, out: &mut Vec<u64>) {
                out.push(*self as $u as u64);
            }
        }
    )*};
}

int_values! {
    i8 => u8, I8; i16 => u16, I16; i32 => u32, I32; i64 => u64, I64;
    u8 => u8, U8; u16 => u16, U16; u32 => u32, U32; u64 => u64, U64;
}

/// 128-bit integers: two leaves, low half first (`abt_from_u128`).
macro_rules! wide_int_values {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn generate(st: &mut SplitMix64) -> Self {
                let low = st.next();
                (u128::from(st.next()) << 64 | u128::from(low)) as $t
            }
            fn leaves(&self, out: &mut Vec<u64>) {
                out.push(*self as u64);
                out.push((*self as u128 >> 64) as u64);
            }
        }
    )*};
}

wide_int_values!(i128, u128);

impl Value for bool {
    fn generate(st: &mut SplitMix64) -> Self {
        leaf_bits(Scalar::Bool, st.next()) == 1
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        out.push(u64::from(*self));
    }
}

impl Value for f32 {
    fn generate(st: &mut SplitMix64) -> Self {
        f32::from_bits(leaf_bits(Scalar::F32, st.next()) as u32)
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        out.push(u64::from(self.to_bits()));
    }
}

impl Value for f64 {
    fn generate(st: &mut SplitMix64) -> Self {
        f64::from_bits(leaf_bits(Scalar::F64, st.next()))
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        out.push(self.to_bits());
    }
}

impl Value for *const c_void {
    fn generate(st: &mut SplitMix64) -> Self {
        // Never dereferenced: only its bits travel.
        core::ptr::without_provenance(leaf_bits(Scalar::Pointer, st.next()) as usize)
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        out.push(self.addr() as u64);
    }
}

/// `void`: nothing to generate, no leaves.
impl Value for () {
    fn generate(_: &mut SplitMix64) -> Self {}
    fn leaves(&self, _: &mut Vec<u64>) {}
}

/// A `long double`: its significand, then its sign and exponent (see
/// [`for_each_leaf`]; `abt_from_f80`).
impl Value for abi_bridge::F80 {
    fn generate(st: &mut SplitMix64) -> Self {
        let significand = st.next();
        let sign_exp = leaf_bits(Scalar::U16, st.next());
        abi_bridge::F80::from_bits(u128::from(sign_exp) << 64 | u128::from(significand))
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        let bits = self.to_bits();
        out.push(bits as u64);
        out.push((bits >> 64) as u64);
    }
}

/// 128-bit vectors: their low and high 64 bits (`abt_from_m128`).
macro_rules! vector_values {
    ($($t:ident),*) => {$(
        impl Value for core::arch::x86_64::$t {
            fn generate(st: &mut SplitMix64) -> Self {
                let halves = [st.next(), st.next()];
                // SAFETY: every bit pattern is a valid vector of 16 bytes.
                unsafe { core::mem::transmute::<[u64; 2], Self>(halves) }
            }
            fn leaves(&self, out: &mut Vec<u64>) {
                // SAFETY: as above, both ways.
                out.extend(unsafe { core::mem::transmute::<Self, [u64; 2]>(*self) });
            }
        }
    )*};
}

vector_values!(__m128, __m128d, __m128i);

/// A complex number: its real part's leaf, then its imaginary part's.
impl<T: Value> Value for abi_bridge::Complex<T> {
    fn generate(st: &mut SplitMix64) -> Self {
        let re = T::generate(st);
        abi_bridge::Complex::new(re, T::generate(st))
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        self.re.leaves(out);
        self.im.leaves(out);
    }
}

impl<T: Value, const N: usize> Value for [T; N] {
    fn generate(st: &mut SplitMix64) -> Self {
        core::array::from_fn(|_| T::generate(st))
    }
    fn leaves(&self, out: &mut Vec<u64>) {
        self.iter().for_each(|v| v.leaves(out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi_bridge_runtime::ForeignType;

    #[test]
    fn typed_and_byte_values_draw_the_same_leaves() {
        let mut st = SplitMix64::new(7);
        let (a, b, c) = (i8::generate(&mut st), f32::generate(&mut st), <[u16; 3]>::generate(&mut st));
        let mut typed = Vec::new();
        a.leaves(&mut typed);
        b.leaves(&mut typed);
        c.leaves(&mut typed);
        let mut st = SplitMix64::new(7);
        let mut bytes = Vec::new();
        for ty in [i8::DESC, f32::DESC, <[u16; 3]>::DESC] {
            bytes.extend(leaves_of_bytes(ty, &generate_bytes(ty, &mut st)));
        }
        assert_eq!(typed, bytes);
    }
}
