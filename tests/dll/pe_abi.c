/* Signatures a Windows DLL exports, for calls from a Linux host through
 * abi-bridge's win64 thunks. The same file is built as an ELF with
 * `gcc -mabi=ms` (tests/build.rs): the DLL's answers must equal the ELF's and
 * rustc's own `extern "win64"` calls of the same export, byte for byte.
 *
 * Each function folds every byte of every argument into a digest, weighting
 * it by its position, so a value in the wrong register or slot changes the
 * answer. */
#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#define EXPORT __declspec(dllexport)
#else
#define EXPORT __attribute__((visibility("default")))
#endif

static uint64_t fold(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}
#define FOLD(h, v) fold((h), &(v), sizeof(v))

/* Small float struct: 8 bytes, so win64 passes it in one GPR (not xmm). */
typedef struct { float x, y; } Vec2;
/* 12 bytes: by reference on win64. */
typedef struct { float x, y, z; } Vec3;
/* 24 bytes: returned through a hidden pointer. */
typedef struct { double lo, hi; int64_t tag; } Range;
/* 4 bytes: in a GPR. */
typedef struct { uint8_t r, g, b, a; } Rgba;

EXPORT int32_t pe_add(int32_t a, int32_t b) { return a + b; }

/* Ten arguments: six on the stack under win64, mixed with floats. */
EXPORT uint64_t pe_digest10(int8_t a, double b, uint16_t c, float d, int64_t e,
                            uint8_t f, double g, int32_t h, float i, uint64_t j) {
    uint64_t s = 1469598103934665603ull;
    s = FOLD(s, a); s = FOLD(s, b); s = FOLD(s, c); s = FOLD(s, d); s = FOLD(s, e);
    s = FOLD(s, f); s = FOLD(s, g); s = FOLD(s, h); s = FOLD(s, i); s = FOLD(s, j);
    return s;
}

EXPORT double pe_scale(double x, float k, int32_t n) { return x * k + n; }

EXPORT float pe_vec2_dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }

EXPORT Vec2 pe_vec2_swap(Vec2 v) { Vec2 r = { v.y, v.x }; return r; }

EXPORT Vec3 pe_vec3_cross(Vec3 a, Vec3 b) {
    Vec3 r = { a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x };
    return r;
}

EXPORT Range pe_range(Vec3 v, int64_t tag, Rgba c, double w) {
    Range r = { v.x - w, v.z + w, tag ^ (int64_t)c.r << 24 ^ (int64_t)c.g << 16 ^ (int64_t)c.b << 8 ^ c.a };
    return r;
}

EXPORT uint64_t pe_digest_structs(Rgba a, Vec3 b, Range c, Vec2 d, int8_t e, Range f) {
    uint64_t s = 1469598103934665603ull;
    s = FOLD(s, a); s = FOLD(s, b); s = FOLD(s, c); s = FOLD(s, d); s = FOLD(s, e); s = FOLD(s, f);
    return s;
}

/* A callback the host passes: win64 code calls it with win64's rules. */
EXPORT int64_t pe_apply(int64_t (*f)(int64_t, double, Vec3), int64_t x) {
    Vec3 v = { 1.5f, -2.0f, 4.25f };
    return f(x, 0.5, v) * 3 + 1;
}

/* Exported data: its address is handed out as it is (no gate in front). */
EXPORT const int32_t pe_answer = 42;
