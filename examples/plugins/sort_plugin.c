/* A qsort-style routine in a win64 library (built with gcc -mabi=ms): it sorts
 * any array with a caller-supplied comparator, which it calls with the win64
 * convention. Heapsort, so it needs nothing from the C library. */
#include <stddef.h>
#include <stdint.h>

typedef int32_t (*compare_fn)(const void *a, const void *b);

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size) {
    for (size_t i = 0; i < size; i++) {
        unsigned char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

static void sift_down(unsigned char *base, size_t size, size_t root, size_t end, compare_fn cmp) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end) return;
        if (child + 1 < end && cmp(base + child * size, base + (child + 1) * size) < 0) child++;
        if (cmp(base + root * size, base + child * size) >= 0) return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

void ms_sort(void *array, size_t n, size_t size, compare_fn cmp) {
    unsigned char *base = array;
    for (size_t i = n / 2; i-- > 0;) sift_down(base, size, i, n, cmp);
    for (size_t end = n; end-- > 1;) {
        swap_bytes(base, base + end * size, size);
        sift_down(base, size, 0, end, cmp);
    }
}
