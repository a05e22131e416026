use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(Rust)]
struct Vec2 {
    x: f64,
    y: f64,
}

fn main() {}
