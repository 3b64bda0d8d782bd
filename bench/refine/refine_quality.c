/* What latent refinement (core/refine.h) buys on a corpus split: for windows
 * of the split, greedy decoding from the encoder's mu against decoding from
 * refined z at several step counts (token accuracy, note-onset or hit-step
 * accuracy, exact windows, mean |z|, time), and morphs between pairs of
 * those anchors (how many in-between phrases are empty, single-pitch or
 * monotonous: phrase_stats.h).
 *
 * Usage: refine_quality MODEL.mvae CORPUS.bin [--split test] [--max 300]
 *        [--steps 25,50,100] [--lr 0.05] [--prior 0.001] [--between 6] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "corpus.h"
#include "decoder.h"
#include "eval_score.h"
#include "latent.h"
#include "model.h"
#include "phrase_stats.h"
#include "refine.h"
#include "weights.h"

#define MAX_SETTINGS 9 /* mu and up to 8 step counts */

typedef struct options {
    const char *model_path, *corpus_path;
    int split, max_windows, between;
    int n_settings, steps[MAX_SETTINGS]; /* steps[0] = 0: mu */
    float lr, prior;
} options;

/* One way of choosing anchors: mu (0 steps) or refinement with a step count. */
typedef struct setting {
    int steps;
    float *z; /* [windows][Z] */
    eval_score score;
    double norm_sum, ms_sum;
    long steps_taken, improved, kept;
    phrase_stats between;
    long single_pitch; /* in-between melody phrases with notes of one pitch only */
} setting;

static int usage(void)
{
    fprintf(stderr, "usage: refine_quality MODEL.mvae CORPUS.bin [--split test|valid|train]\n"
                    "       [--max 300] [--steps 25,50,100] [--lr 0.05] [--prior 0.001]\n"
                    "       [--between 6]\n");
    return 2;
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.split = MV_SPLIT_TEST, .max_windows = 300, .between = 6,
                   .n_settings = 4, .steps = {0, 25, 50, 100},
                   .lr = MV_REFINE_DEFAULT_LR, .prior = MV_REFINE_DEFAULT_PRIOR};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') {
            if (!o->model_path) o->model_path = a;
            else if (!o->corpus_path) o->corpus_path = a;
            else return usage();
            continue;
        }
        if (!v) return usage();
        i++;
        if (!strcmp(a, "--split")) {
            o->split = !strcmp(v, "test") ? MV_SPLIT_TEST : !strcmp(v, "valid") ? MV_SPLIT_VALID
                     : !strcmp(v, "train") ? MV_SPLIT_TRAIN : -1;
            if (o->split < 0) return usage();
        } else if (!strcmp(a, "--max")) {
            o->max_windows = atoi(v);
        } else if (!strcmp(a, "--between")) {
            o->between = atoi(v);
        } else if (!strcmp(a, "--lr")) {
            o->lr = strtof(v, NULL);
        } else if (!strcmp(a, "--prior")) {
            o->prior = strtof(v, NULL);
        } else if (!strcmp(a, "--steps")) {
            o->n_settings = 1;
            for (char *p = (char *)v; *p && o->n_settings < MAX_SETTINGS;) {
                char *end;
                long n = strtol(p, &end, 10);
                if (end == p || n < 1 || n > MV_REFINE_MAX_STEPS) return usage();
                o->steps[o->n_settings++] = (int)n;
                p = *end == ',' ? end + 1 : end;
                if (*end && *end != ',') return usage();
            }
        } else {
            return usage();
        }
    }
    if (!o->model_path || !o->corpus_path || o->max_windows < 2 || o->between < 1 ||
        !(o->lr > 0) || !(o->prior >= 0))
        return usage();
    return 0;
}

static double norm(const float *z, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)z[i] * z[i];
    return sqrt(s);
}

/* Anchors of every window for setting s, scored by greedy decoding. */
static void anchors(const options *o, mv_refine *r, mv_decoder *d, const mv_hparams *hp,
                    const int32_t *windows, int n, setting *s)
{
    const int T = (int)hparams_seq_len(hp), Z = (int)hp->z_size;
    int32_t *pred = malloc(sizeof(int32_t) * T);
    mv_refine_options ro = {s->steps, o->lr, o->prior};
    for (int w = 0; w < n; w++) {
        const int32_t *truth = windows + (size_t)w * T;
        float *z = s->z + (size_t)w * Z;
        mv_refine_report rep;
        const double t0 = bench_now_ms();
        refine_window(r, window_tokens(truth), &ro, z, NULL, &rep);
        s->ms_sum += bench_now_ms() - t0;
        s->steps_taken += rep.steps;
        s->improved += rep.correct > rep.correct_start;
        s->kept += rep.kept_start;
        s->norm_sum += norm(z, Z);
        decoder_decode(d, z, 1, 0, NULL, window_tokens(pred));
        eval_score_add(&s->score, hp->repr, truth, pred, 1, T, (int)hparams_musical_bar(hp));
    }
    free(pred);
}

/* Whether a melody phrase has notes and all of them on one pitch. */
static int single_pitch(const int32_t *tokens, int T)
{
    int32_t pitch = -1;
    for (int t = 0; t < T; t++) {
        if (tokens[t] < 2) continue;
        if (pitch >= 0 && tokens[t] != pitch) return 0;
        pitch = tokens[t];
    }
    return pitch >= 0;
}

/* Morphs between window k and window k + n/2 (apart in the split, so mostly
 * from different songs): the `between` phrases strictly inside, slerp. */
static void morphs(const options *o, mv_decoder *d, const mv_hparams *hp, int n, setting *s)
{
    const int T = (int)hparams_seq_len(hp), Z = (int)hp->z_size, half = n / 2;
    float *z = malloc(sizeof(float) * Z);
    int32_t *tokens = malloc(sizeof(int32_t) * T);
    for (int k = 0; k < half; k++)
        for (int j = 1; j <= o->between; j++) {
            const float t = (float)j / (float)(o->between + 1);
            latent_slerp(s->z + (size_t)k * Z, s->z + (size_t)(k + half) * Z, t, Z, z);
            decoder_decode(d, z, 1, 0, NULL, window_tokens(tokens));
            phrase_stats_add(&s->between, hp, tokens);
            if (hp->repr == MV_REPR_MELODY) s->single_pitch += single_pitch(tokens, T);
        }
    free(z);
    free(tokens);
}

static void print_report(const options *o, const mv_hparams *hp, const setting *set, int n,
                         uint64_t split_windows)
{
    const int melody = hp->repr == MV_REPR_MELODY;
    printf("%s on %s, %d of %llu windows of the %s split; lr %g, prior %g\n", o->model_path,
           o->corpus_path, n, (unsigned long long)split_windows,
           o->split == MV_SPLIT_TEST ? "test" : o->split == MV_SPLIT_VALID ? "valid" : "train",
           (double)o->lr, (double)o->prior);
    printf("\n| anchor | greedy accuracy | %s | exact windows | mean |z| | improved / kept mu "
           "| mean steps | ms per window |\n|---|---|---|---|---|---|---|---|\n",
           melody ? "onset accuracy" : "accuracy on hit steps");
    for (int i = 0; i < o->n_settings; i++) {
        const setting *s = &set[i];
        const eval_score *sc = &s->score;
        char name[32];
        if (s->steps) snprintf(name, sizeof name, "refined, %d steps", s->steps);
        else snprintf(name, sizeof name, "mu");
        const double onset = melody ? eval_ratio(sc->kind_correct[EVAL_NOTE_ON],
                                                 sc->kind_steps[EVAL_NOTE_ON])
                                    : eval_ratio(sc->hit_steps_correct, sc->hit_steps);
        printf("| %s | %.3f | %.3f | %.1f %% | %.1f | %ld / %ld | %.1f | %.0f |\n", name,
               eval_ratio(sc->correct, sc->steps), onset, 100 * eval_ratio(sc->exact, sc->windows),
               s->norm_sum / n, s->improved, s->kept, (double)s->steps_taken / n, s->ms_sum / n);
    }
    printf("\nmorphs between %d pairs of these anchors (window k to window k + %d), %d phrases "
           "strictly between each pair, slerp, greedy:\n\n",
           n / 2, n / 2, o->between);
    if (melody)
        printf("| anchors | phrases | empty | single-pitch | monotonous (<= %d pitches or a run of "
               ">= %d onsets on one) | notes per phrase | distinct pitches |\n"
               "|---|---|---|---|---|---|---|\n",
               PHRASE_MONOTONOUS_PITCHES, PHRASE_MONOTONOUS_RUN);
    else
        printf("| anchors | phrases | empty | hits per bar |\n|---|---|---|---|\n");
    for (int i = 0; i < o->n_settings; i++) {
        const setting *s = &set[i];
        const phrase_figures f = phrase_stats_figures(&s->between);
        char name[32];
        if (s->steps) snprintf(name, sizeof name, "refined, %d steps", s->steps);
        else snprintf(name, sizeof name, "mu");
        if (melody)
            printf("| %s | %ld | %ld | %ld | %ld | %.1f | %.1f |\n", name, s->between.phrases,
                   s->between.empty, s->single_pitch, s->between.monotonous, f.notes_per_phrase,
                   f.distinct);
        else
            printf("| %s | %ld | %ld | %.1f |\n", name, s->between.phrases, s->between.empty,
                   f.hits_per_bar);
    }
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o)) return 2;
    char err[512];
    mv_weights *w = NULL;
    mv_corpus *c = NULL;
    mv_model m;
    if (weights_read(o.model_path, &w, err, sizeof err) ||
        model_bind_weights(&m, w, err, sizeof err) ||
        corpus_open(o.corpus_path, &c, err, sizeof err)) {
        fprintf(stderr, "refine_quality: %s\n", err);
        return 1;
    }
    const mv_hparams *hp = &m.hp;
    const int T = (int)hparams_seq_len(hp), Z = (int)hp->z_size;
    if (corpus_repr(c) != hp->repr || corpus_seq_len(c) != (uint32_t)T ||
        corpus_n_classes(c) != hp->n_classes) {
        fprintf(stderr, "refine_quality: %s does not hold windows of %s's shape\n", o.corpus_path,
                o.model_path);
        return 1;
    }
    const uint64_t split_n = corpus_count(c, o.split);
    const int n = split_n < (uint64_t)o.max_windows ? (int)split_n : o.max_windows;
    mv_decoder *d = decoder_create(&m, 1);
    mv_refine *r = refine_create(d);
    int32_t *windows = malloc(sizeof(int32_t) * (size_t)n * T);
    setting set[MAX_SETTINGS] = {0};
    if (n < 2 || !r || !d || !windows) {
        fprintf(stderr, "refine_quality: %s\n", n < 2 ? "fewer than 2 windows in the split"
                                                      : "out of memory, or not a token model");
        return 1;
    }
    for (int i = 0; i < n; i++)
        memcpy(windows + (size_t)i * T, corpus_window(c, o.split, (uint64_t)i * split_n / n),
               sizeof(int32_t) * T);
    for (int i = 0; i < o.n_settings; i++) {
        set[i].steps = o.steps[i];
        set[i].z = malloc(sizeof(float) * (size_t)n * Z);
        if (!set[i].z) {
            fprintf(stderr, "refine_quality: out of memory\n");
            return 1;
        }
        anchors(&o, r, d, hp, windows, n, &set[i]);
        morphs(&o, d, hp, n, &set[i]);
        fprintf(stderr, "refine_quality: %s done\n", i ? "a step count" : "mu");
    }
    print_report(&o, hp, set, n, split_n);
    for (int i = 0; i < o.n_settings; i++) free(set[i].z);
    free(windows);
    refine_free(r);
    decoder_free(d);
    corpus_close(c);
    weights_free(w);
    return 0;
}
