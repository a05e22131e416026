use abi_bridge::foreign_abi;

#[foreign_abi(stdcall)]
extern "C" {}

fn main() {}
