use abi_bridge::foreign_abi;

#[foreign_abi(win64, library = Plugin)]
extern "C" {
    fn greet(name: String) -> i32;
}

fn main() {}
