use abi_bridge::ForeignType;

// A hand-written description that lies: `Id` is 4 bytes, but claims to be a
// 1-byte `u8`.
#[derive(Clone, Copy)]
#[repr(transparent)]
struct Id(u32);

// SAFETY: none; this description is deliberately wrong.
unsafe impl ForeignType for Id {
    const DESC: &'static abi_bridge::TypeDesc = <u8 as ForeignType>::DESC;
}

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct Entry {
    id: Id,
    flag: u8,
}

fn main() {}
