/* The network description: the one table of the tensors a model of given
 * hyperparameters has, each with its name, shape, role and place in a
 * parameter block. The weights reader checks files against it, core's model
 * binds to it (model.h), the trainer carves its parameter, gradient and Adam
 * blocks by it (trainer/train/vae.c); each of them loops over the table, so a
 * new tensor is one line here (see docs/weights-format.md).
 *
 * Conventions (Magenta-compatible in meaning, PyTorch gate order):
 *  - Dense kernels are [n_in, n_out] row-major: y = x W + b.
 *  - LSTM layer: w_x [n_in, 4H], w_h [H, 4H], b [4H]; gate blocks along 4H in the
 *    order i, f, g, o; c' = sig(f)*c + sig(i)*tanh(g); h' = sig(o)*tanh(c').
 *    No forget bias is added at run time: it is part of b (the trainer initialises
 *    the f block of b to 1.0).
 *  - Initial LSTM states from a dense + tanh: per layer l, [c_l (H) | h_l (H)].
 */
#ifndef MV_MODEL_LAYOUT_H
#define MV_MODEL_LAYOUT_H

#include "hparams.h"

#define MV_TENSOR_NAME_MAX 64 /* including the terminating NUL */
#define MV_MAX_TENSORS 64

/* The LSTM stacks and dense layers of the network, as indices into a bound
 * network's arrays (mv_model's lstm[][] and dense[]). */
enum mv_lstm_stack { MV_ENC_FW, MV_ENC_BW, MV_COND, MV_DEC, MV_LSTM_STACKS };
enum mv_dense_layer { MV_ENC_MU, MV_ENC_SIGMA, MV_COND_INIT, MV_DEC_INIT, MV_DEC_OUT,
                      MV_DENSE_LAYERS };

/* Which field of its layer a tensor fills. */
typedef enum mv_tensor_role {
    MV_ROLE_LSTM_W_X,  /* [n_in, 4H]; absent where the input is (conductor layer 0) */
    MV_ROLE_LSTM_W_H,  /* [H, 4H] */
    MV_ROLE_LSTM_BIAS, /* [4H] */
    MV_ROLE_LSTM_W_CHORD, /* [MV_CHORD_FEATURES, 4H]: the chord input (chord-conditioned models) */
    MV_ROLE_DENSE_W,   /* [n_in, n_out] */
    MV_ROLE_DENSE_BIAS /* [n_out] */
} mv_tensor_role;

typedef struct mv_tensor_spec {
    char name[MV_TENSOR_NAME_MAX];
    uint32_t ndim;    /* 1 or 2 */
    uint64_t dims[2]; /* row-major; dims[0] rows */
    mv_tensor_role role;
    int part;        /* an mv_lstm_stack (LSTM roles) or an mv_dense_layer (dense roles) */
    int layer;       /* the layer within its LSTM stack; 0 for a dense layer */
    uint64_t offset; /* in floats, in a parameter block: every tensor 64-byte aligned */
} mv_tensor_spec;

/* Fills out[0..n) with the tensors of a model; returns n (<= MV_MAX_TENSORS).
 * hp must have passed hparams_check. */
int model_layout(const mv_hparams *hp, mv_tensor_spec out[MV_MAX_TENSORS]);

uint64_t tensor_spec_count(const mv_tensor_spec *s); /* number of floats */
uint64_t model_param_count(const mv_hparams *hp);
/* The floats of a parameter block holding every tensor at its spec's offset. */
uint64_t model_block_floats(const mv_hparams *hp);

#endif
