use abi_bridge::foreign_abi;

#[foreign_abi(win64)]
extern "C" {
    static COUNTER: i32;
}

fn main() {}
