use abi_bridge::foreign_abi;

#[foreign_abi(sysv64)]
extern "C" {
    fn make() -> Vec<u8>;
}

fn main() {}
