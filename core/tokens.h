/* Token <-> note conversion for the melody and drum representations, and the
 * 9-class drum mapping (shared/data/README.md). */
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
/* Drum tokens (bit i = class i hit) -> one-step notes; returns the count. */
int drums_to_notes(const int32_t *tokens, int n_steps, uint8_t velocity, mv_note *out,
                   int max);
/* Notes -> drum tokens; returns the number of notes in no class (dropped). */
int drums_from_notes(const mv_note *notes, int n_notes, int n_steps, int32_t *tokens);

#endif
