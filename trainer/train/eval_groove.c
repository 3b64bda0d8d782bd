/* morphvae eval on a groove model (eval_groove.h). Predictions are made the
 * way core decodes (repr_groove.c): a hit where its logit is > 0, its velocity
 * and offset from the outputs, rounded to the step's bytes; teacher-forced
 * from the true steps, greedy from mu feeding back its own. */
#include "eval_groove.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decoder.h"
#include "eval_latent.h"
#include "gen_model.h"
#include "groove.h"
#include "groove_feel.h"
#include "groove_score.h"
#include "json_fields.h"
#include "phrase_stats.h"
#include "repr.h"

#define GROOVE_EVAL_BATCH 64
#define GROOVE_PRIOR_SEED 11
#define V MV_GROOVE_VOICES
#define K MV_GROOVE_STEP_BYTES

enum groove_predictor { BY_TEACHER, BY_GREEDY, PREDICTORS };
static const char *const predictor_names[PREDICTORS] = {"tf", "greedy"};
static const char *const voice_names[V] = {"kick",    "snare",   "closed_hat",
                                           "open_hat", "low_tom", "mid_tom",
                                           "high_tom", "crash",   "ride"};

typedef struct groove_eval {
    const mv_hparams *hp;
    mv_decoder *d;
    int T, Z;
    uint8_t *truth, *pred[PREDICTORS], *prior; /* [B, T, K] each */
    float *mu, *sigma, *z, *logits, *probs;    /* [B, Z] x 3, [B, T, K] x 2 */
    mv_rng *rngs;
    double recon;
    long windows;
    eval_latent posterior; /* KL of the encoder's posterior */
    groove_hit_count score[PREDICTORS][V];
    groove_feel data_feel, prior_feel;
    int spread; /* prior samples drawn with the model's output_sd */
    phrase_stats data_stats, prior_stats;
} groove_eval;

static int groove_eval_init(groove_eval *e, const mv_model *m)
{
    memset(e, 0, sizeof *e);
    e->hp = &m->hp;
    e->T = (int)hparams_seq_len(e->hp);
    e->Z = (int)e->hp->z_size;
    const size_t cells = (size_t)GROOVE_EVAL_BATCH * e->T * K, BZ = (size_t)GROOVE_EVAL_BATCH * e->Z;
    e->d = decoder_create(m, GROOVE_EVAL_BATCH);
    e->truth = malloc(cells);
    e->prior = malloc(cells);
    int ok = e->d && e->truth && e->prior;
    for (int p = 0; p < PREDICTORS; p++) ok = ok && (e->pred[p] = malloc(cells));
    e->mu = malloc(sizeof(float) * BZ);
    e->sigma = malloc(sizeof(float) * BZ);
    e->z = malloc(sizeof(float) * BZ);
    e->logits = malloc(sizeof(float) * cells);
    e->probs = malloc(sizeof(float) * cells);
    e->rngs = malloc(sizeof(mv_rng) * GROOVE_EVAL_BATCH);
    ok = ok && !eval_latent_init(&e->posterior, e->Z);
    return ok && e->mu && e->sigma && e->z && e->logits && e->probs && e->rngs ? 0
                                                                                           : -1;
}

static void groove_eval_free(groove_eval *e)
{
    decoder_free(e->d);
    free(e->truth);
    free(e->prior);
    for (int p = 0; p < PREDICTORS; p++) free(e->pred[p]);
    free(e->mu), free(e->sigma), free(e->z), free(e->logits), free(e->probs), free(e->rngs);
    eval_latent_free(&e->posterior);
}

/* A phrase: its hits' statistics (as drums) and their feel. */
static void add_phrase(groove_eval *e, phrase_stats *s, groove_feel *f, const uint8_t *steps)
{
    groove_feel_add(f, steps, e->T);
    phrase_stats_add_window(s, e->hp, steps);
}

/* Teacher-forced steps: each decoded from its logits as greedy decoding does. */
static void teacher_forced(groove_eval *e, int B)
{
    const mv_repr_io *io = repr_io_of(MV_REPR_GROOVE);
    decoder_logits(e->d, e->mu, window_groove(e->truth), B, e->logits);
    for (int i = 0; i < B * e->T; i++)
        io->sample(e->logits + (size_t)i * K, K, 0.0f, NULL, NULL,
                   e->pred[BY_TEACHER] + (size_t)i * K, NULL);
}

static void recon_loss(groove_eval *e, int B)
{
    const mv_repr_io *io = repr_io_of(MV_REPR_GROOVE);
    int correct;
    e->recon += io->loss(e->logits, e->probs, e->truth, B * e->T, K, &correct);
}

/* Prior samples at `sample`'s temperature for groove models; sample i of the run draws z and
 * its hits from streams seeded by its index, whatever the batch. */
static void sample_prior(groove_eval *e, int B)
{
    for (int b = 0; b < B; b++) {
        mv_rng r;
        rng_seed(&r, (uint64_t)GROOVE_PRIOR_SEED << 32 | (uint64_t)(e->windows + b));
        for (int j = 0; j < e->Z; j++) e->z[(size_t)b * e->Z + j] = rng_normal(&r);
        e->rngs[b] = r;
    }
    decoder_decode(e->d, e->z, B, GROOVE_DEFAULT_TEMPERATURE, e->rngs, window_groove(e->prior));
    for (int b = 0; b < B; b++)
        add_phrase(e, &e->prior_stats, &e->prior_feel, e->prior + (size_t)b * e->T * K);
}

static void eval_batch(groove_eval *e, int B)
{
    const size_t window = (size_t)e->T * K;
    decoder_encode(e->d, window_groove(e->truth), B, e->mu, e->sigma);
    eval_latent_add(&e->posterior, e->mu, e->sigma, B);
    teacher_forced(e, B);
    recon_loss(e, B);
    decoder_decode(e->d, e->mu, B, 0, NULL, window_groove(e->pred[BY_GREEDY]));
    for (int p = 0; p < PREDICTORS; p++)
        for (int i = 0; i < B * e->T; i++)
            groove_score_step(e->score[p], e->truth + (size_t)i * K, e->pred[p] + (size_t)i * K);
    for (int b = 0; b < B; b++) add_phrase(e, &e->data_stats, &e->data_feel, e->truth + b * window);
    sample_prior(e, B);
    e->windows += B;
}

/* ---- figures ---- */

/* All instruments together (index V) or one: velocity mean and sd, |offset|
 * mean, offset sd. */
static void feel_figures(const groove_feel *f, int i, double out[4])
{
    const groove_feel_figures g = groove_feel_of(f, i);
    out[0] = g.velocity_mean;
    out[1] = g.velocity_sd;
    out[2] = g.abs_offset_mean;
    out[3] = g.offset_sd;
}

static void print_text(const eval_split_options *o, const groove_eval *e, uint64_t split_windows)
{
    const double n = (double)e->windows;
    printf("model %s on %s, %s split, %.0f of %llu windows of %d steps, z = mu\n", o->model_path,
           o->corpus_path, o->split_name, n, (unsigned long long)split_windows, e->T);
    printf("recon   %.4f nats/sequence (hits' cross-entropy + squared errors of velocity and "
           "offset)\n",
           e->recon / n);
    printf("KL      %.4f nats/sequence\n", eval_latent_mean_kl(&e->posterior));
    printf("active latent dimensions %d of %d (mean KL over windows > %.1f nats)\n",
           eval_latent_active(&e->posterior), e->Z, EVAL_ACTIVE_KL);
    const groove_hit_count tf = groove_score_total(e->score[BY_TEACHER]),
                           g = groove_score_total(e->score[BY_GREEDY]);
    printf("hit F1 teacher-forced   %.4f (hits of every instrument on every step)\n", groove_score_f1(&tf));
    printf("hit F1 sampled          %.4f (greedy from z)\n", groove_score_f1(&g));
    printf("velocity MAE teacher-forced %.2f, sampled %.2f (MIDI velocity, hits both have)\n",
           groove_score_velocity_mae(&tf), groove_score_velocity_mae(&g));
    printf("offset MAE teacher-forced   %.4f, sampled %.4f (steps, hits both have)\n",
           groove_score_offset_mae(&tf), groove_score_offset_mae(&g));
    printf("\n  hits per instrument  %7s  %9s  %9s  %9s  %9s\n", "hits", "recall", "precision",
           "recall", "precision");
    printf("  %-19s  %7s  %20s  %20s\n", "", "", "teacher-forced", "greedy");
    for (int i = 0; i < V; i++) {
        const groove_hit_count *t = &e->score[BY_TEACHER][i], *s = &e->score[BY_GREEDY][i];
        printf("  %-19s  %7ld  %9.3f  %9.3f  %9.3f  %9.3f\n", voice_names[i], t->hits + t->misses,
               groove_score_recall(t), groove_score_precision(t), groove_score_recall(s),
               groove_score_precision(s));
    }
    printf("\n  feel (hits)          velocity mean / sd       |offset| mean, offset sd (steps)\n");
    printf("  %-19s  %11s  %11s  %15s  %15s\n", "", "data", "prior", "data", "prior");
    for (int i = 0; i <= V; i++) {
        double d[4], p[4];
        feel_figures(&e->data_feel, i, d);
        feel_figures(&e->prior_feel, i, p);
        printf("  %-19s  %5.1f %5.1f  %5.1f %5.1f  %7.3f %7.3f  %7.3f %7.3f\n",
               i == V ? "all" : voice_names[i], d[0], d[1], p[0], p[1], d[2], d[3], p[2], p[3]);
    }
    const phrase_figures fd = phrase_stats_figures(&e->data_stats),
                         fp = phrase_stats_figures(&e->prior_stats);
    printf("\n  phrases              hits/bar  kick on 1  snare on 2 and 4\n");
    printf("  %-19s  %8.2f  %9.3f  %16.3f\n", "data", fd.hits_per_bar, fd.kick_one,
           fd.snare_two_four);
    printf("  prior, T %.1f          %8.2f  %9.3f  %16.3f\n", GROOVE_DEFAULT_TEMPERATURE,
           fp.hits_per_bar, fp.kick_one, fp.snare_two_four);
    printf("  (prior velocities and offsets %s)\n",
           e->spread ? "drawn with the model's spread (morphvae spread)"
                     : "the model's means: it has no spread stored (morphvae spread)");
}

static void print_json(const eval_split_options *o, const groove_eval *e, uint64_t split_windows)
{
    const double n = (double)e->windows;
    int first = 1;
    char key[64];
    printf("{");
    json_eval_source(o->model_path, o->corpus_path, o->split_name, n, (double)split_windows,
                     &first);
    json_number("recon", e->recon / n, &first);
    json_number("kl", eval_latent_mean_kl(&e->posterior), &first);
    json_number("active_dims", eval_latent_active(&e->posterior), &first);
    json_number("z_size", e->Z, &first);
    for (int p = 0; p < PREDICTORS; p++) {
        const groove_hit_count t = groove_score_total(e->score[p]);
        snprintf(key, sizeof key, "hit_f1_%s", predictor_names[p]);
        json_number(key, groove_score_f1(&t), &first);
        snprintf(key, sizeof key, "velocity_mae_%s", predictor_names[p]);
        json_number(key, groove_score_velocity_mae(&t), &first);
        snprintf(key, sizeof key, "offset_mae_%s", predictor_names[p]);
        json_number(key, groove_score_offset_mae(&t), &first);
        for (int i = 0; i < V; i++) {
            snprintf(key, sizeof key, "recall_%s_%s", voice_names[i], predictor_names[p]);
            json_number(key, groove_score_recall(&e->score[p][i]), &first);
            snprintf(key, sizeof key, "precision_%s_%s", voice_names[i], predictor_names[p]);
            json_number(key, groove_score_precision(&e->score[p][i]), &first);
        }
    }
    const char *who[2] = {"data", "prior"};
    const groove_feel *feel[2] = {&e->data_feel, &e->prior_feel};
    for (int w = 0; w < 2; w++)
        for (int i = 0; i <= V; i++) {
            double f[4];
            feel_figures(feel[w], i, f);
            const char *name = i == V ? "all" : voice_names[i];
            const char *what[4] = {"velocity_mean", "velocity_sd", "abs_offset_mean", "offset_sd"};
            for (int k = 0; k < 4; k++) {
                snprintf(key, sizeof key, "%s_%s_%s", what[k], name, who[w]);
                json_number(key, f[k], &first);
            }
        }
    const phrase_figures fd = phrase_stats_figures(&e->data_stats),
                         fp = phrase_stats_figures(&e->prior_stats);
    json_number("kick_one_data", fd.kick_one, &first);
    json_number("kick_one_prior", fp.kick_one, &first);
    json_number("hits_per_bar_data", fd.hits_per_bar, &first);
    json_number("hits_per_bar_prior", fp.hits_per_bar, &first);
    json_number("prior_spread", e->spread, &first);
    printf("}\n");
}

int eval_groove(const eval_split_options *o, const mv_model *m, const float *output_sd,
                const mv_corpus *c)
{
    uint64_t n, want;
    if (eval_split_windows(o, c, &n, &want)) return 1;
    groove_eval e;
    if (groove_eval_init(&e, m)) {
        fprintf(stderr, "morphvae eval: out of memory\n");
        groove_eval_free(&e);
        return 1;
    }
    decoder_set_output_sd(e.d, output_sd); /* the prior's draws; greedy never spreads */
    e.spread = output_sd != NULL;
    const size_t window = (size_t)e.T * K;
    cli_progress progress;
    cli_progress_start(&progress, "eval", "windows", want, false);
    for (uint64_t i = 0; i < want; i += GROOVE_EVAL_BATCH) {
        const int B = want - i < GROOVE_EVAL_BATCH ? (int)(want - i) : GROOVE_EVAL_BATCH;
        for (int b = 0; b < B; b++)
            memcpy(e.truth + b * window, corpus_byte_window(c, o->split, (i + b) * n / want),
                   window);
        eval_batch(&e, B);
        cli_progress_update(&progress, i + (uint64_t)B);
    }
    cli_progress_done(&progress);
    if (o->json) print_json(o, &e, n);
    else print_text(o, &e, n);
    groove_eval_free(&e);
    return 0;
}
