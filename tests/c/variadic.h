/* The structs the variadic tests pass after a `...` (each without padding,
 * so hashing their bytes hashes their values). */
#include <stddef.h>
#include <stdint.h>

struct va_s8 { int32_t a, b; };          /* sysv64 INTEGER; win64 in the slot */
struct va_f8 { float x, y; };            /* sysv64 SSE; win64 in the slot, as an integer */
struct va_t3 { uint8_t a, b, c; };       /* sysv64 INTEGER; win64 by reference (size 3) */
struct va_v16 { double x, y; };          /* sysv64 SSE, SSE; win64 by reference */
struct va_m16 { double x; int64_t y; };  /* sysv64 SSE, INTEGER; win64 by reference */
struct va_b24 { int64_t a, b, c; };      /* sysv64 MEMORY; win64 by reference */
