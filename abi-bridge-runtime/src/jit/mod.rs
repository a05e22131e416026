//! Turning two plans into code: a thunk reads every argument where the
//! caller's plan puts it, writes it where the callee's plan wants it, calls,
//! and moves the return value back.
//!
//! Nothing here knows a convention's rules: which registers the callee may
//! clobber, where arguments go, which small integers need extending and how
//! much stack the callee expects all come from the two [`CallPlan`]s.
//!
//! Code is emitted in three steps: (1) everything written to memory (stack
//! arguments, copies), which reads argument registers but writes none; (2) the
//! argument registers, as one parallel move; (3) the call and the return value.
//!
//! Who owns what:
//!
//! - this file: the [`Shape`]s of generated code, the scratch registers and
//!   the check that no plan uses them, and the order of the three steps;
//! - `frame`: the thunk's frame (its layout, the prologue and epilogue with
//!   register saves and stack probes) and the address bases that are
//!   resolved once the frame's size is known;
//! - `args`: every argument from the caller's plan to the callee's (steps 1
//!   and 2), and how the call reaches its target;
//! - `ret`: the return value, before the call (buffers) and after it;
//! - `moves`: the parallel move into registers;
//! - `emit`: instruction encoding, one function per kind of move.

mod args;
mod emit;
mod frame;
mod moves;
mod ret;

use args::MemMove;
use emit::Asm;
use frame::{Frame, Mem};
use moves::RegMove;

use crate::plan::{CallPlan, Gpr, Reg, RegSet};

/// How generated code finds what it calls: the closed set of shapes the
/// runtime uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    /// Called through a trampoline stub that leaves the target's address in
    /// `target`; both plans describe the same arguments.
    Trampoline {
        /// The register the stub loads the target into.
        target: Gpr,
    },
    /// The target is the caller's first argument (a pointer); the caller's
    /// remaining arguments pair with the callee's. The code behind
    /// `#[foreign_abi]` functions: no trampoline on the hot path.
    TargetFirst,
    /// A closure callback: a trampoline stub leaves the closure's block in
    /// `block`; the thunk calls the shim whose address is stored at the
    /// block's start, passing the block as the callee's first argument (so
    /// the callee's plan has one more argument than the caller's). One code
    /// blob serves every closure type.
    Closure {
        /// The register the stub loads the block's address into.
        block: Gpr,
    },
    /// A call of a variadic function from Rust (`#[foreign_abi]`): as
    /// `TargetFirst`, and the caller's second argument points at this call's
    /// variadic values, laid out as [`Bridge::pack`] says; the callee's plan
    /// has those values as arguments after its named ones.
    TargetAndPack,
    /// A variadic closure callback: as `Closure`, and the callee gets one
    /// more argument after the named ones, a pointer to the variadic
    /// arguments as the caller's plan says the callee finds them
    /// ([`VaStart`](crate::plan::VaStart)): the win64 slots spilled next to
    /// the stack ones, or a sysv64 `va_list` over a register save area.
    VariadicClosure {
        /// The register the stub loads the block's address into.
        block: Gpr,
    },
}

/// Everything that decides a thunk's code.
#[derive(Clone, Debug)]
pub(crate) struct Bridge<'a> {
    /// The plan the thunk is called with.
    pub(crate) caller: &'a CallPlan,
    /// The plan it calls with.
    pub(crate) callee: &'a CallPlan,
    /// How it finds its target.
    pub(crate) shape: Shape,
    /// For [`Shape::TargetAndPack`]: where each variadic value sits behind
    /// the pack pointer (offset and size in bytes; each value owns whole
    /// eightbytes from its offset, so reading them rounded up is safe).
    pub(crate) pack: &'a [(u32, u32)],
}

/// Scratch registers: volatile in every convention and never an argument
/// ([`check_scratch`] holds every plan to that). r11 carries memory-to-memory
/// copies (and counts the pages of a stack probe); rax breaks register cycles
/// before the call; r10 may hold the target from a trampoline stub, and after
/// the call carries odd-sized stores into the caller's return buffer.
const COPY: Gpr = Gpr::R11;
const CYCLE: Gpr = Gpr::Rax;
const CALL: Gpr = Gpr::R10;

/// Generates the thunk's machine code (position-independent).
///
/// # Panics
///
/// If either plan carries an argument, the hidden return pointer or a
/// return value in a register the generated code uses as scratch (see
/// [`check_scratch`]).
pub(crate) fn generate(bridge: &Bridge<'_>) -> Vec<u8> {
    check_scratch(bridge);
    Generator::new(bridge).run()
}

/// Fails loudly if a plan uses a scratch register where the code would
/// clobber it: before the call, COPY, CYCLE and CALL are written while
/// every argument register (and the hidden return pointer) of both plans may
/// still be live, and the stub's register must survive step 1; after it,
/// COPY and CALL are written while the return registers are live. Today's
/// conventions never do; a future one that did would otherwise be
/// mis-generated silently.
fn check_scratch(b: &Bridge<'_>) {
    let gprs = |gs: &[Gpr]| RegSet::of(&gs.iter().map(|g| Reg::Gpr(*g)).collect::<Vec<_>>());
    let before_call = gprs(&[COPY, CYCLE, CALL]);
    let after_call = gprs(&[COPY, CALL]);
    for (side, plan) in [("caller", b.caller), ("callee", b.callee)] {
        if let Some(reg) = plan.arg_regs().iter().find(|r| before_call.contains(*r)) {
            panic!("the {side}'s plan passes an argument in {reg}, a scratch register of generated code: {plan}");
        }
        if let Some(reg) = plan.ret_regs().iter().find(|r| after_call.contains(*r)) {
            panic!("the {side}'s plan returns in {reg}, a scratch register of generated code: {plan}");
        }
    }
    if let Shape::Trampoline { target: stub }
    | Shape::Closure { block: stub }
    | Shape::VariadicClosure { block: stub } = b.shape
    {
        let stub = Reg::Gpr(stub);
        assert!(
            stub != Reg::Gpr(COPY) && stub != Reg::Gpr(CYCLE) && !b.caller.arg_regs().contains(stub),
            "the trampoline stub's register {stub} is a scratch register or carries an argument: {}",
            b.caller
        );
    }
}

/// A thunk being planned: the moves of each step, and the frame they need.
struct Generator<'a> {
    b: &'a Bridge<'a>,
    frame: Frame,
    /// Step 1, in order.
    mem: Vec<MemMove>,
    /// Step 2, all at once.
    regs: Vec<RegMove<Mem>>,
    /// Where the caller's sret pointer is kept across the call.
    saved_sret: Option<Mem>,
    /// Where the callee writes a return value the caller wants in registers.
    ret_temp: Option<Mem>,
}

impl<'a> Generator<'a> {
    fn new(b: &'a Bridge<'a>) -> Generator<'a> {
        Generator {
            b,
            frame: Frame::new(b.caller, b.callee),
            mem: Vec::new(),
            regs: Vec::new(),
            saved_sret: None,
            ret_temp: None,
        }
    }

    /// Plans every move, then emits the three steps inside the frame.
    fn run(mut self) -> Vec<u8> {
        self.plan_return_before_call();
        self.plan_args();
        let call_reg = self.plan_call_target();

        let layout = self.frame.layout();
        let mut a = Asm::new(0);
        layout.prologue(&mut a, COPY);
        let busy = self.b.caller.arg_regs().union(self.b.callee.arg_regs());
        let spare_xmm = self.xmm_scratch(busy);
        self.emit_memory(&mut a, &layout, spare_xmm);
        self.emit_registers(&mut a, &layout, spare_xmm);
        // The caller's count of vector registers, last: al is part of CYCLE.
        if let Some(n) = self.b.callee.variadic.as_ref().and_then(|v| v.vector_regs_used) {
            emit::mov_imm32(&mut a, CYCLE, n.into());
        }
        match self.b.shape {
            Shape::Trampoline { .. } | Shape::TargetFirst | Shape::TargetAndPack => emit::call_reg(&mut a, call_reg),
            Shape::Closure { .. } | Shape::VariadicClosure { .. } => emit::call_at(&mut a, call_reg),
        }
        self.emit_return(&mut a, &layout);
        layout.epilogue(&mut a);
        emit::finish(a)
    }

    /// A vector register not in `busy` that the caller lets us clobber (or
    /// that we save anyway).
    fn xmm_scratch(&self, busy: RegSet) -> u8 {
        (0..16)
            .find(|&x| {
                let r = Reg::Xmm(x);
                !busy.contains(r) && (!self.b.caller.preserved.contains(r) || self.frame.saves_xmm(x))
            })
            .expect("x86-64 has a spare vector register for every plan")
    }
}
#[cfg(test)]
mod tests {
    use crate::thunk::{generate_for_test, Shape};
    use crate::{Conv, ForeignType, Signature};

    fn disassemble(code: &[u8]) -> Vec<String> {
        use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
        let mut decoder = Decoder::new(64, code, DecoderOptions::NONE);
        let mut formatter = IntelFormatter::new();
        let mut lines = Vec::new();
        for insn in &mut decoder {
            let mut text = String::new();
            formatter.format(&insn, &mut text);
            lines.push(text);
            if insn.mnemonic() == iced_x86::Mnemonic::Ret {
                break;
            }
        }
        lines
    }

    fn code(from: Conv, to: Conv, sig: Signature, shape: Shape) -> Vec<String> {
        disassemble(&generate_for_test(from, to, &sig, shape))
    }

    #[test]
    fn a_two_int_call_into_win64_is_five_instructions() {
        // The target arrives as the first argument (rdi); the callee gets its
        // shadow space and the two ints in rcx and rdx (already there).
        let sig = Signature::of::<fn(i32, i32) -> i32>();
        assert_eq!(
            code(Conv::SysV64, Conv::Win64, sig, Shape::TargetFirst),
            ["sub rsp,28h", "mov rcx,rsi", "call rdi", "add rsp,28h", "ret"]
        );
    }

    #[test]
    fn stack_arguments_are_copied_slot_by_slot() {
        // sysv64 has the target in rdi, five integers in rsi..r9 and five on
        // its stack; win64 wants four in rcx..r9 and six above the shadow space.
        let sig = Signature::of::<fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64>();
        let code = code(Conv::SysV64, Conv::Win64, sig, Shape::TargetFirst);
        assert_eq!(code.iter().filter(|l| l.starts_with("mov [rsp+")).count(), 6, "{code:#?}");
        assert_eq!(code.first().map(String::as_str), Some("sub rsp,58h"));
        assert!(!code.iter().any(|l| l.starts_with("movups")), "{code:#?}");
    }

    #[test]
    fn two_vector_eightbytes_become_one_sixteen_byte_copy() {
        // Vec2 arrives in xmm0/xmm1 and xmm2/xmm3; win64 wants pointers to
        // copies, each written with one 16-byte store (see StoreXmmPair).
        let vec2 = crate::TypeDesc::new_struct("Vec2", &[("x", f64::DESC), ("y", f64::DESC)]).unwrap();
        let sig = Signature::new(&[vec2, vec2], Some(vec2)).unwrap();
        let code = code(Conv::SysV64, Conv::Win64, sig, Shape::TargetFirst);
        assert_eq!(code.iter().filter(|l| l.starts_with("movups [rsp")).count(), 2, "{code:#?}");
        assert_eq!(code.iter().filter(|l| l.starts_with("movlhps")).count(), 2, "{code:#?}");
    }

    #[test]
    fn win64_callers_keep_rdi_rsi_and_xmm6_to_xmm15() {
        let sig = Signature::of::<fn(i32, i32) -> i32>();
        let code = code(Conv::Win64, Conv::SysV64, sig, Shape::Trampoline);
        assert_eq!(&code[..2], ["push rsi", "push rdi"]);
        let saved: Vec<_> = code.iter().filter(|l| l.starts_with("movaps [rsp")).collect();
        assert_eq!(saved.len(), 10, "{code:#?}");
        assert_eq!(&code[code.len() - 3..], ["pop rdi", "pop rsi", "ret"]);
    }

    /// A struct of `size` bytes (a multiple of 8) whose fields mix kinds.
    fn big(size: usize) -> &'static crate::TypeDesc {
        let words = crate::TypeDesc::new_array(u64::DESC, size / 8 - 2).unwrap();
        crate::TypeDesc::new_struct("Big", &[("a", u8::DESC), ("b", f64::DESC), ("c", words)]).unwrap()
    }

    #[test]
    fn big_copies_are_loops_and_thunk_code_does_not_grow_with_the_value() {
        // 4 KiB by value: sysv64 -> win64 passes the caller's stack copy by
        // reference, win64 -> sysv64 copies it onto the stack. Unrolled, the
        // second was 8398 bytes of code (64 KiB: about 128 KiB).
        for size in [4096, 65536] {
            let sig = Signature::new(&[i64::DESC, big(size), f64::DESC], Some(big(size))).unwrap();
            for (from, to) in [(Conv::SysV64, Conv::Win64), (Conv::Win64, Conv::SysV64), (Conv::SysV64, Conv::SysV64)] {
                let bytes = generate_for_test(from, to, &sig, Shape::Trampoline);
                assert!(bytes.len() < 400, "{size} bytes, {from} -> {to}: {} bytes of code", bytes.len());
            }
        }
    }

    #[test]
    fn frames_of_a_page_or_more_are_probed_page_by_page() {
        // win64 -> sysv64 copies a 64 KiB argument into the thunk's frame: the
        // frame is taken a page at a time, each page written as it is taken,
        // so the first fault lands in the guard page and never past it.
        let sig = Signature::new(&[big(65536)], None).unwrap();
        let big_frame = code(Conv::Win64, Conv::SysV64, sig, Shape::Trampoline);
        let probe = ["mov r11d,10h", "sub rsp,1000h", "mov qword ptr [rsp],0", "dec r11d"];
        let at = big_frame.iter().position(|l| l == probe[0]).unwrap_or_else(|| panic!("no probe: {big_frame:#?}"));
        assert_eq!(&big_frame[at..at + 4], probe, "{big_frame:#?}");
        assert!(big_frame[at + 4].starts_with("jne"), "{big_frame:#?}");
        // Nothing moves rsp by a page or more at once.
        let subs = big_frame
            .iter()
            .filter_map(|l| l.strip_prefix("sub rsp,"))
            .map(|n| i64::from_str_radix(n.trim_end_matches('h'), 16).unwrap());
        assert!(subs.clone().all(|n| n <= 4096), "{big_frame:#?}");
        // A frame under a page needs no probe.
        let small = code(Conv::Win64, Conv::SysV64, Signature::new(&[big(1024)], None).unwrap(), Shape::Trampoline);
        assert!(!small.iter().any(|l| l.contains("qword ptr [rsp],0")), "{small:#?}");
    }

    /// The message generation panics with, for hand-made plans.
    fn refusal(caller: &crate::CallPlan, callee: &crate::CallPlan, shape: super::Shape) -> String {
        let bridge = super::Bridge { caller, callee, shape, pack: &[] };
        let err = std::panic::catch_unwind(|| super::generate(&bridge)).expect_err("generation refused");
        err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string())).unwrap()
    }

    #[test]
    fn plans_that_use_a_scratch_register_are_refused() {
        use crate::plan::{Gpr, Loc, PassMode, Pieces, Reg, RetMode};
        let sig = Signature::of::<fn(i64, i64) -> i64>();
        let (sysv, win) = (crate::classify(Conv::SysV64, &sig), crate::classify(Conv::Win64, &sig));
        let stub = super::Shape::Trampoline { target: Gpr::R10 };
        let in_reg = |plan: &crate::CallPlan, arg: usize, g: Gpr| {
            let mut plan = plan.clone();
            let PassMode::Direct(Pieces::One(p)) = &mut plan.args[arg] else { unreachable!() };
            p.loc = Loc::Reg(Reg::Gpr(g));
            plan
        };
        // An argument in each scratch register, on either side.
        for g in [Gpr::R10, Gpr::R11, Gpr::Rax] {
            let msg = refusal(&in_reg(&sysv, 1, g), &win, stub);
            assert!(msg.contains(&format!("caller's plan passes an argument in {}", g.name())), "{msg}");
            let msg = refusal(&sysv, &in_reg(&win, 0, g), stub);
            assert!(msg.contains(&format!("callee's plan passes an argument in {}", g.name())), "{msg}");
        }
        // The hidden return pointer, and a return value read after the call.
        let mut sret = win.clone();
        sret.ret = RetMode::Sret { pointer: Gpr::R11 };
        assert!(refusal(&sysv, &sret, stub).contains("passes an argument in r11"));
        let mut ret = win.clone();
        let RetMode::Direct(Pieces::One(p)) = &mut ret.ret else { unreachable!() };
        p.loc = Loc::Reg(Reg::Gpr(Gpr::R10));
        assert!(refusal(&sysv, &ret, stub).contains("callee's plan returns in r10"));
        // A stub register the code would clobber, or that carries an argument.
        for g in [Gpr::R11, Gpr::Rax, Gpr::Rdi] {
            let msg = refusal(&sysv, &win, super::Shape::Trampoline { target: g });
            assert!(msg.contains("the trampoline stub's register"), "{msg}");
        }
        // The plans of today's conventions pass.
        super::generate(&super::Bridge { caller: &sysv, callee: &win, shape: stub, pack: &[] });
    }

    #[test]
    fn long_doubles_travel_through_memory_and_st0() {
        let sig = Signature::of::<fn(i64, crate::F80) -> crate::F80>();
        // sysv64 C calling win64 C: the caller's stack copy goes by
        // reference, and the callee's sret buffer is pushed onto the x87 stack.
        let to_win = code(Conv::SysV64, Conv::Win64, sig.clone(), Shape::Trampoline);
        assert!(to_win.iter().any(|l| l.starts_with("lea r8,[rsp+")), "{to_win:#?}");
        let call = to_win.iter().position(|l| l.starts_with("call")).unwrap();
        assert!(to_win[call + 1].starts_with("fld st,tbyte ptr [rsp"), "{to_win:#?}");
        // win64 C calling sysv64 C: the value behind rdx copied onto the
        // stack, st0 popped into the caller's buffer, whose address is echoed.
        let to_sysv = code(Conv::Win64, Conv::SysV64, sig.clone(), Shape::Trampoline);
        let call = to_sysv.iter().position(|l| l.starts_with("call")).unwrap();
        assert_eq!(to_sysv[call + 2..call + 4], ["fstp tbyte ptr [r11],st", "mov rax,r11"], "{to_sysv:#?}");
        // Rust calling sysv64 C (`#[foreign_abi]`): rustc passes the Rust
        // `F80` in rdx:rcx (after the target and the i64) and wants it back
        // in rax:rdx, so st0 goes through a buffer.
        let from_rust = code(Conv::SysV64, Conv::SysV64, sig, Shape::TargetFirst);
        let call = from_rust.iter().position(|l| l.starts_with("call")).unwrap();
        assert!(from_rust[call + 1].starts_with("fstp tbyte ptr [rsp"), "{from_rust:#?}");
        assert!(from_rust[call + 1].ends_with("],st"), "{from_rust:#?}");
        assert!(from_rust[call + 2].starts_with("mov rax,[rsp"), "{from_rust:#?}");
        assert!(from_rust[call + 3].starts_with("mov rdx,[rsp"), "{from_rust:#?}");
    }

    #[test]
    fn vectors_move_whole_between_registers_and_copies() {
        use core::arch::x86_64::__m128;
        let sig = Signature::of::<fn(__m128, i32, __m128) -> __m128>();
        // sysv64 code calling win64 code: each vector register stored whole
        // into an aligned copy passed by reference; the result stays in xmm0.
        let to_win = code(Conv::SysV64, Conv::Win64, sig.clone(), Shape::Trampoline);
        assert_eq!(to_win.iter().filter(|l| l.starts_with("movups [rsp+")).count(), 2, "{to_win:#?}");
        let call = to_win.iter().position(|l| l.starts_with("call")).unwrap();
        assert!(!to_win[call..].iter().any(|l| l.contains("xmm0")), "{to_win:#?}");
        // win64 code calling sysv64 code: each vector loaded whole from
        // behind its pointer.
        let to_sysv = code(Conv::Win64, Conv::SysV64, sig, Shape::Trampoline);
        for load in ["movups xmm0,[rcx]", "movups xmm1,[r8]"] {
            assert!(to_sysv.iter().any(|l| l == load), "{load}: {to_sysv:#?}");
        }
    }

    #[test]
    fn a_win64_i128_return_moves_whole_through_xmm0() {
        // win64 returns an i128 in all of xmm0, sysv64 in rax:rdx: split
        // and joined in registers (two 8-byte stores read back by one
        // 16-byte load would stall on store forwarding).
        let sig = Signature::of::<fn(i64) -> i128>();
        assert_eq!(
            code(Conv::SysV64, Conv::Win64, sig.clone(), Shape::TargetFirst),
            [
                "sub rsp,28h",
                "mov rcx,rsi",
                "call rdi",
                "movq rax,xmm0",
                "movhlps xmm1,xmm0",
                "movq rdx,xmm1",
                "add rsp,28h",
                "ret"
            ]
        );
        let from_win = code(Conv::Win64, Conv::SysV64, sig, Shape::Trampoline);
        let call = from_win.iter().position(|l| l.starts_with("call")).expect("a call");
        assert_eq!(&from_win[call + 1..call + 4], ["movq xmm0,rax", "movq xmm1,rdx", "punpcklqdq xmm0,xmm1"]);
        // The argument: a 16-byte copy of rsi:rdx, and its address.
        let code = code(Conv::SysV64, Conv::Win64, Signature::of::<fn(i128)>(), Shape::TargetFirst);
        assert_eq!(&code[1..4], ["mov [rsp+20h],rsi", "mov [rsp+28h],rdx", "lea rcx,[rsp+20h]"], "{code:#?}");
    }

    #[test]
    fn a_callee_wanting_32_byte_alignment_gets_a_realigned_frame() {
        // win64 wants a 32-aligned struct by reference: sysv64 passed it on
        // its stack, at a 32-aligned address (its caller's duty), so the
        // thunk hands that copy on, reading it through rbp; the frame below
        // is rounded down to 32.
        let pair = crate::TypeDesc::new_struct("Pair", &[("a", i64::DESC), ("b", i64::DESC)]).unwrap();
        let block = pair.with_align(32).unwrap();
        let sig = Signature::new(&[block, i64::DESC], None).unwrap();
        assert_eq!(
            code(Conv::SysV64, Conv::Win64, sig.clone(), Shape::TargetFirst),
            [
                "push rbp",
                "mov rbp,rsp",
                "sub rsp,20h",
                "and rsp,0FFFFFFFFFFFFFFE0h",
                "lea rcx,[rbp+10h]",
                "mov rdx,rsi",
                "call rdi",
                "mov rsp,rbp",
                "pop rbp",
                "ret"
            ]
        );
        // The other way the thunk copies the value onto the sysv64 stack,
        // which must then be 32-aligned at the call: the same realignment,
        // after the win64 caller's registers are saved.
        let code = code(Conv::Win64, Conv::SysV64, sig, Shape::Trampoline);
        let at = code.iter().position(|l| l == "push rbp").unwrap_or_else(|| panic!("{code:#?}"));
        assert_eq!(&code[at - 2..at + 2], ["push rsi", "push rdi", "push rbp", "mov rbp,rsp"], "{code:#?}");
        assert!(code.iter().any(|l| l == "and rsp,0FFFFFFFFFFFFFFE0h"), "{code:#?}");
        assert_eq!(&code[code.len() - 5..], ["mov rsp,rbp", "pop rbp", "pop rdi", "pop rsi", "ret"], "{code:#?}");
        // 16-byte alignment is what every frame has: no rbp.
        let plain = Signature::new(&[pair.with_align(16).unwrap()], None).unwrap();
        for (from, to) in [(Conv::SysV64, Conv::Win64), (Conv::Win64, Conv::SysV64)] {
            let code = super::tests::code(from, to, plain.clone(), Shape::Trampoline);
            assert!(!code.iter().any(|l| l.contains("rbp")), "{code:#?}");
        }
    }

    fn printf_call() -> Signature {
        Signature::new_variadic(&[<*const u8>::DESC], &[f64::DESC, i32::DESC], Some(i32::DESC)).unwrap()
    }

    #[test]
    fn a_variadic_call_into_win64_puts_a_double_in_both_registers() {
        // Rust passes the target (rdi), the pack (rsi) and the format (rdx);
        // the double of slot 1 goes to xmm1 and rdx, the int to r8.
        assert_eq!(
            code(Conv::SysV64, Conv::Win64, printf_call(), Shape::TargetAndPack),
            [
                "sub rsp,28h",
                "mov rcx,rdx",
                "movq xmm1,[rsi]",
                "mov r8d,[rsi+8]",
                "mov rdx,[rsi]",
                "call rdi",
                "add rsp,28h",
                "ret"
            ]
        );
    }

    #[test]
    fn a_variadic_call_into_sysv64_says_in_al_how_many_vector_registers_it_uses() {
        for (from, shape) in [(Conv::SysV64, Shape::TargetAndPack), (Conv::Win64, Shape::Trampoline)] {
            let code = code(from, Conv::SysV64, printf_call(), shape);
            let call = code.iter().position(|l| l.starts_with("call")).unwrap();
            assert_eq!(code[call - 1], "mov eax,1", "{from}: {code:#?}");
        }
    }

    #[test]
    fn variadic_closures_hand_rust_the_list_as_the_callers_callee_would_see_it() {
        let log = Signature::new_variadic(&[<*const u8>::DESC], &[], Some(i32::DESC)).unwrap();
        // win64: rdx, r8 and r9 (the slots after the format) into the
        // caller's shadow space, and a pointer to the first of them.
        let win = code(Conv::Win64, Conv::SysV64, log.clone(), Shape::VariadicClosure);
        for spill in ["mov [rsp+0C8h],rdx", "mov [rsp+0D0h],r8", "mov [rsp+0D8h],r9", "lea rdx,[rsp+0C8h]"] {
            assert!(win.iter().any(|l| l == spill), "{spill}: {win:#?}");
        }
        // sysv64: a register save area at [rsp], and a va_list after it whose
        // gp_offset is 8 (rdi used) and fp_offset 48 (no xmm used).
        let sysv = code(Conv::SysV64, Conv::SysV64, log, Shape::VariadicClosure);
        for line in [
            "mov [rsp],rdi",
            "movups [rsp+0A0h],xmm7",
            "mov r11,3000000008h",
            "mov [rsp+0B0h],r11",
            "lea rdx,[rsp+0B0h]",
        ] {
            assert!(sysv.iter().any(|l| l == line), "{line}: {sysv:#?}");
        }
    }
}
