//! The C runtime (`msvcrt.dll`; the UCRT's sets map here too): startup and
//! exit, heap, strings and characters, conversions, sorting, math, time,
//! locale queries and `errno`. Where Windows' C types differ from Linux's
//! (`long` is 32 bits, `wchar_t` 16, `RAND_MAX` 0x7fff, `clock()` counts
//! milliseconds), these follow Windows: the DLL was compiled for it.

use core::ffi::{c_char, c_double, c_int, c_uint, c_void};
use std::sync::{Mutex, OnceLock};

use super::sync::RecursiveLock;
use super::{exports, host};

/// A win64 function without arguments, as `_initterm` tables and `atexit` hold.
type VoidFn = Option<unsafe extern "win64" fn()>;
type IntFn = Option<unsafe extern "win64" fn() -> c_int>;
type Compare = unsafe extern "win64" fn(*const c_void, *const c_void) -> c_int;

macro_rules! forward {
    ($($name:ident ( $($a:ident : $t:ty),* ) $(-> $r:ty)? = $target:path;)*) => {$(
        extern "win64" fn $name($($a: $t),*) $(-> $r)? {
            // SAFETY: the DLL passes what the C function expects, and the
            // host's implementation has the same contract.
            unsafe { $target($($a),*) }
        }
    )*};
}

forward! {
    malloc(n: usize) -> *mut c_void = libc::malloc;
    calloc(n: usize, size: usize) -> *mut c_void = libc::calloc;
    realloc(p: *mut c_void, n: usize) -> *mut c_void = libc::realloc;
    free(p: *mut c_void) = libc::free;
    memcpy(d: *mut c_void, s: *const c_void, n: usize) -> *mut c_void = libc::memcpy;
    memmove(d: *mut c_void, s: *const c_void, n: usize) -> *mut c_void = libc::memmove;
    memset(d: *mut c_void, c: c_int, n: usize) -> *mut c_void = libc::memset;
    memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int = libc::memcmp;
    memchr(s: *const c_void, c: c_int, n: usize) -> *mut c_void = libc::memchr;
    strlen(s: *const c_char) -> usize = libc::strlen;
    strnlen(s: *const c_char, n: usize) -> usize = libc::strnlen;
    strcmp(a: *const c_char, b: *const c_char) -> c_int = libc::strcmp;
    strncmp(a: *const c_char, b: *const c_char, n: usize) -> c_int = libc::strncmp;
    strcpy(d: *mut c_char, s: *const c_char) -> *mut c_char = libc::strcpy;
    strncpy(d: *mut c_char, s: *const c_char, n: usize) -> *mut c_char = libc::strncpy;
    strcat(d: *mut c_char, s: *const c_char) -> *mut c_char = libc::strcat;
    strncat(d: *mut c_char, s: *const c_char, n: usize) -> *mut c_char = libc::strncat;
    strchr(s: *const c_char, c: c_int) -> *mut c_char = libc::strchr;
    strrchr(s: *const c_char, c: c_int) -> *mut c_char = libc::strrchr;
    strstr(s: *const c_char, t: *const c_char) -> *mut c_char = libc::strstr;
    strspn(s: *const c_char, t: *const c_char) -> usize = libc::strspn;
    strcspn(s: *const c_char, t: *const c_char) -> usize = libc::strcspn;
    strpbrk(s: *const c_char, t: *const c_char) -> *mut c_char = libc::strpbrk;
    strdup(s: *const c_char) -> *mut c_char = libc::strdup;
    stricmp(a: *const c_char, b: *const c_char) -> c_int = libc::strcasecmp;
    strnicmp(a: *const c_char, b: *const c_char, n: usize) -> c_int = libc::strncasecmp;
    strerror(n: c_int) -> *mut c_char = libc::strerror;
    getenv(name: *const c_char) -> *mut c_char = libc::getenv;
    atof(s: *const c_char) -> c_double = libc::atof;
    strtod(s: *const c_char, end: *mut *mut c_char) -> c_double = libc::strtod;
    strtof(s: *const c_char, end: *mut *mut c_char) -> f32 = libc::strtof;
    strtoll(s: *const c_char, end: *mut *mut c_char, base: c_int) -> i64 = libc::strtoll;
    strtoull(s: *const c_char, end: *mut *mut c_char, base: c_int) -> u64 = libc::strtoull;
    tolower(c: c_int) -> c_int = libc::tolower;
    toupper(c: c_int) -> c_int = libc::toupper;
    isalpha(c: c_int) -> c_int = libc::isalpha;
    isdigit(c: c_int) -> c_int = libc::isdigit;
    isalnum(c: c_int) -> c_int = libc::isalnum;
    isspace(c: c_int) -> c_int = libc::isspace;
    isupper(c: c_int) -> c_int = libc::isupper;
    islower(c: c_int) -> c_int = libc::islower;
    isxdigit(c: c_int) -> c_int = libc::isxdigit;
    isprint(c: c_int) -> c_int = libc::isprint;
    ispunct(c: c_int) -> c_int = libc::ispunct;
    iscntrl(c: c_int) -> c_int = libc::iscntrl;
    abs(n: c_int) -> c_int = libc::abs;
    llabs(n: i64) -> i64 = host::llabs;
    errno_location() -> *mut c_int = libc::__errno_location;
    read(fd: c_int, buf: *mut c_void, n: c_uint) -> isize = read_fd;
    close(fd: c_int) -> c_int = libc::close;
    time64(t: *mut i64) -> i64 = libc::time;
    gmtime64(t: *const i64) -> *mut libc::tm = libc::gmtime;
    localtime64(t: *const i64) -> *mut libc::tm = libc::localtime;
    mktime64(tm: *mut libc::tm) -> i64 = libc::mktime;
    strftime(s: *mut c_char, n: usize, f: *const c_char, tm: *const libc::tm) -> usize = libc::strftime;
}

/// `_read`'s count is unsigned int.
unsafe fn read_fd(fd: c_int, buf: *mut c_void, n: c_uint) -> isize {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::read(fd, buf, n as usize) }
}

macro_rules! math {
    ($($name:ident = $method:ident ( $($a:ident : $t:ty),* ) -> $r:ty;)*) => {$(
        extern "win64" fn $name($($a: $t),*) -> $r {
            <$r>::$method($($a),*)
        }
    )*};
}
math! {
    sin = sin(x: f64) -> f64; cos = cos(x: f64) -> f64; tan = tan(x: f64) -> f64;
    asin = asin(x: f64) -> f64; acos = acos(x: f64) -> f64; atan = atan(x: f64) -> f64;
    atan2 = atan2(y: f64, x: f64) -> f64;
    sinh = sinh(x: f64) -> f64; cosh = cosh(x: f64) -> f64; tanh = tanh(x: f64) -> f64;
    exp = exp(x: f64) -> f64; log = ln(x: f64) -> f64; log10 = log10(x: f64) -> f64; log2 = log2(x: f64) -> f64;
    pow = powf(x: f64, y: f64) -> f64; sqrt = sqrt(x: f64) -> f64; cbrt = cbrt(x: f64) -> f64;
    hypot = hypot(x: f64, y: f64) -> f64;
    floor = floor(x: f64) -> f64; ceil = ceil(x: f64) -> f64; round = round(x: f64) -> f64;
    trunc = trunc(x: f64) -> f64; fabs = abs(x: f64) -> f64;
    sqrtf = sqrt(x: f32) -> f32; sinf = sin(x: f32) -> f32; cosf = cos(x: f32) -> f32;
    powf32 = powf(x: f32, y: f32) -> f32; fabsf = abs(x: f32) -> f32; floorf = floor(x: f32) -> f32;
}

extern "win64" fn fmod(x: f64, y: f64) -> f64 {
    x % y
}
extern "win64" fn ldexp(x: f64, e: c_int) -> f64 {
    // SAFETY: pure math.
    unsafe { host::ldexp(x, e) }
}
extern "win64" fn frexp(x: f64, e: *mut c_int) -> f64 {
    // SAFETY: `e` is the DLL's out pointer.
    unsafe { host::frexp(x, e) }
}
extern "win64" fn modf(x: f64, i: *mut f64) -> f64 {
    // SAFETY: `i` is the DLL's out pointer.
    unsafe { host::modf(x, i) }
}

/// Windows' `long` is 32 bits: the 64-bit result clamps as `strtol` would
/// have, with `ERANGE`.
extern "win64" fn strtol(s: *const c_char, end: *mut *mut c_char, base: c_int) -> c_long32 {
    // SAFETY: forwarded from the DLL.
    let wide = unsafe { libc::strtol(s, end, base) };
    i32::try_from(wide).unwrap_or_else(|_| {
        // SAFETY: this thread's errno.
        unsafe { *libc::__errno_location() = libc::ERANGE };
        if wide < 0 {
            i32::MIN
        } else {
            i32::MAX
        }
    })
}

extern "win64" fn strtoul(s: *const c_char, end: *mut *mut c_char, base: c_int) -> u32 {
    // SAFETY: forwarded from the DLL.
    let wide = unsafe { libc::strtoul(s, end, base) };
    // C converts a negated value modulo 2^N: glibc did it in 64 bits, so a
    // "-1" is 0xffff_ffff_ffff_ffff, which Windows' 32-bit result keeps.
    let negated = wide as i64 >= i64::from(i32::MIN) && (wide as i64) < 0;
    u32::try_from(wide).unwrap_or_else(|_| {
        if negated {
            wide as u32
        } else {
            // SAFETY: this thread's errno.
            unsafe { *libc::__errno_location() = libc::ERANGE };
            u32::MAX
        }
    })
}

#[allow(non_camel_case_types)]
type c_long32 = i32;

extern "win64" fn atoi(s: *const c_char) -> c_int {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::atoi(s) }
}
extern "win64" fn atol(s: *const c_char) -> c_long32 {
    // SAFETY: forwarded from the DLL.
    unsafe { libc::atol(s) as c_long32 }
}
extern "win64" fn labs(n: c_long32) -> c_long32 {
    n.wrapping_abs()
}

/// Windows' `rand` gives 15 bits (`RAND_MAX` 0x7fff).
extern "win64" fn rand() -> c_int {
    // SAFETY: the host's generator.
    unsafe { libc::rand() & 0x7fff }
}
extern "win64" fn srand(seed: c_uint) {
    // SAFETY: the host's generator.
    unsafe { libc::srand(seed) }
}

/// Windows' `clock` counts milliseconds (`CLOCKS_PER_SEC` 1000).
extern "win64" fn clock() -> c_long32 {
    // SAFETY: plain call.
    (unsafe { host::clock() } / 1000) as c_long32
}

/// `wcslen` over Windows' 16-bit `wchar_t`.
extern "win64" fn wcslen(s: *const u16) -> usize {
    let mut n = 0;
    // SAFETY: the DLL passes a NUL-terminated wide string.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}

/// Calls each non-null entry of `[begin, end)`: the C runtime's table of
/// constructors.
unsafe extern "win64" fn initterm(begin: *const VoidFn, end: *const VoidFn) {
    let mut at = begin;
    while at < end {
        // SAFETY: the DLL's own table of win64 functions.
        if let Some(f) = unsafe { *at } {
            // SAFETY: as above.
            unsafe { f() };
        }
        // SAFETY: still inside the table.
        at = unsafe { at.add(1) };
    }
}

/// `_initterm` whose entries return an error code; stops at the first nonzero.
unsafe extern "win64" fn initterm_e(begin: *const IntFn, end: *const IntFn) -> c_int {
    let mut at = begin;
    while at < end {
        // SAFETY: the DLL's own table of win64 functions.
        if let Some(f) = unsafe { *at } {
            // SAFETY: as above.
            let rc = unsafe { f() };
            if rc != 0 {
                return rc;
            }
        }
        // SAFETY: still inside the table.
        at = unsafe { at.add(1) };
    }
    0
}

/// The runtime's numbered locks (`_lock(n)`/`_unlock(n)`), recursive.
fn crt_lock(n: c_int) -> &'static RecursiveLock {
    static LOCKS: OnceLock<Vec<RecursiveLock>> = OnceLock::new();
    let locks = LOCKS.get_or_init(|| (0..64).map(|_| RecursiveLock::default()).collect());
    &locks[n.clamp(0, 63) as usize]
}
extern "win64" fn lock(n: c_int) {
    crt_lock(n).enter();
}
extern "win64" fn unlock(n: c_int) {
    crt_lock(n).leave();
}

extern "win64" fn amsg_exit(code: c_int) -> ! {
    eprintln!("abi-bridge: the DLL's C runtime stopped with _amsg_exit({code})");
    std::process::abort();
}
extern "win64" fn abort() -> ! {
    eprintln!("abi-bridge: the DLL called abort()");
    std::process::abort();
}
extern "win64" fn exit(code: c_int) -> ! {
    std::process::exit(code)
}

/// Functions the DLL registered with `atexit`/`_onexit`, run (last first)
/// when the host process exits.
static AT_EXIT: Mutex<Vec<usize>> = Mutex::new(Vec::new());

extern "C" fn run_at_exit() {
    while let Some(f) = AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()).pop() {
        // SAFETY: registered by the DLL as a win64 function without arguments.
        let f: unsafe extern "win64" fn() = unsafe { core::mem::transmute(f) };
        // SAFETY: as above.
        unsafe { f() };
    }
}

extern "win64" fn atexit(f: VoidFn) -> c_int {
    register_at_exit(f)
}

/// Adds `f` to the functions run when the host process exits.
pub(super) fn register_at_exit(f: VoidFn) -> c_int {
    static HOOKED: OnceLock<c_int> = OnceLock::new();
    // SAFETY: registers a host function that runs the list.
    if *HOOKED.get_or_init(|| unsafe { libc::atexit(run_at_exit) }) != 0 {
        return -1;
    }
    match f {
        Some(f) => {
            AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()).push(f as usize);
            0
        }
        None => -1,
    }
}
extern "win64" fn onexit(f: VoidFn) -> VoidFn {
    if atexit(f) == 0 {
        f
    } else {
        None
    }
}

/// Appends `f` to the DLL's own exit table `[*begin, *end)` (growing it
/// with `realloc`), as the DLL's C runtime asks.
unsafe extern "win64" fn dllonexit(f: VoidFn, begin: *mut *mut VoidFn, end: *mut *mut VoidFn) -> VoidFn {
    // SAFETY: the DLL's own table, made by this allocator.
    unsafe {
        let n = (*end).offset_from(*begin).max(0) as usize;
        let grown = libc::realloc((*begin).cast(), (n + 1) * 8).cast::<VoidFn>();
        if grown.is_null() {
            return None;
        }
        grown.add(n).write(f);
        *begin = grown;
        *end = grown.add(n + 1);
    }
    f
}

extern "win64" fn set_user_math_err(_handler: *const c_void) {
    // The host's math functions never call a matherr handler, so
    // registering one changes nothing.
}

extern "win64" fn lc_codepage() -> c_uint {
    0 // the "C" locale
}
extern "win64" fn mb_cur_max() -> c_int {
    1
}

/// msvcrt's `struct lconv` for the "C" locale: ten strings, then eight chars.
#[repr(C)]
struct Lconv {
    strings: [*const c_char; 10],
    chars: [c_char; 8],
    wide: [*const u16; 8],
}
// SAFETY: only read, and every pointer is to a static.
unsafe impl Sync for Lconv {}
// SAFETY: as above.
unsafe impl Send for Lconv {}

extern "win64" fn localeconv() -> *const Lconv {
    static EMPTY_WIDE: [u16; 1] = [0];
    static DOT_WIDE: [u16; 2] = [b'.' as u16, 0];
    static C_LCONV: OnceLock<Lconv> = OnceLock::new();
    C_LCONV.get_or_init(|| {
        let mut strings = [c"".as_ptr(); 10];
        strings[0] = c".".as_ptr();
        let mut wide = [EMPTY_WIDE.as_ptr(); 8];
        wide[0] = DOT_WIDE.as_ptr();
        Lconv { strings, chars: [c_char::MAX; 8], wide }
    })
}

extern "win64" fn setlocale(_category: c_int, locale: *const c_char) -> *const c_char {
    // SAFETY: null or a NUL-terminated string from the DLL.
    let asked = (!locale.is_null()).then(|| unsafe { core::ffi::CStr::from_ptr(locale) }.to_bytes());
    match asked {
        None | Some(b"" | b"C") => c"C".as_ptr(),
        Some(_) => core::ptr::null(),
    }
}

/// Sorts `n` elements of `size` bytes with the DLL's win64 comparator: a
/// heapsort over the bytes in place (no allocation, and an inconsistent
/// comparator only gives a wrong order, never a crash or a panic).
unsafe extern "win64" fn qsort(base: *mut c_void, n: usize, size: usize, compare: Compare) {
    let base = base.cast::<u8>();
    // SAFETY: indices below `n`, inside the DLL's array.
    let at = |i: usize| unsafe { base.add(i * size) };
    // SAFETY: the DLL's comparator on two of its elements.
    let less = |i: usize, j: usize| unsafe { compare(at(i).cast(), at(j).cast()) } < 0;
    // SAFETY: two distinct elements (the sort never swaps one with itself).
    let swap = |i: usize, j: usize| unsafe { core::ptr::swap_nonoverlapping(at(i), at(j), size) };
    let sift_down = |mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(child, child + 1) {
            child += 1;
        }
        if !less(root, child) {
            break;
        }
        swap(root, child);
        root = child;
    };
    if size == 0 || n < 2 {
        return;
    }
    for start in (0..n / 2).rev() {
        sift_down(start, n);
    }
    for end in (1..n).rev() {
        swap(0, end);
        sift_down(0, end);
    }
}

unsafe extern "win64" fn bsearch(
    key: *const c_void,
    base: *const c_void,
    n: usize,
    size: usize,
    compare: Compare,
) -> *const c_void {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // SAFETY: `mid < n`, inside the DLL's sorted array.
        let at = unsafe { base.cast::<u8>().add(mid * size) }.cast::<c_void>();
        // SAFETY: the DLL's comparator, with its own key and element.
        match unsafe { compare(key, at) } {
            0 => return at,
            c if c < 0 => hi = mid,
            _ => lo = mid + 1,
        }
    }
    core::ptr::null()
}

unsafe extern "win64" fn aligned_malloc(size: usize, align: usize) -> *mut c_void {
    let mut p = core::ptr::null_mut();
    let align = align.max(core::mem::size_of::<usize>());
    // SAFETY: posix_memalign writes `p` on success.
    if !align.is_power_of_two() || unsafe { libc::posix_memalign(&mut p, align, size) } != 0 {
        return core::ptr::null_mut();
    }
    p
}

pub(super) fn table() -> Vec<(&'static str, usize)> {
    exports! {
        "malloc" => malloc, "calloc" => calloc, "realloc" => realloc, "free" => free,
        "_aligned_malloc" => aligned_malloc, "_aligned_free" => free,
        "memcpy" => memcpy, "memmove" => memmove, "memset" => memset, "memcmp" => memcmp, "memchr" => memchr,
        "strlen" => strlen, "strnlen" => strnlen, "strcmp" => strcmp, "strncmp" => strncmp,
        "strcpy" => strcpy, "strncpy" => strncpy, "strcat" => strcat, "strncat" => strncat,
        "strchr" => strchr, "strrchr" => strrchr, "strstr" => strstr, "strspn" => strspn, "strcspn" => strcspn,
        "strpbrk" => strpbrk, "strdup" => strdup, "_strdup" => strdup,
        "_stricmp" => stricmp, "_strnicmp" => strnicmp, "_strcmpi" => stricmp, "stricmp" => stricmp,
        "strerror" => strerror, "getenv" => getenv,
        "atoi" => atoi, "atol" => atol, "atof" => atof, "strtol" => strtol, "strtoul" => strtoul,
        "strtoll" => strtoll, "_strtoi64" => strtoll, "strtoull" => strtoull, "_strtoui64" => strtoull,
        "strtod" => strtod, "strtof" => strtof,
        "tolower" => tolower, "toupper" => toupper, "isalpha" => isalpha, "isdigit" => isdigit,
        "isalnum" => isalnum, "isspace" => isspace, "isupper" => isupper, "islower" => islower,
        "isxdigit" => isxdigit, "isprint" => isprint, "ispunct" => ispunct, "iscntrl" => iscntrl,
        "abs" => abs, "labs" => labs, "llabs" => llabs, "_abs64" => llabs, "rand" => rand, "srand" => srand,
        "qsort" => qsort, "bsearch" => bsearch, "wcslen" => wcslen,
        "_errno" => errno_location, "_read" => read, "_close" => close,
        "time" => time64, "_time64" => time64, "gmtime" => gmtime64, "_gmtime64" => gmtime64,
        "localtime" => localtime64, "_localtime64" => localtime64, "mktime" => mktime64, "_mktime64" => mktime64,
        "strftime" => strftime, "clock" => clock,
        "sin" => sin, "cos" => cos, "tan" => tan, "asin" => asin, "acos" => acos, "atan" => atan, "atan2" => atan2,
        "sinh" => sinh, "cosh" => cosh, "tanh" => tanh, "exp" => exp, "log" => log, "log10" => log10, "log2" => log2,
        "pow" => pow, "sqrt" => sqrt, "cbrt" => cbrt, "hypot" => hypot, "floor" => floor, "ceil" => ceil,
        "round" => round, "trunc" => trunc, "fabs" => fabs, "fmod" => fmod, "ldexp" => ldexp, "frexp" => frexp,
        "modf" => modf, "sqrtf" => sqrtf, "sinf" => sinf, "cosf" => cosf, "powf" => powf32, "fabsf" => fabsf,
        "floorf" => floorf,
        "_initterm" => initterm, "_initterm_e" => initterm_e, "_lock" => lock, "_unlock" => unlock,
        "_amsg_exit" => amsg_exit, "abort" => abort, "exit" => exit, "_exit" => exit,
        "atexit" => atexit, "_onexit" => onexit, "__dllonexit" => dllonexit,
        "__setusermatherr" => set_user_math_err,
        "___lc_codepage_func" => lc_codepage, "___mb_cur_max_func" => mb_cur_max,
        "localeconv" => localeconv, "setlocale" => setlocale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qsort_sorts_with_a_win64_comparator() {
        extern "win64" fn by_value(a: *const c_void, b: *const c_void) -> c_int {
            // SAFETY: the test's i32 elements.
            let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
            a.cmp(&b) as c_int
        }
        let mut v: Vec<i32> = (0..200).map(|i| (i * 7919) % 211 - 100).collect();
        let mut want = v.clone();
        want.sort();
        // SAFETY: 200 i32 elements and a comparator for them.
        unsafe { qsort(v.as_mut_ptr().cast(), v.len(), 4, by_value) };
        assert_eq!(v, want);
    }

    #[test]
    fn strtol_clamps_to_windows_32_bit_long() {
        let mut end = core::ptr::null_mut();
        assert_eq!(strtol(c"123".as_ptr(), &mut end, 10), 123);
        assert_eq!(strtol(c"99999999999".as_ptr(), &mut end, 10), i32::MAX);
        assert_eq!(strtoul(c"-1".as_ptr(), &mut end, 10), u32::MAX);
    }
}
