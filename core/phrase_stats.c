/* Phrase statistics (phrase_stats.h). */
#include "phrase_stats.h"

#include <math.h>

#include "tokens.h"

#define DRUM_KICK 1  /* token bit of class 0 */
#define DRUM_SNARE 2 /* token bit of class 1 */

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
    if (hp->repr == MV_REPR_MELODY) add_melody(s, tokens, (int)hparams_seq_len(hp));
    else if (hp->repr == MV_REPR_DRUMS)
        add_drums(s, tokens, (int)hp->n_bars, (int)hp->steps_per_bar);
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
        .hits_per_bar = ratio(s->hits, s->bars),
        .kick_one = ratio(s->kick_one, s->beat_phrases),
        .snare_two_four = ratio(s->snare_two_four, s->beat_phrases),
        .bar_repetition = ratio(s->steps_repeated, s->steps_compared),
        .notes_per_bar = ratio(s->notes, s->bars),
        .polyphony = ratio(s->sounding_pitches, s->sounding_steps),
    };
}
