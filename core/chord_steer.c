/* Steering melody logits toward chord tones (chord_steer.h). */
#include "chord_steer.h"

#include <math.h>

#include "chord.h"

#define FIRST_NOTE_ON 2 /* core/tokens.h: 0 no event, 1 note off */

static int is_chord_tone(uint16_t pitch_classes, int pitch)
{
    return (pitch_classes >> (pitch % 12)) & 1;
}

/* log sum exp of x[k] / t - (penalty if k is not a chord tone) over the note-ons. */
static double note_on_log_mass(const float *logits, int n_classes, int min_pitch,
                               uint16_t tones, double inv_t, double penalty)
{
    double top = -INFINITY;
    for (int k = FIRST_NOTE_ON; k < n_classes; k++) {
        double a = logits[k] * inv_t - (is_chord_tone(tones, min_pitch + k - 2) ? 0 : penalty);
        if (a > top) top = a;
    }
    if (!isfinite(top)) return top;
    double sum = 0;
    for (int k = FIRST_NOTE_ON; k < n_classes; k++) {
        double a = logits[k] * inv_t - (is_chord_tone(tones, min_pitch + k - 2) ? 0 : penalty);
        sum += exp(a - top);
    }
    return top + log(sum);
}

/* Greedy: only where the model's best token is a note-on, the note-ons are
 * penalised and lifted so that the best of them has the old best logit (the
 * one that won against no event and note off). */
static void steer_greedy(float *logits, int n_classes, int min_pitch, uint16_t tones,
                         float strength)
{
    int top = 0;
    for (int k = 1; k < n_classes; k++)
        if (logits[k] > logits[top]) top = k;
    if (top < FIRST_NOTE_ON) return;
    const float old_top = logits[top];
    int best = FIRST_NOTE_ON;
    for (int k = FIRST_NOTE_ON; k < n_classes; k++) {
        if (!is_chord_tone(tones, min_pitch + k - 2)) logits[k] -= strength;
        if (logits[k] > logits[best]) best = k;
    }
    const float lift = old_top - logits[best];
    for (int k = FIRST_NOTE_ON; k < n_classes; k++) logits[k] += lift;
    logits[best] = old_top; /* exactly, whatever the rounding of the sum */
}

void chord_steer_melody(float *logits, int n_classes, int min_pitch, uint8_t chord,
                        float strength, float temperature)
{
    const uint16_t tones = chord_pitch_classes(chord);
    if (!tones || !(strength > 0) || n_classes <= FIRST_NOTE_ON) return;
    const double inv_t = 1.0 / temperature;
    if (!(temperature > 0) || !isfinite(inv_t)) {
        steer_greedy(logits, n_classes, min_pitch, tones, strength);
        return;
    }
    /* at temperature t the model draws from softmax(logits / t): reweight that */
    const double shift = note_on_log_mass(logits, n_classes, min_pitch, tones, inv_t, 0) -
                         note_on_log_mass(logits, n_classes, min_pitch, tones, inv_t, strength);
    if (!isfinite(shift)) return;
    for (int k = FIRST_NOTE_ON; k < n_classes; k++) {
        const double penalty = is_chord_tone(tones, min_pitch + k - 2) ? 0 : strength;
        logits[k] = (float)((logits[k] * inv_t - penalty + shift) * temperature);
    }
}
