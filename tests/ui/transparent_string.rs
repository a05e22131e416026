use abi_bridge::ForeignType;

#[derive(ForeignType)]
#[repr(transparent)]
struct Name(String);

fn main() {}
