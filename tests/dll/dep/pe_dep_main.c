/* Imports from pe_dep_lib.dll (loaded from this DLL's own folder) and
 * re-exports one of its functions as a forwarder (pe_dep_main.def). */
#include <stdint.h>

__declspec(dllimport) int32_t dep_twice(int32_t x);

__declspec(dllexport) int32_t dep_main_quad(int32_t x) { return dep_twice(dep_twice(x)); }
