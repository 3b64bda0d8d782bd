/* Whether a window is a varied phrase (phrase_variety.h). */
#include "phrase_variety.h"

#include <string.h>

#include "groove.h"
#include "phrase_stats.h"

/* A groove window judged by its hits alone, as the drum window it holds (bit
 * i of a step's token: instrument i hit), so that a groove file and a drum
 * file give the same anchor. */
typedef struct groove_as_drums {
    mv_hparams hp;
    int32_t tokens[MV_MAX_STEPS];
} groove_as_drums;

static void groove_hits(const mv_hparams *hp, const uint8_t *steps, groove_as_drums *out)
{
    out->hp = *hp;
    out->hp.repr = MV_REPR_DRUMS;
    out->hp.n_classes = 512;
    groove_hit_tokens(steps, (int)hparams_seq_len(hp), out->tokens);
}

/* The longest run of successive note-ons on one pitch (melody tokens). */
static int longest_onset_run(const int32_t *tokens, int n)
{
    int prev = -1, run = 0, longest = 0;
    for (int t = 0; t < n; t++) {
        if (tokens[t] < 2) continue;
        run = tokens[t] == prev ? run + 1 : 1;
        if (run > longest) longest = run;
        prev = tokens[t];
    }
    return longest;
}

/* What makes a piano roll harmonically varied. */
typedef struct roll_harmony {
    int chord_steps; /* steps with at least VARIED_ROLL_MIN_VOICES pitches sounding */
    int chords;      /* different sets of pitches sounding where a note of a chord starts */
    int notes;       /* onsets */
} roll_harmony;

static int bits_set(const uint8_t *bits, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++) count += bits[i];
    return count;
}

/* Whether a step sounds a chord that is struck there (a note of it starts). */
static int struck_chord(const uint8_t *step, int n_pitches)
{
    return bits_set(step, n_pitches) >= VARIED_ROLL_MIN_VOICES && bits_set(step + n_pitches, n_pitches);
}

static roll_harmony harmony_of(const mv_hparams *hp, const uint8_t *roll)
{
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, P = K / 2;
    roll_harmony h = {0};
    for (int t = 0; t < T; t++) {
        const uint8_t *step = roll + (size_t)t * K;
        h.notes += bits_set(step + P, P);
        h.chord_steps += bits_set(step, P) >= VARIED_ROLL_MIN_VOICES;
        if (!struck_chord(step, P)) continue;
        int seen = 0; /* the same chord was struck before */
        for (int u = 0; u < t && !seen; u++) {
            const uint8_t *earlier = roll + (size_t)u * K;
            seen = struck_chord(earlier, P) && !memcmp(earlier, step, P);
        }
        h.chords += !seen;
    }
    return h;
}

int phrase_is_varied(const mv_hparams *hp, const void *window)
{
    if (hp->repr == MV_REPR_GROOVE) {
        groove_as_drums d;
        groove_hits(hp, window, &d);
        return phrase_is_varied(&d.hp, d.tokens);
    }
    if (hp->repr == MV_REPR_ROLL) {
        roll_harmony h = harmony_of(hp, window);
        return h.chord_steps >= VARIED_ROLL_CHORD_SHARE * hparams_seq_len(hp) &&
               h.chords >= VARIED_ROLL_MIN_CHORDS &&
               h.notes >= VARIED_ROLL_MIN_NOTES_PER_BAR * (int)hp->n_bars;
    }
    phrase_stats s = {0};
    phrase_stats_add(&s, hp, window);
    if (s.empty) return 0;
    const int n = (int)hparams_seq_len(hp);
    if (hp->repr == MV_REPR_MELODY)
        return s.distinct_sum >= VARIED_MIN_PITCHES && s.notes >= VARIED_MIN_NOTES &&
               longest_onset_run(window, n) < VARIED_MAX_RUN;
    return s.kick_one && s.snare_two_four && s.hits >= (long)VARIED_MIN_HITS_PER_BAR * s.bars;
}

long phrase_variety(const mv_hparams *hp, const void *window)
{
    if (hp->repr == MV_REPR_GROOVE) {
        groove_as_drums d;
        groove_hits(hp, window, &d);
        return phrase_variety(&d.hp, d.tokens);
    }
    if (hp->repr == MV_REPR_ROLL) {
        roll_harmony h = harmony_of(hp, window);
        return h.chords * 1000L + h.notes;
    }
    phrase_stats s = {0};
    phrase_stats_add(&s, hp, window);
    return hp->repr == MV_REPR_MELODY ? s.distinct_sum * 1000 + s.notes : s.hits;
}

int anchor_window_offer(mv_anchor_window *w, const void *window, uint32_t bar)
{
    const int varied = phrase_is_varied(w->hp, window);
    if (varied || !w->found) {
        memcpy(w->out, window, w->bytes);
        w->bar = bar;
    }
    w->found = 1;
    return varied;
}
