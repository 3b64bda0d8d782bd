/* How the drums of groove windows were played (issue 21): per instrument, the
 * hits, their velocity (mean and spread) and their distance from the grid,
 * summed over windows: for `morphvae data --repr groove`'s summary, so that a
 * corpus that lost its feel (every hit at one velocity, or on the grid) shows,
 * and for eval's feel of a model's prior samples beside the data's. */
#ifndef MV_GROOVE_FEEL_H
#define MV_GROOVE_FEEL_H

#include <stdint.h>
#include <stdio.h>

#include "groove.h"

typedef struct groove_feel {
    uint64_t hits[MV_GROOVE_VOICES];
    double velocity[MV_GROOVE_VOICES], velocity_sq[MV_GROOVE_VOICES];
    double offset[MV_GROOVE_VOICES], offset_sq[MV_GROOVE_VOICES]; /* in steps */
    double offset_abs[MV_GROOVE_VOICES];
    uint64_t on_grid[MV_GROOVE_VOICES]; /* hits with offset byte 0 */
} groove_feel;

/* Adds the n_steps groove steps of one window. */
void groove_feel_add(groove_feel *f, const uint8_t *steps, int n_steps);

/* The table: one line per instrument hit, then all instruments together. */
void groove_feel_print(const groove_feel *f, FILE *out);

#endif
