use abi_bridge::ForeignType;

#[derive(ForeignType)]
#[repr(C)]
struct Buffer {
    bytes: Vec<u8>,
}

fn main() {}
