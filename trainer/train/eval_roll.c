/* morphvae eval on a piano-roll model (eval_roll.h). A cell is a (step, pitch)
 * pair; an onset cell is one whose "starts" bit is set. Predictions are made
 * the way core decodes: bits where the logit is > 0, each step normalised
 * against the step before it (core/tokens.h). The windows are decoded from
 * the encoder's mu, or with --refine from z refined from it (core/refine.h),
 * as the plugin and the CLI take anchors from notes. */
#include "eval_roll.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decoder.h"
#include "eval_latent.h"
#include "json_fields.h"
#include "phrase_stats.h"
#include "refine.h"
#include "tokens.h"

#define ROLL_EVAL_BATCH 64
#define ROLL_PRIOR_SEED 7

enum roll_predictor { BY_TEACHER, BY_GREEDY, BY_REPEAT, PREDICTORS };
static const char *const predictor_names[PREDICTORS] = {"tf", "greedy", "repeat"};

/* Prior samples are decoded at these temperatures. */
static const float prior_temperatures[] = {0.0f, 0.5f, 1.0f};
#define N_PRIOR_T (int)(sizeof prior_temperatures / sizeof prior_temperatures[0])

typedef struct cell_count {
    long hits, false_alarms, misses;
} cell_count;

typedef struct roll_score {
    cell_count onsets, sounding;
    long windows, exact;
} roll_score;

typedef struct roll_eval {
    const mv_hparams *hp;
    mv_decoder *d;
    int T, K, P, Z;
    uint8_t *truth, *pred[PREDICTORS], *prior; /* [B, T, K] each */
    float *mu, *sigma, *z, *logits;            /* [B, Z] x 3, [B, T, K] */
    float *latent;                             /* [B, Z] decoded from: mu or refined */
    mv_refine *refine;                         /* with --refine */
    mv_refine_options refine_options;
    cli_progress progress; /* windows done, updated window by window when refining */
    mv_rng *rngs;                              /* [B] */
    double bce;                                /* summed over windows */
    eval_latent posterior; /* KL of the encoder's posterior */
    long done;                                 /* windows so far: prior sample seeds */
    roll_score score[PREDICTORS];
    phrase_stats data, recon, prior_stats[N_PRIOR_T];
} roll_eval;

static int roll_eval_init(roll_eval *e, const mv_model *m, long refine_steps)
{
    memset(e, 0, sizeof *e);
    e->hp = &m->hp;
    e->T = (int)hparams_seq_len(e->hp);
    e->K = (int)e->hp->n_classes;
    e->P = e->K / 2;
    e->Z = (int)e->hp->z_size;
    const size_t cells = (size_t)ROLL_EVAL_BATCH * e->T * e->K, BZ = (size_t)ROLL_EVAL_BATCH * e->Z;
    e->d = decoder_create(m, ROLL_EVAL_BATCH);
    e->truth = malloc(cells);
    e->prior = malloc(cells);
    int ok = e->d && e->truth && e->prior;
    for (int p = 0; p < PREDICTORS; p++) ok = ok && (e->pred[p] = malloc(cells));
    e->mu = malloc(sizeof(float) * BZ);
    e->sigma = malloc(sizeof(float) * BZ);
    e->z = malloc(sizeof(float) * BZ);
    e->logits = malloc(sizeof(float) * cells);
    e->rngs = malloc(sizeof(mv_rng) * ROLL_EVAL_BATCH);
    ok = ok && !eval_latent_init(&e->posterior, e->Z);
    e->latent = malloc(sizeof(float) * BZ);
    e->refine_options = refine_defaults();
    e->refine_options.steps = (int)refine_steps;
    if (refine_steps) ok = ok && (e->refine = refine_create(e->d));
    return ok && e->mu && e->sigma && e->z && e->logits && e->rngs && e->latent
               ? 0
               : -1;
}

static void roll_eval_free(roll_eval *e)
{
    refine_free(e->refine); /* before the decoder whose matrices it borrows */
    decoder_free(e->d);
    free(e->truth);
    free(e->prior);
    for (int p = 0; p < PREDICTORS; p++) free(e->pred[p]);
    free(e->mu);
    free(e->sigma);
    free(e->z);
    free(e->logits);
    free(e->rngs);
    eval_latent_free(&e->posterior);
    free(e->latent);
}

static void count_cell(cell_count *c, int truth, int pred)
{
    c->hits += truth && pred;
    c->false_alarms += !truth && pred;
    c->misses += truth && !pred;
}

static void score_add(const roll_eval *e, roll_score *s, const uint8_t *pred, int B)
{
    const size_t window = (size_t)e->T * e->K;
    for (int b = 0; b < B; b++) {
        const uint8_t *t = e->truth + b * window, *p = pred + b * window;
        for (int step = 0; step < e->T; step++)
            for (int k = 0; k < e->P; k++) {
                const size_t at = (size_t)step * e->K + (size_t)k;
                count_cell(&s->sounding, t[at], p[at]);
                count_cell(&s->onsets, t[at + e->P], p[at + e->P]);
            }
        s->windows++;
        s->exact += memcmp(t, p, window) == 0;
    }
}

/* Teacher-forced predictions, each step normalised against the true step before
 * it, and the summed sigmoid cross-entropy of the truth. */
static void teacher_forced(roll_eval *e, int B)
{
    decoder_logits(e->d, e->latent, window_roll(e->truth), B, e->logits);
    for (int i = 0; i < B * e->T; i++) {
        const float *x = e->logits + (size_t)i * e->K;
        const uint8_t *y = e->truth + (size_t)i * e->K;
        uint8_t *pred = e->pred[BY_TEACHER] + (size_t)i * e->K;
        for (int k = 0; k < e->K; k++) {
            const double v = x[k];
            e->bce += (v > 0 ? v : 0) - v * y[k] + log1p(exp(-fabs(v)));
            pred[k] = x[k] > 0;
        }
        roll_step_normalise(pred, i % e->T ? y - e->K : NULL, e->P);
    }
}

/* The baseline: every step repeats the true step before it (silence first). */
static void repeat_previous(roll_eval *e, int B)
{
    const size_t K = (size_t)e->K;
    for (int i = 0; i < B * e->T; i++) {
        uint8_t *pred = e->pred[BY_REPEAT] + (size_t)i * K;
        if (i % e->T) memcpy(pred, e->truth + (size_t)(i - 1) * K, K);
        else memset(pred, 0, K);
    }
}

/* B samples of the prior at each temperature; sample i of the run draws z and
 * its bits from streams seeded by its index, whatever the batch. */
static void sample_prior(roll_eval *e, int B)
{
    for (int ti = 0; ti < N_PRIOR_T; ti++) {
        for (int b = 0; b < B; b++) {
            mv_rng r;
            rng_seed(&r, (uint64_t)ROLL_PRIOR_SEED << 32 | (uint64_t)(e->done + b));
            for (int j = 0; j < e->Z; j++) e->z[(size_t)b * e->Z + j] = rng_normal(&r);
            e->rngs[b] = r;
        }
        decoder_decode(e->d, e->z, B, prior_temperatures[ti], e->rngs, window_roll(e->prior));
        for (int b = 0; b < B; b++)
            phrase_stats_add_roll(&e->prior_stats[ti], e->hp, e->prior + (size_t)b * e->T * e->K);
    }
}

static void eval_batch(roll_eval *e, int B)
{
    const size_t window = (size_t)e->T * e->K;
    decoder_encode(e->d, window_roll(e->truth), B, e->mu, e->sigma);
    eval_latent_add(&e->posterior, e->mu, e->sigma, B);
    memcpy(e->latent, e->mu, sizeof(float) * (size_t)B * e->Z);
    for (int b = 0; e->refine && b < B; b++) {
        refine_latent(e->refine, window_roll(e->truth + b * window), e->mu + (size_t)b * e->Z,
                      &e->refine_options, e->latent + (size_t)b * e->Z, NULL);
        cli_progress_update(&e->progress, (uint64_t)e->done + (uint64_t)b + 1);
    }
    teacher_forced(e, B);
    decoder_decode(e->d, e->latent, B, 0, NULL, window_roll(e->pred[BY_GREEDY]));
    repeat_previous(e, B);
    for (int p = 0; p < PREDICTORS; p++) score_add(e, &e->score[p], e->pred[p], B);
    for (int b = 0; b < B; b++) {
        phrase_stats_add_roll(&e->data, e->hp, e->truth + b * window);
        phrase_stats_add_roll(&e->recon, e->hp, e->pred[BY_GREEDY] + b * window);
    }
    sample_prior(e, B);
    e->done += B;
    cli_progress_update(&e->progress, (uint64_t)e->done);
}

/* ---- figures ---- */

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

static double precision(const cell_count *c)
{
    return ratio((double)c->hits, (double)(c->hits + c->false_alarms));
}

static double recall(const cell_count *c)
{
    return ratio((double)c->hits, (double)(c->hits + c->misses));
}

static double f1(const cell_count *c)
{
    return onset_f1((double)c->hits, (double)c->misses, (double)c->false_alarms);
}

/* ---- text report ---- */

static void print_value(double v)
{
    if (isnan(v)) printf("  %9s", "-");
    else printf("  %9.4f", v);
}

static void print_row(const roll_eval *e, const char *label, int onsets,
                      double (*figure)(const cell_count *))
{
    printf("  %-30s", label);
    for (int p = 0; p < PREDICTORS; p++)
        print_value(figure(onsets ? &e->score[p].onsets : &e->score[p].sounding));
    printf("\n");
}

static void print_stats_row(const char *label, const phrase_stats *s)
{
    const phrase_figures f = phrase_stats_figures(s);
    printf("  %-30s %7ld", label, s->phrases);
    print_value(f.notes_per_bar);
    print_value(f.polyphony);
    print_value(f.range);
    print_value(f.empty);
    printf("\n");
}

static void print_text(const eval_split_options *o, const roll_eval *e, uint64_t split_windows)
{
    const roll_score *t = &e->score[BY_TEACHER], *g = &e->score[BY_GREEDY];
    const double n = (double)t->windows, recon = e->bce / n, kl = eval_latent_mean_kl(&e->posterior);
    char z_is[64] = "z = mu";
    if (o->refine_steps)
        snprintf(z_is, sizeof z_is, "z = mu refined (at most %ld steps)", o->refine_steps);
    printf("model %s on %s, %s split, %ld of %llu windows of %d steps x %d pitches from %u, "
           "%s\n",
           o->model_path, o->corpus_path, o->split_name, t->windows,
           (unsigned long long)split_windows, e->T, e->P, e->hp->min_pitch, z_is);
    printf("onset F1 teacher-forced %.4f\n", f1(&t->onsets));
    printf("onset F1 sampled        %.4f (greedy from z, feeding back its own steps)\n",
           f1(&g->onsets));
    printf("recon   %.4f nats/sequence (sigmoid CE summed over steps and outputs)\n", recon);
    printf("KL      %.4f nats/sequence (%.2f bits)\n", kl, kl / log(2.0));
    printf("ELBO    %.4f nats/sequence\n", -(recon + kl));
    printf("active latent dimensions %d of %d (mean KL over windows > %.1f nats)\n",
           eval_latent_active(&e->posterior), e->Z, EVAL_ACTIVE_KL);
    printf("\n  %-30s  %9s  %9s  %9s\n", "(step, pitch) cells", "teacher-f", "greedy",
           "repeat");
    print_row(e, "onset precision", 1, precision);
    print_row(e, "onset recall", 1, recall);
    print_row(e, "onset F1", 1, f1);
    print_row(e, "sounding precision", 0, precision);
    print_row(e, "sounding recall", 0, recall);
    print_row(e, "sounding F1", 0, f1);
    printf("  %-30s", "windows reproduced exactly");
    for (int p = 0; p < PREDICTORS; p++)
        print_value(ratio((double)e->score[p].exact, (double)e->score[p].windows));
    printf("\n\n  %-30s %7s  %9s  %9s  %9s  %9s\n", "phrase statistics", "phrases",
           "notes/bar", "polyphony", "range", "empty");
    print_stats_row("data", &e->data);
    print_stats_row("reconstructions (greedy)", &e->recon);
    for (int ti = 0; ti < N_PRIOR_T; ti++) {
        char label[48];
        snprintf(label, sizeof label, "prior samples, temperature %.1f", prior_temperatures[ti]);
        print_stats_row(label, &e->prior_stats[ti]);
    }
    printf("  (notes/bar: onsets per bar; polyphony: pitches sounding per step where any "
           "sounds;\n   range: highest minus lowest onset pitch of a phrase, in semitones)\n");
}

/* ---- JSON report ---- */

static void json_stats(const char *name, const phrase_stats *s, int *first)
{
    const phrase_figures f = phrase_stats_figures(s);
    char key[64];
    snprintf(key, sizeof key, "notes_per_bar_%s", name);
    json_number(key, f.notes_per_bar, first);
    snprintf(key, sizeof key, "polyphony_%s", name);
    json_number(key, f.polyphony, first);
    snprintf(key, sizeof key, "range_%s", name);
    json_number(key, f.range, first);
    snprintf(key, sizeof key, "empty_%s", name);
    json_number(key, f.empty, first);
}

static void print_json(const eval_split_options *o, const roll_eval *e, uint64_t split_windows)
{
    const double n = (double)e->score[0].windows, recon = e->bce / n, kl = eval_latent_mean_kl(&e->posterior);
    int first = 1;
    printf("{");
    json_eval_source(o->model_path, o->corpus_path, o->split_name, n, (double)split_windows,
                     &first);
    json_number("recon", recon, &first);
    json_number("kl", kl, &first);
    json_number("elbo", -(recon + kl), &first);
    json_number("active_dims", eval_latent_active(&e->posterior), &first);
    json_number("z_size", e->Z, &first);
    json_number("refine_steps", (double)o->refine_steps, &first);
    char key[64];
    for (int p = 0; p < PREDICTORS; p++) {
        const roll_score *s = &e->score[p];
        const char *who = predictor_names[p];
        snprintf(key, sizeof key, "onset_f1_%s", who);
        json_number(key, f1(&s->onsets), &first);
        snprintf(key, sizeof key, "onset_precision_%s", who);
        json_number(key, precision(&s->onsets), &first);
        snprintf(key, sizeof key, "onset_recall_%s", who);
        json_number(key, recall(&s->onsets), &first);
        snprintf(key, sizeof key, "sounding_f1_%s", who);
        json_number(key, f1(&s->sounding), &first);
        snprintf(key, sizeof key, "exact_%s", who);
        json_number(key, ratio((double)s->exact, (double)s->windows), &first);
    }
    json_stats("data", &e->data, &first);
    json_stats("recon", &e->recon, &first);
    for (int ti = 0; ti < N_PRIOR_T; ti++) {
        snprintf(key, sizeof key, "prior_t%g", prior_temperatures[ti]);
        json_stats(key, &e->prior_stats[ti], &first);
    }
    printf("}\n");
}

int eval_roll(const eval_split_options *o, const mv_model *m, const mv_corpus *c)
{
    uint64_t n, want;
    if (eval_split_windows(o, c, &n, &want)) return 1;
    roll_eval e;
    if (roll_eval_init(&e, m, o->refine_steps)) {
        fprintf(stderr, "morphvae eval: out of memory\n");
        roll_eval_free(&e);
        return 1;
    }
    const size_t window = (size_t)e.T * e.K;
    cli_progress_start(&e.progress, "eval", o->refine_steps ? "windows refined" : "windows",
                       want, false);
    for (uint64_t i = 0; i < want; i += ROLL_EVAL_BATCH) {
        const int B = want - i < ROLL_EVAL_BATCH ? (int)(want - i) : ROLL_EVAL_BATCH;
        for (int b = 0; b < B; b++)
            memcpy(e.truth + b * window, corpus_roll_window(c, o->split, (i + b) * n / want),
                   window);
        eval_batch(&e, B);
    }
    cli_progress_done(&e.progress);
    if (o->json) print_json(o, &e, n);
    else print_text(o, &e, n);
    roll_eval_free(&e);
    return 0;
}
