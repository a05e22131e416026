use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "by-ref"))]
struct Vec2 {
    x: f64,
    y: f64,
}

fn main() {}
