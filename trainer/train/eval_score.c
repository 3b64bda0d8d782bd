/* Scoring predicted tokens against the true windows (eval_score.h). */
#include "eval_score.h"

#include <math.h>

#include "hparams.h"

static int melody_kind(int32_t token)
{
    return token >= EVAL_NOTE_ON ? EVAL_NOTE_ON : token == MV_MELODY_NOTE_OFF ? EVAL_NOTE_OFF
                                                                                : EVAL_HOLD;
}

static void score_melody_window(eval_score *s, const int32_t *truth, const int32_t *pred,
                                int seq_len)
{
    int32_t last_on = -1; /* the previous true note-on in this window */
    for (int t = 0; t < seq_len; t++) {
        const int kind = melody_kind(truth[t]), right = pred[t] == truth[t];
        s->kind_steps[kind]++;
        s->kind_correct[kind] += right;
        if (kind != EVAL_NOTE_ON) continue;
        s->onset_placed += pred[t] >= EVAL_NOTE_ON;
        if (last_on >= 0 && truth[t] != last_on) {
            s->change_steps++;
            s->change_correct += right;
            s->change_missed_repeat += !right && pred[t] == last_on;
        }
        last_on = truth[t];
    }
}

static void score_drum_window(eval_score *s, const int32_t *truth, const int32_t *pred,
                              int seq_len)
{
    for (int t = 0; t < seq_len; t++) {
        for (int c = 0; c < MV_DRUM_CLASSES; c++) {
            const int in_truth = truth[t] >> c & 1, in_pred = pred[t] >> c & 1;
            s->hits_true[c] += in_truth;
            s->hits_pred[c] += in_pred;
            s->hits_both[c] += in_truth && in_pred;
        }
        if (truth[t] != 0) {
            s->hit_steps++;
            s->hit_steps_correct += pred[t] == truth[t];
        }
    }
}

/* The step's event: a melody note-on, a drum step with hits. */
static int is_event(uint32_t repr, int32_t token)
{
    return repr == MV_REPR_MELODY ? token >= EVAL_NOTE_ON : repr == MV_REPR_DRUMS && token != 0;
}

static void score_bars(eval_score *s, uint32_t repr, const int32_t *truth, const int32_t *pred,
                       int seq_len, int bar_steps)
{
    for (int t = 0; t < seq_len && t / bar_steps < EVAL_MAX_BARS; t++) {
        const int bar = t / bar_steps, right = pred[t] == truth[t];
        s->bar_steps[bar]++;
        s->bar_correct[bar] += right;
        if (!is_event(repr, truth[t])) continue;
        s->bar_onsets[bar]++;
        s->bar_onsets_correct[bar] += right;
    }
}

void eval_score_add(eval_score *s, uint32_t repr, const int32_t *truth, const int32_t *pred,
                    int n, int seq_len, int bar_steps)
{
    for (int w = 0; w < n; w++) {
        const int32_t *x = truth + (size_t)w * seq_len, *y = pred + (size_t)w * seq_len;
        int right = 0;
        for (int t = 0; t < seq_len; t++) right += x[t] == y[t];
        score_bars(s, repr, x, y, seq_len, bar_steps);
        s->steps += seq_len;
        s->correct += right;
        s->windows++;
        s->exact += right == seq_len;
        if (repr == MV_REPR_MELODY) score_melody_window(s, x, y, seq_len);
        else if (repr == MV_REPR_DRUMS) score_drum_window(s, x, y, seq_len);
    }
}

void eval_count_classes(uint64_t *count, int n_classes, const int32_t *tokens, int n_tokens)
{
    for (int i = 0; i < n_tokens; i++)
        if (tokens[i] >= 0 && tokens[i] < n_classes) count[tokens[i]]++;
}

int32_t eval_most_common_class(const uint64_t *count, int n_classes)
{
    int32_t best = 0;
    for (int k = 1; k < n_classes; k++)
        if (count[k] > count[best]) best = k;
    return best;
}

void eval_repeat_previous(const int32_t *truth, int n, int seq_len, int32_t first,
                          int32_t *pred)
{
    for (int w = 0; w < n; w++)
        for (int t = 0; t < seq_len; t++) {
            const size_t i = (size_t)w * seq_len + t;
            pred[i] = t ? truth[i - 1] : first;
        }
}

double eval_ratio(long a, long b)
{
    return b ? (double)a / (double)b : NAN;
}
