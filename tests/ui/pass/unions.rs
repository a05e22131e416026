//! `#[repr(C)]` unions: every field at offset 0, as large and as aligned as
//! the largest and most aligned member.
#![deny(warnings)]

use std::mem::{align_of, size_of};

use abi_bridge::plan::TypeKind;
use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub union Number {
    pub int: i64,
    pub float: f32,
    pub bytes: [u8; 12],
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Tagged {
    pub tag: u8,
    pub value: Number,
}

fn main() {
    let desc = Number::DESC;
    assert_eq!(desc.name, "Number");
    assert_eq!((desc.size, desc.align), (16, 8));
    assert_eq!((desc.size, desc.align), (size_of::<Number>(), align_of::<Number>()));
    match desc.kind {
        TypeKind::Union(fields) => {
            let names: Vec<_> = fields.iter().map(|f| (f.name, f.offset, f.ty.size)).collect();
            assert_eq!(names, [("int", 0, 8), ("float", 0, 4), ("bytes", 0, 12)]);
        }
        ref other => panic!("not a union: {other:?}"),
    }
    assert_eq!((Tagged::DESC.size, Tagged::DESC.align), (24, 8));
}
