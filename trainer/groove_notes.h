/* Groove windows (core/groove.h) -> notes for the MIDI writer: each hit a
 * drum note at its instrument's pitch (drum_pitch_of_class), with its
 * velocity, moved off the grid by its offset in ticks (midi_write.h's
 * tick_shift), so that a written groove plays as it was played. The way back,
 * MIDI -> groove window, is extraction's (core/extract.h). */
#ifndef MV_GROOVE_NOTES_H
#define MV_GROOVE_NOTES_H

#include <stdint.h>

#include "tokens.h"

/* Notes of n_steps groove steps, in step then instrument order, with steps
 * of ticks_per_step ticks: note k's onset lies tick_shift[k] ticks off its
 * step and it lasts tick_length[k] ticks, a 32nd (half a step) or less: a
 * note ends where its instrument's next hit starts, which a late hit followed
 * by an early one brings as close as a tick. Returns the count (<= max). */
int groove_to_notes(const uint8_t *steps, int n_steps, int ticks_per_step, mv_note *out,
                    int *tick_shift, int *tick_length, int max);

#endif
