/* A DLL linked against the Universal C Runtime instead of msvcrt: its C
 * library imports come from the api-ms-win-crt-*-l1-1-0.dll sets, and its
 * printf family goes through __stdio_common_vsprintf. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __declspec(dllexport)

static int32_t constructed;

__attribute__((constructor)) static void at_load(void) { constructed = 1; }

EXPORT int32_t ucrt_constructed(void) { return constructed; }

EXPORT int32_t ucrt_format(char *buf, size_t n, int32_t d, double f, double e, const char *s) {
    char *tmp = malloc(128);
    int r = snprintf(tmp, 128, "%d %f %e %s", d, f, e, s);
    size_t len = strlen(tmp) + 1;
    memcpy(buf, tmp, len < n ? len : n);
    free(tmp);
    return r;
}

EXPORT int64_t ucrt_time_agrees(int64_t host_now) {
    time_t now = time(NULL);
    return (int64_t)now - host_now;
}
