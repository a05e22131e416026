/* What the generated corpus callees share: the hash of received values, the
 * generator of returned values, and the per-thread slot the hash goes to.
 *
 * tests/src/value.rs mirrors every function here bit for bit; change both
 * together. A value is hashed leaf by leaf (every scalar it contains, in
 * field order, never padding; a union by its active member only), each leaf
 * as its bit pattern zero-extended to 64 bits.
 */
#ifndef ABT_CORPUS_SUPPORT_H
#define ABT_CORPUS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <immintrin.h>

/* The hash of an empty argument list. */
#define ABT_HASH_INIT 0x243F6A8885A308D3ull
/* XORed into the received hash to seed the returned value's generator. */
#define ABT_RET_SEED 0xD1B54A32D192ED03ull
/* What abt_take_received_hash returns when no callee ran since the last take. */
#define ABT_NOTHING_RECEIVED 0x4E4F5448494E4721ull

/* Records the hash of everything a callee received, for this thread.
 *
 * A function rather than a thread-local the callees write: gcc 12 gets
 * general-dynamic TLS wrong inside ms_abi functions (the __tls_get_addr
 * sequence overwrites rdi, which ms_abi code keeps values in and must
 * preserve), and that is the TLS model of the shared-object build. In the
 * static build the linker relaxes the sequence away, which hid it. */
void abt_note_received(uint64_t h);

/* Returns the last received hash and resets it to ABT_NOTHING_RECEIVED. */
uint64_t abt_take_received_hash(void);

static inline uint64_t abt_mix(uint64_t h, uint64_t leaf) {
    h ^= leaf;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* splitmix64 */
static inline uint64_t abt_next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A leaf's bit pattern, zero-extended. */
static inline uint64_t abt_bits_i8(int8_t v) { return (uint8_t)v; }
static inline uint64_t abt_bits_i16(int16_t v) { return (uint16_t)v; }
static inline uint64_t abt_bits_i32(int32_t v) { return (uint32_t)v; }
static inline uint64_t abt_bits_i64(int64_t v) { return (uint64_t)v; }
static inline uint64_t abt_bits_u8(uint8_t v) { return v; }
static inline uint64_t abt_bits_u16(uint16_t v) { return v; }
static inline uint64_t abt_bits_u32(uint32_t v) { return v; }
static inline uint64_t abt_bits_u64(uint64_t v) { return v; }
static inline uint64_t abt_bits_bool(bool v) { return v ? 1 : 0; }
static inline uint64_t abt_bits_f32(float v) { uint32_t b; memcpy(&b, &v, 4); return b; }
static inline uint64_t abt_bits_f64(double v) { uint64_t b; memcpy(&b, &v, 8); return b; }
static inline uint64_t abt_bits_ptr(void *v) { return (uint64_t)(uintptr_t)v; }

/* A leaf made from one generator output. Floats keep the sign and drop the
 * top exponent bit, so they are never infinite or NaN. */
static inline int8_t abt_from_i8(uint64_t s) { return (int8_t)(uint8_t)s; }
static inline int16_t abt_from_i16(uint64_t s) { return (int16_t)(uint16_t)s; }
static inline int32_t abt_from_i32(uint64_t s) { return (int32_t)(uint32_t)s; }
static inline int64_t abt_from_i64(uint64_t s) { return (int64_t)s; }
static inline uint8_t abt_from_u8(uint64_t s) { return (uint8_t)s; }
static inline uint16_t abt_from_u16(uint64_t s) { return (uint16_t)s; }
static inline uint32_t abt_from_u32(uint64_t s) { return (uint32_t)s; }
static inline uint64_t abt_from_u64(uint64_t s) { return s; }
static inline bool abt_from_bool(uint64_t s) { return (s >> 17) & 1; }
static inline float abt_from_f32(uint64_t s) { uint32_t b = (uint32_t)s & 0xBFFFFFFFu; float v; memcpy(&v, &b, 4); return v; }
static inline double abt_from_f64(uint64_t s) { uint64_t b = s & 0xBFFFFFFFFFFFFFFFull; double v; memcpy(&v, &b, 8); return v; }
static inline void *abt_from_ptr(uint64_t s) { return (void *)(uintptr_t)s; }

/* A 128-bit integer is two leaves, low half first, each drawn from the
 * generator in that order (one statement per draw: C leaves the order of
 * evaluation of arguments unspecified). */
static inline uint64_t abt_mix_u128(uint64_t h, unsigned __int128 v) {
    return abt_mix(abt_mix(h, (uint64_t)v), (uint64_t)(v >> 64));
}
static inline uint64_t abt_mix_i128(uint64_t h, __int128 v) { return abt_mix_u128(h, (unsigned __int128)v); }
static inline unsigned __int128 abt_from_u128(uint64_t *st) {
    uint64_t lo = abt_next(st);
    uint64_t hi = abt_next(st);
    return (unsigned __int128)hi << 64 | lo;
}
static inline __int128 abt_from_i128(uint64_t *st) { return (__int128)abt_from_u128(st); }
static inline uint64_t *abt_leaves_u128(uint64_t *o, unsigned __int128 v) {
    *o++ = (uint64_t)v;
    *o++ = (uint64_t)(v >> 64);
    return o;
}
static inline uint64_t *abt_leaves_i128(uint64_t *o, __int128 v) { return abt_leaves_u128(o, (unsigned __int128)v); }

/* Whether `p` is not a multiple of `align`. The address goes through an
 * empty asm so that gcc cannot fold the test away from what it assumes of
 * a parameter's address (its declared alignment), which is what is tested. */
static inline bool abt_misaligned(const void *p, size_t align) {
    uintptr_t a = (uintptr_t)p;
    __asm__("" : "+r"(a));
    return a % align != 0;
}
/* A long double is two leaves: its 64-bit significand, then its 16 bits
 * of sign and exponent (bytes 8-9; bytes 10-15 are padding), each drawn
 * whole from the generator, in that order (one statement per draw: C
 * leaves the order of evaluation of arguments unspecified). Only loads and
 * stores touch the value, which copy all 80 bits as they are. */
static inline uint64_t abt_mix_f80(uint64_t h, long double v) {
    uint64_t significand;
    uint16_t sign_exp;
    memcpy(&significand, &v, 8);
    memcpy(&sign_exp, (const char *)&v + 8, 2);
    return abt_mix(abt_mix(h, significand), sign_exp);
}
static inline long double abt_from_f80(uint64_t *st) {
    long double v = 0;
    uint64_t significand = abt_next(st);
    uint16_t sign_exp = (uint16_t)abt_next(st);
    memcpy(&v, &significand, 8);
    memcpy((char *)&v + 8, &sign_exp, 2);
    return v;
}
static inline uint64_t *abt_leaves_f80(uint64_t *o, long double v) {
    uint16_t sign_exp;
    memcpy(o++, &v, 8);
    memcpy(&sign_exp, (const char *)&v + 8, 2);
    *o++ = sign_exp;
    return o;
}

/* A 128-bit vector is two leaves, its low and high 64 bits, drawn in that
 * order. Only loads and stores touch it. */
#define ABT_VECTOR_LEAVES(k, T)                                                  \
    static inline uint64_t abt_mix_##k(uint64_t h, T v) {                        \
        uint64_t half[2];                                                        \
        memcpy(half, &v, 16);                                                    \
        return abt_mix(abt_mix(h, half[0]), half[1]);                            \
    }                                                                            \
    static inline T abt_from_##k(uint64_t *st) {                                 \
        uint64_t half[2];                                                        \
        half[0] = abt_next(st);                                                  \
        half[1] = abt_next(st);                                                  \
        T v;                                                                     \
        memcpy(&v, half, 16);                                                    \
        return v;                                                                \
    }                                                                            \
    static inline uint64_t *abt_leaves_##k(uint64_t *o, T v) {                   \
        memcpy(o, &v, 16);                                                       \
        return o + 2;                                                            \
    }
ABT_VECTOR_LEAVES(m128, __m128)
ABT_VECTOR_LEAVES(m128d, __m128d)
ABT_VECTOR_LEAVES(m128i, __m128i)

/* One struct or union as gcc lays it out; its fields are
 * abt_fields[first_field .. first_field + field_count]. */
struct abt_record_layout {
    const char *name;
    uint64_t size;
    uint64_t align;
    uint64_t first_field;
    uint64_t field_count;
};

/* One field as gcc lays it out. */
struct abt_field_layout {
    const char *name;
    uint64_t offset;
    uint64_t size;
};

#endif
