use abi_bridge::foreign_abi;

#[foreign_abi(win64)]
extern "C" {
    fn printf_like(format: *const u8, ...) -> i32;
}

fn main() {}
