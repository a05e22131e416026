//! The compile-time side of the macros: every mistake a user can make gets a
//! message on the token at fault (`ui/*.rs`, with the expected compiler
//! output in `ui/*.stderr`), and every supported form compiles and describes
//! itself as C lays it out (`ui/pass/*.rs`, whose `main` checks that).
//!
//! After changing a message on purpose, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p abi-bridge-tests --test ui` and review the
//! diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
