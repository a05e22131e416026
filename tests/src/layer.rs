//! One linked `#[foreign_abi(win64)]` block of `c/layer.c` functions, shared
//! by the test binaries that call them (`macro_layer.rs`, `linked_block.rs`:
//! each binary gets its own copy of the block's state).

use abi_bridge::foreign_abi;

#[foreign_abi(win64)]
extern "C" {
    /// `x + 1`.
    pub fn layer_present(x: i32) -> i32;
    /// `f(x) * 2 + 1`, calling `f` as ms_abi code does.
    pub fn layer_apply(f: extern "C" fn(i32) -> i32, x: i32) -> i32;
    /// `sum((i + 1) * v[i])` over 40 arguments, ints and doubles interleaved.
    pub fn layer_sum40(
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
