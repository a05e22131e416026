use abi_bridge::foreign_abi;
use core::arch::x86_64::__m256;

#[foreign_abi(sysv64)]
extern "C" {
    fn scale8(v: __m256, k: f32) -> f32;
}

fn main() {
    let _ = scale8;
}
