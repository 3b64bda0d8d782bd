/* Finite-difference gradient checks of the trainer's maths in double precision
 * (trainer/train compiled with MV_TRAIN_DOUBLE): each layer's backward on its
 * own, then every parameter of a tiny model with two layers everywhere, with
 * teacher forcing and with scheduled sampling, inside and outside free bits, for
 * a token model and a piano-roll model (multi-hot inputs, sigmoid outputs),
 * and a chord-conditioned token model (its chord kernel included). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "check.h"
#include "chord.h"
#include "groove.h"
#include "random_groove.h"
#include "tokens.h"
#include "vae.h"

#ifndef MV_TRAIN_DOUBLE
#error "this test checks the double-precision build"
#endif

/* central differences in double: truncation and rounding errors stay near 1e-6 */
static const double step = 1e-5, tol = 2e-5;

static void fill_random(double *x, size_t n, mv_rng *r, double scale)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * (2.0 * rng_uniform(r) - 1.0);
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double rel_err(double a, double b)
{
    return fabs(a - b) / fmax(1e-4, fmax(fabs(a), fabs(b)));
}

/* The LSTM cell: L = <wc, c> + <wh, h>; gradients wrt the pre-activation gates
 * and c_prev. */
static double cell_loss(const double *pre, const double *c_prev, const double *wc,
                        const double *wh, int rows, int H)
{
    double g[4 * 3 * 4], c[3 * 4], h[3 * 4], tc[3 * 4];
    memcpy(g, pre, sizeof(double) * 4 * rows * H);
    be_lstm_cell_forward(g, c_prev, c, h, tc, rows, H);
    return dot(wc, c, rows * H) + dot(wh, h, rows * H);
}

static void check_lstm_cell(void)
{
    enum { rows = 3, H = 4 };
    mv_rng r;
    rng_seed(&r, 1);
    double pre[4 * rows * H], c_prev[rows * H], wc[rows * H], wh[rows * H];
    fill_random(pre, 4 * rows * H, &r, 2);
    fill_random(c_prev, rows * H, &r, 1);
    fill_random(wc, rows * H, &r, 1);
    fill_random(wh, rows * H, &r, 1);
    double g[4 * rows * H], c[rows * H], h[rows * H], tc[rows * H];
    memcpy(g, pre, sizeof g);
    be_lstm_cell_forward(g, c_prev, c, h, tc, rows, H);
    double dc[rows * H], dgates[4 * rows * H];
    memcpy(dc, wc, sizeof dc); /* dL/dc from "later" = wc */
    be_lstm_cell_backward(g, c_prev, tc, wh, dc, dgates, rows, H);
    for (int i = 0; i < 4 * rows * H; i++) {
        double keep = pre[i];
        pre[i] = keep + step;
        double up = cell_loss(pre, c_prev, wc, wh, rows, H);
        pre[i] = keep - step;
        double down = cell_loss(pre, c_prev, wc, wh, rows, H);
        pre[i] = keep;
        double fd = (up - down) / (2 * step);
        CHECK_MSG(rel_err(fd, dgates[i]) < tol, "lstm gate %d: fd %g vs %g", i, fd, dgates[i]);
    }
    for (int i = 0; i < rows * H; i++) {
        double keep = c_prev[i];
        c_prev[i] = keep + step;
        double up = cell_loss(pre, c_prev, wc, wh, rows, H);
        c_prev[i] = keep - step;
        double down = cell_loss(pre, c_prev, wc, wh, rows, H);
        c_prev[i] = keep;
        double fd = (up - down) / (2 * step);
        CHECK_MSG(rel_err(fd, dc[i]) < tol, "lstm c_prev %d: fd %g vs %g", i, fd, dc[i]);
    }
}

/* The latent layer: L = <wz, z> + <wk, kl>. */
static double latent_loss(const double *mu, const double *sp, const double *eps,
                          const double *wz, const double *wk, int rows, int n)
{
    double sigma[2 * 5], z[2 * 5], kl[2];
    be_latent_forward(mu, sp, eps, sigma, z, kl, rows, n);
    return dot(wz, z, rows * n) + wk[0] * kl[0] + wk[1] * kl[1];
}

static void check_latent(void)
{
    enum { rows = 2, n = 5 };
    mv_rng r;
    rng_seed(&r, 2);
    double mu[rows * n], sp[rows * n], eps[rows * n], wz[rows * n], wk[rows];
    fill_random(mu, rows * n, &r, 1);
    fill_random(sp, rows * n, &r, 2);
    fill_random(eps, rows * n, &r, 1.5);
    fill_random(wz, rows * n, &r, 1);
    fill_random(wk, rows, &r, 1);
    double sigma[rows * n], z[rows * n], kl[rows], dmu[rows * n], dsp[rows * n];
    be_latent_forward(mu, sp, eps, sigma, z, kl, rows, n);
    be_latent_backward(mu, sp, sigma, eps, wz, wk, dmu, dsp, rows, n);
    double *inputs[2] = {mu, sp}, *grads[2] = {dmu, dsp};
    for (int which = 0; which < 2; which++)
        for (int i = 0; i < rows * n; i++) {
            double *x = inputs[which], keep = x[i];
            x[i] = keep + step;
            double up = latent_loss(mu, sp, eps, wz, wk, rows, n);
            x[i] = keep - step;
            double down = latent_loss(mu, sp, eps, wz, wk, rows, n);
            x[i] = keep;
            double fd = (up - down) / (2 * step);
            CHECK_MSG(rel_err(fd, grads[which][i]) < tol, "latent %s %d: fd %g vs %g",
                      which ? "sigma_pre" : "mu", i, fd, grads[which][i]);
        }
}

static void check_softmax_xent_and_tanh(void)
{
    enum { rows = 3, k = 6 };
    mv_rng r;
    rng_seed(&r, 3);
    double x[rows * k], d[rows * k];
    int32_t target[rows] = {0, 5, 2};
    fill_random(x, rows * k, &r, 3);
    double loss = 0;
    long correct = 0;
    be_softmax_xent(x, target, rows, k, 0.5, d, &loss, &correct);
    for (int i = 0; i < rows * k; i++) {
        double keep = x[i], up = 0, down = 0;
        x[i] = keep + step;
        be_softmax_xent(x, target, rows, k, 0.5, NULL, &up, &correct);
        x[i] = keep - step;
        be_softmax_xent(x, target, rows, k, 0.5, NULL, &down, &correct);
        x[i] = keep;
        double fd = 0.5 * (up - down) / (2 * step);
        CHECK_MSG(rel_err(fd, d[i]) < tol, "softmax xent %d: fd %g vs %g", i, fd, d[i]);
    }
    /* tanh: d/dx sum(w tanh x) */
    double w[rows * k], y[rows * k];
    fill_random(w, rows * k, &r, 1);
    memcpy(y, x, sizeof y);
    be_tanh(y, rows * k);
    double dy[rows * k];
    memcpy(dy, w, sizeof dy);
    be_tanh_backward(dy, y, rows * k);
    for (int i = 0; i < rows * k; i++) {
        double fd = w[i] * (tanh(x[i] + step) - tanh(x[i] - step)) / (2 * step);
        CHECK_MSG(rel_err(fd, dy[i]) < tol, "tanh %d: fd %g vs %g", i, fd, dy[i]);
    }
}

static void check_sigmoid_xent(void)
{
    enum { rows = 3, k = 5 };
    mv_rng r;
    rng_seed(&r, 4);
    double x[rows * k], y[rows * k], d[rows * k];
    fill_random(x, rows * k, &r, 3);
    for (int i = 0; i < rows * k; i++) y[i] = rng_uniform(&r) < 0.4;
    double loss = 0;
    long correct = 0;
    be_sigmoid_xent(x, y, rows, k, 0.5, d, &loss, &correct);
    for (int i = 0; i < rows * k; i++) {
        double keep = x[i], up = 0, down = 0;
        x[i] = keep + step;
        be_sigmoid_xent(x, y, rows, k, 0.5, NULL, &up, &correct);
        x[i] = keep - step;
        be_sigmoid_xent(x, y, rows, k, 0.5, NULL, &down, &correct);
        x[i] = keep;
        double fd = 0.5 * (up - down) / (2 * step);
        CHECK_MSG(rel_err(fd, d[i]) < tol, "sigmoid xent %d: fd %g vs %g", i, fd, d[i]);
    }
    /* the loss itself: -log sigmoid(x) for a 1, -log(1 - sigmoid(x)) for a 0 */
    double want = 0;
    for (int i = 0; i < rows * k; i++) {
        double s = 1 / (1 + exp(-x[i]));
        want -= y[i] ? log(s) : log(1 - s);
    }
    loss = 0;
    be_sigmoid_xent(x, y, rows, k, 1, NULL, &loss, &correct);
    CHECK_CLOSE(loss, want, 1e-9);
}

typedef struct case_cfg {
    const char *name;
    int feed;
    double sample_prob;
    vae_loss_cfg loss;
    double word_dropout;
    int roll;   /* 1: a piano-roll model, 2: a groove model (hits, velocities, offsets) */
    int chords; /* a chord-conditioned model, given chords (some steps none) */
    int latent_dropout; /* window 2 decodes its eps (a prior sample), window 3 a borrowed z */
    double dropout;     /* between the decoder's layers */
} case_cfg;

/* in: the batch's tokens, or roll steps (normalised, as the data is). */
static double model_loss(vae *m, mv_window in, const double *eps, int B,
                         const case_cfg *c)
{
    mv_rng r[8]; /* one stream per sequence */
    CHECK(B <= 8);
    if (B > 8) return NAN;
    for (int b = 0; b < B; b++)
        rng_seed(&r[b], 99 + (uint64_t)b); /* the same sampling and dropout draws every time */
    m->word_dropout = c->word_dropout;
    m->dropout = c->dropout;
    return vae_forward(m, in, eps, B, &c->loss, c->feed, c->sample_prob, r).loss;
}

/* Every parameter of every tensor against central differences. */
static void check_model(const case_cfg *c)
{
    const mv_hparams melody = {MV_REPR_MELODY, 11, 60, 2, 3, 4, 5, 2, 6, 2, 7, 2, 0};
    const mv_hparams roll = {MV_REPR_ROLL, 8, 60, 2, 3, 4, 5, 2, 6, 2, 7, 2, 0};
    const mv_hparams groove = {MV_REPR_GROOVE, MV_GROOVE_STEP_BYTES, 0, 2, 3, 4, 5, 2, 6, 2, 7,
                               2, 0};
    mv_hparams hp = c->roll == 2 ? groove : c->roll ? roll : melody;
    if (c->chords) hp.chords = MV_CHORDS_V1;
    enum { B = 3 };
    vae m;
    CHECK(vae_create(&m, &hp, B) == 0);
    vae_init_params(&m, 5);
    mv_rng r;
    rng_seed(&r, 6);
    /* larger weights than the init so that every path carries signal */
    for (uint64_t i = 0; i < m.n_params; i++) m.params[i] *= 1.5;
    const int T = (int)hparams_seq_len(&hp);
    int32_t tokens[B * 6];
    for (int i = 0; i < B * T; i++) tokens[i] = (int32_t)(rng_u32(&r) % hp.n_classes);
    uint8_t steps[B * 6 * 8];
    const int K = (int)roll.n_classes;
    for (int i = 0; i < B * T * K; i++) steps[i] = rng_uniform(&r) < 0.3f;
    for (int i = 0; i < B * T; i++)
        roll_step_normalise(steps + i * K, i % T ? steps + (i - 1) * K : NULL, K / 2);
    uint8_t grooves[B * 6 * MV_GROOVE_STEP_BYTES] = {0};
    random_groove_steps(&r, grooves, B * T, 0.4f);
    const mv_window in = c->roll == 2 ? window_groove(grooves)
                         : c->roll ? window_roll(steps)
                                   : window_tokens(tokens);
    double eps[B * 4];
    for (int i = 0; i < B * 4; i++) eps[i] = rng_normal(&r);
    uint8_t chords[B * 6];
    for (int i = 0; i < B * T; i++)
        chords[i] = rng_uniform(&r) < 0.2f ? MV_CHORD_NONE
                                            : (uint8_t)(1 + rng_u32(&r) % (MV_CHORD_COUNT - 1));
    m.chords = c->chords ? chords : NULL;
    const uint8_t elsewhere[B] = {VAE_Z_OWN, VAE_Z_PRIOR, VAE_Z_WINDOW};
    double borrowed[B * 4];
    for (int i = 0; i < B * 4; i++) borrowed[i] = rng_normal(&r);
    m.z_elsewhere = c->latent_dropout ? elsewhere : NULL;
    m.z_borrowed = borrowed;

    if (c->dropout > 0) { /* the masks are drawn: the loss is not the undropped one */
        case_cfg undropped = *c;
        undropped.dropout = 0;
        CHECK(model_loss(&m, in, eps, B, c) != model_loss(&m, in, eps, B, &undropped));
    }
    vae_zero_grads(&m);
    model_loss(&m, in, eps, B, c);
    vae_backward(&m, &c->loss);

    double worst = 0;
    int n_checked = 0;
    for (int t = 0; t < m.n_tensors; t++) {
        double tensor_worst = 0;
        uint64_t n = tensor_spec_count(&m.specs[t]);
        for (uint64_t i = 0; i < n; i++) {
            double *p = m.params + m.specs[t].offset + i, keep = *p;
            *p = keep + step;
            double up = model_loss(&m, in, eps, B, c);
            *p = keep - step;
            double down = model_loss(&m, in, eps, B, c);
            *p = keep;
            double fd = (up - down) / (2 * step), an = m.grads[m.specs[t].offset + i];
            /* a roll's loss sums T K sigmoid terms: its differences carry ~1e-9
             * of rounding, so tiny gradients are judged absolutely */
            double e = rel_err(fd, an);
            if (e > tensor_worst) tensor_worst = e;
            n_checked++;
            CHECK_MSG(e < tol || fabs(fd - an) < 1e-8, "%s: %s[%llu]: finite difference %.9g, backward %.9g", c->name,
                      m.specs[t].name, (unsigned long long)i, fd, an);
        }
        if (tensor_worst > worst) worst = tensor_worst;
    }
    printf("%s: %d parameters, worst relative error %.2e\n", c->name, n_checked, worst);
    vae_free(&m);
}

int main(void)
{
    check_lstm_cell();
    check_latent();
    check_softmax_xent_and_tanh();
    check_sigmoid_xent();
    const case_cfg cases[] = {
        {"teacher forcing, KL above free bits", VAE_FEED_TRUTH, 0, {0.7, 0}, 0, 0, 0, 0, 0},
        {"teacher forcing, KL inside free bits", VAE_FEED_TRUTH, 0, {0.7, 1000}, 0, 0, 0, 0, 0},
        {"scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0, 0, 0, 0, 0},
        {"word dropout, teacher forcing", VAE_FEED_SCHEDULED, 0, {0.3, 0}, 0.4, 0, 0, 0, 0},
        {"word dropout with scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0.4, 0, 0, 0, 0},
        {"roll, teacher forcing", VAE_FEED_TRUTH, 0, {0.7, 0}, 0, 1, 0, 0, 0},
        {"roll, word dropout with scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0.4, 1, 0, 0, 0},
        {"groove, teacher forcing", VAE_FEED_TRUTH, 0, {0.7, 0}, 0, 2, 0, 0, 0},
        {"groove, word dropout with scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0.4,
         2, 0, 0, 0},
        {"chords, teacher forcing", VAE_FEED_TRUTH, 0, {0.7, 0}, 0, 0, 1, 0, 0},
        {"chords, word dropout with scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0.4,
         0, 1, 0, 0},
        {"chords, latent dropout, scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0.4, 0,
         1, 1, 0},
        {"dropout, teacher forcing", VAE_FEED_SCHEDULED, 0, {0.3, 0}, 0, 0, 0, 0, 0.4},
        {"dropout, word dropout with scheduled sampling", VAE_FEED_SCHEDULED, 0.5, {0.3, 0}, 0.4,
         0, 0, 0, 0.4},
        {"groove, dropout, teacher forcing", VAE_FEED_SCHEDULED, 0, {0.3, 0}, 0.4, 2, 0, 0, 0.4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_model(&cases[i]);
    return check_report();
}
