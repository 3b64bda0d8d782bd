/* A model file opened for generation: weights read and checked, the model bound,
 * a decoder sized for a batch. Used by sample, interpolate, encode, decode and
 * attributes. */
#ifndef MV_GEN_MODEL_H
#define MV_GEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "model.h"
#include "refine.h"
#include "weights.h"

/* The CLI's default sampling temperature, chosen from phrase statistics of the
 * shipped melody model's prior (README, "Shipped models"): at 0.7 its samples
 * have 2.4 % monotonous phrases and 0.28 repeated-pitch intervals against 4 %
 * and 0.22 in real test-split melodies (0.5: 3.3 % / 0.30; 0: 4.1 % / 0.33). */
#define SAMPLE_DEFAULT_TEMPERATURE 0.7

typedef struct mv_gen_model {
    const char *path;
    mv_weights *weights;
    mv_model model;
    mv_decoder *decoder;
    mv_hparams hp;
    int seq_len, z_size, max_batch;
    mv_rng *rngs;      /* [max_batch] */
    float *mu, *sigma; /* [max_batch, Z] encoder outputs of one batch */
    mv_refine *refine; /* made on the first gen_anchor call that refines */
} mv_gen_model;

/* Opens path for batches of up to max_batch. Returns 0, or -1 with a message
 * naming the file in err (also for piano-roll models, which these tools do
 * not decode). */
int gen_model_open(mv_gen_model *g, const char *path, int max_batch, char *err, size_t errlen);
void gen_model_close(mv_gen_model *g);

/* Decodes n latent vectors z [n, Z] into tokens [n, seq_len] in batches;
 * sequence i samples with the generator seeded from (seed, i) when
 * temperature > 0, so the result does not depend on the batch size. */
void gen_decode(mv_gen_model *g, const float *z, int n, float temperature, uint64_t seed,
                int32_t *tokens);
/* Encodes n windows [n, seq_len] into mu and sigma [n, Z] (either may be NULL). */
void gen_encode(mv_gen_model *g, const int32_t *tokens, int n, float *mu, float *sigma);

/* The latent vector z [Z] of an anchor taken from a window [seq_len]: the
 * encoder's mu, refined (core/refine.h) with up to `steps` Adam steps when
 * steps > 0, at the default learning rate and prior weight. mu and rep may be
 * NULL. Returns 0, or -1 with a message naming the model in err. */
int gen_anchor(mv_gen_model *g, const int32_t *tokens, int steps, float *z, float *mu,
               mv_refine_report *rep, char *err, size_t errlen);
/* One line on what refinement did, e.g. "greedy decoding 26 -> 32 of 32 steps
 * right, reproduced, after 14 Adam steps", into out. */
void gen_describe_refinement(const mv_refine_report *rep, int seq_len, char *out, size_t outlen);

/* The option "--refine [STEPS]" at argv[*i] of command cmd: STEPS is taken
 * when argv[*i + 1] is a number (then *i moves past it), else the default.
 * Returns 0, or -1 after printing what was wrong with STEPS. */
int gen_refine_option(const char *cmd, int argc, char **argv, int *i, long *steps);

/* The seed of sequence i of a run with seed `seed` (splitmix64 of both). */
uint64_t gen_sequence_seed(uint64_t seed, uint64_t i);

#endif
