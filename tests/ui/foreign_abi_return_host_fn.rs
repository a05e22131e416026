use abi_bridge::foreign_abi;

#[foreign_abi(win64)]
extern "C" {
    fn plugin_entry() -> extern "C" fn(i32) -> i32;
}

fn main() {}
