/* How well a predictor's tokens match the true windows, counted the way
 * docs/model-diagnosis.md reads a model: every step, the melody's note onsets
 * and pitch changes, drum hits per instrument, whole windows. The predictor may
 * be the model (teacher-forced or greedy) or a trivial baseline; all are
 * scored by the same counts so that they compare column by column. */
#ifndef MV_EVAL_SCORE_H
#define MV_EVAL_SCORE_H

#include <stdint.h>

#include "tokens.h"

/* Bars counted one by one (accuracy by bar); steps of later bars are counted
 * in the totals only. 64 bars of 16ths are MV_MAX_STEPS / 4. */
#define EVAL_MAX_BARS 64

/* Melody step kinds, by the true token. */
enum eval_kind { EVAL_HOLD = 0, EVAL_NOTE_OFF = 1, EVAL_NOTE_ON = 2, EVAL_KINDS = 3 };

typedef struct eval_score {
    long steps, correct;
    long windows, exact; /* windows whose every step is right */
    /* melody */
    long kind_steps[EVAL_KINDS], kind_correct[EVAL_KINDS];
    /* note-ons whose pitch differs from the previous note-on's in the window
     * (a window's first note-on has none before it and is not counted) */
    long change_steps, change_correct;
    long change_missed_repeat; /* wrong there, predicting the previous note-on again */
    long onset_placed;         /* note-on steps where the prediction is a note-on */
    /* drums: per instrument (bit of the token), hits in truth, prediction, both */
    long hits_true[MV_DRUM_CLASSES], hits_pred[MV_DRUM_CLASSES], hits_both[MV_DRUM_CLASSES];
    long hit_steps, hit_steps_correct; /* steps whose true token has a hit */
    /* by bar of the window (bar_steps steps each): steps and right ones, and
     * of them the melody's note-ons (drums: steps with hits) */
    long bar_steps[EVAL_MAX_BARS], bar_correct[EVAL_MAX_BARS];
    long bar_onsets[EVAL_MAX_BARS], bar_onsets_correct[EVAL_MAX_BARS];
} eval_score;

/* Adds n windows of seq_len tokens: truth and pred are [n, seq_len], in bars of
 * bar_steps steps (hparams_musical_bar). */
void eval_score_add(eval_score *s, uint32_t repr, const int32_t *truth, const int32_t *pred,
                    int n, int seq_len, int bar_steps);

/* Baselines. count[0..n_classes) tallies tokens (others are ignored);
 * eval_most_common_class is the class counted most (the smallest on a tie). */
void eval_count_classes(uint64_t *count, int n_classes, const int32_t *tokens, int n_tokens);
int32_t eval_most_common_class(const uint64_t *count, int n_classes);
/* pred[t] = truth[t - 1] within each window, and first at t = 0. */
void eval_repeat_previous(const int32_t *truth, int n, int seq_len, int32_t first,
                          int32_t *pred);

/* a / b, NaN when b is 0. */
double eval_ratio(long a, long b);

#endif
