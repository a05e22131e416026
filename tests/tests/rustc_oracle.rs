//! gcc and rustc agree on every corpus shape: each signature is called through
//! rustc's typed `extern "win64"` and `extern "sysv64"` declarations of the
//! matching gcc callees (`ms_abi`, `sysv_abi`), and the callee must receive
//! exactly the values sent (its hash of them equals ours) and return exactly
//! the values it made from that hash.
//!
//! This is what makes the plan test meaningful: the C callees are the
//! compilers' common ground truth, not our reading of the spec.

use abi_bridge::Conv;
use abi_bridge_tests::corpus::{val_desc, SigDef, NAMED_SIGNATURES, SIGNATURES};
use abi_bridge_tests::value::{expected_return, generate_bytes, hash_leaves, leaves_of_bytes, SplitMix64};

/// Everything wrong with one typed call of `sig` under `conv`.
fn check(sig: &SigDef, conv: Conv) -> Vec<String> {
    let seed = sig.seed(conv);
    let out = (sig.typed)(conv, seed);
    let mut problems = Vec::new();

    // The typed values and the byte values the plan test sends are the same.
    let mut st = SplitMix64::new(seed);
    let from_bytes: Vec<u64> = sig
        .args
        .iter()
        .flat_map(|a| {
            let ty = val_desc(*a);
            leaves_of_bytes(ty, &generate_bytes(ty, &mut st))
        })
        .collect();
    if from_bytes != out.arg_leaves {
        problems.push(format!("typed arguments {:x?} differ from byte arguments {from_bytes:x?}", out.arg_leaves));
    }

    let expected_hash = hash_leaves(&out.arg_leaves);
    if out.received_hash != expected_hash {
        problems.push(format!("callee received hash {:#x}, sent {expected_hash:#x}", out.received_hash));
    }
    let expected_ret = sig.ret.map(|r| expected_return(val_desc(r), expected_hash));
    if out.ret_leaves != expected_ret {
        problems.push(format!("returned {:x?}, expected {expected_ret:x?}", out.ret_leaves));
    }
    problems
}

#[test]
fn rustc_and_gcc_agree_on_every_signature() {
    let mut failures = Vec::new();
    for sig in SIGNATURES {
        for conv in [Conv::Win64, Conv::SysV64] {
            for problem in check(sig, conv) {
                failures.push(format!("{conv} {} [{}]: {problem}", sig.name, sig.c_decl));
            }
        }
    }
    assert!(failures.is_empty(), "rustc and gcc disagree:\n{}", failures.join("\n"));
    println!(
        "rustc_oracle: {} signatures ({NAMED_SIGNATURES} named, {} random) x 2 conventions: rustc's typed calls and gcc agree",
        SIGNATURES.len(),
        SIGNATURES.len() - NAMED_SIGNATURES
    );
}

#[test]
fn every_named_edge_case_is_in_the_corpus() {
    let named: Vec<&str> = SIGNATURES.iter().filter(|s| s.named).map(|s| s.name).collect();
    for name in [
        "f3_roundtrip",
        "char_double_after_five_ints",
        "long_long_straddles_last_int",
        "d2_straddles_last_xmm",
        "long_double_one_int_left",
        "ret_sz3",
        "ret_sz5",
        "ret_sz6",
        "ret_sz7",
        "ret_sz12",
        "ret_sz15",
        "ret_sz16",
        "f1_roundtrip",
        "d1_roundtrip",
        "small_ints",
        "spill_mixed_14",
        "big_then_stack",
        "sret_plus_4_args",
        "all_float_10",
        "cf32_roundtrip",
        "complex_mix",
        "cf64_after_seven_doubles",
        "cf64_ret_plus_4_args",
        "f80_after_seven_doubles",
        "f80_after_seven_ints",
        "f80_structs",
        "m128_after_eight_doubles",
        "m128_ret_plus_4_args",
        "vector_structs",
        "i128_after_five_ints",
        "u128_after_seven_ints",
        "i128_ret_plus_4_args",
        "wide_structs_on_stack",
        "packed_char_int",
        "pack2_char_int",
        "aligned16_in_registers",
        "aligned32_on_stack",
        "aligned32_after_four",
    ] {
        assert!(named.contains(&name), "the corpus lost the edge case `{name}`");
    }
    assert_eq!(named.len(), NAMED_SIGNATURES);
    assert!(SIGNATURES.len() - NAMED_SIGNATURES >= 300, "fewer than 300 random signatures");
}
