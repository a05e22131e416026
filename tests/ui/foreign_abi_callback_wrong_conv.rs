use abi_bridge::{foreign_abi, Callback, SysV64};

#[foreign_abi(win64)]
extern "C" {
    fn apply(f: &Callback<fn(i32) -> i32, SysV64>, x: i32) -> i32;
}

fn main() {
    let cb = Callback::<fn(i32) -> i32, SysV64>::new(SysV64, |x| x).unwrap();
    let _ = unsafe { apply(&cb, 1) };
}
