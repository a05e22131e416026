use abi_bridge::{foreign_abi, ForeignType};

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct HostApi {
    log: extern "C" fn(i32),
}

#[foreign_abi(win64)]
extern "C" {
    fn plugin_init(api: HostApi) -> i32;
}

fn main() {}
