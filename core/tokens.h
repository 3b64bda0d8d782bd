/* Token <-> note conversion for the melody and drum representations, piano-roll
 * steps <-> notes, and the 9-class drum mapping (shared/data/README.md). */
#ifndef MV_TOKENS_H
#define MV_TOKENS_H

#include <stdint.h>

#define MV_MELODY_NO_EVENT 0
#define MV_MELODY_NOTE_OFF 1
#define MV_DRUM_CLASSES 9

/* A note on the step grid. */
typedef struct mv_note {
    int32_t step;     /* onset step from the start of the sequence */
    int32_t duration; /* in steps, >= 1 */
    uint8_t pitch;
    uint8_t velocity;
} mv_note;

/* Melody tokens -> notes; a note lasts until note-off, the next note-on or the
 * end. Returns the number of notes written (at most max). */
int melody_to_notes(const int32_t *tokens, int n_steps, int min_pitch, int n_classes,
                    uint8_t velocity, mv_note *out, int max);
/* Notes -> melody tokens: monophonic, highest pitch wins among notes starting on
 * the same step, a later onset cuts a sounding note; pitches outside the range
 * are dropped. Returns the number of notes dropped. */
int melody_from_notes(const mv_note *notes, int n_notes, int n_steps, int min_pitch,
                      int n_classes, int32_t *tokens);

int drum_class_of_pitch(int pitch); /* 0..8, or -1 for a pitch in no class */
int drum_pitch_of_class(int cls);   /* the class's first pitch */
/* The class's instrument in words ("kick", "snare", "closed hat", "open hat",
 * "low tom", "mid tom", "high tom", "crash", "ride"), or NULL. */
const char *drum_class_name(int cls);
/* Drum tokens (bit i = class i hit) -> one-step notes; returns the count. */
int drums_to_notes(const int32_t *tokens, int n_steps, uint8_t velocity, mv_note *out,
                   int max);
/* Notes -> drum tokens; returns the number of notes in no class (dropped). */
int drums_from_notes(const mv_note *notes, int n_notes, int n_steps, int32_t *tokens);

/* Piano roll (MV_REPR_ROLL): a step is 2 * n_pitches bytes, 0 or 1: first
 * whether pitch min_pitch + p sounds, then whether it starts at this step. A
 * window is n_steps such steps, one after another. */

/* Makes a step consistent given the step before (prev NULL: none): a starting
 * pitch sounds, and a pitch that sounds but did not sound before starts. The
 * decoder feeds back only normalised steps, as the data holds only those. */
void roll_step_normalise(uint8_t *step, const uint8_t *prev, int n_pitches);
/* Roll -> notes, in onset order: a note starts at an onset bit (or where a pitch
 * begins to sound) and lasts while the pitch sounds without a new onset.
 * Returns the number of notes written (at most max). */
int roll_to_notes(const uint8_t *roll, int n_steps, int min_pitch, int n_pitches,
                  uint8_t velocity, mv_note *out, int max);
/* Notes -> roll: a note sounds from its step for its duration, cut by the next
 * onset of its pitch (which sets the onset bit again); notes outside the pitch
 * range or the window are dropped. Returns the number of notes dropped. */
int roll_from_notes(const mv_note *notes, int n_notes, int n_steps, int min_pitch,
                    int n_pitches, uint8_t *roll);

#endif
