/* The per-thread slot every generated callee writes its received hash to. */
#include "corpus_support.h"

_Thread_local uint64_t abt_received = ABT_NOTHING_RECEIVED;

uint64_t abt_take_received_hash(void) {
    uint64_t h = abt_received;
    abt_received = ABT_NOTHING_RECEIVED;
    return h;
}
