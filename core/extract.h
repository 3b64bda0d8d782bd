/* Training windows from a MIDI file (mv_midi_file), the way Magenta's MusicVAE
 * extracts them: quantise to a 16th grid (4 steps per quarter, on ticks, so tempo
 * changes do not move the grid), split where the meter changes, keep segments
 * whose measure fills a bar (steps_per_bar) a whole number of times, slide
 * n_bars windows with a one-bar hop, drop windows holding a bar of silence (a
 * melody ends after a bar of silence), and transpose.
 * Pure C (libc only); shared by the trainer and the plugin. */
#ifndef MV_EXTRACT_H
#define MV_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "midi_events.h"

#define MV_STEPS_PER_QUARTER 4
#define MV_EXTRACT_MAX_STEPS (1 << 18) /* longest song, in steps (16384 bars of 4/4) */
#define MV_EXTRACT_MAX_WORK (1 << 23)  /* steps buffered over all voices of one file */

typedef struct mv_extract_config {
    uint32_t repr;          /* enum mv_repr */
    int n_bars;             /* bars per window */
    int steps_per_bar;      /* 16 = a 4/4 bar on the 16th grid */
    int min_pitch;          /* melody and roll: lowest pitch (21) */
    int n_pitches;          /* melody and roll: pitches from min_pitch (88) */
    int max_transpose;      /* also emit each window shifted by -N..N semitones */
    const char *track_name; /* melody, roll: only tracks of these names, comma-separated
                               ("PIANO" or "Soprano,Alto,Tenor,Bass"; any case); NULL: all */
    int meter_steps;        /* > 0: the measure length in steps for the whole file,
                               replacing its time signatures; 0: use them */
    /* Chords (issue 20): step_chords[s] is the chord id (core/chord.h) sounding
     * at step s of the file (n_step_chords of them; later steps have none).
     * Before each window is emitted, its seq_len chords, transposed with it,
     * are written to window_chords (the caller's buffer). NULL: no chords. */
    const uint8_t *step_chords;
    int64_t n_step_chords;
    uint8_t *window_chords;
} mv_extract_config;

/* What each rule kept and removed, summed over calls. */
typedef struct mv_extract_stats {
    uint64_t notes;              /* notes considered (after the track / channel choice) */
    uint64_t notes_out_of_range; /* pitch outside the representation: dropped */
    uint64_t notes_polyphonic;   /* melody: lost to a higher note starting on the same step */
    uint64_t notes_doubled;      /* groove: a second hit of an instrument on its step (the
                                    louder one is kept) */
    uint64_t voices;             /* melodies (track x channel), or drum / roll parts */
    uint64_t segments;           /* stretches of one meter */
    uint64_t segments_bad_meter; /* meters whose measure does not fill a bar */
    uint64_t windows_bad_meter;  /* windows that fell in such segments */
    uint64_t windows_gap;        /* windows holding a bar without notes */
    uint64_t windows_no_onset;   /* windows without any note starting in them */
    uint64_t windows_transpose_out_of_range; /* transpositions leaving the pitch range */
    uint64_t windows;            /* windows emitted (all transpositions) */
} mv_extract_stats;

/* Receives each window: seq_len int32 tokens (melody, drums), seq_len x
 * (2 * n_pitches) bytes (roll) or seq_len x MV_GROOVE_STEP_BYTES bytes (groove:
 * the drums' hits with their velocity and offset, core/groove.h); bar is the
 * window's first step / steps_per_bar. Returns 0 to go on, non-zero to stop (the value is returned by extract). */
typedef int (*mv_window_fn)(void *ctx, const void *tokens, uint32_t bar, int32_t transpose);

/* Whether a track name is one of the comma-separated names of a --track list
 * (any case): the match extract_windows makes. */
int extract_track_named(const char *name, const char *list);

/* The 16th-grid step nearest to a tick (ticks before 0 are step 0): the grid
 * every window, and every chord track (trainer/chord_track.c), is cut on. */
int64_t extract_tick_to_step(int64_t tick, uint32_t ticks_per_quarter);

/* Whether a representation reads drums (channel 10 through the 9 classes of
 * core/tokens.h): drums and groove, whose windows hold the same hits. */
int extract_is_drums(uint32_t repr);

/* Checks a configuration; 0, or -1 with the reason in err. */
int extract_config_check(const mv_extract_config *cfg, char *err, size_t errlen);

/* Measure length in steps of a numerator/denominator meter on the 16th grid, or
 * 0 when it is not a whole number of steps. */
int meter_steps(int numerator, int denominator);

/* Emits every window of f. Returns 0, the callback's non-zero value, or -1 with
 * the reason in err (out of memory, song too long). */
int extract_windows(const mv_midi_file *f, const mv_extract_config *cfg, mv_window_fn emit,
                    void *ctx, mv_extract_stats *stats, char *err, size_t errlen);

#endif
