/* A representation as the trainer's model (vae.c) takes it: how a window's
 * steps enter the model, how its outputs are scored against them, which step
 * it feeds back when it decodes its own outputs, and what counts as an onset,
 * as a table of functions. vae_create looks the table up once; vae.c calls it
 * and knows no representation itself.
 *
 * Core's table (core/repr.h, mv_repr_io) says the same for decoding, but the
 * trainer cannot call it for these: it computes in real (double under
 * -DMV_TRAIN_DOUBLE), its losses are the backend's kernels, and scheduled
 * sampling draws in real (sample_from, vae_repr_bit) where core draws with
 * its float kernels: changing them would change what training computes.
 * Core's step functions are called where the two agree: groove_features,
 * roll_step_normalise, groove_hit_from_logits (vae_repr_groove.c).
 *
 * Adding a representation = one new file in core (its mv_repr_io, repr.h) +
 * one file here defining its vae_repr and its line in vae_repr_of
 * (vae_repr.c) + tests (tests/train: gradients, trainer against core,
 * PyTorch parity). */
#ifndef MV_TRAIN_VAE_REPR_H
#define MV_TRAIN_VAE_REPR_H

#include <math.h>
#include <stdint.h>

#include "vae.h"

typedef struct vae_repr {
    /* 1: a step enters a layer as its K features x, through the product
     * x W_x, and the model keeps steps in its real arrays (enc_x_fw, dec_x,
     * target_bits); 0: as a one-hot token, a gather of W_x's row, kept in its
     * int32 arrays (enc_tok_fw, prev_tok, target). */
    int dense;
    /* Dense only: x[0..K) = the features of a window's step. */
    void (*features)(const uint8_t *step, int n_classes, real *x);
    /* The last forward pass's loss over rows [rows] of logits against the
     * targets: adds the summed loss to *loss and the rows predicted right to
     * *correct, and writes scale x its gradient to dlogits. */
    void (*loss)(vae *m, int rows, real scale, double *loss, long *correct);
    /* Decoder input row `row` = the step the model makes of its logits [K],
     * as core decodes one: greedy (rng NULL) or drawn with rng. `cur` is the
     * row of the input the logits came from (the step before, which a roll
     * step is made consistent with). */
    void (*own_step)(vae *m, const real *logits, mv_rng *rng, size_t cur, size_t row);
    /* Adds the onsets of step t of window b, in the truth, in the output as
     * decoding makes it and in both, to st (vae_count_onsets). Hold steps
     * count for nothing, so a model that only sustains notes scores low
     * however many steps it gets right. */
    void (*count_onsets)(vae *m, const mv_window *in, int b, int t, vae_stats *st);
} vae_repr;

extern const vae_repr vae_repr_melody, vae_repr_drums, vae_repr_roll, vae_repr_groove;

/* The table of a model's hparams repr (MV_REPR_*), NULL for none. */
const vae_repr *vae_repr_of(uint32_t repr);

/* A Bernoulli output fed back: logit > 0 (greedy, rng NULL), or drawn with
 * probability sigmoid(logit). */
static inline uint8_t vae_repr_bit(real logit, mv_rng *rng)
{
    return rng ? rng_uniform(rng) < 1 / (1 + exp(-(double)logit)) : logit > 0;
}

static inline void vae_repr_onsets(vae_stats *st, long truth, long pred, long both)
{
    st->onsets_true += truth;
    st->onsets_pred += pred;
    st->onsets_both += both;
}

#endif
