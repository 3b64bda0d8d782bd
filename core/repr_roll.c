/* Piano-roll windows: a step is K bytes 0/1 (P "sounds" bits, then P
 * "starts" bits, core/tokens.h), read as a multi-hot input and written as K
 * independent Bernoulli outputs, normalised against the step before (repr.h). */
#include "fp_exact.h"

#include <math.h>
#include <string.h>

#include "kernels.h"
#include "repr.h"
#include "tokens.h"

static size_t step_bytes(int n_classes)
{
    return (size_t)n_classes;
}

static int targets_per_step(int n_classes)
{
    return n_classes;
}

static int valid(const void *steps, int n, int n_classes)
{
    const uint8_t *bits = steps;
    for (size_t i = 0; i < (size_t)n * n_classes; i++)
        if (bits[i] > 1) return 0;
    return 1;
}

static void set_none(void *steps, int n, int n_classes)
{
    memset(steps, 0, (size_t)n * n_classes);
}

static void add_input(float *gates, int ldg, const float *w, int n_out, const void *steps,
                      size_t stride, int n_classes, int batch, int32_t *scratch)
{
    (void)scratch;
    if (steps) rows_multi_gather_acc(gates, ldg, w, n_out, steps, (int)stride, n_classes, batch);
}

static void sample(const float *logits, int n_classes, float temperature, mv_rng *rng,
                   float *probs, void *step, const void *prev)
{
    (void)probs;
    sample_bits(logits, n_classes, temperature, rng, step);
    roll_step_normalise(step, prev, n_classes / 2);
}

/* The summed sigmoid cross-entropy of the bits, max(x, 0) - x y +
 * log(1 + exp(-|x|)) each; a bit's prediction is x > 0, as greedy decoding
 * takes it. */
static double loss(const float *logits, float *probs, const void *target, int n, int n_classes,
                   int *correct)
{
    const uint8_t *roll = target;
    const size_t count = (size_t)n * n_classes;
    double ce = 0;
    *correct = 0;
    for (size_t i = 0; i < count; i++) {
        const float x = logits[i];
        probs[i] = 0.5f * x; /* sigmoid(x) = (1 + tanh(x/2)) / 2, as the cells take it */
        ce += fmax((double)x, 0) - (double)x * roll[i] + log1p(exp(-fabs((double)x)));
        *correct += (x > 0) == (roll[i] != 0);
    }
    tanh_inplace(probs, (int)count);
    for (size_t i = 0; i < count; i++) probs[i] = 0.5f + 0.5f * probs[i];
    return ce;
}

/* sigmoid minus the bit */
static void loss_grad(float *probs, const void *target, int n, int n_classes)
{
    const uint8_t *roll = target;
    for (size_t i = 0; i < (size_t)n * n_classes; i++) probs[i] -= (float)roll[i];
}

static int count_equal(const void *a, const void *b, int n, int n_classes)
{
    const uint8_t *x = a, *y = b;
    int equal = 0;
    for (size_t i = 0; i < (size_t)n * n_classes; i++) equal += x[i] == y[i];
    return equal;
}

const mv_repr_io repr_io_roll = {
    MV_STEPS_ROLL, step_bytes, targets_per_step, valid, set_none, add_input,
    sample, loss, loss_grad, count_equal, NULL,
};
