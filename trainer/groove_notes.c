/* Groove steps -> drum notes with their offsets (groove_notes.h). */
#include "groove_notes.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "groove.h"

/* Each note's length: half a step, cut at its instrument's next onset. Onsets
 * of one instrument rise with its steps (an offset stays within half a step),
 * so walking the notes backwards keeps each instrument's next onset. */
static void note_lengths(const mv_note *notes, int n, int ticks_per_step, const int *tick_shift,
                         int *tick_length)
{
    int next_on[MV_GROOVE_VOICES];
    for (int i = 0; i < MV_GROOVE_VOICES; i++) next_on[i] = INT_MAX;
    const int half = ticks_per_step / 2 > 0 ? ticks_per_step / 2 : 1;
    for (int k = n - 1; k >= 0; k--) {
        const int c = drum_class_of_pitch(notes[k].pitch);
        const int on = notes[k].step * ticks_per_step + tick_shift[k];
        const int gap = next_on[c] == INT_MAX ? half : next_on[c] - on;
        tick_length[k] = gap < half ? (gap > 0 ? gap : 1) : half;
        next_on[c] = on;
    }
}

int groove_to_notes(const uint8_t *steps, int n_steps, int ticks_per_step, mv_note *out,
                    int *tick_shift, int *tick_length, int max)
{
    int n = 0;
    for (int t = 0; t < n_steps; t++) {
        const uint8_t *step = steps + (size_t)t * MV_GROOVE_STEP_BYTES;
        for (int i = 0; i < MV_GROOVE_VOICES && n < max; i++) {
            if (!step[MV_GROOVE_HIT + i]) continue;
            out[n] = (mv_note){t, 1, (uint8_t)drum_pitch_of_class(i),
                               step[MV_GROOVE_VELOCITY + i]};
            tick_shift[n] = (int)lround(groove_offset_steps(step, i) * ticks_per_step);
            n++;
        }
    }
    note_lengths(out, n, ticks_per_step, tick_shift, tick_length);
    return n;
}
