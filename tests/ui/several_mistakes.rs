use abi_bridge::ForeignType;

// Every mistake of one input is reported in one build.
#[derive(ForeignType)]
#[repr(C, packed)]
#[foreign_type(expect(win64 = "register", sysv64 = "sse"))]
struct Record {
    id: u128,
    value: i128,
    name: String,
}

fn main() {}
