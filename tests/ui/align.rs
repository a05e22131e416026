use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C, align(16))]
struct Aligned {
    x: f32,
}

fn main() {}
