/* Runs a generated driver (drivers.c) on a thread made here with
 * pthread_create, so the callback it calls runs on a thread Rust never
 * created and never saw before the call. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The drivers' types: abt_drive_w_* are ms_abi, abt_drive_s_* sysv_abi. */
typedef size_t (__attribute__((ms_abi)) *abt_driver_ms)(const void *cb, uint64_t seed, uint64_t *out);
typedef size_t (__attribute__((sysv_abi)) *abt_driver_sysv)(const void *cb, uint64_t seed, uint64_t *out);

struct abt_thread_call {
    const void *driver;
    const void *cb;
    uint64_t seed;
    uint64_t *out;
    size_t written;
};

/* One start routine per ABI, never one routine with a branch on the ABI:
 * gcc 12 at -O2 merges two calls through function pointers that differ only
 * in ms_abi / sysv_abi into one call, with the sysv_abi registers. */
static void *abt_thread_main_ms(void *arg) {
    struct abt_thread_call *call = arg;
    call->written = ((abt_driver_ms)call->driver)(call->cb, call->seed, call->out);
    return NULL;
}

static void *abt_thread_main_sysv(void *arg) {
    struct abt_thread_call *call = arg;
    call->written = ((abt_driver_sysv)call->driver)(call->cb, call->seed, call->out);
    return NULL;
}

/* Calls driver(cb, seed, out) on a new thread and waits for it; the driver is
 * ms_abi if ms_abi is non-zero, else sysv_abi. Returns 0 and sets *written to
 * what the driver returned, or the pthread error number. */
int abt_drive_on_pthread(int ms_abi, const void *driver, const void *cb, uint64_t seed, uint64_t *out,
                         size_t *written) {
    struct abt_thread_call call = {driver, cb, seed, out, 0};
    pthread_t thread;
    int err = pthread_create(&thread, NULL, ms_abi ? abt_thread_main_ms : abt_thread_main_sysv, &call);
    if (err != 0) {
        return err;
    }
    err = pthread_join(thread, NULL);
    if (err != 0) {
        return err;
    }
    *written = call.written;
    return 0;
}
