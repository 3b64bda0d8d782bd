/* The list of tensors a model of given hyperparameters has: names and shapes.
 * The weights reader checks files against it, the model binds to it, the trainer
 * allocates by it. One definition, used by all (see docs/weights-format.md).
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

typedef struct mv_tensor_spec {
    char name[MV_TENSOR_NAME_MAX];
    uint32_t ndim;    /* 1 or 2 */
    uint64_t dims[2]; /* row-major; dims[0] rows */
} mv_tensor_spec;

/* Fills out[0..n) with the tensors of a model; returns n (<= MV_MAX_TENSORS).
 * hp must have passed hparams_check. */
int model_layout(const mv_hparams *hp, mv_tensor_spec out[MV_MAX_TENSORS]);

uint64_t tensor_spec_count(const mv_tensor_spec *s); /* number of floats */
uint64_t model_param_count(const mv_hparams *hp);

#endif
