//! Edge cases that have broken other FFI libraries: small integers with
//! garbage above them, and values that end right before an unmapped page.

use abi_bridge_runtime::layout::RecordLayout;
use abi_bridge_runtime::types::{Field, TypeKind};
use abi_bridge_runtime::{Conv, ForeignType, Signature, Thunk, TypeDesc};

// A sysv64 function that returns its first argument register untouched, so
// the test sees all 64 bits the thunk put in rdi.
core::arch::global_asm!(".globl abi_bridge_test_raw_rdi", "abi_bridge_test_raw_rdi:", "mov rax, rdi", "ret",);
extern "sysv64" {
    fn abi_bridge_test_raw_rdi();
}

/// Calls a win64 -> sysv64 thunk of signature `fn(T) -> u64` with `raw` in
/// rcx, all 64 bits of it, and returns the 64 bits the sysv64 side got in rdi.
fn through_thunk<T: ForeignType>(raw: u64) -> u64 {
    let sig = Signature::new(&[T::DESC], Some(<u64 as ForeignType>::DESC)).unwrap();
    let thunk = Thunk::new(Conv::Win64, Conv::SysV64, &sig, abi_bridge_test_raw_rdi as *const _).unwrap();
    // SAFETY: a win64 function taking one integer-class argument receives it
    // in rcx whatever its width, so passing a u64 puts `raw` there whole.
    let f: extern "win64" fn(u64) -> u64 = unsafe { core::mem::transmute(thunk.entry()) };
    f(raw)
}

#[test]
fn small_integers_from_win64_are_extended_for_sysv64() {
    let garbage = 0xDEAD_BEEF_CAFE_0000u64;
    // sysv64 callers sign-extend i8/i16 and zero-extend u8/u16/bool to 32 bits.
    assert_eq!(through_thunk::<i8>(garbage | 0x80) as u32, 0xFFFF_FF80);
    assert_eq!(through_thunk::<i8>(garbage | 0x7F) as u32, 0x0000_007F);
    assert_eq!(through_thunk::<i16>(garbage | 0x8001) as u32, 0xFFFF_8001);
    assert_eq!(through_thunk::<u8>(garbage | 0xFF) as u32, 0x0000_00FF);
    assert_eq!(through_thunk::<u16>(garbage | 0xFFFF) as u32, 0x0000_FFFF);
    assert_eq!(through_thunk::<bool>(garbage | 0x01) as u32, 1);
    assert_eq!(through_thunk::<bool>(garbage) as u32, 0);
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct B3 {
    a: u8,
    b: u8,
    c: u8,
}

// SAFETY: three bytes, alignment 1, fields at 0, 1, 2 (checked below).
unsafe impl ForeignType for B3 {
    const DESC: &'static TypeDesc = &{
        let mut l = RecordLayout::new(false);
        let (a, b, c) = (l.place(1, 1), l.place(1, 1), l.place(1, 1));
        assert!(l.size() == core::mem::size_of::<B3>());
        TypeDesc {
            name: "B3",
            size: l.size(),
            align: l.align(),
            kind: TypeKind::Struct(&[
                Field { name: "a", offset: a, ty: u8::DESC },
                Field { name: "b", offset: b, ty: u8::DESC },
                Field { name: "c", offset: c, ty: u8::DESC },
            ]),
        }
    };
}

extern "sysv64" fn rotate(v: B3) -> B3 {
    B3 { a: v.c, b: v.a, c: v.b }
}

/// A fresh mapping whose last page is inaccessible: returns a pointer `n`
/// bytes before that page, with `n` writable bytes behind it.
fn before_guard_page(n: usize) -> *mut u8 {
    let usable = n.next_multiple_of(4096);
    // SAFETY: a fresh anonymous mapping; its last page is made inaccessible.
    unsafe {
        let p = libc::mmap(
            core::ptr::null_mut(),
            usable + 4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        assert_eq!(libc::mprotect(p.cast::<u8>().add(usable).cast(), 4096, libc::PROT_NONE), 0);
        p.cast::<u8>().add(usable - n)
    }
}

#[test]
fn by_reference_arguments_and_return_buffers_are_never_overrun() {
    // win64 passes a 3-byte struct by reference and returns it through a
    // hidden pointer; sysv64 passes and returns it in a register. The thunk
    // must read and write exactly 3 bytes: both buffers end at a guard page.
    let sig = Signature::of::<fn(B3) -> B3>();
    let thunk = Thunk::new(Conv::Win64, Conv::SysV64, &sig, rotate as *const _).unwrap();
    let arg = before_guard_page(3).cast::<B3>();
    let ret = before_guard_page(3).cast::<B3>();
    // SAFETY: both point at 3 writable bytes.
    unsafe { arg.write(B3 { a: 1, b: 2, c: 3 }) };
    // SAFETY: win64 with an sret return and one by-reference argument is
    // exactly (rcx = return buffer, rdx = pointer to the argument) -> rax.
    let f: extern "win64" fn(*mut B3, *const B3) -> *mut B3 = unsafe { core::mem::transmute(thunk.entry()) };
    let echoed = f(ret, arg);
    assert_eq!(echoed, ret, "a callee returning through a hidden pointer echoes it in rax");
    // SAFETY: the thunk wrote the 3 bytes.
    assert_eq!(unsafe { ret.read() }, B3 { a: 3, b: 1, c: 2 });
}

/// 4099 bytes: a copy of it is a loop and a 3-byte tail.
#[repr(C)]
#[derive(Clone, Copy)]
struct Odd {
    bytes: [u8; 4099],
}

// SAFETY: one byte array: size 4099, alignment 1, at offset 0.
unsafe impl ForeignType for Odd {
    const DESC: &'static TypeDesc = &{
        let mut l = RecordLayout::new(false);
        let bytes = l.place(<[u8; 4099]>::DESC.size, <[u8; 4099]>::DESC.align);
        assert!(l.size() == core::mem::size_of::<Odd>());
        TypeDesc {
            name: "Odd",
            size: l.size(),
            align: l.align(),
            kind: TypeKind::Struct(&[Field { name: "bytes", offset: bytes, ty: <[u8; 4099]>::DESC }]),
        }
    };
}

fn odd_checksum(v: &Odd) -> u64 {
    v.bytes.iter().enumerate().fold(0, |h, (i, b)| h.rotate_left(5) ^ (i as u64 * 31 + u64::from(*b)))
}

extern "sysv64" fn odd_pair(a: i64, b: Odd, c: i64, d: i64, e: Odd) -> u64 {
    odd_checksum(&b).wrapping_mul(3)
        ^ odd_checksum(&e)
        ^ a as u64
        ^ (c as u64).rotate_left(7)
        ^ (d as u64).rotate_left(13)
}

#[test]
fn big_by_reference_copies_read_exactly_the_value() {
    // win64 passes both 4099-byte structs by reference (b's pointer in rdx,
    // e's in a stack slot); sysv64 wants copies on its stack. The thunk's
    // copy loop and tail must stop at the last byte: both values end at a
    // guard page.
    let sig = Signature::new(&[i64::DESC, Odd::DESC, i64::DESC, i64::DESC, Odd::DESC], Some(u64::DESC)).unwrap();
    let thunk = Thunk::new(Conv::Win64, Conv::SysV64, &sig, odd_pair as *const _).unwrap();
    let (b, e) = (before_guard_page(4099).cast::<Odd>(), before_guard_page(4099).cast::<Odd>());
    let mut value = Odd { bytes: [0; 4099] };
    for (i, byte) in value.bytes.iter_mut().enumerate() {
        *byte = (i * 7 + 3) as u8;
    }
    let mut reversed = value;
    reversed.bytes.reverse();
    // SAFETY: both point at 4099 writable bytes (alignment 1).
    unsafe { (b.write(value), e.write(reversed)) };
    // SAFETY: win64 passes aggregates other than 1, 2, 4 or 8 bytes as
    // pointers to caller-owned copies, so this is the thunk's signature.
    let f: extern "win64" fn(i64, *mut Odd, i64, i64, *mut Odd) -> u64 = unsafe { core::mem::transmute(thunk.entry()) };
    // SAFETY: `b` and `e` hold initialized values.
    let expected = unsafe { odd_pair(-1, b.read(), 0x1234, -0x5678, e.read()) };
    assert_eq!(f(-1, b, 0x1234, -0x5678, e), expected);
}
