//! `long double` against the host's own C library (glibc, compiled by gcc,
//! sysv64): its functions that take and return one, called through
//! `#[foreign_abi]` with `abi_bridge::F80`. The expected bits are what
//! gcc-compiled C gets from the same calls (see each constant).
//!
//! (A `long double` as a variadic argument is still refused at compile
//! time: the variadic pack holds values aligned to at most 8 bytes.)
//!
//! The corpus (`tests/build/corpus.rs`, kind `c_kinds::X87`) checks the
//! rest: every path, both conventions, against gcc on both sides.

use core::ffi::c_char;

use abi_bridge::{foreign_abi, F80};

#[foreign_abi(sysv64)]
extern "C" {
    /// Returns in st0.
    fn strtold(text: *const c_char, end: *mut *mut c_char) -> F80;
    /// Takes the `long double` on the stack, returns in st0.
    fn ldexpl(x: F80, exp: i32) -> F80;
}

/// `strtold("0.1")` as gcc-compiled C stores it: the nearest 80-bit value.
const TENTH: u128 = 0x3FFB_CCCC_CCCC_CCCC_CCCD;
/// `ldexpl(TENTH, 3)`.
const EIGHT_TENTHS: u128 = 0x3FFE_CCCC_CCCC_CCCC_CCCD;
/// `strtold("1e4000")`: past `double`'s range.
const BIG: u128 = 0x73E6_D1BA_8323_FE55_8C61;

#[test]
fn glibc_returns_long_doubles_in_st0_and_takes_them_on_the_stack() {
    // SAFETY: glibc's functions, declared with their C signatures; the
    // strings are NUL-terminated and `end` may be null.
    let tenth = unsafe { strtold(c"0.1".as_ptr(), core::ptr::null_mut()) };
    assert_eq!(tenth.to_bits(), TENTH, "{tenth:?}");
    // SAFETY: as above.
    let big = unsafe { strtold(c"1e4000".as_ptr(), core::ptr::null_mut()) };
    assert_eq!(big.to_bits(), BIG, "{big:?}");
    assert_eq!(big.to_f64(), f64::INFINITY);
    // Six integer registers are not involved: the value is on the stack,
    // the exponent in rdi.
    // SAFETY: as above.
    let scaled = unsafe { ldexpl(tenth, 3) };
    assert_eq!(scaled.to_bits(), EIGHT_TENTHS, "{scaled:?}");
    // SAFETY: as above.
    let small = unsafe { ldexpl(F80::from_f64(0.75), -2) };
    assert_eq!(small.to_f64(), 0.1875);
}
