// A DLL calls its imports with the win64 convention: a host function of
// another convention is refused when the options are built.
use abi_bridge::pe::LoadOptions;

extern "C" fn beep(_hz: u32, _ms: u32) -> i32 {
    1
}

fn main() {
    let _ = LoadOptions::new().import("kernel32.dll", "Beep", beep as extern "C" fn(u32, u32) -> i32);
}
