/* A DLL with Microsoft's conventions, built without Microsoft's tools: clang
 * for x86_64-pc-windows-msvc and lld-link, no C runtime. It uses native TLS
 * (`__declspec(thread)`: the TEB's ThreadLocalStoragePointer at %gs:0x58,
 * indexed by the module's _tls_index) and __chkstk for a large frame, which
 * reads the TEB's StackLimit at %gs:0x10 as Microsoft's does. The pieces a
 * C runtime would supply (the TLS directory, _tls_index, __chkstk, the
 * entry point) are written out here. */

typedef int int32_t;
typedef unsigned long long uint64_t;

/* The TLS template: .tls (start), the variables in .tls$, .tls$ZZZ (end);
 * the linker sorts the grouped sections by their suffixes. */
__attribute__((section(".tls"))) char _tls_start = 0;
__attribute__((section(".tls$ZZZ"))) char _tls_end = 0;
unsigned int _tls_index = 0;
int _fltused = 0;

typedef void (*tls_callback)(void *, unsigned, void *);
static int32_t callback_runs;
static void on_thread_event(void *module, unsigned reason, void *reserved) {
    (void)module;
    (void)reserved;
    if (reason == 1) callback_runs++;
}
__attribute__((section(".CRT$XLB"))) tls_callback tls_callbacks[2] = { on_thread_event, 0 };

/* IMAGE_TLS_DIRECTORY64, named as lld-link looks for it. */
struct TlsDirectory {
    uint64_t start, end, index, callbacks;
    unsigned zero_fill, characteristics;
};
const struct TlsDirectory _tls_used = {
    (uint64_t)&_tls_start, (uint64_t)&_tls_end, (uint64_t)&_tls_index, (uint64_t)tls_callbacks, 0, 0,
};

/* __chkstk: rax bytes are about to be allocated below the caller's rsp;
 * touch each page below the TEB's StackLimit down to the new bottom. */
__asm__(
    ".globl __chkstk\n"
    "__chkstk:\n"
    "    subq $16, %rsp\n"
    "    movq %r10, (%rsp)\n"
    "    movq %r11, 8(%rsp)\n"
    "    xorq %r11, %r11\n"
    "    leaq 24(%rsp), %r10\n"
    "    subq %rax, %r10\n"
    "    cmovbq %r11, %r10\n"
    "    movq %gs:0x10, %r11\n"
    "    cmpq %r11, %r10\n"
    "    jae 2f\n"
    "    andw $0xf000, %r10w\n"
    "1:  leaq -0x1000(%r11), %r11\n"
    "    movb $0, (%r11)\n"
    "    cmpq %r11, %r10\n"
    "    jne 1b\n"
    "2:  movq (%rsp), %r10\n"
    "    movq 8(%rsp), %r11\n"
    "    addq $16, %rsp\n"
    "    ret\n");

__declspec(thread) int32_t tls_counter = 5;
__declspec(thread) int32_t tls_zeroed;

__declspec(dllexport) int32_t msvc_tls_bump(int32_t by) {
    tls_zeroed += 1;
    tls_counter += by;
    return tls_counter * 1000 + tls_zeroed;
}

__declspec(dllexport) int32_t msvc_callback_runs(void) { return callback_runs; }

__declspec(dllexport) int32_t msvc_big_frame(int32_t seed) {
    volatile unsigned char big[40000];
    for (int i = 0; i < (int)sizeof big; i += 4096) big[i] = (unsigned char)(seed + i / 4096);
    int32_t sum = 0;
    for (int i = 0; i < (int)sizeof big; i += 4096) sum += big[i];
    return sum;
}

/* An 8-byte struct comes back in rax; a 24-byte one through a hidden pointer. */
typedef struct { float x, y; } Pair;
typedef struct { double x, y, z; } Vec3d;
__declspec(dllexport) Pair msvc_pair(float x, float y) {
    Pair p = { y, x };
    return p;
}
__declspec(dllexport) Vec3d msvc_scale(Vec3d v, double k) {
    Vec3d r = { v.x * k, v.y * k, v.z * k };
    return r;
}

/* The TEB each DllMain call ran with (%gs:0x30), as runtimes read it. */
void *volatile last_teb;

int __stdcall _DllMainCRTStartup(void *module, unsigned reason, void *reserved) {
    (void)module;
    (void)reason;
    (void)reserved;
    void *teb;
    __asm__ volatile("movq %%gs:0x30, %0" : "=r"(teb));
    last_teb = teb;
    return 1;
}
