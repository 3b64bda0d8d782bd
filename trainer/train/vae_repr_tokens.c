/* Token models (melody, drums) in the trainer (vae_repr.h): a step is one
 * int32 class, read as a one-hot input, scored by softmax cross-entropy and
 * fed back as the argmax or a draw from the softmax. Melody and drums differ
 * only in what an onset is. */
#include <math.h>

#include "tokens.h"
#include "vae_repr.h"
#include "vae_testing.h"

static int argmax_of(const real *x, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (x[j] > x[best]) best = j;
    return best;
}

static int sample_from(const real *logits, int K, mv_rng *rng, real *probs)
{
    real mx = logits[0], sum = 0;
    for (int j = 1; j < K; j++) mx = logits[j] > mx ? logits[j] : mx;
    for (int j = 0; j < K; j++) sum += probs[j] = (real)exp((double)(logits[j] - mx));
    real u = (real)rng_uniform(rng) * sum, acc = 0;
    for (int j = 0; j < K; j++) {
        acc += probs[j];
        if (u < acc) return j;
    }
    return K - 1;
}

static void loss(vae *m, int rows, real scale, double *ce, long *correct)
{
    be_softmax_xent(m->logits, m->target, rows, (int)m->hp.n_classes, scale, m->dlogits, ce,
                    correct);
}

static void own_step(vae *m, const real *logits, mv_rng *rng, size_t cur, size_t row)
{
    (void)cur;
    const int K = (int)m->hp.n_classes;
    m->prev_tok[row] = rng ? sample_from(logits, K, rng, m->probs) : argmax_of(logits, K);
}

/* The true token of step t of window b, and the argmax of its logits. */
static int32_t true_and_argmax(const vae *m, const mv_window *in, int b, int t, int32_t *pred)
{
    const int K = (int)m->hp.n_classes, T = (int)hparams_seq_len(&m->hp);
    *pred = argmax_of(vae_logits_at(m, b, t), K);
    return ((const int32_t *)in->steps)[(size_t)b * T + t];
}

/* note-ons, right when step and pitch are */
static void count_melody_onsets(vae *m, const mv_window *in, int b, int t, vae_stats *st)
{
    int32_t pred;
    const int32_t truth = true_and_argmax(m, in, b, t, &pred);
    const int on_true = truth > MV_MELODY_NOTE_OFF, on_pred = pred > MV_MELODY_NOTE_OFF;
    vae_repr_onsets(st, on_true, on_pred, on_true && pred == truth);
}

/* hits, a token's bits (tokens.h) */
static void count_drum_onsets(vae *m, const mv_window *in, int b, int t, vae_stats *st)
{
    int32_t pred;
    const int32_t truth = true_and_argmax(m, in, b, t, &pred);
    vae_repr_onsets(st, __builtin_popcount((unsigned)truth), __builtin_popcount((unsigned)pred),
                    __builtin_popcount((unsigned)(truth & pred)));
}

const vae_repr vae_repr_melody = {0, NULL, loss, own_step, count_melody_onsets};
const vae_repr vae_repr_drums = {0, NULL, loss, own_step, count_drum_onsets};
