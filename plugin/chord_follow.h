/* Following the chords held on the plugin's MIDI input (Chords = Follow input;
 * docs/plugin.md, "Following chords"). Audio thread only; plain arithmetic on
 * fixed arrays (no allocation).
 *
 *  - mv_chord_in: the pitches held on the input (note-on without its
 *    note-off, any channel: one 128-bit set) and the chord they make
 *    (core/chord_recognise.h, the lowest held note as the bass). The last
 *    chord recognised is remembered when its notes are released, or when
 *    what is held makes no chord (one note, a cluster), until another chord
 *    is held: chord memory, as on an arranger keyboard.
 *  - mv_chord_history: the chord each step already played was decoded with,
 *    by song step (a ring, each entry tagged with its step). A bar is decoded
 *    with these chords for the steps of its chain that were played and the
 *    current chord for the rest (chord_follow_window), so that re-decoding a
 *    bar after a chord change gives back, note for note, the steps already
 *    heard and changes only those still to come. */
#ifndef MV_CHORD_FOLLOW_H
#define MV_CHORD_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

/* The longest window (n_bars * steps_per_bar) a model can follow chords with:
 * a decode request carries a chord a step of the bar's chain. 64 bars of 16ths. */
#define MV_CHORD_MAX_STEPS 1024

typedef struct mv_chord_in {
    uint64_t held[2]; /* bit p: pitch p is held */
    uint8_t memory;   /* the chord followed (core/chord.h id; 0: none yet) */
} mv_chord_in;

/* Nothing held, no chord. */
void chord_input_clear(mv_chord_in *c);
/* A MIDI message of the input: note-on, note-off (a note-on of velocity 0
 * too) and All Notes Off / All Sound Off (which release every held note)
 * change the held set; true when it changed. */
bool chord_input_midi(mv_chord_in *c, const uint8_t *msg, uint32_t size);
/* The chord the held notes make (0: none: fewer than two pitch classes, a
 * cluster). */
uint8_t chord_input_recognise(const mv_chord_in *c);
/* Remembers the chord the held notes make, if they make one (else the
 * memory stays). True when the memory changed. */
bool chord_input_update(mv_chord_in *c);

#define MV_CHORD_HISTORY 1024 /* steps remembered (a power of two) */

typedef struct mv_chord_history {
    int64_t step[MV_CHORD_HISTORY]; /* the song step entry i holds (INT64_MIN: none) */
    uint8_t chord[MV_CHORD_HISTORY];
} mv_chord_history;

void chord_history_clear(mv_chord_history *h);
/* Song step `step` was played from a bar decoded with chord `chord` there. */
void chord_history_record(mv_chord_history *h, int64_t step, uint8_t chord);

/* The chords to decode a chain of n_bars model bars with, the first being song
 * bar first_bar: out[i * steps_per_bar + k] is the chord of step k of song
 * bar first_bar + i, i.e. song step (first_bar + i) * bar_steps + k: the chord
 * it was played with when it was played (a step before next_step in the
 * history), else `now` (a step to come, one not played, or one of a model bar
 * longer than the host's). Returns n_bars * steps_per_bar. */
int chord_follow_window(const mv_chord_history *h, int64_t first_bar, int n_bars,
                        int steps_per_bar, int bar_steps, int64_t next_step, uint8_t now,
                        uint8_t *out);

/* A key of n chords (FNV-1a, never 0: 0 means "decoded without chords"). */
uint64_t chord_key(const uint8_t *chords, int n);

#endif
