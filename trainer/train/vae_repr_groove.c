/* Groove models in the trainer (vae_repr.h): a step is 27 bytes, hits,
 * velocities and offsets of the 9 drum instruments (core/groove.h), read as
 * its 27 features (groove_features), scored by be_groove_loss and fed back
 * as core decodes it (repr_groove.c). */
#include <string.h>

#include "groove.h"
#include "vae_repr.h"
#include "vae_testing.h"

static void features(const uint8_t *step, int n_classes, real *x)
{
    float f[MV_GROOVE_STEP_BYTES];
    groove_features(step, f);
    for (int k = 0; k < n_classes; k++) x[k] = f[k];
}

static void loss(vae *m, int rows, real scale, double *ce, long *correct)
{
    be_groove_loss(m->logits, m->target_bits, rows, scale, m->dlogits, ce, correct);
}

/* Hits greedy (rng NULL) or drawn, each hit's velocity and offset from its
 * outputs by core's groove_hit_from_logits. It reads float outputs: the
 * trainer's own in the float build; the double build (tests) rounds them to
 * float first, as core's decoder has them. */
static void own_step(vae *m, const real *logits, mv_rng *rng, size_t cur, size_t row)
{
    (void)cur;
    const int K = (int)m->hp.n_classes;
    float out[MV_GROOVE_STEP_BYTES];
    for (int k = 0; k < MV_GROOVE_STEP_BYTES; k++) out[k] = (float)logits[k];
    uint8_t *step = m->step_scratch;
    memset(step, 0, MV_GROOVE_STEP_BYTES);
    for (int i = 0; i < MV_GROOVE_VOICES; i++)
        if (vae_repr_bit(logits[MV_GROOVE_HIT + i], rng)) groove_hit_from_logits(out, i, step);
    features(step, K, m->dec_x + row * K);
}

/* hits: a hit predicted is a logit > 0 */
static void count_onsets(vae *m, const mv_window *in, int b, int t, vae_stats *st)
{
    (void)in;
    const real *logits = vae_logits_at(m, b, t);
    /* the targets (the true steps' features) are laid out as the logits */
    const real *truth = m->target_bits + (logits - m->logits);
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        const int yes = truth[MV_GROOVE_HIT + i] > (real)0.5, pred = logits[MV_GROOVE_HIT + i] > 0;
        vae_repr_onsets(st, yes, pred, yes && pred);
    }
}

const vae_repr vae_repr_groove = {1, features, loss, own_step, count_onsets};
