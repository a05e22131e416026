//! A linked `#[foreign_abi]` block makes the code of all its functions on the
//! first call of any of them, published together (so they share pages,
//! instead of a page each). Its own test binary: the count of generated code
//! bytes is process-wide.

use abi_bridge::{foreign_abi, generated_code_bytes};
// The gcc-built fixtures are linked through this crate.
use abi_bridge_tests as _;

extern "C" fn negate(x: i32) -> i32 {
    -x
}

#[foreign_abi(win64)]
extern "C" {
    fn layer_present(x: i32) -> i32;
    fn layer_apply(f: extern "C" fn(i32) -> i32, x: i32) -> i32;
    fn layer_sum40(
        a0: i64,
        a1: f64,
        a2: i64,
        a3: f64,
        a4: i64,
        a5: f64,
        a6: i64,
        a7: f64,
        a8: i64,
        a9: f64,
        a10: i64,
        a11: f64,
        a12: i64,
        a13: f64,
        a14: i64,
        a15: f64,
        a16: i64,
        a17: f64,
        a18: i64,
        a19: f64,
        a20: i64,
        a21: f64,
        a22: i64,
        a23: f64,
        a24: i64,
        a25: f64,
        a26: i64,
        a27: f64,
        a28: i64,
        a29: f64,
        a30: i64,
        a31: f64,
        a32: i64,
        a33: f64,
        a34: i64,
        a35: f64,
        a36: i64,
        a37: f64,
        a38: i64,
        a39: f64,
    ) -> f64;
}

#[test]
fn the_first_call_makes_the_whole_blocks_code() {
    // Wrapping `negate` for win64 code needs a reverse thunk: make its code
    // now, so that what follows counts only the block's forward code.
    let sig = abi_bridge::Signature::of::<extern "C" fn(i32) -> i32>();
    let wrapped = abi_bridge::Thunk::new(abi_bridge::Conv::Win64, abi_bridge::Conv::SysV64, &sig, negate as *const _);
    drop(wrapped.expect("a reverse thunk"));

    let before = generated_code_bytes();
    // SAFETY: as declared in c/layer.c.
    assert_eq!(unsafe { layer_present(1) }, 2);
    let after_first = generated_code_bytes();
    assert!(after_first > before, "the first call generates code");
    // SAFETY: as above; `layer_apply` calls its ms_abi pointer.
    assert_eq!(unsafe { layer_apply(negate, 4) }, -7);
    // SAFETY: as above.
    let sum = unsafe {
        layer_sum40(
            0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0,
            0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 1.0,
        )
    };
    assert_eq!(sum, 40.0);
    assert_eq!(generated_code_bytes(), after_first, "the other functions' code was made by the first call");
}
