#include "snapshot.h"

#include <stdlib.h>

#define SNAPSHOT_FRESH 4u /* above the indices 0..2 */

int snapshot_init(mv_snapshot *s)
{
    for (int i = 0; i < 3; i++) {
        s->copy[i] = calloc(1, sizeof *s->copy[i]);
        if (!s->copy[i]) {
            snapshot_free(s);
            return -1;
        }
    }
    s->back = 0;
    s->front = 2;
    atomic_init(&s->middle, 1u);
    return 0;
}

void snapshot_free(mv_snapshot *s)
{
    for (int i = 0; i < 3; i++) {
        free(s->copy[i]);
        s->copy[i] = NULL;
    }
}

mv_saved_state *snapshot_back(mv_snapshot *s)
{
    return s->copy[s->back];
}

void snapshot_publish(mv_snapshot *s)
{
    /* release: the copy's contents before its index; acquire: the copy
     * coming back was released by the reader. */
    unsigned old = atomic_exchange_explicit(&s->middle, (unsigned)s->back | SNAPSHOT_FRESH,
                                            memory_order_acq_rel);
    s->back = (int)(old & 3u);
}

const mv_saved_state *snapshot_read(mv_snapshot *s)
{
    if (atomic_load_explicit(&s->middle, memory_order_relaxed) & SNAPSHOT_FRESH) {
        unsigned old = atomic_exchange_explicit(&s->middle, (unsigned)s->front,
                                                memory_order_acq_rel);
        s->front = (int)(old & 3u);
    }
    return s->copy[s->front];
}
