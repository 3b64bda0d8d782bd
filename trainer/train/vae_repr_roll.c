/* Piano-roll models in the trainer (vae_repr.h): a step is K bits (P
 * "sounds", then P "starts", core/tokens.h), read as K dense features, scored
 * by K sigmoid cross-entropies and fed back as K bits normalised against the
 * step before, as core decodes (repr_roll.c). */
#include "tokens.h"
#include "vae_repr.h"
#include "vae_testing.h"

static void features(const uint8_t *step, int n_classes, real *x)
{
    for (int k = 0; k < n_classes; k++) x[k] = step[k];
}

static void loss(vae *m, int rows, real scale, double *ce, long *correct)
{
    be_sigmoid_xent(m->logits, m->target_bits, rows, (int)m->hp.n_classes, scale, m->dlogits, ce,
                    correct);
}

/* The step made of logits [K] after the step fed as input x [K], in
 * step_scratch: bits greedy (rng NULL) or drawn, normalised against it. */
static const uint8_t *step_from(vae *m, const real *logits, const real *x, mv_rng *rng)
{
    const int K = (int)m->hp.n_classes;
    uint8_t *step = m->step_scratch, *prev = m->step_scratch + K;
    for (int k = 0; k < K; k++) {
        step[k] = vae_repr_bit(logits[k], rng);
        prev[k] = x[k] > (real)0.5;
    }
    roll_step_normalise(step, prev, K / 2);
    return step;
}

static void own_step(vae *m, const real *logits, mv_rng *rng, size_t cur, size_t row)
{
    const int K = (int)m->hp.n_classes;
    features(step_from(m, logits, m->dec_x + cur * K, rng), K, m->dec_x + row * K);
}

/* "starts" bits */
static void count_onsets(vae *m, const mv_window *in, int b, int t, vae_stats *st)
{
    const int K = (int)m->hp.n_classes, P = K / 2, T = (int)hparams_seq_len(&m->hp);
    const uint8_t *out = step_from(m, vae_logits_at(m, b, t), vae_input_step_at(m, b, t), NULL);
    const uint8_t *truth = (const uint8_t *)in->steps + ((size_t)b * T + (size_t)t) * K;
    for (int p = 0; p < P; p++)
        vae_repr_onsets(st, truth[P + p], out[P + p], truth[P + p] & out[P + p]);
}

const vae_repr vae_repr_roll = {1, features, loss, own_step, count_onsets};
