/* morphvae spread: how far a groove model's velocities and offsets miss the
 * drummers' on held-out windows, stored in the model (MV_META_OUTPUT_SD), so
 * that sampling draws each hit's velocity and timing around the model's value
 * with that spread (core/decoder.h, decoder_set_output_sd). The loss is a
 * squared error, i.e. the outputs are the means of Gaussians: their means
 * alone vary less than a drummer does (prior velocity sd 15-23 against the
 * data's 33-37 in the first groove models). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "corpus.h"
#include "gen_model.h"
#include "groove.h"
#include "meta_rewrite.h"
#include "tokens.h"

#define SPREAD_BATCH 64
#define SPREAD_DEFAULT_MAX 2048
#define K MV_GROOVE_STEP_BYTES
#define V MV_GROOVE_VOICES

typedef struct spread_args {
    const char *model, *corpus;
    int split;
    long max;
} spread_args;

static int usage(FILE *f, int status)
{
    fprintf(f,
            "usage: morphvae spread MODEL.mvae CORPUS.bin [--split valid|train|test] [--max N]\n"
            "Groove models: encodes up to N windows of the split (default valid, %d) to mu,\n"
            "predicts each step teacher-forced and measures, per instrument, the root-mean-\n"
            "square error of the velocity and the offset of the true hits; stores them in\n"
            "the model (key \"%s\"). Sampling at temperature T > 0 (sample, interpolate,\n"
            "the plugin) then draws each hit's velocity and offset around the model's\n"
            "value with sd sqrt(T) x that error, as a drummer varies; greedy decoding and\n"
            "eval's teacher-forced figures do not change. Run it again after training.\n",
            SPREAD_DEFAULT_MAX, MV_META_OUTPUT_SD);
    return status;
}

static int parse(int argc, char **argv, spread_args *a)
{
    const char *cmd = "spread";
    static const char *const value_options[] = {"--split", "--max", NULL};
    *a = (spread_args){NULL, NULL, MV_SPLIT_VALID, SPREAD_DEFAULT_MAX};
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout, 0);
            return -1;
        }
        const char *v;
        if (!strcmp(argv[i], "--split")) {
            if (!(v = cli_option_value(cmd, value_options, argc, argv, &i))) return 2;
            if (!strcmp(v, "train")) a->split = MV_SPLIT_TRAIN;
            else if (!strcmp(v, "valid")) a->split = MV_SPLIT_VALID;
            else if (!strcmp(v, "test")) a->split = MV_SPLIT_TEST;
            else return cli_misuse(cmd, "--split '%s': train, valid or test", v);
        } else if (!strcmp(argv[i], "--max")) {
            if (!(v = cli_option_value(cmd, value_options, argc, argv, &i))) return 2;
            if (cli_long(cmd, "--max", v, 1, 1L << 30, &a->max)) return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_unknown_option(cmd, argv[i]);
        } else if (!a->model) {
            a->model = argv[i];
        } else if (!a->corpus) {
            a->corpus = argv[i];
        } else {
            return cli_extra_argument(cmd, argv[i]);
        }
    }
    if (!a->model) return cli_required(cmd, "MODEL");
    if (!a->corpus) return cli_required(cmd, "CORPUS");
    return 0;
}

static float sigmoidf(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* Adds the squared errors of one teacher-forced step's hits. */
static void add_step(const float *logits, const uint8_t *truth, double *sq, long *n)
{
    for (int i = 0; i < V; i++) {
        if (!truth[MV_GROOVE_HIT + i]) continue;
        const double v = 127.0 * sigmoidf(logits[MV_GROOVE_VELOCITY + i]);
        const double o = 0.5 * tanh((double)logits[MV_GROOVE_OFFSET + i]);
        const double dv = v - truth[MV_GROOVE_VELOCITY + i];
        const double dof = o - groove_offset_steps(truth, i);
        sq[MV_GROOVE_VELOCITY + i] += dv * dv;
        sq[MV_GROOVE_OFFSET + i] += dof * dof;
        n[i]++;
    }
}

/* output_sd [K] over the first `want` windows spread across the split. */
static int measure(mv_gen_model *g, const mv_corpus *c, int split, uint64_t want,
                   float *output_sd)
{
    const int T = g->seq_len;
    const size_t window = (size_t)T * K;
    uint8_t *truth = malloc(SPREAD_BATCH * window);
    float *logits = malloc(sizeof(float) * SPREAD_BATCH * window);
    double sq[K] = {0};
    long n[V] = {0};
    if (!truth || !logits) {
        free(truth);
        free(logits);
        return -1;
    }
    const uint64_t have = corpus_count(c, split);
    for (uint64_t i = 0; i < want; i += SPREAD_BATCH) {
        const int B = want - i < SPREAD_BATCH ? (int)(want - i) : SPREAD_BATCH;
        for (int b = 0; b < B; b++)
            memcpy(truth + b * window, corpus_byte_window(c, split, (i + b) * have / want),
                   window);
        decoder_encode(g->decoder, window_groove(truth), B, g->mu, g->sigma);
        decoder_logits(g->decoder, g->mu, window_groove(truth), B, logits);
        for (size_t s = 0; s < (size_t)B * T; s++) add_step(logits + s * K, truth + s * K, sq, n);
    }
    for (int k = 0; k < K; k++) output_sd[k] = 0;
    for (int i = 0; i < V; i++) {
        if (!n[i]) continue;
        output_sd[MV_GROOVE_VELOCITY + i] = (float)sqrt(sq[MV_GROOVE_VELOCITY + i] / n[i]);
        output_sd[MV_GROOVE_OFFSET + i] = (float)sqrt(sq[MV_GROOVE_OFFSET + i] / n[i]);
    }
    free(truth);
    free(logits);
    return 0;
}

static void print_table(const float *output_sd, const char *path)
{
    printf("spread of %s (rms error of the true hits' velocity and offset, teacher-forced):\n"
           "  instrument   velocity  offset (steps)\n",
           path);
    for (int i = 0; i < V; i++)
        printf("  %-11s  %8.1f  %14.3f\n", drum_class_name(i),
               output_sd[MV_GROOVE_VELOCITY + i], output_sd[MV_GROOVE_OFFSET + i]);
}

int cmd_spread(int argc, char **argv)
{
    spread_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    char err[1024];
    mv_gen_model g;
    mv_corpus *c = NULL;
    if (gen_model_open(&g, a.model, SPREAD_BATCH, err, sizeof err)) {
        fprintf(stderr, "morphvae spread: %s\n", err);
        return 1;
    }
    rc = 1;
    if (g.hp.repr != MV_REPR_GROOVE) {
        fprintf(stderr, "morphvae spread: %s: a %s model; spread is for groove models (its "
                        "velocities and offsets)\n", a.model, repr_name(g.hp.repr));
    } else if (corpus_open(a.corpus, &c, err, sizeof err) ||
               !corpus_fits_model(c, a.model, &g.hp, err, sizeof err)) {
        fprintf(stderr, "morphvae spread: %s\n", err);
    } else if (!corpus_count(c, a.split)) {
        fprintf(stderr, "morphvae spread: %s: the split has no windows\n", a.corpus);
    } else {
        float output_sd[K];
        const uint64_t have = corpus_count(c, a.split);
        const uint64_t want = have < (uint64_t)a.max ? have : (uint64_t)a.max;
        const mv_meta entry = {.key = MV_META_OUTPUT_SD, .type = MV_META_F32, .count = K,
                               .data = output_sd};
        if (measure(&g, c, a.split, want, output_sd)) {
            fprintf(stderr, "morphvae spread: out of memory\n");
        } else if (meta_rewrite(a.model, g.weights, MV_META_OUTPUT_SD, &entry, 1, err,
                                sizeof err)) {
            fprintf(stderr, "morphvae spread: %s\n", err);
        } else {
            print_table(output_sd, a.model);
            cli_wrote(a.model, "%llu windows", (unsigned long long)want);
            rc = 0;
        }
    }
    if (c) corpus_close(c);
    gen_model_close(&g);
    return rc;
}
