/* An audio-effect plugin, built the way a Windows-convention plugin is:
 *
 *     gcc -mabi=ms -fno-math-errno -fno-tree-loop-distribute-patterns \
 *         -shared -fPIC -O2 echo_plugin.c -o libecho_plugin.so
 *
 * With -mabi=ms every function here, and every function pointer it calls (the
 * host's callbacks), uses the Microsoft x64 convention. A Linux host calling
 * it through plain `extern "C"` pointers passes arguments in the wrong
 * registers; abi-bridge is what makes the calls line up.
 *
 * It calls nothing in the C library: that library uses the host's sysv64
 * convention, so memory comes from the host's `alloc` callback instead. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>

/* 16 bytes: win64 returns it through a hidden pointer (not 1, 2, 4 or 8 bytes). */
typedef struct {
    const char *name;
    uint32_t version;
    uint32_t capabilities;
} PluginInfo;

/* The table of services the host gives the plugin: all win64 callbacks. */
typedef struct {
    void (*log)(int32_t level, const char *message);
    void *(*alloc)(size_t bytes);
    void (*progress)(float fraction);
} HostApi;

/* 12 bytes: win64 passes it by reference to a caller-made copy. */
typedef struct {
    float gain;
    float feedback;
    int32_t delay;
} EchoParams;

/* 24 bytes: returned through a hidden pointer. */
typedef struct {
    double peak;
    double rms;
    uint64_t checksum;
} Stats;

enum { CAP_PROCESS = 1, CAP_MAP = 2, CAP_MIX = 4 };

static const HostApi *host;

/* FNV-1a over the samples' bits: the host recomputes it to check the call. */
uint64_t plugin_checksum(const float *samples, int32_t n) {
    uint64_t h = 1469598103934665603ull;
    for (int32_t i = 0; i < n; i++) {
        union { float f; uint32_t u; } bits = { samples[i] };
        for (int b = 0; b < 4; b++) {
            h ^= (bits.u >> (8 * b)) & 0xff;
            h *= 1099511628211ull;
        }
    }
    return h;
}

PluginInfo plugin_info(void) {
    PluginInfo info = { "echo (win64 build)", 0x010200, CAP_PROCESS | CAP_MAP | CAP_MIX };
    return info;
}

int32_t plugin_init(const HostApi *api) {
    host = api;
    host->log(1, "echo plugin initialised");
    return 0;
}

/* Applies gain and a feedback echo in place; reports progress and statistics. */
Stats plugin_process(float *samples, int32_t n, EchoParams params) {
    float *delayed = host->alloc(sizeof(float) * (size_t)(params.delay > 0 ? params.delay : 1));
    for (int32_t i = 0; i < params.delay; i++) delayed[i] = 0.0f;
    double peak = 0.0, sum_sq = 0.0;
    for (int32_t i = 0; i < n; i++) {
        float in = samples[i] * params.gain;
        float out = in;
        if (params.delay > 0) {
            int32_t slot = i % params.delay;
            out = in + params.feedback * delayed[slot];
            delayed[slot] = out;
        }
        samples[i] = out;
        if (fabs(out) > peak) peak = fabs(out);
        sum_sq += (double)out * out;
        if ((i + 1) % (n / 4 > 0 ? n / 4 : 1) == 0) host->progress((float)(i + 1) / (float)n);
    }
    Stats s = { peak, n > 0 ? sqrt(sum_sq / n) : 0.0, plugin_checksum(samples, n) };
    host->log(0, "processed a buffer");
    return s;
}

/* Seven arguments, mixed: the fifth and later travel on the win64 stack. */
double plugin_mix(int32_t a, double b, int64_t c, float d, int32_t e, double f, float g) {
    return a * 1.0 + b * 2.0 + (double)c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0;
}

/* Calls the host's transform for every sample (a per-element callback). */
int32_t plugin_map(float *samples, int32_t n, float (*transform)(float x, int32_t index)) {
    for (int32_t i = 0; i < n; i++) samples[i] = transform(samples[i], i);
    return n;
}
