/* Random groove steps for the trainer's tests (core/groove.h): each
 * instrument of each step hit with probability p_hit, at a velocity 1..127 and
 * an offset anywhere in -64..63 (a step's valid range). */
#ifndef MV_RANDOM_GROOVE_H
#define MV_RANDOM_GROOVE_H

#include <string.h>

#include "groove.h"
#include "rng.h"

static inline void random_groove_steps(mv_rng *r, uint8_t *steps, int n_steps, float p_hit)
{
    memset(steps, 0, (size_t)n_steps * MV_GROOVE_STEP_BYTES);
    for (int i = 0; i < n_steps; i++)
        for (int v = 0; v < MV_GROOVE_VOICES; v++) {
            uint8_t *g = steps + (size_t)i * MV_GROOVE_STEP_BYTES;
            if (rng_uniform(r) >= p_hit) continue;
            g[MV_GROOVE_HIT + v] = 1;
            g[MV_GROOVE_VELOCITY + v] = (uint8_t)(1 + rng_u32(r) % 127);
            g[MV_GROOVE_OFFSET + v] = (uint8_t)(int8_t)((int)(rng_u32(r) % 128) - 64);
        }
}

#endif
