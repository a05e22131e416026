//! A linked `#[foreign_abi]` block (`abi_bridge_tests::layer`) makes the code of all its functions on the
//! first call of any of them, published together (so they share pages,
//! instead of a page each). Its own test binary: the count of generated code
//! bytes is process-wide.

use abi_bridge::generated_code_bytes;
use abi_bridge_tests::layer::{layer_apply, layer_present, layer_sum40};

extern "C" fn negate(x: i32) -> i32 {
    -x
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
