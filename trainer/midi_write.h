/* Notes on the step grid -> a standard MIDI file (libsmf), written atomically.
 * The grid is 4/4 with steps_per_bar steps per bar (16: a 16th grid); the file
 * carries a tempo and a 4/4 time signature so that players and DAWs place the
 * notes on the grid. */
#ifndef MV_MIDI_WRITE_H
#define MV_MIDI_WRITE_H

#include <stddef.h>

#include "tokens.h"

#define MIDI_WRITE_PPQN 480 /* ticks per quarter note: divisible by 3, 4, 5, 8, 16, 32 */

/* A text at a step of a part (counted from its step_offset), written as a
 * marker meta event (FF 06), which DAWs show on the timeline: a chord's name. */
typedef struct mv_midi_mark {
    int step;
    const char *text;
} mv_midi_mark;

/* One part of a file: notes on one channel, in a track of its own, starting at
 * step_offset (so that the steps of a morph can follow one another). */
typedef struct mv_midi_part {
    const mv_note *notes;
    int n_notes;
    int step_offset; /* steps from the start of the file to the part's step 0 */
    int channel;     /* 0..15; 9 is General MIDI drums */
    int program;     /* General MIDI program 0..127, or -1 for none */
    const char *name; /* track name, or NULL */
    const mv_midi_mark *marks; /* in step order, or NULL */
    int n_marks;
} mv_midi_part;

/* How a part's notes are played off the grid (groove, core/groove.h), beside
 * the part (whose callers fill it field by field): per note, the ticks its
 * onset lies after its step (negative: before), and its length in ticks;
 * either NULL: on the step, lasting its duration in steps. */
typedef struct mv_midi_timing {
    const int *tick_shift;
    const int *tick_length;
} mv_midi_timing;

/* Ticks per step for a grid, or 0 if steps_per_bar does not divide a 4/4 bar of
 * MIDI_WRITE_PPQN ticks per quarter. */
int midi_ticks_per_step(int steps_per_bar);

/* Writes a format-1 file: a conductor track (tempo, 4/4, end of track at
 * n_steps) and one track per part. Notes are clipped to n_steps, marks past it
 * left out; a note shifted before the file's start begins at tick 0; a
 * velocity of 0 is written as 1 (0 would mean note-off). Returns 0, or -1 with
 * a message naming the file and the problem in err. */
int midi_write_parts(const char *path, const mv_midi_part *parts, int n_parts,
                     int steps_per_bar, int n_steps, double bpm, char *err, size_t errlen);
/* The same with timing[i] for part i (timing NULL: every part on the grid). */
int midi_write_parts_timed(const char *path, const mv_midi_part *parts,
                           const mv_midi_timing *timing, int n_parts, int steps_per_bar,
                           int n_steps, double bpm, char *err, size_t errlen);

/* One part on one channel from step 0. */
int midi_write_notes(const char *path, const mv_note *notes, int n_notes, int steps_per_bar,
                     int n_steps, double bpm, int channel, char *err, size_t errlen);

#endif
