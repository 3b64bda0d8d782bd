/* A model bound to its weights: named pointers into an mv_weights (which must
 * outlive it). Layout and conventions: model_layout.h. */
#ifndef MV_MODEL_H
#define MV_MODEL_H

#include <stddef.h>

#include "hparams.h"
#include "model_layout.h"
#include "weights.h"

typedef struct mv_lstm_weights {
    const float *w_x; /* [n_in, 4H], NULL when n_in == 0 */
    const float *w_h; /* [H, 4H] */
    const float *b;   /* [4H] */
    const float *w_chord; /* [MV_CHORD_FEATURES, 4H]: chord input, token decoder layer 0 of a
                             chord-conditioned model; NULL otherwise */
    int n_in, n_hidden;
} mv_lstm_weights;

typedef struct mv_dense_weights {
    const float *w; /* [n_in, n_out] */
    const float *b; /* [n_out] */
    int n_in, n_out;
} mv_dense_weights;

/* Named layers, and the same layers as the arrays the binder fills from the
 * layout table (indices: model_layout.h's mv_lstm_stack and mv_dense_layer). */
typedef struct mv_model {
    mv_hparams hp;
    union {
        struct {
            mv_lstm_weights enc_fw[MV_MAX_LAYERS], enc_bw[MV_MAX_LAYERS];
            mv_lstm_weights cond[MV_MAX_LAYERS];
            mv_lstm_weights dec[MV_MAX_LAYERS]; /* dec[0].w_x: [K + C, 4D], dec[0].w_chord */
        };
        mv_lstm_weights lstm[MV_LSTM_STACKS][MV_MAX_LAYERS];
    };
    union {
        struct {
            mv_dense_weights enc_mu, enc_sigma; /* [2E, Z] */
            mv_dense_weights cond_init;         /* [Z, 2*C*cond_layers] */
            mv_dense_weights dec_init;          /* [C, 2*D*dec_layers] */
            mv_dense_weights dec_out;           /* [D, K] */
        };
        mv_dense_weights dense[MV_DENSE_LAYERS];
    };
} mv_model;

/* Binds every tensor of model_layout(hp) by name from tensors[0..n) (which must
 * outlive m). Returns 0, or -1 with err naming a missing, misshapen or unknown
 * (misspelled) tensor. */
int model_bind(mv_model *m, const mv_hparams *hp, const mv_tensor *tensors, size_t n,
               char *err, size_t errlen);
/* The same for a file read by weights_read (validated, so it cannot fail then). */
int model_bind_weights(mv_model *m, const mv_weights *w, char *err, size_t errlen);

/* One parameter block carved into named tensors (llm.c style) at the layout's
 * offsets (model_block_floats, model_layout.h, is its size). Fills
 * tensors[0..n) (n = model_layout count) pointing into block, which must be
 * 64-byte aligned and hold model_block_floats floats. Returns n. */
int model_carve(const mv_hparams *hp, float *block, mv_tensor tensors[MV_MAX_TENSORS]);
/* Initialises a carved block: kernels uniform in +-1/sqrt(n_in) (seeded), biases
 * zero except the LSTM forget-gate block, which is 1. Deterministic in seed. */
void model_init_params(const mv_hparams *hp, float *block, uint64_t seed);

#endif
