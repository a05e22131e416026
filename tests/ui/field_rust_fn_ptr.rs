use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct Ops {
    apply: fn(i32) -> i32,
}

fn main() {}
