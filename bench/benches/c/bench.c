/* Functions the benchmarks call, compiled with the Microsoft x64 convention
   (as a plugin built with gcc -mabi=ms would be). */
#include <stdint.h>

#define MS __attribute__((ms_abi))

typedef struct { double x, y; } Vec2;
typedef int32_t (MS *cb_i32)(int32_t);

MS int32_t add2(int32_t a, int32_t b) { return a + b; }

MS double mix6(int32_t a, double b, int64_t c, float d, int32_t e, double f) {
    return a + b + (double)c + d + e + f;
}

MS Vec2 vadd(Vec2 a, Vec2 b) {
    Vec2 r = { a.x + b.x, a.y + b.y };
    return r;
}

MS int64_t sum10(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                 int64_t f, int64_t g, int64_t h, int64_t i, int64_t j) {
    return a + b + c + d + e + f + g + h + i + j;
}

MS int32_t call_cb(cb_i32 cb, int32_t x) { return cb(x); }

/* A variadic function: printf-like, reading an int, a double and a pointer. */
MS int64_t vfmt3(const char *fmt, ...) {
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, fmt);
    int32_t a = __builtin_va_arg(ap, int32_t);
    double b = __builtin_va_arg(ap, double);
    const char *c = __builtin_va_arg(ap, const char *);
    __builtin_ms_va_end(ap);
    return a + (int64_t)b + (c - fmt);
}
