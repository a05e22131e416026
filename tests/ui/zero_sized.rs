use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct Nothing {}

fn main() {}
