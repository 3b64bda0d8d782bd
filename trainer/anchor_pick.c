/* Default anchors chosen by criterion (anchor_pick.h). */
#include "anchor_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phrase_stats.h"

#define PICK_BATCH 64

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

int anchor_is_varied(const mv_hparams *hp, const int32_t *tokens)
{
    phrase_stats s = {0};
    phrase_stats_add(&s, hp, tokens);
    if (s.empty) return 0;
    const int n = (int)hparams_seq_len(hp);
    if (hp->repr == MV_REPR_MELODY)
        return s.distinct_sum >= ANCHOR_MIN_PITCHES && s.notes >= ANCHOR_MIN_NOTES &&
               longest_onset_run(tokens, n) < ANCHOR_MAX_RUN;
    return s.kick_one && s.snare_two_four && s.hits >= (long)ANCHOR_MIN_HITS_PER_BAR * s.bars;
}

/* Among equally well reconstructed windows the more varied one: more distinct
 * pitches (melody) or hits (drums), then more notes. */
static long variety(const mv_hparams *hp, const int32_t *tokens)
{
    phrase_stats s = {0};
    phrase_stats_add(&s, hp, tokens);
    return hp->repr == MV_REPR_MELODY ? s.distinct_sum * 1000 + s.notes : s.hits;
}

static int better(mv_gen_model *g, const mv_corpus *c, int split, const uint64_t *cand,
                  const double *acc, size_t i, long j)
{
    if (j < 0 || acc[i] != acc[j]) return j < 0 || acc[i] > acc[j];
    return variety(&g->hp, corpus_window(c, split, cand[i])) >
           variety(&g->hp, corpus_window(c, split, cand[j]));
}

static double differing_share(const int32_t *a, const int32_t *b, int n)
{
    int d = 0;
    for (int t = 0; t < n; t++) d += a[t] != b[t];
    return (double)d / n;
}

/* Greedy accuracy from mu of each candidate window, in batches. */
static int score_candidates(mv_gen_model *g, const mv_corpus *c, int split,
                            const uint64_t *cand, size_t n, double *acc)
{
    const int T = g->seq_len, Z = g->z_size;
    int32_t *in = malloc(sizeof *in * (size_t)PICK_BATCH * T);
    int32_t *out = malloc(sizeof *out * (size_t)PICK_BATCH * T);
    float *mu = malloc(sizeof *mu * (size_t)PICK_BATCH * Z);
    if (!in || !out || !mu) {
        free(in), free(out), free(mu);
        return -1;
    }
    for (size_t i0 = 0; i0 < n; i0 += PICK_BATCH) {
        const int b = n - i0 < PICK_BATCH ? (int)(n - i0) : PICK_BATCH;
        for (int k = 0; k < b; k++)
            memcpy(in + (size_t)k * T, corpus_window(c, split, cand[i0 + k]), sizeof *in * T);
        gen_encode(g, in, b, mu, NULL);
        gen_decode(g, mu, b, 0, 0, out);
        for (int k = 0; k < b; k++)
            acc[i0 + k] = 1 - differing_share(in + (size_t)k * T, out + (size_t)k * T, T);
    }
    free(in), free(out), free(mu);
    return 0;
}

static void describe(const mv_corpus *c, int split, uint64_t w, double acc, anchor_choice *a)
{
    uint32_t bar = 0;
    int32_t transpose = 0;
    const char *src = corpus_window_source(c, split, w, &bar, &transpose);
    a->window = w;
    a->greedy_acc = acc;
    snprintf(a->source, sizeof a->source, "%s, bar %u", src ? src : "?", bar + 1);
}

int anchor_pick(mv_gen_model *g, const mv_corpus *c, int split, const char *corpus_path,
                anchor_choice out[2], char *err, size_t errlen)
{
    const uint64_t n = corpus_count(c, split);
    const int T = g->seq_len;
    uint64_t *cand = malloc(sizeof *cand * (n ? n : 1));
    double *acc = malloc(sizeof *acc * (n ? n : 1));
    size_t nc = 0;
    int rc = -1;
    if (!cand || !acc) {
        snprintf(err, errlen, "%s: out of memory", corpus_path);
        goto done;
    }
    for (uint64_t w = 0; w < n; w++) {
        uint32_t bar;
        int32_t transpose;
        corpus_window_source(c, split, w, &bar, &transpose);
        if (!transpose && anchor_is_varied(&g->hp, corpus_window(c, split, w))) cand[nc++] = w;
    }
    if (nc < 2 || score_candidates(g, c, split, cand, nc, acc)) {
        snprintf(err, errlen, "%s: %zu of %llu windows meet the anchor criterion; need two",
                 corpus_path, nc, (unsigned long long)n);
        goto done;
    }
    size_t best = 0;
    for (size_t i = 1; i < nc; i++)
        if (better(g, c, split, cand, acc, i, (long)best)) best = i;
    describe(c, split, cand[best], acc[best], &out[0]);
    uint32_t bar;
    int32_t tr;
    const char *src_a = corpus_window_source(c, split, cand[best], &bar, &tr);
    const int32_t *win_a = corpus_window(c, split, cand[best]);
    long second = -1;
    for (size_t i = 0; i < nc; i++) {
        const char *src = corpus_window_source(c, split, cand[i], &bar, &tr);
        if (i == best || (src && src_a && !strcmp(src, src_a))) continue;
        if (differing_share(win_a, corpus_window(c, split, cand[i]), T) <
            ANCHOR_MIN_DIFFERENT_STEPS)
            continue;
        if (better(g, c, split, cand, acc, i, second)) second = (long)i;
    }
    if (second < 0) {
        snprintf(err, errlen, "%s: no second anchor from another file differs from the first",
                 corpus_path);
        goto done;
    }
    describe(c, split, cand[second], acc[second], &out[1]);
    printf("%zu of %llu windows meet the anchor criterion; best greedy reconstruction from mu: "
           "A %.3f, B %.3f\n",
           nc, (unsigned long long)n, out[0].greedy_acc, out[1].greedy_acc);
    rc = 0;
done:
    free(cand);
    free(acc);
    return rc;
}
