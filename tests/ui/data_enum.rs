use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C, u8)]
enum Shape {
    Empty,
    Circle(f64),
}

fn main() {}
