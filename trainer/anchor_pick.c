/* Default anchors chosen by criterion (anchor_pick.h). */
#include "anchor_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phrase_stats.h"
#include "phrase_variety.h"

#define PICK_BATCH 64

static int better(mv_gen_model *g, const mv_corpus *c, int split, const uint64_t *cand,
                  const double *score, size_t i, long j)
{
    if (j < 0 || score[i] != score[j]) return j < 0 || score[i] > score[j];
    return phrase_variety(&g->hp, corpus_window_steps(c, split, cand[i])) >
           phrase_variety(&g->hp, corpus_window_steps(c, split, cand[j]));
}

/* Share of the steps of two windows that differ in any way. */
static double differing_share(const mv_gen_model *g, const void *a, const void *b)
{
    const size_t step_bytes = g->window_bytes / (size_t)g->seq_len;
    int d = 0;
    for (int t = 0; t < g->seq_len; t++)
        d += memcmp((const char *)a + t * step_bytes, (const char *)b + t * step_bytes,
                    step_bytes) != 0;
    return (double)d / g->seq_len;
}

/* F1 of the onset bits of a predicted roll against the true one (onset_f1). */
static double roll_onset_f1(const mv_hparams *hp, const uint8_t *truth, const uint8_t *pred)
{
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, P = K / 2;
    long hits = 0, misses = 0, false_alarms = 0;
    for (int t = 0; t < T; t++)
        for (int p = P; p < K; p++) {
            const size_t at = (size_t)t * K + p;
            hits += truth[at] && pred[at];
            misses += truth[at] && !pred[at];
            false_alarms += !truth[at] && pred[at];
        }
    return onset_f1((double)hits, (double)misses, (double)false_alarms);
}

/* How well greedy decoding from mu gives a window back. */
static double reconstruction_score(const mv_gen_model *g, const void *truth, const void *pred)
{
    if (g->hp.repr == MV_REPR_ROLL) return roll_onset_f1(&g->hp, truth, pred);
    return 1 - differing_share(g, truth, pred);
}

/* The reconstruction score of each candidate window, in batches. */
static int score_candidates(mv_gen_model *g, const mv_corpus *c, int split,
                            const uint64_t *cand, size_t n, double *score)
{
    const size_t W = g->window_bytes;
    uint8_t *in = malloc(W * PICK_BATCH), *out = malloc(W * PICK_BATCH);
    float *mu = malloc(sizeof *mu * (size_t)PICK_BATCH * g->z_size);
    if (!in || !out || !mu) {
        free(in), free(out), free(mu);
        return -1;
    }
    for (size_t i0 = 0; i0 < n; i0 += PICK_BATCH) {
        const int b = n - i0 < PICK_BATCH ? (int)(n - i0) : PICK_BATCH;
        for (int k = 0; k < b; k++)
            memcpy(in + k * W, corpus_window_steps(c, split, cand[i0 + k]), W);
        gen_encode(g, in, b, mu, NULL);
        gen_decode(g, mu, b, 0, 0, out);
        for (int k = 0; k < b; k++) score[i0 + k] = reconstruction_score(g, in + k * W, out + k * W);
    }
    free(in), free(out), free(mu);
    return 0;
}

static void describe(const mv_corpus *c, int split, uint64_t w, double score, anchor_choice *a)
{
    uint32_t bar = 0;
    int32_t transpose = 0;
    const char *src = corpus_window_source(c, split, w, &bar, &transpose);
    a->window = w;
    a->data = corpus_window_steps(c, split, w);
    a->score = score;
    snprintf(a->source, sizeof a->source, "%s, bar %u", src ? src : "?", bar + 1);
}

int anchor_pick(mv_gen_model *g, const mv_corpus *c, int split, const char *corpus_path,
                anchor_choice out[2], char *err, size_t errlen)
{
    if (!corpus_fits_model(c, corpus_path, &g->hp, err, errlen)) return -1;
    const uint64_t n = corpus_count(c, split);
    uint64_t *cand = malloc(sizeof *cand * (n ? n : 1));
    double *score = malloc(sizeof *score * (n ? n : 1));
    size_t nc = 0;
    int rc = -1;
    if (!cand || !score) {
        snprintf(err, errlen, "%s: out of memory", corpus_path);
        goto done;
    }
    for (uint64_t w = 0; w < n; w++) {
        uint32_t bar;
        int32_t transpose;
        corpus_window_source(c, split, w, &bar, &transpose);
        if (!transpose && phrase_is_varied(&g->hp, corpus_window_steps(c, split, w)))
            cand[nc++] = w;
    }
    if (nc < 2 || score_candidates(g, c, split, cand, nc, score)) {
        snprintf(err, errlen, "%s: %zu of %llu windows meet the anchor criterion; need two",
                 corpus_path, nc, (unsigned long long)n);
        goto done;
    }
    size_t best = 0;
    for (size_t i = 1; i < nc; i++)
        if (better(g, c, split, cand, score, i, (long)best)) best = i;
    describe(c, split, cand[best], score[best], &out[0]);
    uint32_t bar;
    int32_t tr;
    const char *src_a = corpus_window_source(c, split, cand[best], &bar, &tr);
    long second = -1;
    for (size_t i = 0; i < nc; i++) {
        const char *src = corpus_window_source(c, split, cand[i], &bar, &tr);
        if (i == best || (src && src_a && !strcmp(src, src_a))) continue;
        if (differing_share(g, out[0].data, corpus_window_steps(c, split, cand[i])) <
            ANCHOR_MIN_DIFFERENT_STEPS)
            continue;
        if (better(g, c, split, cand, score, i, second)) second = (long)i;
    }
    if (second < 0) {
        snprintf(err, errlen, "%s: no second anchor from another file differs from the first",
                 corpus_path);
        goto done;
    }
    describe(c, split, cand[second], score[second], &out[1]);
    printf("%zu of %llu windows meet the anchor criterion; best greedy reconstruction from mu "
           "(%s): A %.3f, B %.3f\n",
           nc, (unsigned long long)n, g->hp.repr == MV_REPR_ROLL ? "onset F1" : "accuracy",
           out[0].score, out[1].score);
    rc = 0;
done:
    free(cand);
    free(score);
    return rc;
}
