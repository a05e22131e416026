//! The compile-time side of the macros: every mistake a user can make gets a
//! message on the token at fault (`ui/*.rs`, with the expected compiler
//! output in `ui/*.stderr`), and every supported form compiles and describes
//! itself as C lays it out (`ui/pass/*.rs`, whose `main` checks that).
//!
//! After changing a message on purpose, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p abi-bridge-tests --test ui` and review the
//! diff.
//!
//! trybuild compiles the cases in a project of its own (`target/tests/trybuild/`)
//! that depends on this crate, built again with `--cfg trybuild`. There the
//! crate is empty and its build script skips the gcc corpus (see `build.rs`), so
//! a case can use `abi_bridge` but not `abi_bridge_tests`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
