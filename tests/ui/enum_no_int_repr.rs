use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
enum Color {
    Red,
    Green,
    Blue,
}

fn main() {}
