//! `#[repr(transparent)]` newtypes travel as their one non-`PhantomData`
//! field, under their own name.
#![deny(warnings)]

use std::marker::PhantomData;

use abi_bridge::plan::{Scalar, TypeKind};
use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
pub struct Meters(pub f64);

#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
pub struct Position {
    pub at: Vec2,
}

/// A typed handle: the marker is zero-sized and does not travel.
#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
pub struct Handle<T> {
    pub raw: *mut u8,
    _kind: PhantomData<T>,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
pub struct Wrapper<T>(pub T, PhantomData<fn() -> T>);

fn main() {
    assert_eq!(Meters::DESC.name, "Meters");
    assert_eq!(Meters::DESC.as_scalar(), Some(Scalar::F64));
    assert_eq!(Position::DESC.name, "Position");
    assert_eq!((Position::DESC.size, Position::DESC.align), (16, 8));
    assert!(matches!(Position::DESC.kind, TypeKind::Struct(fields) if fields.len() == 2));
    assert_eq!(<Handle<String>>::DESC.as_scalar(), Some(Scalar::Pointer));
    assert_eq!(<Wrapper<u16>>::DESC.as_scalar(), Some(Scalar::U16));
    assert_eq!(<Wrapper<u16>>::DESC.name, "Wrapper");
    assert_eq!(<Wrapper<Vec2>>::DESC.size, 16);
}
