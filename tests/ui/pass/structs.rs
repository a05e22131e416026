//! `#[repr(C)]` structs: padding, nesting, arrays, tuple structs, pointers,
//! and generic structs; `main` checks each description against rustc.
#![deny(warnings)]

use std::mem::{align_of, offset_of, size_of};
use std::ptr::NonNull;

use abi_bridge::plan::TypeKind;
use abi_bridge::{ForeignType, TypeDesc};

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

/// `u8` then `f64`: 7 bytes of padding; `u16` last: 6 bytes of tail padding.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Padded {
    pub tag: u8,
    pub value: f64,
    pub count: u16,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Nested {
    pub flag: bool,
    pub inner: Padded,
    pub points: [Vec2; 2],
    pub small: [u8; 3],
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Tuple(pub u8, pub i32, pub f32);

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Pointers<'a> {
    pub data: *const u8,
    pub out: *mut f64,
    pub shared: &'a Vec2,
    pub maybe: Option<&'a Padded>,
    pub non_null: Option<NonNull<u8>>,
    pub callback: Option<extern "C" fn(i32) -> i32>,
    pub win64_callback: unsafe extern "win64" fn(*const u8, usize),
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Pair<T, const N: usize> {
    pub first: T,
    pub rest: [T; N],
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Keywords {
    pub r#type: u32,
    pub r#struct: u16,
}

fn fields(desc: &TypeDesc) -> Vec<(&'static str, usize)> {
    match desc.kind {
        TypeKind::Struct(fields) => fields.iter().map(|f| (f.name, f.offset)).collect(),
        ref other => panic!("{} is not a struct: {other:?}", desc.name),
    }
}

fn check<T: ForeignType>(name: &str, offsets: &[(&str, usize)]) {
    let desc = T::DESC;
    assert_eq!(desc.name, name);
    assert_eq!((desc.size, desc.align), (size_of::<T>(), align_of::<T>()), "{name}");
    assert_eq!(fields(desc), offsets, "{name}");
}

fn main() {
    check::<Vec2>("Vec2", &[("x", offset_of!(Vec2, x)), ("y", offset_of!(Vec2, y))]);
    check::<Vec2>("Vec2", &[("x", 0), ("y", 8)]);
    check::<Padded>("Padded", &[("tag", 0), ("value", 8), ("count", 16)]);
    assert_eq!(Padded::DESC.size, 24);
    check::<Nested>("Nested", &[("flag", 0), ("inner", 8), ("points", 32), ("small", 64)]);
    assert_eq!(Nested::DESC.size, 72);
    match fields_of(Nested::DESC)[2].ty.kind {
        TypeKind::Array { elem, len } => assert_eq!((elem.name, len), ("Vec2", 2)),
        ref other => panic!("`points` is not an array: {other:?}"),
    }
    check::<Tuple>("Tuple", &[("0", 0), ("1", 4), ("2", 8)]);
    check::<Pointers<'static>>(
        "Pointers",
        &[
            ("data", 0),
            ("out", 8),
            ("shared", 16),
            ("maybe", 24),
            ("non_null", 32),
            ("callback", 40),
            ("win64_callback", 48),
        ],
    );
    check::<Pair<u8, 3>>("Pair", &[("first", 0), ("rest", 1)]);
    assert_eq!(<Pair<u8, 3>>::DESC.size, 4);
    check::<Pair<f64, 1>>("Pair", &[("first", 0), ("rest", 8)]);
    check::<Pair<Vec2, 2>>("Pair", &[("first", 0), ("rest", 16)]);
    check::<Keywords>("Keywords", &[("type", 0), ("struct", 4)]);
}

fn fields_of(desc: &TypeDesc) -> &'static [abi_bridge::plan::Field] {
    match desc.kind {
        TypeKind::Struct(fields) => fields,
        ref other => panic!("{} is not a struct: {other:?}", desc.name),
    }
}
