/* Latent refinement: a z that the decoder turns back into a given window.
 *
 * The encoder's mu is only a guess at the z that best explains a window, and
 * greedy decoding of mu often loses notes (a melody the model never saw comes
 * back flattened). Refinement starts at mu and runs Adam on z alone (the
 * weights stay frozen) to lower
 *     sum over steps of CE(teacher-forced logits, window token) + lambda |z|^2
 * (a piano roll: the sigmoid cross-entropy of every bit of every step), the
 * prior term keeping z in the region the decoder was trained on. It stops
 * early once greedy decoding reproduces the window, and keeps the start when
 * the refined z decodes worse (fewer greedy tokens, or roll bits, right; ties
 * go to the lower objective).
 *
 * A refiner is made from a decoder, whose packed matrices it multiplies by
 * (borrowed: one packed copy per model), and owns the rest of what it uses
 * (packed transposes of the conductor's and token decoder's matrices,
 * activations for one window, a batch-1 decoder over the same packs for the
 * greedy checks and the encoder): after
 * refine_create nothing here allocates, locks or makes a system call, and a
 * call runs at most steps + 2 teacher-forced forward passes, steps backward
 * passes and steps + 2 greedy decodes, so the plugin's worker can run it with a
 * bounded time. Melody, drum and piano-roll models (a roll window: [T][K] of
 * 0/1 bytes, core/tokens.h, normalised as decoding leaves it). A
 * chord-conditioned model is refined without chords (its chord input zero:
 * the model as it plays with chords off), whatever decoder_set_chords gave
 * the decoder it was made from; the z found is then decoded with chords. */
#ifndef MV_REFINE_H
#define MV_REFINE_H

#include <stdint.h>

#include "decoder.h"
#include "model.h"

#define MV_REFINE_MAX_STEPS 10000

typedef struct mv_refine_options {
    int steps;           /* Adam steps at most, 0..MV_REFINE_MAX_STEPS (0: keep the start) */
    float learning_rate; /* Adam's step size */
    float prior_weight;  /* lambda */
} mv_refine_options;

/* The defaults: 100 steps per anchor fit the plugin's budget of 0.5 s on one
 * core for the shipped 2-bar models, 200 would not (measured by bench/refine;
 * the times are in the README's measured tables). lr 0.05 with the prior keeps
 * |z| near the prior's typical norm sqrt(Z) (docs/refine.md). */
#define MV_REFINE_DEFAULT_STEPS 100
#define MV_REFINE_DEFAULT_LR 0.05f
#define MV_REFINE_DEFAULT_PRIOR 1e-3f
mv_refine_options refine_defaults(void);

typedef struct mv_refine_report {
    int steps;                  /* Adam steps taken */
    int reproduced;             /* greedy decoding of the result is the window */
    int kept_start;             /* the start decoded at least as well: z = start */
    int correct_start, correct; /* greedy tokens (roll: bits) equal to the window's:
                                   start, result */
    double objective_start, objective; /* the objective above at the start and the result */
} mv_refine_report;

/* A refiner serves one thread at a time (it keeps the last pass's activations). */
typedef struct mv_refine mv_refine;

/* A refiner for d's model, borrowing d's packed matrices: d (and its model)
 * must outlive the refiner, and may go on decoding on another thread. NULL
 * when out of memory. */
mv_refine *refine_create(const mv_decoder *d);
void refine_free(mv_refine *r);

/* From start [Z] (usually the encoder's mu) to z [Z] for the window x [n_bars *
 * steps_per_bar steps, window.h]; start and z may be the same array. rep may
 * be NULL. Returns 0, or -1 (nothing written) when x is not of the model's
 * kind, a step holds a value the model cannot take (a token outside
 * 0..n_classes-1, a roll byte other than 0 or 1) or an option is out of range. */
int refine_latent(mv_refine *r, mv_window x, const float *start, const mv_refine_options *o,
                  float *z, mv_refine_report *rep);

/* Encodes the window (core's encoder) and refines from mu. mu [Z] receives the
 * encoder's mu when not NULL. Returns as refine_latent. */
int refine_window(mv_refine *r, mv_window x, const mv_refine_options *o, float *z, float *mu,
                  mv_refine_report *rep);

/* The objective at z and, when grad is not NULL, its gradient with respect to
 * z [Z] (the backward pass through the token decoder, the bar embeddings and
 * the conductor). x must be valid. For tests and measurements. */
double refine_objective(mv_refine *r, mv_window x, const float *z, float prior_weight,
                        float *grad);

#endif
