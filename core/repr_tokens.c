/* Token windows (melody, drums): a step is one int32 class, read as a one-hot
 * input and written by sampling a softmax (repr.h). */
#include "fp_exact.h"

#include <math.h>
#include <string.h>

#include "kernels.h"
#include "repr.h"

static size_t step_bytes(int n_classes)
{
    (void)n_classes;
    return sizeof(int32_t);
}

static int targets_per_step(int n_classes)
{
    (void)n_classes;
    return 1;
}

static int valid(const void *steps, int n, int n_classes)
{
    const int32_t *tokens = steps;
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= n_classes) return 0;
    return 1;
}

static void set_none(void *steps, int n, int n_classes)
{
    (void)n_classes;
    int32_t *tokens = steps;
    for (int i = 0; i < n; i++) tokens[i] = -1;
}

/* An out-of-range token (a caller's "none" included) is the zero input. */
static void add_input(float *gates, int ldg, const float *w, int n_out, const void *steps,
                      size_t stride, int n_classes, int batch, int32_t *scratch)
{
    if (!steps) return;
    for (int b = 0; b < batch; b++) {
        int32_t token;
        memcpy(&token, (const char *)steps + b * stride, sizeof token);
        scratch[b] = token >= 0 && token < n_classes ? token : -1;
    }
    rows_gather_acc(gates, ldg, w, n_out, scratch, batch);
}

static void sample(const float *logits, int n_classes, float temperature, mv_rng *rng,
                   float *probs, void *step, const void *prev)
{
    (void)prev;
    const int32_t token = sample_token(logits, n_classes, temperature, rng, probs);
    memcpy(step, &token, sizeof token);
}

static double loss(const float *logits, float *probs, const void *target, int n, int n_classes,
                   int *correct)
{
    const int32_t *tokens = target;
    const int K = n_classes;
    double ce = 0;
    *correct = 0;
    for (int t = 0; t < n; t++) {
        const float *l = logits + (size_t)t * K;
        float *p = probs + (size_t)t * K;
        softmax(l, K, 1.0f, p);
        /* CE = log sum exp(l - top) - (l_token - top), and the sum is 1/p[top] */
        const int top = argmax(l, K);
        ce += (double)l[top] - l[tokens[t]] - log((double)p[top]);
        *correct += top == tokens[t];
    }
    return ce;
}

/* softmax minus the one-hot target */
static void loss_grad(float *probs, const void *target, int n, int n_classes)
{
    const int32_t *tokens = target;
    for (int t = 0; t < n; t++) probs[(size_t)t * n_classes + tokens[t]] -= 1.0f;
}

static int count_equal(const void *a, const void *b, int n, int n_classes)
{
    (void)n_classes;
    const int32_t *x = a, *y = b;
    int equal = 0;
    for (int t = 0; t < n; t++) equal += x[t] == y[t];
    return equal;
}

const mv_repr_io repr_io_tokens = {
    MV_STEPS_TOKENS, step_bytes, targets_per_step, valid, set_none, add_input,
    sample, loss, loss_grad, count_equal, NULL,
};
