use abi_bridge::ForeignType;

#[derive(ForeignType)]
#[repr(C)]
struct Handler {
    on_event: Box<dyn Fn()>,
}

fn main() {}
