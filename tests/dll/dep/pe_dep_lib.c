/* The dependency of pe_dep_main.dll, found in the same folder. */
#include <stdint.h>

__declspec(dllexport) int32_t dep_twice(int32_t x) { return 2 * x; }
__declspec(dllexport) int32_t dep_target(int32_t x) { return x - 100; }
