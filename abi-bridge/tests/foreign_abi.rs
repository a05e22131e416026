//! `#[foreign_abi]` end to end against a real shared object (the system's
//! libm), including every way loading can fail.

use std::error::Error as _;

use abi_bridge::{foreign_abi, Error};

#[foreign_abi(sysv64, library = LibM)]
extern "C" {
    /// The cosine.
    fn cos(x: f64) -> f64;
    #[link_name = "ldexp"]
    fn scale_by_power_of_two(x: f64, exp: i32) -> f64;
    #[optional]
    fn abi_bridge_no_such_function(x: i32) -> i32;
}

#[foreign_abi(sysv64, library = LibMWithAMissingSymbol)]
extern "C" {
    fn cos(x: f64) -> f64;
    fn abi_bridge_no_such_function();
}

// Linked by the Rust toolchain's own libm dependency.
#[foreign_abi(sysv64)]
extern "C" {
    /// The sine, from the linked C library.
    pub fn sin(x: f64) -> f64;
}

const LIBM: &str = "libm.so.6";

#[test]
fn a_library_loads_and_its_functions_and_link_names_work() {
    // SAFETY: libm has no initialisers to fear; the declarations match it.
    let m = unsafe { LibM::load(LIBM) }.expect("libm loads");
    // SAFETY: as above.
    unsafe {
        assert_eq!(m.cos(0.0), 1.0);
        assert_eq!(m.scale_by_power_of_two(3.0, 4), 48.0);
    }
    assert!(format!("{m:?}").contains(LIBM));
}

#[test]
fn an_optional_missing_symbol_is_none() {
    // SAFETY: as above.
    let m = unsafe { LibM::load(LIBM) }.unwrap();
    assert!(!m.has_abi_bridge_no_such_function());
    // SAFETY: the method checks for the symbol before calling anything.
    assert_eq!(unsafe { m.abi_bridge_no_such_function(1) }, None);
}

#[test]
fn a_missing_required_symbol_fails_the_load_and_names_symbol_and_library() {
    // SAFETY: as above.
    let err = unsafe { LibMWithAMissingSymbol::load(LIBM) }.unwrap_err();
    match &err {
        Error::MissingSymbol { name, library, .. } => {
            assert_eq!(name, "abi_bridge_no_such_function");
            assert_eq!(library, LIBM);
        }
        other => panic!("expected MissingSymbol, got {other:?}"),
    }
    assert_eq!(err.to_string(), "library `libm.so.6` has no symbol `abi_bridge_no_such_function`");
    assert!(err.source().is_some(), "the loader's own message is the source");
    assert_loader_text_once(&err, "undefined symbol");
}

#[test]
fn a_missing_library_is_an_error_carrying_the_loaders_message() {
    // SAFETY: nothing is loaded.
    let err = unsafe { LibM::load("/nonexistent/libabi_bridge_missing.so") }.unwrap_err();
    assert!(matches!(err, Error::LoadLibrary { .. }), "{err:?}");
    assert_eq!(err.to_string(), "cannot load library `/nonexistent/libabi_bridge_missing.so`");
    let source = err.source().expect("the loader's message").to_string();
    assert!(source.contains("No such file"), "{source}");
    assert_loader_text_once(&err, "No such file");
}

/// Walks the `source()` chain: the loader's words appear in exactly one link
/// (a report printing the chain says them once).
fn assert_loader_text_once(err: &Error, text: &str) {
    let mut chain = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = next {
        chain.push(e.to_string());
        next = e.source();
    }
    let mentions = chain.iter().filter(|link| link.contains(text)).count();
    assert_eq!(mentions, 1, "the loader's message should appear once in the chain {chain:?}");
}

#[test]
fn from_library_uses_a_library_opened_by_the_caller() {
    // SAFETY: as above.
    let lib = unsafe { libloading::Library::new(LIBM) }.unwrap();
    // SAFETY: as above.
    let m = unsafe { LibM::from_library(lib) }.unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { m.cos(0.0) }, 1.0);
}

#[test]
fn linked_functions_are_callable_from_many_threads_on_first_call() {
    let handles: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let x = f64::from(i) * 0.1;
                // SAFETY: `sin` from the C library.
                let got = unsafe { sin(x) };
                assert_eq!(got, x.sin());
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
}
