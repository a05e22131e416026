//! Our plans against gcc: every corpus signature is called under both
//! conventions by following nothing but `abi_bridge::classify`'s plan (see
//! `abi_bridge_tests::plan_call`), into the gcc callee compiled for that
//! convention (`ms_abi` for win64, `sysv_abi` for sysv64). The callee must
//! receive exactly the values sent and return exactly the values it made from
//! them, read back the way the plan says.
//!
//! A plan that puts any byte in the wrong place fails here: every byte the
//! plan leaves alone holds garbage, padding included.

use std::io::Write;

use abi_bridge::{classify, CallPlan, Conv, ForeignType, Signature};
use abi_bridge_runtime::plan::{Gpr, Loc, PassMode, Reg, RetMode};
use abi_bridge_tests::corpus::{take_received_hash, SigDef, NAMED_SIGNATURES, SIGNATURES};
use abi_bridge_tests::plan_call::{call_by_plan, CrashNote, Garbage};
use abi_bridge_tests::value::{expected_return, generate_bytes, hash_leaves, leaves_of_bytes, SplitMix64};

/// Calls `sig`'s `conv` callee by following `plan`, with arguments made from
/// `seed` and `garbage` in every byte the plan leaves alone; what went wrong,
/// if anything.
fn call(
    sig: &SigDef,
    signature: &Signature,
    conv: Conv,
    plan: &CallPlan,
    seed: u64,
    garbage: Garbage,
) -> Result<(), String> {
    let mut st = SplitMix64::new(seed);
    let args: Vec<Vec<u8>> = signature.args().iter().map(|ty| generate_bytes(ty, &mut st)).collect();
    let sent: Vec<u64> =
        signature.args().iter().zip(&args).flat_map(|(ty, bytes)| leaves_of_bytes(ty, bytes)).collect();
    let sent_hash = hash_leaves(&sent);

    take_received_hash();
    let note = format!("{conv} {} [{}]\n    plan: {plan}", sig.name, sig.c_decl);
    let crash_note = CrashNote::new(&note);
    // SAFETY: the entry is gcc's callee of exactly this signature compiled for
    // `conv`; its arguments are plain values (pointers are never dereferenced)
    // except the copies and return buffer the executor makes itself.
    let ret = unsafe { call_by_plan(plan, signature, (sig.entry)(conv), &args, garbage) }?;
    drop(crash_note);
    let received = take_received_hash();

    if received != sent_hash {
        return Err(format!("callee received hash {received:#x}, sent {sent_hash:#x} (leaves {sent:x?})"));
    }
    match (signature.ret(), ret) {
        (None, None) => Ok(()),
        (Some(ty), Some(bytes)) => {
            let got = leaves_of_bytes(ty, &bytes);
            let expected = expected_return(ty, sent_hash);
            if got == expected {
                Ok(())
            } else {
                Err(format!("returned {got:x?}, expected {expected:x?} (bytes {bytes:02x?})"))
            }
        }
        (ty, ret) => Err(format!("return type {ty:?} but got {ret:?}")),
    }
}

/// Calls `sig`'s `conv` callee by `classify`'s plan; on failure, a report
/// with the signature, the plan and what differed.
fn check(sig: &SigDef, conv: Conv, garbage: Garbage) -> Result<(), String> {
    let signature = sig.signature();
    let plan = classify(conv, &signature);
    call(sig, &signature, conv, &plan, sig.seed(conv), garbage).map_err(|what| {
        format!(
            "{conv} {}\n    C:       {}\n    sig:     {signature}\n    plan:    {plan}\n    garbage: {garbage:x?}\n    {what}",
            sig.name, sig.c_decl
        )
    })
}

#[test]
fn plans_agree_with_gcc_on_every_signature() {
    let mut failures = Vec::new();
    for sig in SIGNATURES {
        for conv in [Conv::SysV64, Conv::Win64] {
            for garbage in Garbage::BOTH {
                if let Err(e) = check(sig, conv, garbage) {
                    // Straight to stderr, past the harness's capture: a later
                    // wrong plan may crash the process before the assert below.
                    let _ = writeln!(std::io::stderr(), "{e}");
                    failures.push(e);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} plan calls disagree with gcc:\n{}",
        failures.len(),
        4 * SIGNATURES.len(),
        failures.join("\n")
    );
    println!(
        "plans_vs_gcc: {} signatures ({NAMED_SIGNATURES} named, {} random) x 2 conventions (x 2 garbage patterns) agree with gcc",
        SIGNATURES.len(),
        SIGNATURES.len() - NAMED_SIGNATURES
    );
}

/// The plans checked above are those of run-time signatures; the signatures
/// the macros use come from `Signature::of` over `#[derive(ForeignType)]`
/// types, and must get the very same plans.
#[test]
fn derived_signatures_get_the_same_plans() {
    for sig in SIGNATURES {
        let (run_time, derived) = (sig.signature(), (sig.of)());
        for conv in [Conv::SysV64, Conv::Win64] {
            let (a, b) = (classify(conv, &run_time), classify(conv, &derived));
            assert_eq!(a, b, "{conv} {} [{}]:\n  run-time: {a}\n  derived:  {b}", sig.name, sig.c_decl);
        }
    }
}

/// The named edge cases, checked one by one first, so a broken executor or
/// plan shows up on the simplest shape it breaks.
#[test]
fn simple_signatures_by_plan() {
    for name in ["void_void", "ret_i8", "scalars_only_ret_float", "small_ints", "f3_roundtrip", "ret_sz64"] {
        let sig = SIGNATURES.iter().find(|s| s.name == name).expect("named signature");
        for conv in [Conv::SysV64, Conv::Win64] {
            check(sig, conv, Garbage::A).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Sanity of the executor itself: a plan that is wrong on purpose must fail.
#[test]
fn a_wrong_plan_is_caught() {
    let sig = SIGNATURES.iter().find(|s| s.name == "scalars_only_ret_float").expect("named signature");
    let float = sig.signature();
    // The plan of `fn(u32) -> f32`: the float's bits travel in an integer
    // register (rcx / rdi) instead of xmm0.
    let wrong = Signature::new(&[u32::DESC], float.ret()).unwrap();
    for conv in [Conv::SysV64, Conv::Win64] {
        let arg = generate_bytes(float.args()[0], &mut SplitMix64::new(1));
        let sent = hash_leaves(&leaves_of_bytes(float.args()[0], &arg));
        take_received_hash();
        // SAFETY: the callee takes one float and returns one; whatever it
        // finds in xmm0 it hashes, and it touches no memory of ours.
        let ret = unsafe { call_by_plan(&classify(conv, &wrong), &wrong, (sig.entry)(conv), &[arg], Garbage::A) };
        assert!(ret.is_ok(), "{ret:?}");
        assert_ne!(take_received_hash(), sent, "{conv}: a float passed in an integer register still arrived");
    }
}

/// Every way to misplace one piece of a correct plan that cannot make the
/// callee touch a wild pointer: a register piece moved to a free register of
/// its kind, a stack value moved to a fresh slot past the others, a return
/// piece read from the other return register of its kind.
fn misplacements(plan: &CallPlan) -> Vec<(String, CallPlan)> {
    let gprs = [Gpr::Rdi, Gpr::Rsi, Gpr::Rdx, Gpr::Rcx, Gpr::R8, Gpr::R9].map(Reg::Gpr);
    let xmms = (0..8).map(Reg::Xmm);
    let free_gpr = gprs.into_iter().find(|r| !plan.arg_regs().contains(*r));
    let free_xmm = xmms.into_iter().find(|r| !plan.arg_regs().contains(*r));
    let mut out = Vec::new();
    for (i, mode) in plan.args.iter().enumerate() {
        let mut moved = |what: String, mode: PassMode, grow: u32| {
            let mut p = plan.clone();
            p.args[i] = mode;
            p.arg_area += grow;
            out.push((format!("a{i} {what}"), p));
        };
        match mode {
            PassMode::Direct(pieces) => {
                for (j, piece) in pieces.iter().enumerate() {
                    let to = match piece.loc {
                        Loc::Reg(Reg::Gpr(_)) => free_gpr.map(Loc::Reg),
                        Loc::Reg(Reg::Xmm(_)) => free_xmm.map(Loc::Reg),
                        Loc::Stack(_) => Some(Loc::Stack(plan.arg_area + 8)),
                    };
                    if let Some(to) = to {
                        let mut pieces = *pieces;
                        pieces.as_mut_slice()[j].loc = to;
                        moved(format!("piece {j} moved from {} to {to}", piece.loc), PassMode::Direct(pieces), 8);
                    }
                }
            }
            PassMode::Stack { offset, size } => {
                let to = plan.arg_area + 8;
                let grow = size.next_multiple_of(8);
                moved(
                    format!("moved from [rsp+{offset}] to [rsp+{to}]"),
                    PassMode::Stack { offset: to, size: *size },
                    grow,
                );
            }
            // Moving a pointer would hand the callee garbage to dereference.
            PassMode::Indirect(_) => {}
        }
    }
    if let RetMode::Direct(pieces) = &plan.ret {
        for j in 0..pieces.len() {
            let other = match pieces.as_slice()[j].loc {
                Loc::Reg(Reg::Gpr(Gpr::Rax)) => Reg::Gpr(Gpr::Rdx),
                Loc::Reg(Reg::Gpr(_)) => Reg::Gpr(Gpr::Rax),
                Loc::Reg(Reg::Xmm(0)) => Reg::Xmm(1),
                _ => Reg::Xmm(0),
            };
            let mut pieces = *pieces;
            let slice = pieces.as_mut_slice();
            // If the other register holds another piece, the two swap.
            let from = slice[j].loc;
            for piece in slice.iter_mut().filter(|p| p.loc == Loc::Reg(other)) {
                piece.loc = from;
            }
            slice[j].loc = Loc::Reg(other);
            let mut p = plan.clone();
            p.ret = RetMode::Direct(pieces);
            out.push((format!("ret piece {j} read from {other} instead of {from}"), p));
        }
    }
    out
}

/// The executor is sharp enough to trust: every misplaced piece fails. A
/// value could match the garbage where it wrongly lands, or a callee could
/// leave a copy of its result in the other return register, so each wrong
/// plan runs twice, with other arguments and garbage that differs in every
/// byte; it must fail at least once.
#[test]
fn every_misplaced_piece_is_caught() {
    let mut tried = 0;
    let mut missed = Vec::new();
    for sig in SIGNATURES {
        let signature = sig.signature();
        for conv in [Conv::SysV64, Conv::Win64] {
            let seeds = [sig.seed(conv), !sig.seed(conv)];
            for (what, plan) in misplacements(&classify(conv, &signature)) {
                tried += 1;
                let passes = seeds
                    .iter()
                    .zip(Garbage::BOTH)
                    .all(|(&seed, garbage)| call(sig, &signature, conv, &plan, seed, garbage).is_ok());
                if passes {
                    missed.push(format!("{conv} {} [{}]: {what}", sig.name, sig.c_decl));
                }
            }
        }
    }
    assert!(missed.is_empty(), "misplaced pieces that still passed:\n{}", missed.join("\n"));
    println!("plans_vs_gcc: {tried} deliberately misplaced pieces, every one caught");
}
