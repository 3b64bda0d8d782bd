/* Statistics of phrases (one phrase = one model window, n_bars bars), the
 * figures by which docs/model-diagnosis.md compares real, sampled and
 * reconstructed material: how many notes, how monotonous, how varied in pitch
 * (melody); how dense, how anchored on the beat, how repetitive (drums); how
 * many notes per bar, how many at once, how wide (piano roll).
 * Counts are summed over phrases; phrase_figures turns them into the table. */
#ifndef MV_PHRASE_STATS_H
#define MV_PHRASE_STATS_H

#include <stdint.h>

#include "hparams.h"

#define PHRASE_MONOTONOUS_PITCHES 2 /* a phrase with at most this many pitches */
#define PHRASE_MONOTONOUS_RUN 6     /* or a run of this many onsets on one pitch */

typedef struct phrase_stats {
    long phrases, empty; /* empty: no onset / no hit */
    /* melody */
    long notes;                   /* note-ons */
    long monotonous;              /* non-empty phrases that are monotonous (above) */
    long intervals, repeated;     /* successive note-ons in a phrase; of them, same pitch */
    long distinct_sum, range_sum; /* over non-empty phrases: distinct pitches, max - min */
    long later_bars;  /* bars after the first with a note-on */
    long echo_bars;   /* of them, playing an earlier bar of the phrase again, as it was or
                       * transposed (note-ons on the same steps, one interval apart) */
    long rhythm_echo_bars; /* of them, with an earlier bar's note-on steps (echoes too) */
    double contour_sum; /* over non-empty phrases: highest - lowest bar mean pitch */
    /* drums */
    long hits, bars;        /* hits of all instruments, bars */
    long beat_phrases;      /* phrases whose bar divides into 4 beats on the grid */
    long kick_one;          /* of them, with a kick on beat 1 of some bar */
    long snare_two_four;    /* of them, with a snare on beats 2 and 4 of some bar */
    long steps_compared, steps_repeated; /* bar b > 0, step s: equal to bar b - 1, step s */
    /* piano roll (also notes, bars, range_sum and empty) */
    long sounding_steps;  /* steps where some pitch sounds */
    long sounding_pitches; /* summed over those steps: pitches sounding */
} phrase_stats;

/* The table's figures; NaN where the count they divide by is 0. */
typedef struct phrase_figures {
    double empty;                /* share of phrases */
    double notes_per_phrase;     /* mean over all phrases */
    double monotonous;           /* share of all phrases */
    double repeated_intervals;   /* share of all intervals */
    double distinct, range;      /* means over non-empty phrases (range in semitones) */
    double bar_echoes;           /* melody: share of later bars echoing an earlier one */
    double rhythm_echoes;        /* melody: share of later bars with an earlier one's rhythm */
    double contour;              /* melody: mean contour span over non-empty phrases (st) */
    double hits_per_bar;         /* mean over all bars */
    double kick_one, snare_two_four; /* shares of beat_phrases */
    double bar_repetition;       /* share of compared steps */
    double notes_per_bar;        /* roll: onsets per bar, over all bars */
    double polyphony;            /* roll: mean pitches sounding per sounding step */
} phrase_figures;

/* Adds one phrase of hparams_seq_len(hp) tokens (melody or drums). */
void phrase_stats_add(phrase_stats *s, const mv_hparams *hp, const int32_t *tokens);
/* Adds one piano-roll phrase of hparams_seq_len(hp) steps (core/tokens.h). */
void phrase_stats_add_roll(phrase_stats *s, const mv_hparams *hp, const uint8_t *roll);
/* Adds one phrase of hp's representation, whatever it is: a groove
 * window counts as the drum tokens of its hits (core/groove.h). */
void phrase_stats_add_window(phrase_stats *s, const mv_hparams *hp, const void *window);
phrase_figures phrase_stats_figures(const phrase_stats *s);

/* The F1 score of predicted cells (onsets, or sounding cells) against the
 * true ones, from the counts: hits (in both), misses (true only) and false
 * alarms (predicted only): 2 hits / (2 hits + misses + false alarms). The one
 * convention of the project: with no cell in either (all counts 0) the
 * prediction is exact and F1 is 1, never NaN. */
double onset_f1(double hits, double misses, double false_alarms);

#endif
