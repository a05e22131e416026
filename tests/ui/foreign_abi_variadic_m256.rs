use abi_bridge::foreign_abi;
use core::arch::x86_64::{__m256d, _mm256_setzero_pd};
use core::ffi::c_char;

#[foreign_abi(win64)]
extern "C" {
    fn printf(format: *const c_char, ...) -> i32;
}

fn main() {
    // SAFETY: never runs; the call is refused at compile time.
    let v: __m256d = unsafe { _mm256_setzero_pd() };
    unsafe { printf(c"%d".as_ptr(), (v,)) };
}
