use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C, packed, align(16))]
struct Header {
    tag: u8,
    len: u32,
}

fn main() {}
