use abi_bridge::ForeignType;

#[derive(Clone, Copy, ForeignType)]
#[repr(u8, align(4))]
enum Mode {
    Off,
    On,
}

fn main() {}
