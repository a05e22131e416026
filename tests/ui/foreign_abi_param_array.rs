use abi_bridge::foreign_abi;

#[foreign_abi(win64, library = Plugin)]
extern "C" {
    fn checksum(bytes: [u8; 16]) -> u32;
}

fn main() {}
