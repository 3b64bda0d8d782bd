/* A representation: how a model reads and writes a window's steps
 * (window.h), as a table of functions. Decoder and refiner call these and
 * know no representation themselves; a new representation is one file
 * defining its table (repr_io_tokens.c, repr_io_roll.c) and one line in repr_io_of.
 * Core-internal. */
#ifndef MV_REPR_H
#define MV_REPR_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "window.h"

typedef struct mv_repr_io {
    int kind; /* the enum mv_step_kind of the windows it reads and writes */
    size_t (*step_bytes)(int n_classes);
    /* the outputs a step is scored on: 1 (a softmax class) or K (sigmoid bits) */
    int (*targets_per_step)(int n_classes);
    /* Steps [n] whose values the model can take (classes below K, bits 0/1). */
    int (*valid)(const void *steps, int n, int n_classes);
    /* Fills n steps with "none": the zero input before a sequence's first step. */
    void (*set_none)(void *steps, int n, int n_classes);
    /* gates[b] += x_b W for the step x_b of row b (at steps + b * stride bytes)
     * for b < batch, W row-major [K, n_out]: the step as a one-hot or
     * multi-hot input. steps NULL: the zero input, nothing added. scratch:
     * batch int32. */
    void (*add_input)(float *gates, int ldg, const float *w, int n_out, const void *steps,
                      size_t stride, int n_classes, int batch, int32_t *scratch);
    /* A step from logits [K]: temperature 0 greedy, otherwise drawn with rng
     * (probs: K floats of scratch); prev is the step before ("none" at the
     * start), which a step may be made consistent with. */
    void (*sample)(const float *logits, int n_classes, float temperature, mv_rng *rng,
                   float *probs, void *step, const void *prev);
    /* Summed cross-entropy of logits [n][K] against the target steps [n];
     * leaves the output probabilities in probs [n][K] and the number of targets
     * whose teacher-forced prediction is right (as greedy decoding would take
     * it) in *correct. */
    double (*loss)(const float *logits, float *probs, const void *target, int n,
                   int n_classes, int *correct);
    /* probs from loss -> dloss/dlogits, in place. */
    void (*loss_grad)(float *probs, const void *target, int n, int n_classes);
    /* Targets of steps a [n] equal to b's. */
    int (*count_equal)(const void *a, const void *b, int n, int n_classes);
    /* A step sample made at temperature T > 0 with its regression outputs
     * (a groove hit's velocity and offset) moved by sqrt(T) output_sd[k]
     * N(0, 1): the model's outputs are the means of Gaussians whose spread
     * output_sd [K] was measured on its training data (decoder_set_output_sd).
     * NULL for a representation of classes or bits only. */
    void (*spread)(void *step, const float *output_sd, float temperature, mv_rng *rng);
} mv_repr_io;

extern const mv_repr_io repr_io_tokens, repr_io_roll, repr_io_groove;

/* The representation of a model's hparams repr (MV_REPR_*), NULL for none. */
const mv_repr_io *repr_io_of(uint32_t repr);

#endif
