/* A model file opened for generation: weights read and checked, the model bound,
 * a decoder sized for a batch. Used by sample, interpolate, encode, decode,
 * anchors, stats and attributes.
 *
 * A window is what a model encodes and decodes: seq_len int32 tokens (melody,
 * drums) or a piano roll of seq_len x n_classes bytes 0/1 (roll, core/tokens.h).
 * The functions here take either as plain bytes, as the model's representation
 * says (core/window.h's window_for), so that commands need not tell them
 * apart; window_bytes is the size of one. */
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
/* The same for piano-roll models, whose steps are independent Bernoulli bits
 * (sigmoid(logit / T)), not one softmax draw: chosen from the shipped
 * roll_2bar's prior statistics (README, "Shipped models"): at 0.5 its samples
 * have 13.3 onsets a bar and 2.74 pitches sounding at once against 13.5 and
 * 2.95 in POP909's test-split accompaniment (0.4: 12.2 / 2.70; 0.7: 16.2 /
 * 2.86; greedy: 9.7 / 2.58). */
#define ROLL_DEFAULT_TEMPERATURE 0.5
/* The same for groove models, whose hits are independent bits and whose
 * velocities and offsets are drawn around the model's with its stored spread
 * (core/decoder.h, decoder_set_output_sd): chosen from the shipped
 * groove_2bar's prior statistics against the Groove test split's (README,
 * "Drums with feel"): at 1.0 its samples have 18.0 hits a bar, kick on 1 in
 * 0.844 of phrases, velocity sd 30.5 and mean |offset| 0.174 step against
 * 18.9, 0.852, 36.6 and 0.167 (0.7: 17.3, 0.830, 27.7, 0.156; 0.5: 17.0,
 * 0.830, 25.4, 0.142). */
#define GROOVE_DEFAULT_TEMPERATURE 1.0

typedef struct mv_gen_model {
    const char *path;
    mv_weights *weights;
    mv_model model;
    mv_decoder *decoder;
    mv_hparams hp;
    int seq_len, z_size, max_batch;
    size_t window_bytes; /* one window (above) */
    mv_rng *rngs;      /* [max_batch] */
    float *mu, *sigma; /* [max_batch, Z] encoder outputs of one batch */
    mv_refine *refine; /* made on the first gen_anchor call that refines */
    /* chord models: the chord ids of the sequences gen_decode decodes, [n,
     * seq_len] for its n sequences (gen_chords.h); NULL: none. Not owned. */
    const uint8_t *chords;
    float chord_steer; /* melody note-ons lean to those chords (core/chord_steer.h) */
} mv_gen_model;

/* Opens path (melody, drum or piano-roll model) for batches of up to
 * max_batch. Returns 0, or -1 with a message naming the file in err. */
int gen_model_open(mv_gen_model *g, const char *path, int max_batch, char *err, size_t errlen);
void gen_model_close(mv_gen_model *g);

/* Decodes n latent vectors z [n, Z] into windows [n] (window_bytes each) in
 * batches; sequence i samples with the generator seeded from (seed, i) when
 * temperature > 0, so the result does not depend on the batch size; a chord
 * model hears g->chords' row i. */
void gen_decode(mv_gen_model *g, const float *z, int n, float temperature, uint64_t seed,
                void *windows);
/* Encodes n windows into mu and sigma [n, Z] (either may be NULL). */
void gen_encode(mv_gen_model *g, const void *windows, int n, float *mu, float *sigma);

/* The sampling temperature of `morphvae sample` for this model. */
double gen_default_temperature(const mv_gen_model *g);

/* The latent vector z [Z] of an anchor taken from a window: the encoder's mu,
 * refined (core/refine.h) with up to `steps` Adam steps when steps > 0, at the
 * default learning rate and prior weight (tokens, or a piano roll's bits).
 * mu and rep may be NULL. Returns 0, or -1 with a message naming the model
 * in err. */
int gen_anchor(mv_gen_model *g, const void *window, int steps, float *z, float *mu,
               mv_refine_report *rep, char *err, size_t errlen);
/* One line on what refinement did, e.g. "greedy decoding 26 -> 32 of 32 steps
 * right, reproduced, after 14 Adam steps" (a piano roll: its bits), into out. */
void gen_describe_refinement(const mv_gen_model *g, const mv_refine_report *rep, char *out,
                             size_t outlen);

/* The option "--refine [STEPS]" at argv[*i] of command cmd: STEPS is taken
 * when argv[*i + 1] is a number (then *i moves past it), else the default.
 * Returns 0, or -1 after printing what was wrong with STEPS. */
int gen_refine_option(const char *cmd, int argc, char **argv, int *i, long *steps);

/* The seed of sequence i of a run with seed `seed` (splitmix64 of both). */
uint64_t gen_sequence_seed(uint64_t seed, uint64_t i);

#endif
