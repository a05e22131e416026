/* Callees for the tests of the layer around the thunks (tests/macro_layer.rs):
 * parameters named like the expansion's own identifiers, host functions and
 * callbacks handed to win64 code (plain, nullable, inside a struct), a
 * function pointer handed to sysv64 code, and arities past the old limit of
 * 16. Each callee folds what it received into one number that depends on
 * every argument and its position, so a lost, swapped or substituted
 * argument changes the result. */
#include <stddef.h>
#include <stdint.h>

#define MS __attribute__((ms_abi))
#define SYSV __attribute__((sysv_abi))

/* sum of (i + 1) * v_i over the arguments */
MS int64_t layer_names(int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5, int64_t a6,
                       int64_t a7, int64_t a8, int64_t a9, int64_t a10, int64_t a11, int64_t a12, int64_t a13) {
    int64_t v[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13};
    int64_t sum = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) sum += (int64_t)(i + 1) * v[i];
    return sum;
}

MS int32_t layer_present(int32_t x) { return x + 1; }

/* win64 code calling the function pointer it was given, with its own convention */
typedef int32_t (MS *ms_unary)(int32_t);
MS int32_t layer_apply(ms_unary f, int32_t x) { return f(x) * 2 + 1; }
MS int32_t layer_apply_nullable(ms_unary f, int32_t x) { return f ? f(x) * 2 + 1 : -1; }

/* a struct of win64 function pointers, as UEFI protocols and plugin APIs are */
typedef struct { ms_unary first; ms_unary second; int32_t bias; } ms_table;
MS int32_t layer_table(const ms_table *t, int32_t x) { return t->second(t->first(x)) + t->bias; }
MS ms_unary layer_pick(const ms_table *t, int32_t which) { return which ? t->second : t->first; }

/* sysv64 code calling the function pointer it was given, as sysv64 */
typedef int32_t (SYSV *sysv_unary)(int32_t);
SYSV int32_t layer_apply_sysv(sysv_unary f, int32_t x) { return f(x) * 3 - 1; }

/* 40 arguments, ints and doubles interleaved: sum of (i + 1) * v_i */
#define ARGS40(T, U) T a0, U a1, T a2, U a3, T a4, U a5, T a6, U a7, T a8, U a9, T a10, U a11, T a12, U a13, \
    T a14, U a15, T a16, U a17, T a18, U a19, T a20, U a21, T a22, U a23, T a24, U a25, T a26, U a27, T a28, \
    U a29, T a30, U a31, T a32, U a33, T a34, U a35, T a36, U a37, T a38, U a39
#define VALS40 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, \
    a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34, a35, a36, a37, a38, a39
MS double layer_sum40(ARGS40(int64_t, double)) {
    double v[] = {VALS40};
    double sum = 0;
    for (int i = 0; i < 40; i++) sum += (i + 1) * v[i];
    return sum;
}

/* win64 code calling a 24-argument callback: i, then 23 values from it */
typedef double (MS *ms_cb24)(int64_t, double, int64_t, double, int64_t, double, int64_t, double, int64_t, double,
                             int64_t, double, int64_t, double, int64_t, double, int64_t, double, int64_t, double,
                             int64_t, double, int64_t, double);
MS double layer_call24(ms_cb24 f, int64_t k) {
    return f(k, k + 1.5, k + 2, k + 3.5, k + 4, k + 5.5, k + 6, k + 7.5, k + 8, k + 9.5, k + 10, k + 11.5,
             k + 12, k + 13.5, k + 14, k + 15.5, k + 16, k + 17.5, k + 18, k + 19.5, k + 20, k + 21.5, k + 22,
             k + 23.5);
}

/* A UEFI-style protocol: a struct of efiapi (ms_abi) function pointers that
 * take the protocol itself, handed to firmware-side code that calls them. */
typedef struct Proto Proto;
struct Proto {
    int64_t (MS *output)(Proto *self, const uint16_t *text);
    uint64_t count;
};
MS int64_t layer_uefi_print(Proto *p, const uint16_t *text) { return p->output(p, text) * 10 + (int64_t)p->count; }
