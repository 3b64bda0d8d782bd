/* Opening a model and decoding / encoding any number of sequences through core's
 * decoder, batch by batch. */
#include "gen_model.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sequence_io.h"

int gen_model_open(mv_gen_model *g, const char *path, int max_batch, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->path = path;
    if (weights_read(path, &g->weights, err, errlen)) return -1;
    g->hp = *weights_hparams(g->weights);
    if (model_bind_weights(&g->model, g->weights, err, errlen)) {
        gen_model_close(g);
        return -1;
    }
    g->max_batch = max_batch > 0 ? max_batch : 1;
    g->seq_len = (int)hparams_seq_len(&g->hp);
    g->z_size = (int)g->hp.z_size;
    g->window_bytes = sequence_window_bytes(&g->hp);
    g->decoder = decoder_create(&g->model, g->max_batch);
    g->rngs = malloc(sizeof *g->rngs * g->max_batch);
    g->mu = malloc(sizeof *g->mu * g->max_batch * g->z_size);
    g->sigma = malloc(sizeof *g->sigma * g->max_batch * g->z_size);
    if (!g->decoder || !g->rngs || !g->mu || !g->sigma) {
        snprintf(err, errlen, "%s: out of memory creating a decoder for batch %d", path,
                 g->max_batch);
        gen_model_close(g);
        return -1;
    }
    const float *output_sd;
    if (weights_output_sd(g->weights, path, &output_sd, err, errlen)) {
        gen_model_close(g);
        return -1;
    }
    decoder_set_output_sd(g->decoder, output_sd);
    return 0;
}

void gen_model_close(mv_gen_model *g)
{
    refine_free(g->refine); /* before the decoder whose matrices it borrows */
    if (g->decoder) decoder_free(g->decoder);
    if (g->weights) weights_free(g->weights);
    free(g->rngs);
    free(g->mu);
    free(g->sigma);
    memset(g, 0, sizeof *g);
}

uint64_t gen_sequence_seed(uint64_t seed, uint64_t i)
{
    uint64_t x = seed + 0x9E3779B97F4A7C15ull * (i + 1);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static int batch_from(const mv_gen_model *g, int n, int at)
{
    return n - at < g->max_batch ? n - at : g->max_batch;
}

/* The generators of sequences at..at + batch - 1 of a run seeded with seed, or
 * NULL for greedy decoding. */
static mv_rng *seeded_rngs(mv_gen_model *g, float temperature, uint64_t seed, int at, int batch)
{
    if (temperature <= 0) return NULL;
    for (int b = 0; b < batch; b++) rng_seed(&g->rngs[b], gen_sequence_seed(seed, at + b));
    return g->rngs;
}

/* Copies the encoder outputs of sequences at..at + batch - 1 out of g. */
static void keep_encoding(const mv_gen_model *g, int at, int batch, float *mu, float *sigma)
{
    size_t bytes = sizeof *g->mu * batch * g->z_size;
    if (mu) memcpy(mu + (size_t)at * g->z_size, g->mu, bytes);
    if (sigma) memcpy(sigma + (size_t)at * g->z_size, g->sigma, bytes);
}

void gen_decode(mv_gen_model *g, const float *z, int n, float temperature, uint64_t seed,
                void *windows)
{
    for (int at = 0; at < n; at += g->max_batch) {
        int batch = batch_from(g, n, at);
        decoder_set_chords(g->decoder, g->chords ? g->chords + (size_t)at * g->seq_len : NULL,
                           batch);
        decoder_set_chord_steer(g->decoder, g->chords ? g->chord_steer : 0);
        decoder_decode(g->decoder, z + (size_t)at * g->z_size, batch, temperature,
                       seeded_rngs(g, temperature, seed, at, batch),
                       window_for(g->hp.repr, (char *)windows + (size_t)at * g->window_bytes));
    }
}

void gen_encode(mv_gen_model *g, const void *windows, int n, float *mu, float *sigma)
{
    for (int at = 0; at < n; at += g->max_batch) {
        int batch = batch_from(g, n, at);
        const char *first = (const char *)windows + (size_t)at * g->window_bytes;
        decoder_encode(g->decoder, window_for(g->hp.repr, first), batch, g->mu, g->sigma);
        keep_encoding(g, at, batch, mu, sigma);
    }
}

double gen_default_temperature(const mv_gen_model *g)
{
    return g->hp.repr == MV_REPR_ROLL     ? ROLL_DEFAULT_TEMPERATURE
           : g->hp.repr == MV_REPR_GROOVE ? GROOVE_DEFAULT_TEMPERATURE
                                          : SAMPLE_DEFAULT_TEMPERATURE;
}

int gen_anchor(mv_gen_model *g, const void *window, int steps, float *z, float *mu,
               mv_refine_report *rep, char *err, size_t errlen)
{
    if (steps <= 0) {
        gen_encode(g, window, 1, z, NULL);
        if (mu) memcpy(mu, z, sizeof *z * g->z_size);
        if (rep) *rep = (mv_refine_report){0};
        return 0;
    }
    if (!g->refine && !(g->refine = refine_create(g->decoder))) {
        snprintf(err, errlen, "%s: out of memory creating the refiner", g->path);
        return -1;
    }
    mv_refine_options o = refine_defaults();
    o.steps = steps;
    if (refine_window(g->refine, window_for(g->hp.repr, window), &o, z, mu, rep)) {
        snprintf(err, errlen, "%s: a window %s is outside the model's %u classes", g->path,
                 g->hp.repr == MV_REPR_ROLL ? "byte" : "token", g->hp.n_classes);
        return -1;
    }
    return 0;
}

void gen_describe_refinement(const mv_gen_model *g, const mv_refine_report *rep, char *out,
                             size_t outlen)
{
    const int roll = g->hp.repr == MV_REPR_ROLL;
    snprintf(out, outlen, "greedy decoding %d -> %d of %d %s right%s, after %d Adam step%s%s",
             rep->correct_start, rep->correct, g->seq_len * (roll ? (int)g->hp.n_classes : 1),
             roll ? "roll bits" : "steps", rep->reproduced ? ", reproduced" : "", rep->steps,
             rep->steps == 1 ? "" : "s", rep->kept_start ? " (kept mu)" : "");
}

int gen_refine_option(const char *cmd, int argc, char **argv, int *i, long *steps)
{
    *steps = MV_REFINE_DEFAULT_STEPS;
    if (*i + 1 >= argc || !isdigit((unsigned char)argv[*i + 1][0])) return 0;
    *i += 1;
    return cli_long(cmd, "--refine", argv[*i], 1, MV_REFINE_MAX_STEPS, steps);
}
