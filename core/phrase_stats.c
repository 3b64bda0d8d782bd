/* Phrase statistics (phrase_stats.h). */
#include "phrase_stats.h"

#include <math.h>

#include "groove.h"
#include "tokens.h"

#define DRUM_KICK 1  /* token bit of class 0 */
#define DRUM_SNARE 2 /* token bit of class 1 */

enum { ECHO_NONE, ECHO_RHYTHM, ECHO_MELODY };

/* How bar y plays bar x again: its rhythm (note-ons on the same steps), or
 * its melody as it was or transposed (also the pitches one interval apart). */
static int bar_echo(const int32_t *x, const int32_t *y, int steps_per_bar)
{
    int shift = 0, onsets = 0, same_shift = 1;
    for (int t = 0; t < steps_per_bar; t++) {
        const int on_x = x[t] >= 2, on_y = y[t] >= 2;
        if (on_x != on_y) return ECHO_NONE;
        if (!on_x) continue;
        if (onsets++ && y[t] - x[t] != shift) same_shift = 0;
        shift = y[t] - x[t];
    }
    if (!onsets) return ECHO_NONE;
    return same_shift ? ECHO_MELODY : ECHO_RHYTHM;
}

/* Mean note-on token of a bar (its mean pitch, offset), or -1 without one. */
static double bar_mean_pitch(const int32_t *bar, int steps_per_bar)
{
    double sum = 0;
    int n = 0;
    for (int t = 0; t < steps_per_bar; t++)
        if (bar[t] >= 2) {
            sum += bar[t];
            n++;
        }
    return n ? sum / n : -1;
}

/* The phrase's structure: which bars echo an earlier one, and how far its
 * bars' mean pitches travel (the contour span, in semitones). */
static void add_melody_structure(phrase_stats *s, const int32_t *tokens, int n_bars,
                                 int steps_per_bar)
{
    double lo = 0, hi = 0;
    int voiced = 0;
    for (int b = 0; b < n_bars; b++) {
        const int32_t *bar = tokens + b * steps_per_bar;
        const double mean = bar_mean_pitch(bar, steps_per_bar);
        if (mean < 0) continue;
        if (!voiced || mean < lo) lo = mean;
        if (!voiced || mean > hi) hi = mean;
        voiced++;
        if (b == 0) continue;
        s->later_bars++;
        int echo = ECHO_NONE;
        for (int a = 0; a < b && echo != ECHO_MELODY; a++) {
            const int e = bar_echo(tokens + a * steps_per_bar, bar, steps_per_bar);
            echo = e > echo ? e : echo;
        }
        s->echo_bars += echo == ECHO_MELODY;
        s->rhythm_echo_bars += echo != ECHO_NONE;
    }
    if (voiced) s->contour_sum += hi - lo;
}

static void add_melody(phrase_stats *s, const int32_t *tokens, int n)
{
    uint8_t seen[MV_MAX_SIZE / 8] = {0}; /* bit per class */
    int notes = 0, distinct = 0, lo = 0, hi = 0, prev = -1, run = 0, longest = 0;
    for (int t = 0; t < n; t++) {
        const int tok = tokens[t];
        if (tok < 2 || tok >= MV_MAX_SIZE) continue;
        if (!(seen[tok / 8] >> (tok % 8) & 1)) {
            seen[tok / 8] |= (uint8_t)(1 << (tok % 8));
            distinct++;
        }
        if (!notes || tok < lo) lo = tok;
        if (!notes || tok > hi) hi = tok;
        if (prev >= 0) {
            s->intervals++;
            s->repeated += tok == prev;
        }
        run = tok == prev ? run + 1 : 1;
        if (run > longest) longest = run;
        prev = tok;
        notes++;
    }
    s->notes += notes;
    if (!notes) {
        s->empty++;
        return;
    }
    s->distinct_sum += distinct;
    s->range_sum += hi - lo;
    s->monotonous += distinct <= PHRASE_MONOTONOUS_PITCHES || longest >= PHRASE_MONOTONOUS_RUN;
}

static int hits_at(int32_t token)
{
    int n = 0;
    for (int c = 0; c < MV_DRUM_CLASSES; c++) n += token >> c & 1;
    return n;
}

static void add_drums(phrase_stats *s, const int32_t *tokens, int n_bars, int steps_per_bar)
{
    const int n = n_bars * steps_per_bar;
    long hits = 0;
    for (int t = 0; t < n; t++) hits += hits_at(tokens[t]);
    s->hits += hits;
    s->bars += n_bars;
    s->empty += hits == 0;
    if (steps_per_bar % 4 == 0) {
        const int beat = steps_per_bar / 4;
        int kick = 0, snare = 0;
        for (int b = 0; b < n_bars; b++) {
            const int32_t *bar = tokens + b * steps_per_bar;
            kick |= (bar[0] & DRUM_KICK) != 0;
            snare |= (bar[beat] & DRUM_SNARE) && (bar[3 * beat] & DRUM_SNARE);
        }
        s->beat_phrases++;
        s->kick_one += kick;
        s->snare_two_four += snare;
    }
    for (int t = steps_per_bar; t < n; t++) {
        s->steps_compared++;
        s->steps_repeated += tokens[t] == tokens[t - steps_per_bar];
    }
}

void phrase_stats_add(phrase_stats *s, const mv_hparams *hp, const int32_t *tokens)
{
    s->phrases++;
    if (hp->repr == MV_REPR_MELODY) {
        add_melody(s, tokens, (int)hparams_seq_len(hp));
        add_melody_structure(s, tokens, (int)hp->n_bars, (int)hp->steps_per_bar);
    }
    else if (hp->repr == MV_REPR_DRUMS)
        add_drums(s, tokens, (int)hp->n_bars, (int)hp->steps_per_bar);
}

void phrase_stats_add_window(phrase_stats *s, const mv_hparams *hp, const void *window)
{
    if (hp->repr == MV_REPR_ROLL) {
        phrase_stats_add_roll(s, hp, window);
    } else if (hp->repr == MV_REPR_GROOVE) {
        int32_t tokens[MV_MAX_STEPS];
        groove_hit_tokens(window, (int)hparams_seq_len(hp), tokens);
        s->phrases++;
        add_drums(s, tokens, (int)hp->n_bars, (int)hp->steps_per_bar);
    } else {
        phrase_stats_add(s, hp, window);
    }
}

static double ratio(long a, long b)
{
    return b ? (double)a / (double)b : NAN;
}

void phrase_stats_add_roll(phrase_stats *s, const mv_hparams *hp, const uint8_t *roll)
{
    const int T = (int)hparams_seq_len(hp), P = (int)hp->n_classes / 2;
    int notes = 0, lo = P, hi = -1;
    for (int t = 0; t < T; t++) {
        const uint8_t *row = roll + (size_t)t * 2 * P;
        int sounding = 0;
        for (int p = 0; p < P; p++) {
            sounding += row[p];
            if (!row[P + p]) continue;
            notes++;
            lo = p < lo ? p : lo;
            hi = p > hi ? p : hi;
        }
        s->sounding_steps += sounding > 0;
        s->sounding_pitches += sounding;
    }
    s->phrases++;
    s->bars += hp->n_bars;
    s->notes += notes;
    s->empty += notes == 0;
    if (notes) s->range_sum += hi - lo;
}

phrase_figures phrase_stats_figures(const phrase_stats *s)
{
    const long voiced = s->phrases - s->empty;
    return (phrase_figures){
        .empty = ratio(s->empty, s->phrases),
        .notes_per_phrase = ratio(s->notes, s->phrases),
        .monotonous = ratio(s->monotonous, s->phrases),
        .repeated_intervals = ratio(s->repeated, s->intervals),
        .distinct = ratio(s->distinct_sum, voiced),
        .range = ratio(s->range_sum, voiced),
        .bar_echoes = ratio(s->echo_bars, s->later_bars),
        .rhythm_echoes = ratio(s->rhythm_echo_bars, s->later_bars),
        .contour = voiced ? s->contour_sum / (double)voiced : NAN,
        .hits_per_bar = ratio(s->hits, s->bars),
        .kick_one = ratio(s->kick_one, s->beat_phrases),
        .snare_two_four = ratio(s->snare_two_four, s->beat_phrases),
        .bar_repetition = ratio(s->steps_repeated, s->steps_compared),
        .notes_per_bar = ratio(s->notes, s->bars),
        .polyphony = ratio(s->sounding_pitches, s->sounding_steps),
    };
}

double onset_f1(double hits, double misses, double false_alarms)
{
    const double wrong = misses + false_alarms;
    return hits > 0 || wrong > 0 ? 2.0 * hits / (2.0 * hits + wrong) : 1.0;
}
