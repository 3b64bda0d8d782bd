/* The MusicVAE model of design.md §2 for training: forward and backward through
 * time, written out plainly (llm.c style). One parameter block carved into the
 * tensors of model_layout() at the layout's offsets (core's model_carve), so the block IS
 * the weights file's tensors (and core's decoder can bind it directly); the
 * gradients and Adam's moments are blocks of the same layout. Activations live in
 * one block sized for the largest batch. Conventions: core/model_layout.h.
 *
 * Loss of a batch (Magenta's): mean over the batch of
 *   sum_t CE(logits_t, token_t) + beta * max(KL - free_bits * ln 2, 0),
 * where for a piano-roll model CE is the sum over the step's K outputs of the
 * sigmoid cross-entropy (independent Bernoulli bits, core/tokens.h), and the
 * encoder's and decoder's inputs are the multi-hot steps instead of one-hots.
 * KL = sum over z of KL(N(mu, sigma^2) || N(0, 1)) in nats (free bits are bits). */
#ifndef MV_TRAIN_VAE_H
#define MV_TRAIN_VAE_H

#include <stdint.h>

#include "backend.h"
#include "hparams.h"
#include "model_layout.h"
#include "rng.h"
#include "window.h"

typedef struct vae_lstm {
    real *w_x, *w_h, *b; /* w_x NULL when n_in == 0 */
    real *w_chord;       /* [MV_CHORD_FEATURES, 4H]: decoder layer 0 of a chord model, else NULL */
    int n_in, n_hidden;
} vae_lstm;

typedef struct vae_dense {
    real *w, *b;
    int n_in, n_out;
} vae_dense;

/* Named views into one block (parameters or gradients), the same layers as
 * core's mv_model (and as arrays, filled from the layout table). */
typedef struct vae_tensors {
    union {
        struct {
            vae_lstm enc_fw[MV_MAX_LAYERS], enc_bw[MV_MAX_LAYERS];
            vae_lstm cond[MV_MAX_LAYERS];
            vae_lstm dec[MV_MAX_LAYERS];
        };
        vae_lstm lstm[MV_LSTM_STACKS][MV_MAX_LAYERS];
    };
    union {
        struct {
            vae_dense enc_mu, enc_sigma;
            vae_dense cond_init;
            vae_dense dec_init;
            vae_dense dec_out;
        };
        vae_dense dense[MV_DENSE_LAYERS];
    };
} vae_tensors;

/* Activations of one LSTM layer over a sequence of T steps in processing order
 * (reversed time for a backward-direction layer). The state is reset to
 * c0/h0[s] at the start of every segment s of seg_len steps. */
typedef struct vae_lstm_acts {
    int T, seg_len;
    real *gates;          /* [T][B][4H] activated gates i, f, g, o */
    real *c_prev, *h_prev; /* [T][B][H] state entering each step */
    real *c, *h, *tanh_c; /* [T][B][H] state leaving each step */
    real *c0, *h0;        /* [T/seg_len][B][H] initial states */
    real *dh;             /* [T][B][H] dL/dh from the layers that read h */
    real *dgates;         /* [T][B][4H] dL/d(pre-activation gates) */
    real *dc0, *dh0;      /* [T/seg_len][B][H] */
} vae_lstm_acts;

/* How the decoder's input token is chosen at each step. */
enum vae_feed {
    VAE_FEED_TRUTH = 0,   /* teacher forcing: the previous true token */
    VAE_FEED_SCHEDULED,   /* per step and sequence, with probability p a token sampled
                             from the model's own distribution (scheduled sampling) */
    VAE_FEED_GREEDY,      /* always the model's previous argmax (sampled decoding) */
};

typedef struct vae_loss_cfg {
    real beta;      /* KL weight */
    real free_bits; /* bits of KL that cost nothing */
} vae_loss_cfg;

/* What one forward pass measured (per sequence means over the batch). */
typedef struct vae_stats {
    double loss;  /* the optimised loss */
    double recon; /* sum over steps of CE, nats per sequence */
    double kl;    /* nats per sequence */
    double accuracy; /* fraction of steps whose argmax is the true token */
    /* onsets (counts over the batch, by vae_count_onsets): melody note-ons (step
     * and pitch), drum hits (step and instrument), piano-roll "starts" bits; in
     * the truth, in the decoder's outputs as decoding makes them, and in both */
    long onsets_true, onsets_pred, onsets_both;
} vae_stats;

enum vae_z_source { VAE_Z_OWN = 0, VAE_Z_PRIOR = 1, VAE_Z_WINDOW = 2 };

struct vae_repr;

typedef struct vae {
    mv_hparams hp;
    const struct vae_repr *repr; /* its representation's table (vae_repr.h) */
    int max_batch;
    int n_tensors;
    mv_tensor_spec specs[MV_MAX_TENSORS]; /* the layout; offsets those of model_carve */
    uint64_t n_params;                    /* block size in elements (model_block_floats) */
    real *params, *grads;
    vae_tensors p, g;

    /* activations, all in one block */
    real *acts;
    int B; /* batch of the last forward pass */
    /* VAE_FEED_SCHEDULED only: probability that a decoder input token is replaced by
     * the zero input (word dropout), so that the decoder learns to lean on z rather
     * than on the previous token; 0 unless the trainer sets it */
    real word_dropout;
    /* VAE_FEED_SCHEDULED only: probability that a unit of what a decoder layer
     * passes up (to the next layer, or to the output layer) is zeroed, the
     * others scaled by 1/(1 - dropout): dropout between layers, not on the
     * recurrent path (Zaremba et al., 2014; GrooVAE's decoder). 0 unless the
     * trainer sets it */
    real dropout;
    int dropping;                     /* the last forward pass dropped: dec_mask holds */
    real *dec_mask[MV_MAX_LAYERS];    /* [S][n_bars B][D] 0 or 1/(1 - dropout) */
    real *dec_up[MV_MAX_LAYERS];      /* [S][n_bars B][D] h dec_mask: what a layer passes up */
    /* chord-conditioned models: the chord ids [B][T] (core/chord.h) of the
     * windows of the next forward passes, NULL: none (all zero); the caller's
     * array, read by vae_forward only. Step t's chord conditions the
     * prediction of step t. Ignored by a model without chord input. */
    const uint8_t *chords;
    /* latent dropout (chord models): z_elsewhere[b] decodes window b from a z
     * that is not its own -- VAE_Z_PRIOR: its eps, a sample of the prior
     * N(0, I); VAE_Z_WINDOW: row b of z_borrowed (the caller's: another
     * window's mu, what a plugin anchor is) -- instead of mu + sigma eps, and
     * none of its reconstruction gradient reaches the encoder (its KL term
     * stays); VAE_Z_OWN (0): its own. NULL: all own. The caller's arrays ([B],
     * [B][Z]), read by forward and backward. */
    const uint8_t *z_elsewhere;
    const real *z_borrowed;
    real *chord_x;                    /* [S][n_bars B][MV_CHORD_FEATURES] their features */
    int32_t *enc_tok_fw, *enc_tok_bw; /* [T][B] time-major input tokens, and reversed */
    int32_t *prev_tok, *target;      /* [S][n_bars B] decoder input token (-1 none), target */
    vae_lstm_acts enc_fw[MV_MAX_LAYERS], enc_bw[MV_MAX_LAYERS];
    real *enc_in[MV_MAX_LAYERS], *enc_in_rev[MV_MAX_LAYERS];   /* [T][B][2E], l > 0 */
    real *denc_in[MV_MAX_LAYERS], *denc_in_rev[MV_MAX_LAYERS];
    real *enc_out, *denc_out;         /* [B][2E] */
    real *mu, *sigma_pre, *sigma, *eps, *z; /* [B][Z] */
    real *dmu, *dsigma_pre, *dz;
    double *kl_b;                     /* [B] KL of each sequence */
    real *kl_weight;                  /* [B] its weight in the loss (0 inside free bits) */
    real *dc_scratch;                 /* [rows][H] of the largest LSTM */
    real *cond_init, *dcond_init;     /* [B][2 C Lc] after tanh */
    vae_lstm_acts cond[MV_MAX_LAYERS]; /* T = n_bars, one segment */
    real *dec_init, *ddec_init;       /* [n_bars B][2 D Ld] after tanh */
    real *e_proj, *de_proj;           /* [n_bars][B][4D]: e_b W_x[K:] */
    /* the token decoder runs the bars side by side: rows n_bars B (bar-major),
     * T = steps_per_bar steps */
    vae_lstm_acts dec[MV_MAX_LAYERS];
    real *logits, *dlogits;           /* [S][n_bars B][K]: see vae_logits_at */
    real *probs;                      /* [K] scratch for sampling */
    /* dense-step models only (roll, groove; NULL otherwise): steps as K features */
    real *enc_x_fw, *enc_x_bw;        /* [T][B][K] time-major input steps, and reversed */
    real *dec_x;                      /* [S][n_bars B][K] decoder input step (zeros: none) */
    real *target_bits;                /* [S][n_bars B][K] */
    uint8_t *step_scratch;            /* [2K] a generated step and the one before */
} vae;

/* Sizes every block for batches up to max_batch. hp must pass hparams_check.
 * Returns 0, or -1 (out of memory). */
int vae_create(vae *m, const mv_hparams *hp, int max_batch);
void vae_free(vae *m);

/* Parameters from core's model_init_params (the same numbers a float block gets). */
void vae_init_params(vae *m, uint64_t seed);

/* Forward pass and loss of a batch of windows in (core/window.h, the model's
 * kind): tokens [B][T] or roll [B][T][K] bytes 0/1, batch-major as in the
 * corpus. eps [B][Z] (NULL: zeros, i.e. z = mu). feed and sample_prob choose
 * the decoder's inputs; in the fed modes a generated roll step (threshold at
 * 0 for GREEDY, Bernoulli draws for SCHEDULED) is normalised
 * (roll_step_normalise) before it is fed back, as core decodes.
 * rngs: one stream per sequence; rngs[b] draws sequence b's scheduled-sampling
 * coins, samples and word dropout, so that a sequence's draws do not depend on
 * which sequences share its batch (data-parallel processes each holding part of
 * a batch draw what one process would). Unused (may be NULL) for TRUTH and GREEDY.
 * Keeps what the backward pass needs (and the logits, see vae_logits_at). */
vae_stats vae_forward(vae *m, mv_window in, const real *eps, int B, const vae_loss_cfg *loss,
                      int feed, real sample_prob, mv_rng *rngs);
/* Adds the onsets of the last forward pass (its batch, its windows in) to st's
 * counts. Apart from the forward pass so that the training step does not pay
 * for what only validation reports. */
void vae_count_onsets(vae *m, mv_window in, vae_stats *st);
/* (vae_testing.h: the last pass's logits and inputs, for the tests.) */

/* Adds the gradient of the last forward pass's loss to m->grads. */
void vae_backward(vae *m, const vae_loss_cfg *loss);
void vae_zero_grads(vae *m);

/* Floating point operations of one forward + backward pass on one sequence
 * (matrix products only), for throughput reports. */
double vae_flops_per_sequence(const mv_hparams *hp);

#endif
