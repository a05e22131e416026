//! Sorting Rust records with a foreign `qsort`-style routine from a win64
//! library (`plugins/sort_plugin.c`), which calls back a comparator closure.
//!
//! Run it with `cargo run -p abi-bridge-examples --bin sort`.

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};

use abi_bridge::{foreign_abi, Callback, Conv};

#[foreign_abi(win64, library = SortLib)]
extern "C" {
    /// Heapsort of `n` elements of `size` bytes, ordered by `compare`.
    fn ms_sort(array: *mut c_void, n: usize, size: usize, compare: &Callback<fn(*const c_void, *const c_void) -> i32>);
}

#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Record {
    id: u32,
    score: f64,
}

fn main() -> Result<(), abi_bridge::Error> {
    // SAFETY: our own library; the declaration matches sort_plugin.c.
    let lib = unsafe { SortLib::load(env!("SORT_PLUGIN_PATH"))? };
    let mut records: Vec<Record> =
        (0..1000u32).map(|id| Record { id, score: f64::from((id * 7919) % 1009) / 10.0 }).collect();
    let comparisons = AtomicUsize::new(0);
    // The comparator is a Rust closure; the win64 sort calls it ~10,000 times.
    let by_score_then_id = Callback::<fn(*const c_void, *const c_void) -> i32>::new(Conv::Win64, |a, b| {
        comparisons.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the sort passes pointers to two elements of `records`.
        let (a, b) = unsafe { (&*a.cast::<Record>(), &*b.cast::<Record>()) };
        a.score.total_cmp(&b.score).then(a.id.cmp(&b.id)) as i32
    })?;
    // SAFETY: a valid array of `len` records of `size_of::<Record>()` bytes.
    unsafe { lib.ms_sort(records.as_mut_ptr().cast(), records.len(), size_of::<Record>(), &by_score_then_id) };
    let mut expected = records.clone();
    expected.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.id.cmp(&b.id)));
    println!(
        "sorted {} records with a win64 heapsort calling a Rust closure {} times",
        records.len(),
        comparisons.load(Ordering::Relaxed)
    );
    println!("first: {:?}\nlast:  {:?}", records[0], records[records.len() - 1]);
    assert_eq!(records, expected, "the foreign sort agrees with Rust's");
    println!("ok: the order equals Rust's own sort_by");
    Ok(())
}
