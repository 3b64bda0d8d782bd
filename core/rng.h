/* A small seeded random number generator (xoshiro128** seeded through splitmix64),
 * owned by the caller: no global state, same sequence on every machine. */
#ifndef MV_RNG_H
#define MV_RNG_H

#include <stdint.h>

typedef struct mv_rng {
    uint32_t s[4];
} mv_rng;

void rng_seed(mv_rng *r, uint64_t seed);
uint32_t rng_u32(mv_rng *r);
float rng_uniform(mv_rng *r); /* [0, 1) with 24 random bits */
float rng_normal(mv_rng *r);  /* standard normal */

#endif
