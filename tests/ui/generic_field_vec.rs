use abi_bridge::ForeignType;

// A generic struct gets `FieldType: ForeignType` bounds for the fields that
// name its parameters, so the mistake shows where an instance is described.
#[derive(ForeignType)]
#[repr(C)]
struct Batch<T> {
    len: u32,
    items: Vec<T>,
}

fn main() {
    let _ = <Batch<u8> as ForeignType>::DESC;
}
