use abi_bridge::foreign_abi;

#[foreign_abi(win64)]
extern "C" {
    #[optional]
    fn maybe(a: i32) -> i32;
}

fn main() {}
