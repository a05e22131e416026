use abi_bridge::foreign_abi;

#[foreign_abi(win64)]
extern "win64" {
    fn add(a: i32, b: i32) -> i32;
}

fn main() {}
