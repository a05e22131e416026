use abi_bridge::ForeignType;

#[derive(ForeignType)]
#[repr(C)]
struct Person {
    age: u32,
    name: String,
}

fn main() {}
