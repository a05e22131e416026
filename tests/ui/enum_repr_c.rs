use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
enum Color {
    Red,
    Green,
    Blue,
}

fn main() {}
