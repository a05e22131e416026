use abi_bridge::{Callback, Conv};

fn main() {
    let mut calls = 0;
    let _cb = Callback::<fn(i32) -> i32>::new(Conv::Win64, move |x| {
        calls += 1;
        x + calls
    });
}
