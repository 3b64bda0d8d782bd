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

/* The figures of one instrument's hits, or of all instruments' together. */
typedef struct groove_feel_figures {
    uint64_t hits;
    double velocity_mean, velocity_sd; /* MIDI velocity */
    double offset_mean, offset_sd;     /* signed, in steps (+ late) */
    double abs_offset_mean;            /* |offset|, in steps */
    double on_grid;                    /* share of hits with offset byte 0 */
} groove_feel_figures;

#define GROOVE_FEEL_ALL MV_GROOVE_VOICES /* groove_feel_of: every instrument */

/* Instrument i's figures (i < MV_GROOVE_VOICES), or all instruments'
 * (GROOVE_FEEL_ALL); NaN where there are no hits (sd: fewer than 2). */
groove_feel_figures groove_feel_of(const groove_feel *f, int i);

/* Adds one hit of instrument voice: its velocity and its distance from the
 * grid in steps (on the grid when exactly 0). */
void groove_feel_add_hit(groove_feel *f, int voice, int velocity, double offset_steps);

/* Adds the n_steps groove steps of one window. */
void groove_feel_add(groove_feel *f, const uint8_t *steps, int n_steps);

/* The table: one line per instrument hit, then all instruments together. */
void groove_feel_print(const groove_feel *f, FILE *out);

#endif
