//! Structs of 4 KiB, 64 KiB and 256 KiB by value and as return values,
//! checked against rustc: rustc compiles both the call into the thunk and the
//! target, so every byte that crosses is placed by the compiler. These are
//! the values thunks copy with a loop, in frames they allocate page by page.

use core::ffi::c_void;

use abi_bridge_runtime::layout::RecordLayout;
use abi_bridge_runtime::types::{Field, TypeKind};
use abi_bridge_runtime::{Callback, Conv, ForeignType, Signature, Thunk, TypeDesc};

/// Fields of every kind around a long array; `N` 32-bit words make the
/// struct `round_up(25 + 4 N, 8)` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Big<const N: usize> {
    a: u8,
    b: f64,
    c: i16,
    words: [u32; N],
    d: f32,
    e: u8,
}

// SAFETY: the layout is computed by C rules and checked against rustc's.
unsafe impl<const N: usize> ForeignType for Big<N> {
    const DESC: &'static TypeDesc = &{
        let mut l = RecordLayout::new(false);
        let a = l.place(u8::DESC.size, u8::DESC.align);
        let b = l.place(f64::DESC.size, f64::DESC.align);
        let c = l.place(i16::DESC.size, i16::DESC.align);
        let words = l.place(<[u32; N]>::DESC.size, <[u32; N]>::DESC.align);
        let d = l.place(f32::DESC.size, f32::DESC.align);
        let e = l.place(u8::DESC.size, u8::DESC.align);
        assert!(a == core::mem::offset_of!(Self, a) && b == core::mem::offset_of!(Self, b));
        assert!(c == core::mem::offset_of!(Self, c) && words == core::mem::offset_of!(Self, words));
        assert!(d == core::mem::offset_of!(Self, d) && e == core::mem::offset_of!(Self, e));
        assert!(l.size() == core::mem::size_of::<Self>() && l.align() == core::mem::align_of::<Self>());
        TypeDesc {
            name: "Big",
            size: l.size(),
            align: l.align(),
            kind: TypeKind::Struct(&[
                Field { name: "a", offset: a, ty: u8::DESC },
                Field { name: "b", offset: b, ty: f64::DESC },
                Field { name: "c", offset: c, ty: i16::DESC },
                Field { name: "words", offset: words, ty: <[u32; N]>::DESC },
                Field { name: "d", offset: d, ty: f32::DESC },
                Field { name: "e", offset: e, ty: u8::DESC },
            ]),
        }
    };
}

/// 4096 bytes.
type Big4K = Big<1017>;
/// 65536 bytes.
type Big64K = Big<16377>;
/// 262144 bytes.
type Big256K = Big<65529>;

const _: () = assert!(size_of::<Big4K>() == 4096 && size_of::<Big64K>() == 65536 && size_of::<Big256K>() == 262144);

impl<const N: usize> Big<N> {
    /// A value that differs from `Big::new(other seed)` in every field and
    /// in nearly every word, on the heap (64 KiB and more do not belong on a
    /// test's stack more often than needed).
    fn new(seed: u32) -> Box<Self> {
        let mut words = vec![0u32; N];
        for (i, w) in words.iter_mut().enumerate() {
            *w = (i as u32).wrapping_mul(0x9E37_79B9) ^ seed.rotate_left(i as u32 % 32);
        }
        let mut v: Box<Self> = Box::new(Big { a: 0, b: 0.0, c: 0, words: [0; N], d: 0.0, e: 0 });
        v.words.copy_from_slice(&words);
        (v.a, v.b, v.c, v.d, v.e) =
            (seed as u8 | 1, seed as f64 * 0.5, -(seed as i16), seed as f32 / 3.0, 0xA5 ^ seed as u8);
        v
    }

    /// The words' checksum: sensitive to the position of every word.
    fn checksum(&self) -> u64 {
        self.words.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, w| (h ^ u64::from(*w)).wrapping_mul(0x100_0000_01B3))
    }
}

/// What every target computes: it reads every field of both structs and
/// every scalar (registers and stack slots around the copies), and returns
/// a struct built from all of them.
fn body<const N: usize>(a: i64, b: &Big<N>, c: f64, d: i32, e: &Big<N>, f: u8, g: f32) -> Big<N> {
    let mut r = *b;
    for (w, x) in r.words.iter_mut().zip(e.words.iter().rev()) {
        *w = w.wrapping_mul(3) ^ x;
    }
    r.a ^= f;
    r.b = c + f64::from(g) + a as f64 + e.b;
    r.c = r.c.wrapping_add(d as i16) ^ e.c;
    r.d = e.d * 2.0;
    r.e = e.e ^ e.a;
    r.words[0] ^= (e.checksum() >> 32) as u32;
    r
}

/// For one size: the signature above through the four (from, to) thunks and
/// a win64 callback, each compared with rustc's own call of the target.
macro_rules! check_big {
    ($test:ident: $big:ty) => {
        #[test]
        fn $test() {
            extern "win64" fn to_win64(a: i64, b: $big, c: f64, d: i32, e: $big, f: u8, g: f32) -> $big {
                body(a, &b, c, d, &e, f, g)
            }
            extern "sysv64" fn to_sysv64(a: i64, b: $big, c: f64, d: i32, e: $big, f: u8, g: f32) -> $big {
                body(a, &b, c, d, &e, f, g)
            }
            type FromSysV64 = extern "sysv64" fn(i64, $big, f64, i32, $big, u8, f32) -> $big;
            type FromWin64 = extern "win64" fn(i64, $big, f64, i32, $big, u8, f32) -> $big;
            let sig = Signature::of::<fn(i64, $big, f64, i32, $big, u8, f32) -> $big>();
            let (b, e) = (<$big>::new(7), <$big>::new(1234));
            let (a, c, d, f, g) = (-0x1234_5678_9ABC_i64, 2.5f64, -77i32, 0x5Au8, 0.25f32);
            let expected = Box::new(to_sysv64(a, *b, c, d, *e, f, g));
            assert_eq!(to_win64(a, *b, c, d, *e, f, g), *expected, "rustc agrees with itself");
            for (to, target) in [(Conv::Win64, to_win64 as *const ()), (Conv::SysV64, to_sysv64 as *const ())] {
                let thunk = Thunk::new(Conv::SysV64, to, &sig, target.cast()).unwrap();
                // SAFETY: the thunk is callable as sysv64 with this signature.
                let call = unsafe { core::mem::transmute::<*const c_void, FromSysV64>(thunk.entry()) };
                assert!(call(a, *b, c, d, *e, f, g) == *expected, "sysv64 -> {to}");
                let thunk = Thunk::new(Conv::Win64, to, &sig, target.cast()).unwrap();
                // SAFETY: the thunk is callable as win64 with this signature.
                let call = unsafe { core::mem::transmute::<*const c_void, FromWin64>(thunk.entry()) };
                assert!(call(a, *b, c, d, *e, f, g) == *expected, "win64 -> {to}");
            }
            let callback =
                Callback::<fn(i64, $big, f64, i32, $big, u8, f32) -> $big>::new(Conv::Win64, |a, b, c, d, e, f, g| {
                    body(a, &b, c, d, &e, f, g)
                })
                .unwrap();
            assert!(callback.as_win64().unwrap()(a, *b, c, d, *e, f, g) == *expected, "win64 callback");
        }
    };
}

check_big!(four_kib_by_value_and_returned: Big4K);
check_big!(sixty_four_kib_by_value_and_returned: Big64K);

extern "sysv64" fn checksum_256k(a: i64, big: Big256K, c: f64) -> u64 {
    big.checksum() ^ a as u64 ^ c.to_bits() ^ u64::from(big.a) ^ big.b.to_bits() ^ big.c as u64 ^ u64::from(big.e)
}

/// A win64 -> sysv64 thunk for `checksum_256k`: the win64 caller passes the
/// struct by reference, so the thunk makes the 256 KiB copy in its own frame.
fn checksum_256k_thunk() -> (Thunk, extern "win64" fn(i64, &Big256K, f64) -> u64) {
    let sig = Signature::of::<fn(i64, Big256K, f64) -> u64>();
    let thunk = Thunk::new(Conv::Win64, Conv::SysV64, &sig, checksum_256k as *const _).unwrap();
    // SAFETY: win64 passes a struct of 256 KiB as a pointer to a
    // caller-owned copy, which the callee may modify (ours is not read again).
    let f =
        unsafe { core::mem::transmute::<*const c_void, extern "win64" fn(i64, &Big256K, f64) -> u64>(thunk.entry()) };
    (thunk, f)
}

/// Calls the 256 KiB thunk with `big` on a thread named `name` whose stack
/// is `stack` bytes.
fn checksum_in_thread(name: &str, stack: usize, big: Box<Big256K>) -> u64 {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(stack)
        .spawn(move || {
            let (_thunk, f) = checksum_256k_thunk();
            f(5, &big, 1.5)
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn a_256_kib_argument_is_copied_in_a_frame_probed_page_by_page() {
    let big = Big256K::new(99);
    let expected = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn({
            let big = big.clone();
            move || checksum_256k(5, *big, 1.5)
        })
        .unwrap()
        .join()
        .unwrap();
    // The thunk's frame (256 KiB and a little) fits, with the test's own
    // needs, in 320 KiB; a frame that skipped pages would still run here, so
    // the probe itself is shown by the disassembly test in `jit` and by
    // `a_frame_larger_than_the_stack_faults_in_the_guard_page` below.
    assert_eq!(checksum_in_thread("roomy", 320 << 10, big), expected);
}

/// In a child process (this test binary, asked by the environment): the
/// thunk's 256 KiB frame in a thread of 64 KiB.
const OVERFLOW_CHILD: &str = "ABI_BRIDGE_TEST_OVERFLOW_CHILD";

#[test]
fn a_frame_larger_than_the_stack_faults_in_the_guard_page() {
    if std::env::var_os(OVERFLOW_CHILD).is_some() {
        checksum_in_thread("small", 64 << 10, Big256K::new(3));
        unreachable!("a 256 KiB frame does not fit in 64 KiB");
    }
    // Probed page by page, the frame's first fault lands in the thread's
    // guard page, which Rust reports as a stack overflow. A single `sub rsp`
    // would jump over the guard page: the write lands in whatever is mapped
    // below (silent corruption) or faults elsewhere (a bare SIGSEGV).
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_frame_larger_than_the_stack_faults_in_the_guard_page", "--nocapture", "--test-threads=1"])
        .env(OVERFLOW_CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let reported = stderr.lines().any(|l| l.starts_with("thread 'small'") && l.ends_with("has overflowed its stack"));
    assert!(reported, "{:?}\n{stderr}", out.status);
}
