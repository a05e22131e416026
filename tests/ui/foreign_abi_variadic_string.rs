use abi_bridge::foreign_abi;
use core::ffi::c_char;

#[foreign_abi(sysv64, library = Plugin)]
extern "C" {
    fn log(level: i32, format: *const c_char, ...);
}

fn run(plugin: &Plugin) {
    unsafe { plugin.log(1, c"%s".as_ptr(), (String::from("hello"),)) };
}

fn main() {}
