//! 128-bit integers as fields, newtypes and enum reprs: described as gcc
//! lays out `__int128` (16 bytes, aligned to 16, which rustc matches since
//! 1.77), with the classes both conventions give them.
#![deny(warnings)]

use std::mem::{align_of, offset_of, size_of};

use abi_bridge::plan::{sysv64, win64};
use abi_bridge::ForeignType;

/// `{ int8_t tag; __int128 value; }`: 15 bytes of padding, 32 bytes in all.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "memory", win64 = "by-ref"))]
pub struct Wide {
    pub tag: u8,
    pub value: i128,
}

/// One `unsigned __int128`: two INTEGER eightbytes for sysv64.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "integer, integer", win64 = "by-ref"))]
pub struct Digest {
    pub bits: u128,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Hashes {
    pub digests: [u128; 2],
}

#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
pub struct Id(pub u128);

#[derive(Clone, Copy, ForeignType)]
#[repr(i128)]
pub enum Big {
    Low = -1,
    High = 1 << 100,
}

fn main() {
    assert_eq!((Wide::DESC.size, Wide::DESC.align), (size_of::<Wide>(), align_of::<Wide>()));
    assert_eq!((Wide::DESC.size, Wide::DESC.align), (32, 16));
    let abi_bridge::plan::TypeKind::Struct(fields) = Wide::DESC.kind else { panic!("a struct") };
    assert_eq!(fields[1].offset, offset_of!(Wide, value));
    assert_eq!((Hashes::DESC.size, Hashes::DESC.align), (32, 16));
    assert_eq!(sysv64::classify_type(Hashes::DESC).describe(), "memory");
    assert_eq!(sysv64::classify_type(Id::DESC).describe(), "integer, integer");
    assert_eq!(win64::classify_type(Big::DESC).describe(), "by-ref");
    assert_eq!((Big::DESC.size, Big::DESC.align), (16, 16));
    let _ = (Big::Low, Big::High);
}
