use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(transparent)]
struct Meters(f64, ());

fn main() {}
