/* How well predicted groove steps match the true ones (issue 21): per
 * instrument, the true hits found (a hit of that instrument on that step in
 * both), missed and falsely added, and for the hits found how far their
 * velocity and offset are from the truth's. eval's hit figures for groove
 * models. */
#ifndef MV_GROOVE_SCORE_H
#define MV_GROOVE_SCORE_H

#include <stdint.h>

#include "groove.h"

typedef struct groove_hit_count {
    long hits, misses, false_alarms;
    double velocity_error, offset_error; /* |difference| summed over hits (MIDI, steps) */
} groove_hit_count;

/* Adds one step (MV_GROOVE_STEP_BYTES each) to c[MV_GROOVE_VOICES]. */
void groove_score_step(groove_hit_count *c, const uint8_t *truth, const uint8_t *pred);

/* All instruments of c[MV_GROOVE_VOICES] together. */
groove_hit_count groove_score_total(const groove_hit_count *c);

/* F1 of the hits (onset_f1's convention when there are none), recall and
 * precision (NaN with nothing to divide), and the mean velocity and offset
 * errors of the hits found (NaN without any). */
double groove_score_f1(const groove_hit_count *c);
double groove_score_recall(const groove_hit_count *c);
double groove_score_precision(const groove_hit_count *c);
double groove_score_velocity_mae(const groove_hit_count *c);
double groove_score_offset_mae(const groove_hit_count *c);

#endif
