/* A DLL whose DllMain refuses to attach: the load fails with a typed error,
 * and Windows' order is kept (DLL_PROCESS_DETACH follows, then the unmap),
 * which the host sees through its import. */
#include <windows.h>
#include <stdint.h>

__declspec(dllimport) void host_notify(int32_t event, int32_t value);

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
    (void)instance;
    (void)reserved;
    host_notify(100 + (int32_t)reason, 0);
    return reason == DLL_PROCESS_ATTACH ? FALSE : TRUE;
}

__declspec(dllexport) int32_t refuse_never_called(void) { return 0; }
