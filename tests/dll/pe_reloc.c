/* Pointer tables in initialised data: every entry is an absolute address
 * with a base relocation. Linked at a fixed preferred base that the test
 * occupies first, so the loader must relocate. */
#include <stdint.h>

#define EXPORT __declspec(dllexport)

static int32_t add(int32_t a, int32_t b) { return a + b; }
static int32_t sub(int32_t a, int32_t b) { return a - b; }
static int32_t mul(int32_t a, int32_t b) { return a * b; }

static int32_t (*const operations[])(int32_t, int32_t) = { add, sub, mul };
static const char *const names[] = { "add", "sub", "mul" };
static const char *const *const table = names;

EXPORT int32_t reloc_apply(int32_t op, int32_t a, int32_t b) { return operations[op](a, b); }
EXPORT const char *reloc_name(int32_t op) { return table[op]; }
EXPORT const void *reloc_self(void) { return (const void *)reloc_self; }
