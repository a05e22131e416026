//! Function pointers carry their convention: a signature that would hand
//! foreign code a pointer of the wrong convention is refused at run time, by
//! `Thunk::new` and `Callback::new`, with an error naming the value.

use abi_bridge_runtime::{Callback, Conv, Error, Signature, Thunk};

extern "win64" fn target(f: extern "C" fn(i32) -> i32) -> i32 {
    f(1)
}

#[test]
fn a_thunk_handing_a_host_fn_pointer_to_win64_code_is_refused() {
    let sig = Signature::of::<fn(extern "C" fn(i32) -> i32) -> i32>();
    let err = Thunk::new(Conv::SysV64, Conv::Win64, &sig, target as *const _).unwrap_err();
    match &err {
        Error::UnsupportedSignature { position, reason } => {
            assert!(position.starts_with("argument 0"), "{position}");
            assert!(reason.contains("extern \"win64\" fn"), "{reason}");
        }
        other => panic!("expected UnsupportedSignature, got {other:?}"),
    }
    // The same pointer typed for win64 is what win64 code calls: accepted.
    let ok = Signature::of::<fn(extern "win64" fn(i32) -> i32) -> i32>();
    assert!(Thunk::new(Conv::SysV64, Conv::Win64, &ok, target as *const _).is_ok());
    // Between two sysv64 sides nothing is foreign: accepted.
    assert!(Thunk::new(Conv::SysV64, Conv::SysV64, &sig, target as *const _).is_ok());
}

#[test]
fn a_callback_receiving_a_host_fn_pointer_from_win64_code_is_refused() {
    let err = Callback::<fn(extern "C" fn(i32) -> i32) -> i32>::new(Conv::Win64, |f| f(2)).unwrap_err();
    assert!(matches!(err, Error::UnsupportedSignature { .. }), "{err:?}");
    assert!(Callback::<fn(extern "win64" fn(i32) -> i32) -> i32>::new(Conv::Win64, |f| f(2)).is_ok());
    assert!(Callback::<fn(extern "C" fn(i32) -> i32) -> i32>::new(Conv::SysV64, |f| f(2)).is_ok());
}

#[test]
fn a_return_value_of_the_wrong_convention_is_refused() {
    let sig = Signature::of::<fn() -> Option<extern "C" fn()>>();
    let err = Thunk::new(Conv::SysV64, Conv::Win64, &sig, target as *const _).unwrap_err();
    assert!(err.to_string().contains("return value"), "{err}");
}
