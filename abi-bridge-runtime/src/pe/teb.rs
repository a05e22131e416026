//! The thread environment PE code expects: a TEB per thread, reached
//! through `%gs` (glibc and Rust use `%fs` on x86-64 Linux, so `%gs` is
//! free), and one PEB. A thread gets its TEB lazily, on its first call into
//! PE code through a gate, and loses it (after `DLL_THREAD_DETACH`) when it
//! exits.
//!
//! Linux gives a new thread its creator's `%gs` base, so a nonzero `%gs`
//! does not mean "this thread has a TEB": each TEB records its owner (the
//! thread's glibc TCB address, `%fs:0`), and the gate compares it.
//!
//! Layout (x64, as Wine's `winternl.h` and Microsoft's `NT_TIB` give it):
//! `StackBase` 0x08, `StackLimit` 0x10, `Self` 0x30, `ClientId` 0x40/0x48,
//! `ThreadLocalStoragePointer` 0x58, `ProcessEnvironmentBlock` 0x60,
//! `LastErrorValue` 0x68, `TlsSlots[64]` 0x1480, `TlsExpansionSlots` 0x1780.
//! The PEB's `ImageBaseAddress` is at 0x10 and `ProcessHeap` at 0x30.

// dynasm! expands register operands to `.into()` calls even when they are already `u8`.
#![allow(clippy::useless_conversion)]

use core::ffi::c_void;
use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::OnceLock;

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi, VecAssembler};

use super::loader;
use crate::memory::publish;
use crate::Error;

pub(crate) const STACK_BASE: usize = 0x08;
pub(crate) const STACK_LIMIT: usize = 0x10;
pub(crate) const SELF: usize = 0x30;
pub(crate) const PROCESS_ID: usize = 0x40;
pub(crate) const THREAD_ID: usize = 0x48;
pub(crate) const THREAD_LOCAL_STORAGE_POINTER: usize = 0x58;
pub(crate) const PEB: usize = 0x60;
pub(crate) const LAST_ERROR: usize = 0x68;
pub(crate) const TLS_SLOTS: usize = 0x1480;
pub(crate) const TLS_EXPANSION_SLOTS: usize = 0x1780;
/// How many slots `TlsAlloc` hands out: 64 in the TEB, 1024 in the expansion.
pub(crate) const TLS_SLOT_COUNT: usize = 64 + 1024;
/// Ours, past Windows' 0x1838 bytes: the owning thread's `%fs:0`.
const OWNER: usize = 0x1f00;
const TEB_SIZE: usize = 0x2000;

const PEB_IMAGE_BASE: usize = 0x10;
const PEB_PROCESS_HEAP: usize = 0x30;
/// The handle `GetProcessHeap` returns (the built-in heap is the host's malloc).
pub(crate) const PROCESS_HEAP: usize = 0x0050_4548; // "HEP"

/// The one PEB, zeroed but for the image base and the heap.
fn peb() -> *mut u8 {
    static PEB_BLOCK: OnceLock<usize> = OnceLock::new();
    *PEB_BLOCK.get_or_init(|| {
        let block: &'static mut [u64; 0x200] = Box::leak(Box::new([0u64; 0x200]));
        block[PEB_PROCESS_HEAP / 8] = PROCESS_HEAP as u64;
        block.as_mut_ptr() as usize
    }) as *mut u8
}

static PROCESS_IMAGE: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Records the image base of the first DLL loaded as the PEB's
/// `ImageBaseAddress` (there is no PE executable).
pub(crate) fn set_process_image(base: *mut c_void) {
    if PROCESS_IMAGE.compare_exchange(core::ptr::null_mut(), base, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
        // SAFETY: the PEB's image-base field, inside its block.
        unsafe { peb().add(PEB_IMAGE_BASE).cast::<usize>().write(base as usize) };
    }
}

/// The PEB's image base (null before any DLL was loaded).
pub(crate) fn process_image() -> *mut c_void {
    PROCESS_IMAGE.load(Ordering::SeqCst)
}

/// Frees this thread's TEB (after the loader's thread detach) when the
/// thread exits.
struct ThreadTeb;

impl Drop for ThreadTeb {
    fn drop(&mut self) {
        let teb = CURRENT.with(Cell::get);
        if teb.is_null() {
            return;
        }
        loader::thread_detach();
        // SAFETY: clears this thread's %gs base, which pointed at the TEB.
        unsafe { set_gs(0) };
        let expansion = read(teb, TLS_EXPANSION_SLOTS);
        if expansion != 0 {
            // SAFETY: allocated in `enter_thread` as a boxed slot array.
            drop(unsafe { Box::from_raw(expansion as *mut [usize; 1024]) });
        }
        CURRENT.with(|c| c.set(core::ptr::null_mut()));
        // SAFETY: allocated in `enter_thread`; nothing on this thread uses
        // it any more (%gs no longer points at it).
        drop(unsafe { Box::from_raw(teb.cast::<[u64; TEB_SIZE / 8]>()) });
    }
}

thread_local! {
    /// This thread's TEB. Without a destructor, so it stays readable while
    /// other thread-locals are destroyed (`DLL_THREAD_DETACH` runs then,
    /// and the DLL calls built-ins that read the TEB).
    static CURRENT: Cell<*mut u8> = const { Cell::new(core::ptr::null_mut()) };
    /// Frees the TEB at thread exit.
    static CLEANUP: ThreadTeb = const { ThreadTeb };
}

fn read(teb: *mut u8, offset: usize) -> usize {
    // SAFETY: `offset` is a field inside the TEB.
    unsafe { teb.add(offset).cast::<usize>().read() }
}

/// Writes the pointer-sized TEB field at `offset` of this thread's TEB.
pub(crate) fn write(offset: usize, value: usize) {
    // SAFETY: `offset` is a field inside this thread's TEB.
    unsafe { current().add(offset).cast::<usize>().write(value) };
}

/// # Safety
///
/// `%gs` is this crate's: nothing else in the process uses it.
unsafe fn set_gs(base: usize) {
    const ARCH_SET_GS: libc::c_int = 0x1001;
    // SAFETY: (caller's promise) sets only this thread's %gs base.
    let rc = unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_SET_GS, base) };
    assert_eq!(rc, 0, "arch_prctl(ARCH_SET_GS) failed");
}

/// This thread's glibc TCB address (`%fs:0`), which names the thread.
fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads the TCB's self pointer, which glibc keeps at %fs:0.
    unsafe { core::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags)) };
    tp
}

/// This thread's stack: (base = highest address, limit = lowest).
fn stack_bounds() -> (usize, usize) {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread, which
    // is destroyed after reading the stack from it.
    unsafe {
        let mut attr: libc::pthread_attr_t = core::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return (0, 0);
        }
        let mut addr: *mut c_void = core::ptr::null_mut();
        let mut size = 0usize;
        libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (addr as usize + size, addr as usize)
    }
}

/// Installs this thread's TEB in `%gs` if it has none of its own, then
/// gives it the loaded modules' thread attach. Cheap once done.
pub(crate) fn enter_thread() -> Result<(), Error> {
    if !CURRENT.with(Cell::get).is_null() {
        return Ok(());
    }
    let teb = Box::into_raw(Box::new([0u64; TEB_SIZE / 8])).cast::<u8>();
    let expansion = Box::into_raw(Box::new([0usize; 1024]));
    let (base, limit) = stack_bounds();
    let fields = [
        (STACK_BASE, base),
        (STACK_LIMIT, limit),
        (SELF, teb as usize),
        (PROCESS_ID, std::process::id() as usize),
        // SAFETY: gettid has no preconditions.
        (THREAD_ID, unsafe { libc::gettid() } as usize),
        (PEB, peb() as usize),
        (TLS_EXPANSION_SLOTS, expansion as usize),
        (OWNER, thread_pointer()),
    ];
    for (offset, value) in fields {
        // SAFETY: each offset is a field inside the new TEB.
        unsafe { teb.add(offset).cast::<usize>().write(value) };
    }
    CURRENT.with(|c| c.set(teb));
    // Registers the destructor; a thread already exiting gets none, and its
    // TEB is left to the process (it cannot be freed while code may run).
    let _ = CLEANUP.try_with(|_| ());
    // SAFETY: %gs is ours; the TEB lives until this thread's TLS destructor.
    unsafe { set_gs(teb as usize) };
    loader::thread_attach();
    Ok(())
}

/// This thread's TEB (installed if it had none).
pub(crate) fn current() -> *mut u8 {
    if enter_thread().is_err() {
        std::process::abort();
    }
    CURRENT.with(Cell::get)
}

/// Sets this thread's `ThreadLocalStoragePointer` (TEB + 0x58), the array
/// native TLS indexes into.
pub(crate) fn set_thread_local_storage_pointer(array: *mut *mut c_void) {
    write(THREAD_LOCAL_STORAGE_POINTER, array as usize);
}

/// Whether user space may read `%gs`'s base itself (FSGSBASE, which Linux
/// enables since 5.9 and announces in `AT_HWCAP2` bit 1).
fn has_fsgsbase() -> bool {
    const HWCAP2_FSGSBASE: libc::c_ulong = 1 << 1;
    // SAFETY: getauxval has no preconditions.
    unsafe { libc::getauxval(libc::AT_HWCAP2) & HWCAP2_FSGSBASE != 0 }
}

/// How many calls took a gate's slow path (a thread without its TEB yet,
/// or every call where FSGSBASE is unavailable).
static SLOW_ENTRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// [`SLOW_ENTRIES`], for the test that pins the fast path.
pub(crate) fn slow_entries() -> usize {
    SLOW_ENTRIES.load(Ordering::Relaxed)
}

/// Whether gates check the TEB inline (FSGSBASE); without it every call
/// takes the slow path.
pub(crate) fn gates_are_fast() -> bool {
    has_fsgsbase()
}

/// Where a gate's slow path goes: installs the TEB. Never unwinds.
extern "sysv64" fn gate_enter() {
    SLOW_ENTRIES.fetch_add(1, Ordering::Relaxed);
    let entered = std::panic::catch_unwind(enter_thread);
    if !matches!(entered, Ok(Ok(()))) {
        eprintln!("abi-bridge: cannot give this thread a TEB for PE code; aborting");
        std::process::abort();
    }
}

/// A gate for `target`: generated code, win64-callable with `target`'s
/// signature, that makes sure the calling thread has its TEB in `%gs` and
/// jumps to `target` with the arguments and the stack untouched.
/// Process-lived.
pub(crate) fn gate(target: *const c_void) -> Result<*const c_void, Error> {
    static FAST: OnceLock<bool> = OnceLock::new();
    let fast = *FAST.get_or_init(has_fsgsbase);
    let mut a: VecAssembler<X64Relocation> = VecAssembler::new(0);
    let slow = a.new_dynamic_label();
    if fast {
        dynasm!(a
            ; .arch x64
            // rdgsbase r11; mov r10, fs:[0] (not in dynasm's tables)
            ; .bytes [0xF3, 0x49, 0x0F, 0xAE, 0xCB]
            ; test r11, r11
            ; jz =>slow
            ; .bytes [0x64, 0x4C, 0x8B, 0x14, 0x25, 0x00, 0x00, 0x00, 0x00]
            ; cmp r10, [r11 + OWNER as i32]
            ; jne =>slow
            ; mov r11, QWORD target as i64
            ; jmp r11
        );
    }
    // The slow path keeps what the win64 caller expects to survive the call
    // (rsi, rdi, xmm6-15) and the arguments (rcx, rdx, r8, r9, xmm0-3)
    // across a sysv64 call; 6 pushes and 232 bytes keep rsp 16-aligned.
    dynasm!(a
        ; .arch x64
        ; =>slow
        ; push rcx ; push rdx ; push r8 ; push r9 ; push rsi ; push rdi
        ; sub rsp, 232
    );
    for (i, x) in [0u8, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].into_iter().enumerate() {
        dynasm!(a ; .arch x64 ; movdqu [rsp + (i * 16) as i32], Rx(x));
    }
    dynasm!(a
        ; .arch x64
        ; mov rax, QWORD gate_enter as *const () as i64
        ; call rax
    );
    for (i, x) in [0u8, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].into_iter().enumerate() {
        dynasm!(a ; .arch x64 ; movdqu Rx(x), [rsp + (i * 16) as i32]);
    }
    dynasm!(a
        ; .arch x64
        ; add rsp, 232
        ; pop rdi ; pop rsi ; pop r9 ; pop r8 ; pop rdx ; pop rcx
        ; mov r11, QWORD target as i64
        ; jmp r11
    );
    let code = a.finalize().expect("the gate's labels are all defined");
    let at = publish(&[&code])?[0];
    crate::perf_map::record(at, code.len(), || format!("abi_bridge::pe::gate({:#x})", target as usize));
    Ok(at.cast())
}
