/* Variadic callees for the variadic tests (tests/tests/variadic_vs_gcc.rs):
 * each reads its variadic arguments as the descriptor string `desc` says,
 * one character per argument, and hashes the descriptor and every byte it
 * read. An `ms_abi` version uses gcc's `__builtin_ms_va_list`, a `sysv_abi`
 * one the host's `va_list`.
 *
 *   i c h z   int (c, h, z: a Rust i8, u16 or bool, promoted to int)
 *   l         int64_t
 *   d f       double (f: a Rust f32, promoted to double)
 *   p         void *
 *   S F T V M B  the structs of variadic.h
 *   Q         __int128
 *   X         long double (its 10 bytes of value; the 6 after are padding)
 *   W         __m128
 *   C         double _Complex
 *
 * win64 passes the four wide ones by reference (16 bytes each); sysv64
 * places them as named arguments (a GPR pair or 16-aligned stack; always
 * memory; one xmm; two xmm).
 */
#include <complex.h>
#include <stdarg.h>
#include <xmmintrin.h>
#include "variadic.h"

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* win64 passes a variadic struct whose size is not 1, 2, 4 or 8 by
 * reference, as a named one ("x64 calling convention", Microsoft Learn;
 * gcc's and rustc's ms_abi callers do so, and MSVC's va_arg reads a pointer).
 * gcc 12's __builtin_va_arg on a __builtin_ms_va_list reads such a struct
 * in place instead, from the slot and the ones after it, so the ms_abi
 * callee reads the pointer itself. */
#define HASH_BY_REF(T, ap)                                                                                             \
    do {                                                                                                               \
        T *v = __builtin_va_arg(ap, T *);                                                                              \
        h = mix(h, v, sizeof *v);                                                                                      \
    } while (0)

/* The first `n` bytes of a value read by reference or in place. */
#define HASH_BY_REF_N(T, ap, n)                                                                                        \
    do {                                                                                                               \
        T *v = __builtin_va_arg(ap, T *);                                                                              \
        h = mix(h, v, n);                                                                                              \
    } while (0)
#define HASH_IN_PLACE_N(T, ap, n)                                                                                      \
    do {                                                                                                               \
        T v = va_arg(ap, T);                                                                                           \
        h = mix(h, &v, n);                                                                                             \
    } while (0)

#define HASH_ONE(T, VA_ARG, ap)                                                                                        \
    do {                                                                                                               \
        T v = VA_ARG(ap, T);                                                                                           \
        h = mix(h, &v, sizeof v);                                                                                      \
    } while (0)

/* The walk, for either kind of list: VA_ARG is va_arg or __builtin_va_arg,
 * BIG reads the structs not of size 1, 2, 4 or 8 (HASH_IN_PLACE or HASH_BY_REF). */
#define WALK(h, desc, ap, VA_ARG, BIG)                                                                                 \
    for (const char *c = (desc); *c; c++) {                                                                            \
        h = mix(h, c, 1);                                                                                              \
        switch (*c) {                                                                                                  \
        case 'i': case 'c': case 'h': case 'z': HASH_ONE(int, VA_ARG, ap); break;                                    \
        case 'l': HASH_ONE(int64_t, VA_ARG, ap); break;                                                                \
        case 'd': case 'f': HASH_ONE(double, VA_ARG, ap); break;                                                       \
        case 'p': HASH_ONE(void *, VA_ARG, ap); break;                                                                 \
        case 'S': HASH_ONE(struct va_s8, VA_ARG, ap); break;                                                           \
        case 'F': HASH_ONE(struct va_f8, VA_ARG, ap); break;                                                           \
        case 'T': BIG(struct va_t3, ap); break;                                                                \
        case 'V': BIG(struct va_v16, ap); break;                                                               \
        case 'M': BIG(struct va_m16, ap); break;                                                               \
        case 'B': BIG(struct va_b24, ap); break;                                                               \
        case 'Q': BIG(__int128, ap); break;                                                                    \
        case 'W': BIG(__m128, ap); break;                                                                      \
        case 'C': BIG(double _Complex, ap); break;                                                             \
        case 'X': BIG##_N(long double, ap, 10); break;                                                         \
        default: h = 0; break;                                                                                         \
        }                                                                                                              \
    }

#define HASH_IN_PLACE(T, ap) HASH_ONE(T, va_arg, ap)

#define SEED 0xcbf29ce484222325ULL

__attribute__((ms_abi)) uint64_t abt_va_ms(const char *desc, ...) {
    uint64_t h = SEED;
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, desc);
    WALK(h, desc, ap, __builtin_va_arg, HASH_BY_REF)
    __builtin_ms_va_end(ap);
    return h;
}

__attribute__((sysv_abi)) uint64_t abt_va_sysv(const char *desc, ...) {
    uint64_t h = SEED;
    va_list ap;
    va_start(ap, desc);
    WALK(h, desc, ap, va_arg, HASH_IN_PLACE)
    va_end(ap);
    return h;
}

/* Named arguments of both kinds before the `...`: a double (win64: xmm0
 * only, never copied) and an int. */
__attribute__((ms_abi)) uint64_t abt_va_named_ms(double x, int32_t n, const char *desc, ...) {
    uint64_t h = mix(mix(SEED, &x, sizeof x), &n, sizeof n);
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, desc);
    WALK(h, desc, ap, __builtin_va_arg, HASH_BY_REF)
    __builtin_ms_va_end(ap);
    return h;
}

__attribute__((sysv_abi)) uint64_t abt_va_named_sysv(double x, int32_t n, const char *desc, ...) {
    uint64_t h = mix(mix(SEED, &x, sizeof x), &n, sizeof n);
    va_list ap;
    va_start(ap, desc);
    WALK(h, desc, ap, va_arg, HASH_IN_PLACE)
    va_end(ap);
    return h;
}

/* A return through a hidden pointer, which takes the first register. */
__attribute__((ms_abi)) struct va_b24 abt_va_sret_ms(const char *desc, ...) {
    uint64_t h = SEED;
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, desc);
    WALK(h, desc, ap, __builtin_va_arg, HASH_BY_REF)
    __builtin_ms_va_end(ap);
    return (struct va_b24){(int64_t)h, (int64_t)~h, (int64_t)(h * 3)};
}

__attribute__((sysv_abi)) struct va_b24 abt_va_sret_sysv(const char *desc, ...) {
    uint64_t h = SEED;
    va_list ap;
    va_start(ap, desc);
    WALK(h, desc, ap, va_arg, HASH_IN_PLACE)
    va_end(ap);
    return (struct va_b24){(int64_t)h, (int64_t)~h, (int64_t)(h * 3)};
}

/* win64 and sysv64 code formatting with a printf-like function it is given:
 * every conversion the snprintf tests cover. */
#define FORMAT_ARGS "%d %ld %f %e %s %p %c|%x %g %lld", -42, -1234567890123L, 2.5, 1.0e-3, "str", (void *)0x1234, 'x', 255u, 0.125, 77LL

typedef int (__attribute__((ms_abi)) *format_ms)(char *, size_t, const char *, ...);
typedef int (__attribute__((sysv_abi)) *format_sysv)(char *, size_t, const char *, ...);

__attribute__((ms_abi)) int abt_va_format_ms(format_ms f, char *buf, size_t n) {
    return f(buf, n, FORMAT_ARGS);
}

__attribute__((sysv_abi)) int abt_va_format_sysv(format_sysv f, char *buf, size_t n) {
    return f(buf, n, FORMAT_ARGS);
}

/* A function pointer after the `...`, which win64 code calls as win64. */
__attribute__((ms_abi)) int32_t abt_va_apply_ms(int32_t n, ...) {
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, n);
    int32_t (__attribute__((ms_abi)) *f)(int32_t) = __builtin_va_arg(ap, int32_t (__attribute__((ms_abi)) *)(int32_t));
    int32_t x = __builtin_va_arg(ap, int32_t);
    __builtin_ms_va_end(ap);
    return n * f(x);
}

/* gcc calling a variadic function (gcc's own callee, or a Rust
 * VariadicCallback) with the wide kinds, among others, at every position
 * class: registers, a GPR pair that no longer fits, the stack. */
#define WIDE_DESC "iQdXWCpQXWCi"
#define WIDE_ARGS(q, x, w, c)                                                                                          \
    WIDE_DESC, 7, q, 2.5, x, w, c, (void *)0x1234, ~q, -x, w * w, c * 2, 9

typedef uint64_t (__attribute__((ms_abi)) *walker_ms)(const char *, ...);
typedef uint64_t (__attribute__((sysv_abi)) *walker_sysv)(const char *, ...);

static void wide_values(__int128 *q, long double *x, __m128 *w, double _Complex *c) {
    *q = ((__int128)0x0123456789abcdefLL << 64) | 0xfedcba9876543210ULL;
    *x = 3.25L;
    *w = _mm_set_ps(4.0f, 3.0f, 2.0f, 1.0f);
    *c = 1.5 + 2.5 * I;
}

/* One caller per convention, the same body. */
#define WIDE_CALLER(ABI, NAME, WALKER)                                                                                 \
    __attribute__((ABI)) uint64_t NAME(WALKER f) {                                                                     \
        __int128 q;                                                                                                    \
        long double x;                                                                                                 \
        __m128 w;                                                                                                      \
        double _Complex c;                                                                                             \
        wide_values(&q, &x, &w, &c);                                                                                   \
        return f(WIDE_ARGS(q, x, w, c));                                                                               \
    }

WIDE_CALLER(ms_abi, abt_va_wide_caller_ms, walker_ms)
WIDE_CALLER(sysv_abi, abt_va_wide_caller_sysv, walker_sysv)
