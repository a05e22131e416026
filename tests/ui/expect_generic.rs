use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "sse, sse"))]
struct Pair<T> {
    a: T,
    b: T,
}

fn main() {}
