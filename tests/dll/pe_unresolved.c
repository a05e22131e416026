/* Imports a kernel32 function no built-in provides: loading it binds a trap
 * that names the import when called; strict loading fails and lists it. */
#include <windows.h>
#include <stdint.h>

__declspec(dllexport) int32_t unresolved_fine(int32_t x) { return x + 1; }

__declspec(dllexport) int32_t unresolved_beep(void) { return Beep(440, 10) ? 1 : 0; }
