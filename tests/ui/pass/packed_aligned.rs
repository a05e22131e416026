//! `#[repr(C, packed)]`, `#[repr(C, packed(N))]` and `#[repr(C, align(N))]`
//! records: described as gcc lays out `__attribute__((packed))`,
//! `#pragma pack(N)` and `__attribute__((aligned(N)))`, with the classes
//! both conventions give them (sysv64: MEMORY when a field is unaligned;
//! win64: by size only).
#![deny(warnings)]

use std::mem::{align_of, offset_of, size_of};

use abi_bridge::plan::{sysv64, win64, TypeKind};
use abi_bridge::ForeignType;

/// `struct __attribute__((packed)) { char tag; int len; }`: 5 bytes, `len` at 1.
#[derive(Clone, Copy, ForeignType)]
#[repr(C, packed)]
#[foreign_type(expect(sysv64 = "memory", win64 = "by-ref"))]
pub struct Header {
    pub tag: u8,
    pub len: u32,
}

/// Packed, but every field happens to be aligned: classified as usual.
#[derive(Clone, Copy, ForeignType)]
#[repr(C, packed)]
#[foreign_type(expect(sysv64 = "integer", win64 = "integer"))]
pub struct Aligned8 {
    pub a: u32,
    pub b: u16,
    pub c: u8,
    pub d: u8,
}

/// `#pragma pack(2)`: `len` at 2, 6 bytes, aligned to 2.
#[derive(Clone, Copy, ForeignType)]
#[repr(C, packed(2))]
#[foreign_type(expect(sysv64 = "memory", win64 = "by-ref"))]
pub struct Pack2 {
    pub tag: u8,
    pub len: u32,
}

/// `__attribute__((aligned(16)))` around one `long`: 16 bytes, one INTEGER
/// eightbyte (the second is padding), by reference for win64.
#[derive(Clone, Copy, ForeignType)]
#[repr(C, align(16))]
#[foreign_type(expect(sysv64 = "integer", win64 = "by-ref"))]
pub struct Long16 {
    pub a: i64,
}

/// 32-byte aligned: MEMORY for sysv64 (over 16 bytes).
#[derive(Clone, Copy, ForeignType)]
#[repr(C, align(32))]
#[foreign_type(expect(sysv64 = "memory", win64 = "by-ref"))]
pub struct Block32 {
    pub x: f32,
    pub y: f32,
}

/// An over-aligned union.
#[derive(Clone, Copy, ForeignType)]
#[repr(C, align(8))]
pub union Word {
    pub bytes: [u8; 4],
    pub value: u32,
}

fn main() {
    let shape = |d: &abi_bridge::TypeDesc| (d.size, d.align);
    assert_eq!(shape(Header::DESC), (size_of::<Header>(), align_of::<Header>()));
    assert_eq!(shape(Header::DESC), (5, 1));
    let TypeKind::Struct(fields) = Header::DESC.kind else { panic!("a struct") };
    assert_eq!(fields[1].offset, offset_of!(Header, len));
    assert_eq!(shape(Pack2::DESC), (6, 2));
    assert_eq!(shape(Long16::DESC), (16, 16));
    assert_eq!(shape(Block32::DESC), (32, 32));
    assert_eq!(shape(Word::DESC), (8, 8));
    assert_eq!(sysv64::classify_type(Word::DESC).describe(), "integer");
    assert_eq!(win64::classify_type(Aligned8::DESC).describe(), "integer");
}
