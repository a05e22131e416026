use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
struct Vec2 {
    x: f64,
    y: f64,
}

fn main() {}
