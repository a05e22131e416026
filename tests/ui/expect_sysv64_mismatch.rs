use abi_bridge::ForeignType;

// 24 bytes: larger than two eightbytes, so sysv64 passes it in memory.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "sse, sse"))]
struct Vec3 {
    x: f64,
    y: f64,
    z: f64,
}

fn main() {}
