//! `#[foreign_type(expect(..))]` that hold, for every class of both
//! conventions; `main` checks that the classifiers agree at run time.
#![deny(warnings)]

use abi_bridge::plan::{sysv64, win64};
use abi_bridge::ForeignType;

macro_rules! expect {
    ($($name:ident { $($field:ident: $ty:ty),* } sysv64 = $sysv:literal, win64 = $win:literal;)*) => {
        $(
            #[derive(Clone, Copy, ForeignType)]
            #[repr(C)]
            #[foreign_type(expect(sysv64 = $sysv, win64 = $win))]
            pub struct $name { $(pub $field: $ty),* }
        )*

        fn main() {
            $(
                assert_eq!(sysv64::classify_type($name::DESC).describe(), $sysv);
                assert_eq!(win64::classify_type($name::DESC).describe(), $win);
            )*
            assert_eq!(win64::classify_type(Meters::DESC).describe(), "sse");
            assert_eq!(sysv64::classify_type(Meters::DESC).describe(), "sse");
            assert_eq!(win64::classify_type(Level::DESC).describe(), "integer");
            assert_eq!(sysv64::classify_type(Vec2::DESC).describe(), "sse, sse");
        }
    };
}

expect! {
    Vec3 { x: f64, y: f64, z: f64 } sysv64 = "memory", win64 = "by-ref";
    Ints { a: i32, b: i32 } sysv64 = "integer", win64 = "integer";
    Vec2f { x: f32, y: f32 } sysv64 = "sse", win64 = "integer";
    Longs { a: i64, b: i64 } sysv64 = "integer, integer", win64 = "by-ref";
    IntFloat { a: i64, b: f64 } sysv64 = "integer, sse", win64 = "by-ref";
    FloatInt { a: f64, b: i64 } sysv64 = "sse, integer", win64 = "by-ref";
    Vec2 { x: f64, y: f64 } sysv64 = "sse, sse", win64 = "by-ref";
    Phasor { z: abi_bridge::Complex<f32> } sysv64 = "sse", win64 = "integer";
    Impedance { z: abi_bridge::Complex<f64> } sysv64 = "sse, sse", win64 = "by-ref";
    TaggedPhasor { z: abi_bridge::Complex<f32>, tag: u32 } sysv64 = "sse, integer", win64 = "by-ref";
    Extended { x: abi_bridge::F80 } sysv64 = "x87, x87up", win64 = "by-ref";
    ExtendedAndTag { x: abi_bridge::F80, tag: u8 } sysv64 = "memory", win64 = "by-ref";
    Lanes { v: core::arch::x86_64::__m128 } sysv64 = "sse, sseup", win64 = "by-ref";
    LanesAndScale { v: core::arch::x86_64::__m128d, k: f32 } sysv64 = "memory", win64 = "by-ref";
}

/// Either key alone, and spacing or case that differs from the canonical
/// spelling.
#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
#[foreign_type(expect(win64 = "SSE"))]
#[foreign_type(expect(sysv64 = "sse"))]
pub struct Meters(pub f64);

#[derive(Clone, Copy, ForeignType)]
#[repr(i32)]
#[foreign_type(expect(win64 = "integer"))]
pub enum Level {
    Low,
    High,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "sse,integer"))]
pub struct Mixed {
    pub x: f32,
    pub y: f32,
    pub n: u32,
}

const _: () = assert!(Level::High as i32 == 1 && Level::Low as i32 == 0);
const _: () = assert!(Mixed::DESC.size == 12);
