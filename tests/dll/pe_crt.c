/* A DLL that leans on the C runtime and kernel32, as real ones do: heap,
 * strings, qsort with its own comparator, snprintf, __thread, the last-error
 * state, a stack frame that needs probing, threads it starts itself, TLS
 * callbacks, constructors and DllMain. Built by mingw-w64 against msvcrt. */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __declspec(dllexport)

/* Provided by the host at load time (LoadOptions::import...): the DLL calls
 * it from DllMain and from an export. */
__declspec(dllimport) void host_notify(int32_t event, int32_t value);

/* The order things ran in: 1 = TLS callback, 2 = constructor, 3 = DllMain. */
static volatile int32_t order[8];
static volatile int32_t steps;
static volatile int32_t constructor_runs, attach_runs, tls_callback_runs, thread_attaches;

static void note(int32_t what) {
    if (steps < 8) order[steps] = what;
    steps++;
}

__attribute__((constructor)) static void at_load(void) {
    constructor_runs++;
    note(2);
}

static void NTAPI tls_callback(PVOID module, DWORD reason, PVOID reserved) {
    (void)module;
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        tls_callback_runs++;
        note(1);
    }
}
/* The linker collects .CRT$XL* pointers into the TLS directory's callbacks;
 * `_tls_used` is mingw's directory itself. */
extern const IMAGE_TLS_DIRECTORY _tls_used;
__attribute__((section(".CRT$XLB"), used)) const PIMAGE_TLS_CALLBACK crt_tls_callback = tls_callback;

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
    (void)instance;
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        attach_runs++;
        note(3);
        host_notify(1, attach_runs);
    } else if (reason == DLL_THREAD_ATTACH) {
        thread_attaches++;
    }
    return TRUE;
}

/* How often each initialiser ran, and in which order (one digit each). */
EXPORT int32_t crt_init_record(int32_t *constructors, int32_t *attaches, int32_t *tls_callbacks) {
    *constructors = constructor_runs;
    *attaches = attach_runs;
    *tls_callbacks = tls_callback_runs;
    int32_t digits = 0;
    for (int32_t i = 0; i < steps && i < 8; i++) digits = digits * 10 + order[i];
    return digits;
}

EXPORT int32_t crt_thread_attaches(void) { return thread_attaches; }

EXPORT size_t crt_strlen(const char *s) { return strlen(s); }

/* malloc + memcpy + free: a copy of `s` reversed, written to `out`. */
EXPORT int32_t crt_reverse(const char *s, char *out, size_t n) {
    size_t len = strlen(s);
    if (len + 1 > n) return -1;
    char *tmp = malloc(len + 1);
    if (!tmp) return -2;
    for (size_t i = 0; i < len; i++) tmp[i] = s[len - 1 - i];
    tmp[len] = 0;
    memcpy(out, tmp, len + 1);
    free(tmp);
    return (int32_t)len;
}

static int by_value_descending(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x < y) - (x > y);
}

/* qsort from the runtime, called back with the DLL's own comparator. */
EXPORT void crt_sort_descending(int32_t *values, int32_t n) {
    qsort(values, (size_t)n, sizeof *values, by_value_descending);
}

/* qsort with the host's comparator (a win64 callback). */
EXPORT void crt_sort_with(int32_t *values, int32_t n, int (*compare)(const void *, const void *)) {
    qsort(values, (size_t)n, sizeof *values, compare);
}

/* snprintf as mingw-w64 compiles it: its own implementation, linked into
 * the DLL, which leans on msvcrt for locale data and wide strings. */
EXPORT int32_t crt_format(char *buf, size_t n, int32_t d, double f, double e, const char *s) {
    return snprintf(buf, n, "%d %f %e %s", d, f, e, s);
}

/* msvcrt's own variadic _snprintf and printf, imported: the host's
 * reverse variadic entries serve them. */
EXPORT int32_t crt_format_imported(char *buf, size_t n, int32_t d, long l, double f, double e, const char *s,
                                   const void *p, char c) {
    return _snprintf(buf, n, "%d %ld %f %e %s %p %c", d, l, f, e, s, p, c);
}

EXPORT int32_t crt_print(const char *s, int32_t d) { return printf("pe_crt says: %s %d\n", s, d); }

static __thread int32_t per_thread = 7;

EXPORT int32_t crt_tls_swap(int32_t value) {
    int32_t old = per_thread;
    per_thread = value;
    return old;
}

EXPORT void crt_set_error(uint32_t code) { SetLastError(code); }
EXPORT uint32_t crt_get_error(void) { return GetLastError(); }

/* 64 KiB of locals: gcc calls ___chkstk_ms to touch each page in order. */
EXPORT int32_t crt_deep_frame(int32_t seed) {
    volatile uint8_t big[64 * 1024];
    for (size_t i = 0; i < sizeof big; i += 4096) big[i] = (uint8_t)(seed + i / 4096);
    int32_t sum = 0;
    for (size_t i = 0; i < sizeof big; i += 4096) sum += big[i];
    return sum;
}

EXPORT int32_t crt_notify_host(int32_t value) {
    host_notify(2, value);
    return value + 1;
}

typedef struct {
    int32_t input;
    int32_t output;
    int32_t last_error_seen;
} Job;

static DWORD WINAPI worker(LPVOID arg) {
    Job *job = arg;
    SetLastError(1234);
    job->output = job->input * 3 + per_thread;
    job->last_error_seen = (int32_t)GetLastError();
    return 0;
}

/* Starts its own thread with CreateThread and waits for it. */
EXPORT int32_t crt_run_thread(int32_t input, int32_t *last_error_seen) {
    Job job = { input, 0, 0 };
    HANDLE t = CreateThread(NULL, 0, worker, &job, 0, NULL);
    if (!t) return -1;
    if (WaitForSingleObject(t, INFINITE) != WAIT_OBJECT_0) return -2;
    CloseHandle(t);
    *last_error_seen = job.last_error_seen;
    return job.output;
}

static CRITICAL_SECTION lock;
static int64_t counter;
static volatile LONG lock_ready;

EXPORT int64_t crt_locked_add(int64_t n) {
    if (InterlockedCompareExchange(&lock_ready, 1, 0) == 0) {
        InitializeCriticalSection(&lock);
        lock_ready = 2;
    }
    while (lock_ready != 2) Sleep(0);
    EnterCriticalSection(&lock);
    int64_t v = counter + n;
    counter = v;
    LeaveCriticalSection(&lock);
    return v;
}

/* What the thread environment looks like from inside: the TEB's self
 * pointer (%gs:0x30), its stack bounds and the PEB's image base. */
static NT_TIB *tib(void) {
    /* NtCurrentTeb() itself, spelled out: gcc 12's -Warray-bounds misreads
     * mingw's __readgsqword. */
    NT_TIB *self;
    __asm__("movq %%gs:0x30, %0" : "=r"(self));
    return self;
}

EXPORT void *crt_teb(void) { return tib(); }

EXPORT int32_t crt_stack_is_inside(void) {
    NT_TIB *tib_ = tib();
    volatile char here = 0;
    return (char *)tib_->StackLimit <= &here && &here < (char *)tib_->StackBase;
}

/* kernel32 as a DLL uses it, one check per bit (the host asserts all set):
 * events, semaphores, mutexes and waits; TLS slots; virtual memory, where a
 * writable and executable request is refused; modules. */
static DWORD WINAPI signal_later(LPVOID event) {
    Sleep(20);
    SetEvent((HANDLE)event);
    return 7;
}

EXPORT uint32_t crt_kernel32_checks(void) {
    uint32_t ok = 0;
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    ok |= (WaitForSingleObject(event, 0) == WAIT_TIMEOUT) << 0;
    HANDLE t = CreateThread(NULL, 0, signal_later, event, 0, NULL);
    ok |= (WaitForSingleObject(event, 5000) == WAIT_OBJECT_0) << 1;
    DWORD code = 0;
    ok |= (WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) && code == 7) << 2;
    CloseHandle(t);
    ResetEvent(event);
    HANDLE sem = CreateSemaphoreW(NULL, 1, 2, NULL);
    HANDLE both[2] = { event, sem };
    ok |= (WaitForMultipleObjects(2, both, FALSE, 0) == WAIT_OBJECT_0 + 1) << 3;
    ok |= (WaitForSingleObject(sem, 0) == WAIT_TIMEOUT) << 4;
    LONG previous = -1;
    ok |= (ReleaseSemaphore(sem, 2, &previous) && previous == 0) << 5;
    ok |= (!ReleaseSemaphore(sem, 1, NULL)) << 6;
    HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
    ok |= (WaitForSingleObject(mutex, 0) == WAIT_OBJECT_0 && WaitForSingleObject(mutex, 0) == WAIT_OBJECT_0) << 7;
    ok |= (ReleaseMutex(mutex) && ReleaseMutex(mutex) && !ReleaseMutex(mutex)) << 8;
    CloseHandle(event);
    CloseHandle(sem);
    CloseHandle(mutex);
    ok |= (!CloseHandle(mutex)) << 9;

    DWORD slot = TlsAlloc();
    ok |= (slot != TLS_OUT_OF_INDEXES && TlsSetValue(slot, (LPVOID)0x1234) && TlsGetValue(slot) == (LPVOID)0x1234) << 10;
    ok |= TlsFree(slot) << 11;

    char *page = VirtualAlloc(NULL, 8192, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    page[100] = 42;
    DWORD old = 0;
    ok |= (page && page[100] == 42) << 12;
    ok |= (!VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE) && GetLastError() == ERROR_ACCESS_DENIED) << 13;
    ok |= (!VirtualProtect(page, 4096, PAGE_EXECUTE_READWRITE, &old)) << 14;
    ok |= (VirtualProtect(page, 4096, PAGE_READONLY, &old) && old == PAGE_READWRITE) << 15;
    MEMORY_BASIC_INFORMATION info;
    ok |= (VirtualQuery(page, &info, sizeof info) == sizeof info && info.Protect == PAGE_READONLY && info.State == MEM_COMMIT) << 16;
    ok |= VirtualFree(page, 0, MEM_RELEASE) << 17;

    HMODULE self = GetModuleHandleA("pe_crt.dll");
    ok |= (self != NULL && GetModuleHandleA("PE_CRT") == self) << 18;
    ok |= (GetProcAddress(self, "crt_strlen") != NULL && GetProcAddress(self, "no_such_export") == NULL) << 19;
    HMODULE abi = LoadLibraryA("pe_abi.dll");
    int32_t (*add)(int32_t, int32_t) = (int32_t (*)(int32_t, int32_t))(void *)GetProcAddress(abi, "pe_add");
    ok |= (abi != NULL && add && add(40, 2) == 42) << 20;
    ok |= FreeLibrary(abi) << 21;
    char path[512];
    ok |= (GetModuleFileNameA(self, path, sizeof path) > 0 && strstr(path, "pe_crt.dll") != NULL) << 22;
    return ok;
}

/* Slim reader/writer locks, condition variables and one-time
 * initialisation, as modern Windows code synchronises. A producer thread
 * hands 100 numbers to this one through a one-slot queue guarded by an SRW
 * lock and two condition variables (and one more round with a critical
 * section). Returns the sum received, or a negative step that failed. */
static SRWLOCK queue_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE queue_filled = CONDITION_VARIABLE_INIT, queue_emptied = CONDITION_VARIABLE_INIT;
static int32_t queue_slot, queue_full;

static DWORD WINAPI producer(LPVOID arg) {
    (void)arg;
    for (int32_t i = 1; i <= 100; i++) {
        AcquireSRWLockExclusive(&queue_lock);
        while (queue_full) SleepConditionVariableSRW(&queue_emptied, &queue_lock, INFINITE, 0);
        queue_slot = i;
        queue_full = 1;
        WakeConditionVariable(&queue_filled);
        ReleaseSRWLockExclusive(&queue_lock);
    }
    return 0;
}

static int32_t init_runs;
static BOOL CALLBACK init_once(PINIT_ONCE once, PVOID param, PVOID *context) {
    (void)once;
    (void)context;
    init_runs += *(int32_t *)param;
    return TRUE;
}

EXPORT int64_t crt_modern_sync(void) {
    HANDLE t = CreateThread(NULL, 0, producer, NULL, 0, NULL);
    if (!t) return -1;
    int64_t sum = 0;
    for (int32_t n = 0; n < 100; n++) {
        AcquireSRWLockExclusive(&queue_lock);
        while (!queue_full) SleepConditionVariableSRW(&queue_filled, &queue_lock, INFINITE, 0);
        sum += queue_slot;
        queue_full = 0;
        WakeAllConditionVariable(&queue_emptied);
        ReleaseSRWLockExclusive(&queue_lock);
    }
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);

    AcquireSRWLockShared(&queue_lock);
    if (!TryAcquireSRWLockShared(&queue_lock)) return -2;
    if (TryAcquireSRWLockExclusive(&queue_lock)) return -3;
    ReleaseSRWLockShared(&queue_lock);
    ReleaseSRWLockShared(&queue_lock);
    if (!TryAcquireSRWLockExclusive(&queue_lock)) return -4;
    ReleaseSRWLockExclusive(&queue_lock);

    /* A timed wait on a condition nobody signals, with a critical section. */
    CRITICAL_SECTION cs;
    CONDITION_VARIABLE never;
    InitializeCriticalSection(&cs);
    InitializeConditionVariable(&never);
    EnterCriticalSection(&cs);
    BOOL woke = SleepConditionVariableCS(&never, &cs, 20);
    DWORD error = GetLastError();
    LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);
    if (woke || error != ERROR_TIMEOUT) return -5;

    static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
    int32_t by = 5;
    for (int i = 0; i < 3; i++)
        if (!InitOnceExecuteOnce(&once, init_once, &by, NULL)) return -6;
    if (init_runs != 5) return -7;
    return sum;
}

/* A thread created suspended starts at ResumeThread; the C runtime's
 * _beginthreadex (also created suspended) likewise. */
#include <process.h>

static volatile LONG started_runs;
static DWORD WINAPI mark_started(LPVOID arg) {
    InterlockedAdd(&started_runs, (LONG)(intptr_t)arg);
    return 11;
}
static unsigned __stdcall mark_started_crt(void *arg) {
    InterlockedAdd(&started_runs, (LONG)(intptr_t)arg);
    return 12;
}

EXPORT int32_t crt_suspended_threads(void) {
    HANDLE t = CreateThread(NULL, 0, mark_started, (LPVOID)1, CREATE_SUSPENDED, NULL);
    HANDLE u = (HANDLE)_beginthreadex(NULL, 0, mark_started_crt, (void *)10, CREATE_SUSPENDED, NULL);
    if (!t || !u) return -1;
    Sleep(30);
    if (started_runs != 0) return -2;
    if (WaitForSingleObject(t, 0) != WAIT_TIMEOUT) return -3;
    if (ResumeThread(t) != 1 || ResumeThread(u) != 1) return -4;
    if (WaitForSingleObject(t, 5000) != WAIT_OBJECT_0 || WaitForSingleObject(u, 5000) != WAIT_OBJECT_0) return -5;
    DWORD a = 0, b = 0;
    GetExitCodeThread(t, &a);
    GetExitCodeThread(u, &b);
    CloseHandle(t);
    CloseHandle(u);
    return started_runs * 100 + (int32_t)(a + b);
}
