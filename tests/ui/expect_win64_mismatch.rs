use abi_bridge::ForeignType;

// 8 bytes: win64 passes it in a general-purpose register, floats or not.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(win64 = "sse"))]
struct Vec2f {
    x: f32,
    y: f32,
}

fn main() {}
