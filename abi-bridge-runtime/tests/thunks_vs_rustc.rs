//! Thunks for every pair of conventions, checked against rustc: rustc compiles
//! both the call into the thunk (`extern "<from>" fn` pointer) and the target
//! (`extern "<to>" fn`), so every byte that crosses is placed by the compiler.
//! Callbacks likewise: rustc calls the entry through an `extern "win64"` or
//! `extern "sysv64"` fn pointer, as foreign code compiled by it would.

use abi_bridge_runtime::layout::RecordLayout;
use abi_bridge_runtime::types::{Field, TypeKind};
use abi_bridge_runtime::{Callback, Conv, ForeignType, Signature, Thunk, TypeDesc};

/// Implements `ForeignType` for a `#[repr(C)]` test struct by hand.
macro_rules! foreign_struct {
    ($name:ident { $($f:ident : $t:ty),* }) => {
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq)]
        struct $name { $($f: $t),* }
        // SAFETY: the layout is computed by C rules and checked against rustc's below.
        unsafe impl ForeignType for $name {
            const DESC: &'static TypeDesc = &{
                let mut l = RecordLayout::new(false);
                $(let $f = l.place(<$t as ForeignType>::DESC.size, <$t as ForeignType>::DESC.align); assert!($f == core::mem::offset_of!($name, $f));)*
                assert!(l.size() == core::mem::size_of::<$name>());
                TypeDesc { name: stringify!($name), size: l.size(), align: l.align(),
                    kind: TypeKind::Struct(&[$(Field { name: stringify!($f), offset: $f, ty: <$t as ForeignType>::DESC }),*]) }
            };
        }
    };
}

foreign_struct!(Vec2 { x: f64, y: f64 });
foreign_struct!(F3 { a: f32, b: f32, c: f32 });
foreign_struct!(CharDouble { c: i8, d: f64 });
foreign_struct!(Big { a: f64, b: i64, c: f64 });
foreign_struct!(B3 { a: u8, b: u8, c: u8 });
foreign_struct!(B7 { a: u8, b: u16, c: u32 });
foreign_struct!(FF { a: f32, b: f32 });
foreign_struct!(LD { a: i64, b: f64 });

fn mix(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29)
}

trait Bits {
    fn bits(&self) -> u64;
}
macro_rules! int_bits { ($($t:ty),*) => {$( impl Bits for $t { fn bits(&self) -> u64 { *self as u64 } } )*}; }
int_bits!(i8, i16, i32, i64, u8, u16, u32, u64);
impl Bits for bool {
    fn bits(&self) -> u64 {
        *self as u64
    }
}
impl Bits for f32 {
    fn bits(&self) -> u64 {
        self.to_bits() as u64
    }
}
impl Bits for f64 {
    fn bits(&self) -> u64 {
        self.to_bits()
    }
}
impl Bits for Vec2 {
    fn bits(&self) -> u64 {
        mix(self.x.bits(), self.y.bits())
    }
}
impl Bits for F3 {
    fn bits(&self) -> u64 {
        mix(mix(self.a.bits(), self.b.bits()), self.c.bits())
    }
}
impl Bits for CharDouble {
    fn bits(&self) -> u64 {
        mix(self.c.bits(), self.d.bits())
    }
}
impl Bits for Big {
    fn bits(&self) -> u64 {
        mix(mix(self.a.bits(), self.b.bits()), self.c.bits())
    }
}
impl Bits for B3 {
    fn bits(&self) -> u64 {
        mix(mix(self.a.bits(), self.b.bits()), self.c.bits())
    }
}
impl Bits for B7 {
    fn bits(&self) -> u64 {
        mix(mix(self.a.bits(), self.b.bits()), self.c.bits())
    }
}
impl Bits for FF {
    fn bits(&self) -> u64 {
        mix(self.a.bits(), self.b.bits())
    }
}
impl Bits for LD {
    fn bits(&self) -> u64 {
        mix(self.a.bits(), self.b.bits())
    }
}

/// Builds a value of each type from a hash, so the return path is checked too.
trait FromHash {
    fn from_hash(h: u64) -> Self;
}
macro_rules! int_from { ($($t:ty),*) => {$( impl FromHash for $t { fn from_hash(h: u64) -> Self { h as $t } } )*}; }
int_from!(i8, i16, i32, i64, u8, u16, u32, u64);
impl FromHash for () {
    fn from_hash(_: u64) -> Self {}
}
impl FromHash for bool {
    fn from_hash(h: u64) -> Self {
        h & 1 == 1
    }
}
impl FromHash for f32 {
    fn from_hash(h: u64) -> Self {
        (h % 100_000) as f32 / 7.0
    }
}
impl FromHash for f64 {
    fn from_hash(h: u64) -> Self {
        (h % 100_000_000) as f64 / 3.0
    }
}
impl FromHash for Vec2 {
    fn from_hash(h: u64) -> Self {
        Vec2 { x: f64::from_hash(h), y: f64::from_hash(mix(h, 1)) }
    }
}
impl FromHash for F3 {
    fn from_hash(h: u64) -> Self {
        F3 { a: f32::from_hash(h), b: f32::from_hash(mix(h, 1)), c: f32::from_hash(mix(h, 2)) }
    }
}
impl FromHash for CharDouble {
    fn from_hash(h: u64) -> Self {
        CharDouble { c: h as i8, d: f64::from_hash(mix(h, 1)) }
    }
}
impl FromHash for Big {
    fn from_hash(h: u64) -> Self {
        Big { a: f64::from_hash(h), b: mix(h, 1) as i64, c: f64::from_hash(mix(h, 2)) }
    }
}
impl FromHash for B3 {
    fn from_hash(h: u64) -> Self {
        B3 { a: h as u8, b: (h >> 8) as u8, c: (h >> 16) as u8 }
    }
}
impl FromHash for B7 {
    fn from_hash(h: u64) -> Self {
        B7 { a: h as u8, b: (h >> 8) as u16, c: (h >> 24) as u32 }
    }
}
impl FromHash for FF {
    fn from_hash(h: u64) -> Self {
        FF { a: f32::from_hash(h), b: f32::from_hash(mix(h, 1)) }
    }
}
impl FromHash for LD {
    fn from_hash(h: u64) -> Self {
        LD { a: h as i64, b: f64::from_hash(mix(h, 1)) }
    }
}

/// For one signature: a target per convention computing a hash of its
/// arguments, and a check through each of the four (from, to) thunks.
macro_rules! check_signature {
    ($test:ident: fn($($a:ident: $t:ty),*) -> $r:ty) => {
        #[test]
        fn $test() {
            fn body($($a: $t),*) -> $r {
                let mut h = 0x1234_5678_u64;
                $(h = mix(h, $a.bits());)*
                <$r>::from_hash(h)
            }
            extern "win64" fn to_win64($($a: $t),*) -> $r { body($($a),*) }
            extern "sysv64" fn to_sysv64($($a: $t),*) -> $r { body($($a),*) }
            let sig = Signature::of::<fn($($t),*) -> $r>();
            for seed in 1..=3u64 {
                let mut s = seed;
                $(s = mix(s, 77); let $a = <$t>::from_hash(s);)*
                let expected = body($($a),*);
                for (to, target) in [(Conv::Win64, to_win64 as *const ()), (Conv::SysV64, to_sysv64 as *const ())] {
                    let from_sysv = Thunk::new(Conv::SysV64, to, &sig, target.cast()).unwrap();
                    // SAFETY: the thunk is callable as sysv64 with this signature.
                    let f: extern "sysv64" fn($($t),*) -> $r = unsafe { core::mem::transmute(from_sysv.entry()) };
                    assert_eq!(f($($a),*), expected, "sysv64 -> {to}: {}", abi_bridge_runtime::classify(to, &sig));
                    let from_win = Thunk::new(Conv::Win64, to, &sig, target.cast()).unwrap();
                    // SAFETY: the thunk is callable as win64 with this signature.
                    let g: extern "win64" fn($($t),*) -> $r = unsafe { core::mem::transmute(from_win.entry()) };
                    assert_eq!(g($($a),*), expected, "win64 -> {to}: {}", abi_bridge_runtime::classify(to, &sig));
                }
                // Callbacks: rustc calls the entry as foreign code would.
                let calls = std::sync::atomic::AtomicUsize::new(0);
                let closure = |$($a: $t),*| { calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed); body($($a),*) };
                let cb = Callback::<fn($($t),*) -> $r>::new(Conv::Win64, closure).unwrap();
                assert_eq!(cb.as_win64().unwrap()($($a),*), expected, "win64 callback: {}", abi_bridge_runtime::classify(Conv::Win64, &sig));
                let cb = Callback::<fn($($t),*) -> $r>::new(Conv::SysV64, closure).unwrap();
                assert_eq!(cb.as_sysv64().unwrap()($($a),*), expected, "sysv64 callback");
                let mut count = 0;
                let cb = Callback::<fn($($t),*) -> $r>::new_mut(Conv::Win64, |$($a: $t),*| { count += 1; body($($a),*) }).unwrap();
                assert_eq!(cb.as_win64().unwrap()($($a),*), expected, "win64 FnMut callback");
                drop(cb);
                assert_eq!((calls.load(std::sync::atomic::Ordering::Relaxed), count), (2, 1));
            }
        }
    };
}

check_signature!(two_ints: fn(a: i32, b: i32) -> i32);
check_signature!(small_ints: fn(a: i8, b: u16, c: bool, d: i16, e: u8) -> i8);
check_signature!(small_int_returns: fn(a: u8) -> u16);
check_signature!(bool_return: fn(a: i64) -> bool);
check_signature!(twelve_mixed: fn(a: i8, b: u16, c: bool, d: i64, e: f32, f: f64, g: u8, h: i16, i: i32, j: u64, k: f64, l: f32) -> i64);
check_signature!(vec2: fn(a: Vec2, b: Vec2) -> Vec2);
check_signature!(f3: fn(a: F3, b: f32, c: F3) -> F3);
check_signature!(char_double_after_five_ints: fn(a: i32, b: i32, c: i32, d: i32, e: i32, f: CharDouble) -> CharDouble);
check_signature!(straddle: fn(a: i64, b: i64, c: i64, d: i64, e: i64, f: LD, g: f64) -> LD);
check_signature!(big: fn(a: Big, b: i32, c: Big, d: f64, e: i64, f: i64, g: i64, h: i64, i: i64) -> Big);
check_signature!(three_bytes: fn(a: B3, b: B3, c: B7) -> B3);
check_signature!(seven_bytes: fn(a: B7, b: f64) -> B7);
check_signature!(float_pair: fn(a: FF, b: FF, c: f32) -> FF);
check_signature!(nine_floats: fn(a: f64, b: f32, c: f64, d: f64, e: f64, f: f64, g: f64, h: f64, i: f64) -> f64);
check_signature!(sixteen: fn(a: i64, b: f64, c: i8, d: F3, e: Vec2, f: u16, g: B3, h: f32, i: Big, j: bool, k: i32, l: LD, m: f64, n: CharDouble, o: u64, p: B7) -> F3);
check_signature!(void_return: fn(a: i32, b: Vec2) -> ());
