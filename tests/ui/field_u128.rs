use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct Hashes {
    digests: [u128; 2],
}

fn main() {}
