use abi_bridge::ForeignType;

// Every mistake of one input is reported in one build.
#[derive(Clone, Copy, ForeignType)]
#[repr(C, packed)]
#[foreign_type(expect(win64 = "register", sysv64 = "sse"))]
struct Record {
    id: u128,
    value: i128,
}

fn main() {}
