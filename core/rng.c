/* xoshiro128** (Blackman & Vigna), seeded by splitmix64: small, fast and the
 * same sequence on every machine. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rng_seed(mv_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    uint64_t a = splitmix64(&x), b = splitmix64(&x);
    r->s[0] = (uint32_t)a;
    r->s[1] = (uint32_t)(a >> 32);
    r->s[2] = (uint32_t)b;
    r->s[3] = (uint32_t)(b >> 32);
    /* the all-zero state is the generator's one fixed point */
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint32_t rotl(uint32_t x, int k)
{
    return (x << k) | (x >> (32 - k));
}

uint32_t rng_u32(mv_rng *r)
{
    uint32_t *s = r->s;
    const uint32_t result = rotl(s[1] * 5, 7) * 9;
    const uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
}

float rng_uniform(mv_rng *r)
{
    return (float)(rng_u32(r) >> 8) * 0x1p-24f;
}

/* Box-Muller in double (one of the pair is used, so the state stays four words);
 * u1 is in (0, 1] so the log is finite. */
float rng_normal(mv_rng *r)
{
    const double two_pi = 6.283185307179586476925;
    double u1 = ((double)(rng_u32(r) >> 8) + 1.0) * 0x1p-24;
    double u2 = (double)(rng_u32(r) >> 8) * 0x1p-24;
    return (float)(sqrt(-2.0 * log(u1)) * cos(two_pi * u2));
}
