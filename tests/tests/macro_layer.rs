//! The layer around the thunks, against gcc-compiled code (`c/layer.c`):
//! what `#[foreign_abi]` does with parameter names, `#[cfg]`, function
//! pointers and callbacks (whatever their spelling: alias, `Option`, struct
//! field), symbol addresses, and arities past 16. Each callee folds every
//! argument and its position into its result, and the expected value is
//! computed here the same way or by rustc's own `extern "win64"` call.

#![allow(clippy::too_many_arguments)]
// Every `unsafe` here calls a gcc fixture declared exactly as `c/layer.c`
// defines it (or loads the gcc-built fixture library).
#![allow(clippy::undocumented_unsafe_blocks)]

use core::ffi::c_void;
use core::ptr::NonNull;

use abi_bridge::{foreign_abi, Callback, Conv, ForeignType, Win64};
// The gcc-built fixtures are linked through this crate.
use abi_bridge_tests as _;

/// `sum((i + 1) * v[i])`, as `layer_names` computes it.
fn weighted(values: &[i64]) -> i64 {
    values.iter().enumerate().map(|(i, v)| (i as i64 + 1) * v).sum()
}

/// Items named like everything the expansion uses (its locals, its items,
/// the paths it names), in the scope of the declarations: the generated code
/// must still compile and mean the same.
#[allow(dead_code, non_camel_case_types, non_upper_case_globals, clippy::upper_case_acronyms)]
mod shadowing {
    pub(crate) struct Result;
    pub(crate) struct Option;
    pub(crate) struct Box;
    pub(crate) struct Vec;
    pub(crate) struct Signature;
    pub(crate) struct Library;
    pub(crate) struct Error;
    pub(crate) mod core {}
    pub(crate) mod std {}
    pub(crate) mod abi_bridge {}
    pub(crate) struct entry;
    pub(crate) struct code;
    pub(crate) struct target;
    pub(crate) struct sigs;
    pub(crate) struct codes;
    pub(crate) struct library;
    pub(crate) struct index;
    pub(crate) struct name;
    pub(crate) struct Entry;
    pub(crate) const converted0: u8 = 0;
    pub(crate) const arg0: u8 = 0;

    #[::abi_bridge::foreign_abi(win64)]
    extern "C" {
        #[link_name = "layer_present"]
        pub(crate) fn linked(x: i32) -> i32;
    }

    #[::abi_bridge::foreign_abi(win64, library = Loaded)]
    extern "C" {
        #[link_name = "layer_present"]
        pub(crate) fn loaded(x: i32) -> i32;
        #[optional]
        #[link_name = "layer_present"]
        pub(crate) fn maybe(x: i32) -> i32;
    }
}

#[test]
fn user_items_named_like_the_expansions_own_change_nothing() {
    assert_eq!(unsafe { shadowing::linked(1) }, 2);
    let lib = unsafe { shadowing::Loaded::load(env!("ABT_LAYER_SO")) }.unwrap();
    assert_eq!(unsafe { lib.loaded(2) }, 3);
    assert_eq!(unsafe { lib.maybe(3) }, Some(4));
}

/// Declares `layer_names` (14 `int64_t`s) with parameters named after every
/// identifier the expansion uses (locals, items, the symbol's and the block's
/// own names), once linked and once from the library.
macro_rules! declare_names {
    ($($param:ident),* $(,)?) => {
        mod names {
            use ::abi_bridge::foreign_abi;

            #[foreign_abi(win64)]
            extern "C" {
                #[link_name = "layer_names"]
                pub(crate) fn linked_names($($param: i64),*) -> i64;
            }

            #[foreign_abi(win64, library = LayerNames)]
            extern "C" {
                #[link_name = "layer_names"]
                pub(crate) fn names($($param: i64),*) -> i64;
            }
        }
    };
}

declare_names!(
    target,
    code,
    entry,
    index,
    name,
    sigs,
    library,
    codes,
    converted0,
    arg0,
    target0,
    __abi_bridge_symbol,
    __abi_bridge_first_call,
    self_,
);

#[test]
fn parameters_named_like_the_expansions_own_identifiers_arrive_unchanged() {
    let v: Vec<i64> = (0..14).map(|i| 1000 + i * 7).collect();
    let expected = weighted(&v);
    // SAFETY: `layer_names` takes and returns exactly these types.
    let linked = unsafe {
        names::linked_names(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13])
    };
    assert_eq!(linked, expected, "linked block");
    // SAFETY: as above; the library is the gcc-built fixture.
    let lib = unsafe { names::LayerNames::load(env!("ABT_LAYER_SO")) }.expect("load the layer fixture");
    let loaded =
        unsafe { lib.names(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]) };
    assert_eq!(loaded, expected, "library block");
}

#[foreign_abi(win64, library = LayerCfg)]
extern "C" {
    fn layer_present(x: i32) -> i32;
    /// Compiled out: the library does not export it, and `load` must not ask.
    #[cfg(any())]
    fn layer_absent(x: i32) -> i32;
    #[cfg(not(any()))]
    #[link_name = "layer_present"]
    fn present_again(x: i32) -> i32;
}

#[foreign_abi(win64, symbols = layer_symbols)]
extern "C" {
    fn layer_present(x: i32) -> i32;
    /// Compiled out, so never linked: the symbol exists nowhere.
    #[cfg(any())]
    fn layer_absent(x: i32) -> i32;
}

#[test]
fn a_declaration_compiled_out_by_cfg_is_not_required() {
    // SAFETY: the fixture exports `layer_present` as `int32_t (int32_t)`.
    let lib =
        unsafe { LayerCfg::load(env!("ABT_LAYER_SO")) }.expect("no symbol of a compiled-out declaration is required");
    assert_eq!(unsafe { lib.layer_present(41) }, 42);
    assert_eq!(unsafe { lib.present_again(1) }, 2);
    assert_eq!(unsafe { layer_present(9) }, 10);
}

#[test]
fn symbols_gives_the_linked_address() {
    let address: *const c_void = layer_symbols::layer_present();
    // SAFETY: the symbol is gcc's ms_abi `int32_t layer_present(int32_t)`.
    let f = unsafe { core::mem::transmute::<*const c_void, extern "win64" fn(i32) -> i32>(address) };
    assert_eq!(f(5), 6, "the address is the win64 function itself, callable by rustc as win64");
}

extern "C" fn host_triple(x: i32) -> i32 {
    x * 3
}

/// A host function type behind an alias: wrapped as if spelled out.
type HostFn = extern "C" fn(i32) -> i32;
type NullableHostFn = Option<HostFn>;
type CallbackRef<'a> = &'a Callback<'a, fn(i32) -> i32>;

#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct Table {
    first: extern "win64" fn(i32) -> i32,
    second: extern "win64" fn(i32) -> i32,
    bias: i32,
}

#[foreign_abi(win64)]
extern "C" {
    #[link_name = "layer_apply"]
    fn apply_spelled(f: extern "C" fn(i32) -> i32, x: i32) -> i32;
    #[link_name = "layer_apply"]
    fn apply_alias(f: HostFn, x: i32) -> i32;
    #[link_name = "layer_apply_nullable"]
    fn apply_nullable_alias(f: NullableHostFn, x: i32) -> i32;
    #[link_name = "layer_apply_nullable"]
    fn apply_nullable_callback(f: Option<&Callback<fn(i32) -> i32>>, x: i32) -> i32;
    #[link_name = "layer_apply"]
    fn apply_callback_alias(f: CallbackRef<'_>, x: i32) -> i32;
    #[link_name = "layer_apply"]
    fn apply_typed_callback(f: &Callback<fn(i32) -> i32, Win64>, x: i32) -> i32;
    fn layer_table(t: *const Table, x: i32) -> i32;
    fn layer_pick(t: *const Table, which: i32) -> extern "win64" fn(i32) -> i32;
}

#[test]
fn host_functions_are_wrapped_whatever_their_spelling() {
    // SAFETY: `layer_apply*` take `int32_t (*)(int32_t)` (ms_abi) and an int.
    unsafe {
        assert_eq!(apply_spelled(host_triple, 5), 31);
        assert_eq!(apply_alias(host_triple, 5), 31, "an alias of `extern \"C\" fn` is wrapped too");
        assert_eq!(apply_nullable_alias(Some(host_triple), 6), 37);
        assert_eq!(apply_nullable_alias(None, 6), -1);
    }
}

#[test]
fn callbacks_pass_their_entry_whatever_their_spelling() {
    let add = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 100).unwrap();
    let typed = Callback::<fn(i32) -> i32, Win64>::new(Win64, |x| x - 100).unwrap();
    // SAFETY: as above.
    unsafe {
        assert_eq!(apply_nullable_callback(Some(&add), 1), 203, "Option<&Callback> is the callback's entry");
        assert_eq!(apply_nullable_callback(None, 1), -1, "None is null");
        assert_eq!(apply_callback_alias(&add, 2), 205, "an alias of &Callback is the callback's entry");
        assert_eq!(apply_typed_callback(&typed, 200), 201);
    }
}

#[test]
#[should_panic(expected = "a Callback made for sysv64 code was passed to a win64 function")]
fn a_callback_of_the_wrong_run_time_convention_panics_before_the_call() {
    let cb = Callback::<fn(i32) -> i32>::new(Conv::SysV64, |x| x).unwrap();
    // SAFETY: the panic comes before the call.
    unsafe { apply_nullable_callback(Some(&cb), 1) };
}

#[test]
fn function_pointers_in_structs_are_of_the_foreign_convention() {
    let double = Callback::<fn(i32) -> i32, Win64>::new(Win64, |x| x * 2).unwrap();
    let square = Callback::<fn(i32) -> i32, Win64>::new(Win64, |x| x * x).unwrap();
    let table = Table { first: double.as_win64().unwrap(), second: square.as_win64().unwrap(), bias: 7 };
    // SAFETY: `layer_table` reads the table and calls both pointers as ms_abi.
    assert_eq!(unsafe { layer_table(&table, 3) }, 43);
    // A win64 function pointer returned by win64 code is callable as such.
    let picked = unsafe { layer_pick(&table, 1) };
    assert_eq!(picked(9), 81);
}

/// A UEFI protocol: efiapi function pointers taking the protocol itself.
#[derive(ForeignType)]
#[repr(C)]
struct Proto {
    output: extern "efiapi" fn(NonNull<Proto>, *const u16) -> i64,
    count: u64,
}

extern "efiapi" fn proto_output(this: NonNull<Proto>, text: *const u16) -> i64 {
    // SAFETY: the firmware side passes the protocol it was given and a
    // NUL-terminated UCS-2 string.
    let (count, len) = unsafe { (this.as_ref().count, (0..).take_while(|&i| *text.add(i) != 0).count()) };
    count as i64 * 100 + len as i64
}

#[foreign_abi(efiapi)]
extern "C" {
    fn layer_uefi_print(p: NonNull<Proto>, text: *const u16) -> i64;
}

#[test]
fn efiapi_function_pointers_and_non_null_cross() {
    let mut proto = Proto { output: proto_output, count: 3 };
    let text: Vec<u16> = "hello".encode_utf16().chain([0]).collect();
    // 10 * (3 * 100 + 5) + 3
    assert_eq!(unsafe { layer_uefi_print(NonNull::from(&mut proto), text.as_ptr()) }, 3053);
}

#[foreign_abi(sysv64)]
extern "C" {
    fn layer_apply_sysv(f: extern "win64" fn(i32) -> i32, x: i32) -> i32;
}

extern "win64" fn win64_add_ten(x: i32) -> i32 {
    x + 10
}

#[test]
fn a_win64_function_handed_to_sysv64_code_is_wrapped() {
    // SAFETY: `layer_apply_sysv` calls its sysv_abi function pointer.
    assert_eq!(unsafe { layer_apply_sysv(win64_add_ten, 5) }, 44);
}

use abi_bridge_tests::layer::layer_sum40;

#[foreign_abi(win64)]
extern "C" {
    fn layer_call24(f: &Callback<Cb24, Win64>, k: i64) -> f64;
}

type Cb24 = fn(
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
    i64,
    f64,
) -> f64;

#[test]
fn forty_arguments_through_a_declaration() {
    // SAFETY: as declared in c/layer.c.
    let got = unsafe {
        layer_sum40(
            1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13, 14.5, 15, 16.5, 17, 18.5, 19, 20.5, 21, 22.5, 23,
            24.5, 25, 26.5, 27, 28.5, 29, 30.5, 31, 32.5, 33, 34.5, 35, 36.5, 37, 38.5, 39, 40.5,
        )
    };
    let expected: f64 =
        (0..40).map(|i| (i + 1) as f64 * if i % 2 == 0 { (i + 1) as f64 } else { i as f64 + 1.5 }).sum();
    assert_eq!(got, expected);
}

#[test]
fn a_callback_of_twenty_four_arguments_called_by_gcc() {
    let cb = Callback::<Cb24, Win64>::new(
        Win64,
        |a0,
         a1,
         a2,
         a3,
         a4,
         a5,
         a6,
         a7,
         a8,
         a9,
         a10,
         a11,
         a12,
         a13,
         a14,
         a15,
         a16,
         a17,
         a18,
         a19,
         a20,
         a21,
         a22,
         a23| {
            let ints = [a0, a2, a4, a6, a8, a10, a12, a14, a16, a18, a20, a22];
            let floats = [a1, a3, a5, a7, a9, a11, a13, a15, a17, a19, a21, a23];
            (0..12).map(|i| (2 * i + 1) as f64 * ints[i] as f64 + (2 * i + 2) as f64 * floats[i]).sum::<f64>()
        },
    )
    .unwrap();
    let k = 1000;
    let expected: f64 =
        (0..24).map(|i| (i + 1) as f64 * (k as f64 + i as f64 + if i % 2 == 1 { 0.5 } else { 0.0 })).sum();
    // SAFETY: `layer_call24` calls its ms_abi function pointer with 24 arguments.
    assert_eq!(unsafe { layer_call24(&cb, k) }, expected);
}
