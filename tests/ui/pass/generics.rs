//! Generic records: bounds only where a field's description needs one, and
//! lifetime-only parameters, which are checked (and may carry expectations)
//! like plain types.
#![deny(warnings)]

use abi_bridge::plan::Scalar;
use abi_bridge::ForeignType;

/// `*const T` crosses as a pointer whatever `T` is.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Slice<T> {
    pub ptr: *const T,
    pub len: usize,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
pub struct Pair<A, B> {
    pub a: A,
    pub b: B,
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "integer, integer", win64 = "by-ref"))]
pub struct Borrowed<'a, 'b> {
    pub name: &'a u8,
    pub values: Option<&'b [f64; 4]>,
}

fn main() {
    assert_eq!(<Slice<String>>::DESC.size, 16);
    assert_eq!(<Pair<u8, f64>>::DESC.size, 16);
    assert_eq!(<Pair<Pair<u8, u8>, u16>>::DESC.size, 4);
    let desc = <Borrowed<'static, 'static>>::DESC;
    assert_eq!(desc.name, "Borrowed");
    match desc.kind {
        abi_bridge::plan::TypeKind::Struct(fields) => {
            assert!(fields.iter().all(|f| f.ty.as_scalar() == Some(Scalar::Pointer)));
        }
        ref other => panic!("not a struct: {other:?}"),
    }
}
