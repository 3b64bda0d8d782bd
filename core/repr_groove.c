/* Groove windows (core/groove.h): a step is 27 bytes, hits, velocities and
 * offsets of the 9 drum instruments, read as 27 features and written from 27
 * outputs: hits as independent Bernoulli bits (sigmoid, sampled at the
 * temperature), velocity and offset of each hit as their expected values
 * (sigmoid, tanh), scored by squared error on the true hits only (repr.h). */
#include "fp_exact.h"

#include <math.h>
#include <string.h>

#include "groove.h"
#include "kernels.h"
#include "repr.h"

#define V MV_GROOVE_VOICES

static size_t step_bytes(int n_classes)
{
    return (size_t)n_classes;
}

/* accuracy is that of the hits */
static int targets_per_step(int n_classes)
{
    (void)n_classes;
    return V;
}

static int valid(const void *steps, int n, int n_classes)
{
    const uint8_t *s = steps;
    if (n_classes != MV_GROOVE_STEP_BYTES) return 0;
    for (int t = 0; t < n; t++)
        if (!groove_step_valid(s + (size_t)t * MV_GROOVE_STEP_BYTES)) return 0;
    return 1;
}

static void set_none(void *steps, int n, int n_classes)
{
    memset(steps, 0, (size_t)n * n_classes);
}

/* gates[b] += x_b W for the step's 27 features x_b (groove_features): the rows
 * of the instruments hit, scaled by their features. */
static void add_input(float *gates, int ldg, const float *w, int n_out, const void *steps,
                      size_t stride, int n_classes, int batch, int32_t *scratch)
{
    (void)scratch, (void)n_classes;
    if (!steps) return;
    float x[MV_GROOVE_STEP_BYTES];
    for (int b = 0; b < batch; b++) {
        groove_features((const uint8_t *)steps + b * stride, x);
        float *g = gates + (size_t)b * ldg;
        for (int k = 0; k < MV_GROOVE_STEP_BYTES; k++) {
            if (x[k] == 0) continue;
            const float *row = w + (size_t)k * n_out;
            for (int j = 0; j < n_out; j++) g[j] = fmaf(x[k], row[j], g[j]);
        }
    }
}

static float sigmoid(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static void sample(const float *logits, int n_classes, float temperature, mv_rng *rng,
                   float *probs, void *step, const void *prev)
{
    (void)probs, (void)prev, (void)n_classes;
    uint8_t *s = step;
    memset(s, 0, MV_GROOVE_STEP_BYTES);
    sample_bits(logits + MV_GROOVE_HIT, V, temperature, rng, s + MV_GROOVE_HIT);
    for (int i = 0; i < V; i++)
        if (s[MV_GROOVE_HIT + i]) groove_hit_from_logits(logits, i, s);
}

/* Hits: sigmoid cross-entropy, max(x, 0) - x y + log(1 + exp(-|x|)); a hit's
 * prediction is x > 0, as greedy decoding takes it. Velocity and offset of a
 * true hit: (sigmoid(x) - velocity / 127)^2 and (tanh(x) - 2 offset)^2. probs
 * keeps sigmoid, sigmoid and tanh of the three blocks. */
static double loss(const float *logits, float *probs, const void *target, int n, int n_classes,
                   int *correct)
{
    (void)n_classes;
    double total = 0;
    *correct = 0;
    float y[MV_GROOVE_STEP_BYTES];
    for (int t = 0; t < n; t++) {
        const float *l = logits + (size_t)t * MV_GROOVE_STEP_BYTES;
        float *p = probs + (size_t)t * MV_GROOVE_STEP_BYTES;
        const uint8_t *step = (const uint8_t *)target + (size_t)t * MV_GROOVE_STEP_BYTES;
        groove_features(step, y);
        for (int i = 0; i < V; i++) {
            const double x = l[MV_GROOVE_HIT + i];
            total += fmax(x, 0) - x * y[MV_GROOVE_HIT + i] + log1p(exp(-fabs(x)));
            *correct += (x > 0) == (step[MV_GROOVE_HIT + i] != 0);
            p[MV_GROOVE_HIT + i] = sigmoid(l[MV_GROOVE_HIT + i]);
            p[MV_GROOVE_VELOCITY + i] = sigmoid(l[MV_GROOVE_VELOCITY + i]);
            p[MV_GROOVE_OFFSET + i] = tanhf(l[MV_GROOVE_OFFSET + i]);
            if (!step[MV_GROOVE_HIT + i]) continue;
            const double dv = (double)p[MV_GROOVE_VELOCITY + i] - y[MV_GROOVE_VELOCITY + i];
            const double dof = (double)p[MV_GROOVE_OFFSET + i] - y[MV_GROOVE_OFFSET + i];
            total += dv * dv + dof * dof;
        }
    }
    return total;
}

/* probs from loss -> dloss/dlogits */
static void loss_grad(float *probs, const void *target, int n, int n_classes)
{
    (void)n_classes;
    float y[MV_GROOVE_STEP_BYTES];
    for (int t = 0; t < n; t++) {
        float *p = probs + (size_t)t * MV_GROOVE_STEP_BYTES;
        const uint8_t *step = (const uint8_t *)target + (size_t)t * MV_GROOVE_STEP_BYTES;
        groove_features(step, y);
        for (int i = 0; i < V; i++) {
            p[MV_GROOVE_HIT + i] -= y[MV_GROOVE_HIT + i];
            float *pv = &p[MV_GROOVE_VELOCITY + i], *po = &p[MV_GROOVE_OFFSET + i];
            if (!step[MV_GROOVE_HIT + i]) {
                *pv = *po = 0;
                continue;
            }
            const float s = *pv, th = *po;
            *pv = 2.0f * (s - y[MV_GROOVE_VELOCITY + i]) * s * (1.0f - s);
            *po = 2.0f * (th - y[MV_GROOVE_OFFSET + i]) * (1.0f - th * th);
        }
    }
}

/* hits equal */
static int count_equal(const void *a, const void *b, int n, int n_classes)
{
    (void)n_classes;
    const uint8_t *x = a, *y = b;
    int equal = 0;
    for (int t = 0; t < n; t++)
        for (int i = 0; i < V; i++)
            equal += x[(size_t)t * MV_GROOVE_STEP_BYTES + MV_GROOVE_HIT + i] ==
                     y[(size_t)t * MV_GROOVE_STEP_BYTES + MV_GROOVE_HIT + i];
    return equal;
}

/* Each hit's velocity (output_sd in MIDI velocity) and offset (in steps) drawn
 * around the sampled value, kept in range (velocity 1..127, offset -0.5..0.49). */
static void spread(void *step, const float *output_sd, float temperature, mv_rng *rng)
{
    uint8_t *s = step;
    const float scale = sqrtf(temperature);
    for (int i = 0; i < V; i++) {
        if (!s[MV_GROOVE_HIT + i]) continue;
        const float dv = scale * output_sd[MV_GROOVE_VELOCITY + i] * rng_normal(rng);
        const float dof = scale * output_sd[MV_GROOVE_OFFSET + i] * rng_normal(rng);
        long velocity = lroundf((float)s[MV_GROOVE_VELOCITY + i] + dv);
        s[MV_GROOVE_VELOCITY + i] = (uint8_t)(velocity < 1 ? 1 : velocity > 127 ? 127 : velocity);
        s[MV_GROOVE_OFFSET + i] = (uint8_t)groove_offset_byte(groove_offset_steps(s, i) + dof);
    }
}

const mv_repr_io repr_io_groove = {
    MV_STEPS_GROOVE, step_bytes, targets_per_step, valid, set_none, add_input,
    sample, loss, loss_grad, count_equal, spread,
};
