/* Carving one preallocated block into aligned pieces: a first pass with base
 * NULL only counts the bytes a layout needs, a second hands out the pieces, so
 * an object is one allocation made at creation and nothing after. */
#ifndef MV_CARVER_H
#define MV_CARVER_H

#include <stddef.h>

/* Hands out 64-byte aligned pieces of one block; with base NULL it only counts. */
typedef struct carver {
    char *base;
    size_t used;
} carver;

static inline void *carve(carver *cv, size_t n_bytes)
{
    void *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (n_bytes + 63) & ~(size_t)63;
    return p;
}

#endif
