/* A library built for the System V convention, with the convention spelled
 * out so the same source means the same thing on any host. */
#include <stdint.h>

#define SYSV __attribute__((sysv_abi))

typedef struct { double x, y; } Point;
typedef struct { Point min, max; } Box;     /* 32 bytes: MEMORY class, on the stack */

SYSV double box_area(Box b) { return (b.max.x - b.min.x) * (b.max.y - b.min.y); }

SYSV Point box_center(Box b) {
    Point c = { (b.min.x + b.max.x) / 2, (b.min.y + b.max.y) / 2 };
    return c;
}

/* Used as a per-sample transform by the win64 plugin, through a thunk. */
SYSV float soft_clip(float x, int32_t index) {
    (void)index;
    return x > 0.5f ? 0.5f + (x - 0.5f) * 0.25f : (x < -0.5f ? -0.5f + (x + 0.5f) * 0.25f : x);
}
