use abi_bridge::foreign_abi;
use core::ffi::c_char;

#[foreign_abi(win64)]
extern "C" {
    fn printf(format: *const c_char, ...) -> i32;
}

fn main() {
    unsafe { printf(c"%d".as_ptr(), ([1u8, 2, 3, 4],)) };
}
