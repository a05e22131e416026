use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct Wide {
    tag: u8,
    value: i128,
}

fn main() {}
