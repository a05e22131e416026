use abi_bridge::ForeignType;

#[derive(ForeignType)]
#[repr(C)]
struct Label<'a> {
    text: &'a str,
}

fn main() {}
