use abi_bridge::ForeignType;

// Every field without a C description is reported in one build, each on its
// type: the derive's own errors (128-bit integers) do not hide the
// compiler's (types that are not `ForeignType`).
#[derive(ForeignType)]
#[repr(C)]
struct Message<'a> {
    id: i128,
    body: String,
    bytes: Vec<u8>,
    checksum: u128,
    label: &'a str,
    len: u32,
}

fn main() {}
