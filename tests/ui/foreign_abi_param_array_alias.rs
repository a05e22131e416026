use abi_bridge::foreign_abi;

type Digest = [u8; 16];

#[foreign_abi(win64)]
extern "C" {
    fn checksum(bytes: Digest) -> u32;
}

fn main() {}
