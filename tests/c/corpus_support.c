/* The per-thread slot every generated callee reports its received hash to. */
#include "corpus_support.h"

static _Thread_local uint64_t abt_received = ABT_NOTHING_RECEIVED;

void abt_note_received(uint64_t h) {
    abt_received = h;
}

uint64_t abt_take_received_hash(void) {
    uint64_t h = abt_received;
    abt_received = ABT_NOTHING_RECEIVED;
    return h;
}
