use abi_bridge::foreign_abi;

#[foreign_abi(win64, library = Plugin)]
extern "C" {
    fn load(path: *const u8) -> i32;
    fn load_with(path: *const u8, flags: u32) -> i32;
    #[optional]
    fn frame(x: i32) -> i32;
    fn has_frame() -> bool;
}

fn main() {}
