/* The decoder and encoder: a plain double-precision reference forward pass
 * (written from docs/design.md section 2 and model_layout.h, reading tensors by
 * name), determinism, batch independence, per-bar decoding, and the model's
 * parameter block. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "decoder.h"
#include "decoder_testing.h"
#include "kernels.h"
#include "model_layout.h"
#include "test_model.h"
#include "tokens.h"

/* ---- reference forward pass, one sequence at a time, in double ---- */

typedef struct ref_lstm {
    const float *w_x, *w_h, *b; /* w_x NULL when n_in is 0 */
    int n_in, H;
} ref_lstm;

static ref_lstm ref_lstm_get(const test_model *tm, const char *prefix, int l, int n_in, int H)
{
    char name[MV_TENSOR_NAME_MAX];
    ref_lstm w = {NULL, NULL, NULL, n_in, H};
    if (n_in) {
        snprintf(name, sizeof name, "%s.l%d.w_x", prefix, l);
        w.w_x = test_model_tensor(tm, name)->data;
    }
    snprintf(name, sizeof name, "%s.l%d.w_h", prefix, l);
    w.w_h = test_model_tensor(tm, name)->data;
    snprintf(name, sizeof name, "%s.l%d.b", prefix, l);
    w.b = test_model_tensor(tm, name)->data;
    return w;
}

static double sigm(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static void ref_lstm_step(const ref_lstm *w, const double *x, double *c, double *h)
{
    const int H = w->H;
    double *g = malloc(4 * (size_t)H * sizeof *g);
    for (int j = 0; j < 4 * H; j++) {
        double s = w->b[j];
        for (int k = 0; k < w->n_in; k++) s += x[k] * w->w_x[(size_t)k * 4 * H + j];
        for (int k = 0; k < H; k++) s += h[k] * w->w_h[(size_t)k * 4 * H + j];
        g[j] = s;
    }
    for (int j = 0; j < H; j++) {
        c[j] = sigm(g[H + j]) * c[j] + sigm(g[j]) * tanh(g[2 * H + j]);
        h[j] = sigm(g[3 * H + j]) * tanh(c[j]);
    }
    free(g);
}

static void ref_dense(const test_model *tm, const char *name, const double *x, int n_in,
                      int n_out, double *y)
{
    char wn[MV_TENSOR_NAME_MAX], bn[MV_TENSOR_NAME_MAX];
    snprintf(wn, sizeof wn, "%s.w", name);
    snprintf(bn, sizeof bn, "%s.b", name);
    const float *w = test_model_tensor(tm, wn)->data, *b = test_model_tensor(tm, bn)->data;
    for (int j = 0; j < n_out; j++) {
        double s = b[j];
        for (int k = 0; k < n_in; k++) s += x[k] * w[(size_t)k * n_out + j];
        y[j] = s;
    }
}

/* tanh(dense(x)) split into [c_l | h_l] per layer */
static void ref_init_states(const test_model *tm, const char *name, const double *x, int n_in,
                            int L, int H, double c[][1024], double h[][1024])
{
    double *y = malloc(2 * (size_t)L * H * sizeof *y);
    ref_dense(tm, name, x, n_in, 2 * L * H, y);
    for (int l = 0; l < L; l++)
        for (int j = 0; j < H; j++) {
            c[l][j] = tanh(y[2 * l * H + j]);
            h[l][j] = tanh(y[2 * l * H + H + j]);
        }
    free(y);
}

/* One sequence's input steps: tokens [T] (one-hot), or roll [T, K] (multi-hot). */
typedef struct ref_input {
    const int32_t *tokens;
    const uint8_t *roll;
} ref_input;

/* x[0..K) = the input at step t */
static void ref_step(const ref_input *in, int t, int K, double *x)
{
    for (int k = 0; k < K; k++)
        x[k] = in->roll ? in->roll[(size_t)t * K + k] : in->tokens[t] == k;
}

/* Teacher-forced logits [T, K] of one sequence. */
static void ref_logits(const test_model *tm, const float *z, const ref_input *in, double *out)
{
    const mv_hparams *hp = &tm->hp;
    const int Z = (int)hp->z_size, C = (int)hp->cond_size, D = (int)hp->dec_size;
    const int K = (int)hp->n_classes, S = (int)hp->steps_per_bar;
    const int Lc = (int)hp->cond_layers, Ld = (int)hp->dec_layers;
    static double c[MV_MAX_LAYERS][1024], h[MV_MAX_LAYERS][1024];
    static double e[64][1024]; /* bar embeddings */
    double zd[1024], x[2048];
    for (int i = 0; i < Z; i++) zd[i] = z[i];
    ref_init_states(tm, "conductor.init", zd, Z, Lc, C, c, h);
    for (int bar = 0; bar < (int)hp->n_bars; bar++) {
        for (int l = 0; l < Lc; l++) {
            ref_lstm w = ref_lstm_get(tm, "conductor", l, l ? C : 0, C);
            ref_lstm_step(&w, l ? h[l - 1] : NULL, c[l], h[l]);
        }
        memcpy(e[bar], h[Lc - 1], (size_t)C * sizeof(double));
    }
    for (int bar = 0; bar < (int)hp->n_bars; bar++) {
        ref_init_states(tm, "decoder.init", e[bar], C, Ld, D, c, h);
        for (int s = 0; s < S; s++) {
            const int t = bar * S + s;
            /* [previous step | e_bar]; the first step of all is zeros */
            memset(x, 0, (size_t)K * sizeof(double));
            if (t > 0) ref_step(in, t - 1, K, x);
            memcpy(x + K, e[bar], (size_t)C * sizeof(double));
            for (int l = 0; l < Ld; l++) {
                ref_lstm w = ref_lstm_get(tm, "decoder", l, l ? D : K + C, D);
                ref_lstm_step(&w, l ? h[l - 1] : x, c[l], h[l]);
            }
            ref_dense(tm, "decoder.out", h[Ld - 1], D, K, out + (size_t)t * K);
        }
    }
}

/* Bidirectional encoder of one sequence: mu and sigma [Z]. */
static void ref_encode(const test_model *tm, const ref_input *in, double *mu, double *sigma)
{
    const mv_hparams *hp = &tm->hp;
    const int E = (int)hp->enc_size, K = (int)hp->n_classes, Z = (int)hp->z_size;
    const int T = (int)hparams_seq_len(hp), L = (int)hp->enc_layers;
    double *below = calloc((size_t)T * 2 * E, sizeof *below);
    double *above = calloc((size_t)T * 2 * E, sizeof *above);
    double *x = calloc((size_t)(K > 2 * E ? K : 2 * E), sizeof *x);
    double *c = calloc((size_t)E, sizeof *c), *h = calloc((size_t)E, sizeof *h);
    double *last = calloc(2 * (size_t)E, sizeof *last);
    for (int l = 0; l < L; l++) {
        for (int dir = 0; dir < 2; dir++) {
            ref_lstm w = ref_lstm_get(tm, dir ? "encoder.bw" : "encoder.fw", l, l ? 2 * E : K, E);
            memset(c, 0, (size_t)E * sizeof *c);
            memset(h, 0, (size_t)E * sizeof *h);
            for (int i = 0; i < T; i++) {
                const int t = dir ? T - 1 - i : i;
                if (l == 0) {
                    ref_step(in, t, K, x);
                } else {
                    memcpy(x, below + (size_t)t * 2 * E, 2 * (size_t)E * sizeof *x);
                }
                ref_lstm_step(&w, x, c, h);
                memcpy(above + (size_t)t * 2 * E + dir * E, h, (size_t)E * sizeof *h);
            }
            memcpy(last + dir * E, h, (size_t)E * sizeof *h);
        }
        double *swap = below;
        below = above;
        above = swap;
    }
    ref_dense(tm, "encoder.mu", last, 2 * E, Z, mu);
    ref_dense(tm, "encoder.sigma", last, 2 * E, Z, sigma);
    for (int i = 0; i < Z; i++) sigma[i] = log1p(exp(sigma[i]));
    free(below), free(above), free(x), free(c), free(h), free(last);
}

static void test_against_reference(const mv_hparams *hp, const char *label)
{
    test_model tm;
    CHECK(test_model_make(&tm, hp, 31) == 0);
    const int batch = 3, Z = (int)hp->z_size, K = (int)hp->n_classes;
    const int T = (int)hparams_seq_len(hp), roll = hp->repr == MV_REPR_ROLL;
    mv_rng rng;
    rng_seed(&rng, 8);
    float *z = malloc((size_t)batch * Z * sizeof *z);
    int32_t *tokens = malloc((size_t)batch * T * sizeof *tokens);
    uint8_t *bits = malloc((size_t)batch * T * K);
    random_z(&rng, z, batch * Z);
    random_tokens(&rng, tokens, batch * T, K);
    for (int i = 0; i < batch * T * K; i++) bits[i] = rng_uniform(&rng) < 0.2f;
    float *logits = malloc((size_t)batch * T * K * sizeof *logits);
    float *mu = malloc((size_t)batch * Z * sizeof *mu), *sigma = malloc((size_t)batch * Z * sizeof *sigma);
    double *ref = malloc((size_t)T * K * sizeof *ref);
    double *rmu = malloc((size_t)Z * sizeof *rmu), *rsigma = malloc((size_t)Z * sizeof *rsigma);
    mv_decoder *d = decoder_create(&tm.model, 4);
    CHECK(d != NULL);
    if (roll) {
        decoder_logits(d, z, window_roll(bits), batch, logits);
        decoder_encode(d, window_roll(bits), batch, mu, sigma);
    } else {
        decoder_logits(d, z, window_tokens(tokens), batch, logits);
        decoder_encode(d, window_tokens(tokens), batch, mu, sigma);
    }
    double worst_logit = 0, worst_mu = 0, worst_sigma = 0, spread = 0;
    for (int b = 0; b < batch; b++) {
        ref_input in = {roll ? NULL : tokens + (size_t)b * T, roll ? bits + (size_t)b * T * K : NULL};
        ref_logits(&tm, z + (size_t)b * Z, &in, ref);
        for (int i = 0; i < T * K; i++) {
            double r = ref[i], got = logits[(size_t)b * T * K + i];
            worst_logit = fmax(worst_logit, fabs(got - r) / fmax(1.0, fabs(r)));
            spread = fmax(spread, fabs(r));
        }
        ref_encode(&tm, &in, rmu, rsigma);
        for (int i = 0; i < Z; i++) {
            worst_mu = fmax(worst_mu, fabs(mu[b * Z + i] - rmu[i]) / fmax(1.0, fabs(rmu[i])));
            worst_sigma = fmax(worst_sigma, fabs(sigma[b * Z + i] - rsigma[i]) / fmax(1.0, fabs(rsigma[i])));
            CHECK(sigma[b * Z + i] > 0);
        }
    }
    CHECK_MSG(worst_logit < 1e-4, "%s: logits differ from the reference by %g", label, worst_logit);
    CHECK_MSG(worst_mu < 1e-4, "%s: mu differs from the reference by %g", label, worst_mu);
    CHECK_MSG(worst_sigma < 1e-4, "%s: sigma differs from the reference by %g", label, worst_sigma);
    CHECK_MSG(spread > 0.1, "%s: logits too flat (%g) for the comparison to mean much", label, spread);
    decoder_free(d);
    free(z), free(tokens), free(bits), free(logits), free(mu), free(sigma), free(ref), free(rmu),
        free(rsigma);
    test_model_free(&tm);
}

/* ---- determinism and batch independence ---- */

static void seed_rngs(mv_rng *rngs, int n, uint64_t base)
{
    for (int i = 0; i < n; i++) rng_seed(&rngs[i], base + (uint64_t)i * 7919);
}

/* Whether conduct + decode_bar, bar after bar, each bar fed the last token of
 * the one before (what the plugin's worker does), gives `whole`, the tokens of
 * one decoder_decode of the same z under the same seeds (rngs as seeded). */
static bool per_bar_equals_whole(mv_decoder *d, const mv_hparams *hp, const float *z, int B,
                                 float temp, mv_rng *rngs, const int32_t *whole)
{
    const int T = (int)hparams_seq_len(hp), S = (int)hp->steps_per_bar;
    int32_t *bars = malloc(sizeof(int32_t) * B * T), *bar_tokens = malloc(sizeof(int32_t) * B * S);
    int32_t prev[8];
    decoder_conduct(d, z, B);
    for (int i = 0; i < B; i++) prev[i] = -1;
    for (int bar = 0; bar < (int)hp->n_bars; bar++) {
        decoder_decode_bar(d, B, bar, window_tokens(prev), temp, rngs, window_tokens(bar_tokens));
        for (int i = 0; i < B; i++) {
            memcpy(bars + i * T + bar * S, bar_tokens + i * S, sizeof(int32_t) * S);
            prev[i] = bar_tokens[i * S + S - 1];
        }
    }
    bool same = memcmp(whole, bars, sizeof(int32_t) * B * T) == 0;
    free(bars), free(bar_tokens);
    return same;
}

/* A 16-bar phrase (issue 22): the conductor's 16 embeddings, made once, carry
 * the phrase across bars; decoding it bar by bar gives the whole decode's
 * tokens at every temperature. */
static void test_long_phrase_per_bar(void)
{
    mv_hparams hp = test_hparams_odd();
    hp.n_bars = 16;
    hp.steps_per_bar = 4;
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 11) == 0);
    const int B = 3;
    mv_decoder *whole = decoder_create(&tm.model, B), *per_bar = decoder_create(&tm.model, B);
    CHECK(whole && per_bar);
    mv_rng rng, ra[3], rb[3];
    rng_seed(&rng, 7);
    float z[3 * 23];
    random_z(&rng, z, B * (int)hp.z_size);
    int32_t tokens[3 * 64];
    const float temps[] = {0.0f, 1.0f};
    for (int ti = 0; ti < 2; ti++) {
        seed_rngs(ra, B, 500);
        seed_rngs(rb, B, 500);
        decoder_decode(whole, z, B, temps[ti], ra, window_tokens(tokens));
        CHECK_MSG(per_bar_equals_whole(per_bar, &hp, z, B, temps[ti], rb, tokens),
                  "16 bars, T %g: bar-by-bar decoding differs from the whole phrase", temps[ti]);
        int distinct_bars = 0; /* the check means something only if the bars differ */
        for (int bar = 1; bar < (int)hp.n_bars; bar++)
            distinct_bars += memcmp(tokens + bar * 4, tokens, sizeof(int32_t) * 4) != 0;
        CHECK_MSG(distinct_bars > 0 || ti == 0, "16 bars at T 1 all equal the first");
    }
    decoder_free(whole), decoder_free(per_bar);
    test_model_free(&tm);
}

static void test_determinism(void)
{
    const mv_hparams hp = test_hparams_odd();
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 5) == 0);
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp);
    const int B = 8, pos = 5;
    mv_decoder *d1 = decoder_create(&tm.model, B), *d2 = decoder_create(&tm.model, B);
    mv_decoder *solo = decoder_create(&tm.model, 1);
    CHECK(d1 && d2 && solo);
    CHECK(decoder_max_batch(d1) == B);
    mv_rng rng;
    rng_seed(&rng, 99);
    float z[8 * 64];
    random_z(&rng, z, B * Z);
    int32_t a[8 * 64], b[8 * 64], alone[64];
    mv_rng ra[8], rb[8], r1;
    const float temps[] = {0.0f, 1.0f, 0.5f};
    for (int ti = 0; ti < 3; ti++) {
        const float temp = temps[ti];
        /* same z, temperature and seeds: same tokens from two decoders */
        seed_rngs(ra, B, 1000);
        seed_rngs(rb, B, 1000);
        decoder_decode(d1, z, B, temp, ra, window_tokens(a));
        decoder_decode(d2, z, B, temp, rb, window_tokens(b));
        CHECK_MSG(memcmp(a, b, sizeof(int32_t) * B * T) == 0, "T %g: two decoders differ", temp);
        for (int i = 0; i < B * T; i++) CHECK(a[i] >= 0 && a[i] < (int)hp.n_classes);

        /* sequence pos decodes the same alone as inside the batch */
        rng_seed(&r1, 1000 + (uint64_t)pos * 7919);
        decoder_decode(solo, z + pos * Z, 1, temp, &r1, window_tokens(alone));
        CHECK_MSG(memcmp(alone, a + pos * T, sizeof(int32_t) * T) == 0,
                  "T %g: alone differs from position %d in a batch of %d", temp, pos, B);

        seed_rngs(rb, B, 1000);
        CHECK_MSG(per_bar_equals_whole(d2, &hp, z, B, temp, rb, a),
                  "T %g: per-bar decoding differs from the full decode", temp);
    }

    /* greedy tokens are the argmax of the teacher-forced logits on themselves */
    const int K = (int)hp.n_classes;
    decoder_decode(d1, z, B, 0.0f, NULL, window_tokens(a));
    float *logits = malloc((size_t)B * T * K * sizeof *logits);
    decoder_logits(d2, z, window_tokens(a), B, logits);
    int agree = 0;
    for (int i = 0; i < B * T; i++) agree += argmax(logits + (size_t)i * K, K) == a[i];
    CHECK_MSG(agree == B * T, "greedy decode and teacher-forced logits agree on %d of %d", agree, B * T);

    /* sampling at T = 1 does depart from greedy somewhere, and seeds matter */
    seed_rngs(ra, B, 1000);
    decoder_decode(d1, z, B, 1.0f, ra, window_tokens(b));
    CHECK(memcmp(a, b, sizeof(int32_t) * B * T) != 0);
    seed_rngs(rb, B, 2000);
    int32_t c[8 * 64];
    decoder_decode(d1, z, B, 1.0f, rb, window_tokens(c));
    CHECK(memcmp(b, c, sizeof(int32_t) * B * T) != 0);

    /* the encoder too gives a sequence the same bits alone or in a batch */
    float mu[8 * 64], sigma[8 * 64], mu1[64], sigma1[64];
    decoder_encode(d1, window_tokens(a), B, mu, sigma);
    decoder_encode(solo, window_tokens(a + pos * T), 1, mu1, sigma1);
    CHECK(memcmp(mu1, mu + pos * Z, sizeof(float) * Z) == 0);
    CHECK(memcmp(sigma1, sigma + pos * Z, sizeof(float) * Z) == 0);

    free(logits);
    decoder_free(d1), decoder_free(d2), decoder_free(solo);
    test_model_free(&tm);
}

static mv_hparams small_roll_hparams(void)
{
    mv_hparams hp;
    hparams_preset("roll_2bar", &hp);
    hp.min_pitch = 48;
    hp.n_classes = 2 * 12;
    hp.z_size = 8, hp.enc_size = 12, hp.cond_size = 10, hp.dec_size = 14;
    return hp;
}

/* Whether every step of a roll is normalised: a start sounds, and a pitch that
 * begins to sound starts. */
static int roll_is_normalised(const uint8_t *roll, int T, int P)
{
    for (int t = 0; t < T; t++)
        for (int p = 0; p < P; p++) {
            const uint8_t *row = roll + (size_t)t * 2 * P;
            int before = t && row[p - 2 * P];
            if ((row[P + p] && !row[p]) || (row[p] && !before && !row[P + p])) return 0;
        }
    return 1;
}

/* Piano-roll decoding: batch independence, per-bar decoding, greedy bits are
 * the teacher-forced logits' signs (after normalisation), normalised steps,
 * and token calls on a roll model do nothing. */
static void test_roll_decoding(void)
{
    const mv_hparams hp = small_roll_hparams();
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 17) == 0);
    enum { B = 5, POS = 3 };
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp), K = (int)hp.n_classes;
    const int S = (int)hp.steps_per_bar, P = K / 2;
    mv_decoder *d = decoder_create(&tm.model, B), *solo = decoder_create(&tm.model, 1);
    CHECK(d && solo);
    mv_rng rng, rngs[B], r1;
    rng_seed(&rng, 4);
    float z[B * 8];
    random_z(&rng, z, B * Z);
    for (int i = 0; i < B * Z; i++) z[i] *= 3; /* livelier than a random model's near-silence */
    uint8_t *a = calloc((size_t)B * T * K, 1), *bars = calloc((size_t)B * T * K, 1);
    uint8_t *bar_roll = calloc((size_t)B * S * K, 1), *prev = calloc((size_t)B * K, 1);
    uint8_t *alone = calloc((size_t)T * K, 1);
    const float temps[] = {0.0f, 1.0f};
    for (int ti = 0; ti < 2; ti++) {
        seed_rngs(rngs, B, 300);
        decoder_decode(d, z, B, temps[ti], rngs, window_roll(a));
        CHECK_MSG(roll_is_normalised(a, B * T, P), "T %g: a decoded step is not normalised", temps[ti]);
        rng_seed(&r1, 300 + (uint64_t)POS * 7919);
        decoder_decode(solo, z + POS * Z, 1, temps[ti], &r1, window_roll(alone));
        CHECK_MSG(memcmp(alone, a + (size_t)POS * T * K, (size_t)T * K) == 0,
                  "T %g: a roll decodes differently alone", temps[ti]);
        seed_rngs(rngs, B, 300);
        decoder_conduct(d, z, B);
        for (int bar = 0; bar < (int)hp.n_bars; bar++) {
            decoder_decode_bar(d, B, bar, window_roll(bar ? prev : NULL), temps[ti], rngs,
                               window_roll(bar_roll));
            for (int i = 0; i < B; i++) {
                memcpy(bars + ((size_t)i * T + (size_t)bar * S) * K, bar_roll + (size_t)i * S * K,
                       (size_t)S * K);
                memcpy(prev + (size_t)i * K, bar_roll + ((size_t)i * S + S - 1) * K, (size_t)K);
            }
        }
        CHECK_MSG(memcmp(a, bars, (size_t)B * T * K) == 0,
                  "T %g: per-bar roll decoding differs from the full decode", temps[ti]);
    }
    decoder_decode(d, z, B, 0.0f, NULL, window_roll(a));
    int sounding = 0;
    for (int i = 0; i < B * T * K; i++) sounding += a[i];
    CHECK_MSG(sounding > 0, "greedy rolls are silent: the test shows nothing");
    float *logits = malloc((size_t)B * T * K * sizeof *logits);
    decoder_logits(d, z, window_roll(a), B, logits);
    int agree = 0;
    for (int i = 0; i < B * T; i++) {
        uint8_t step[64];
        for (int k = 0; k < K; k++) step[k] = logits[(size_t)i * K + k] > 0;
        roll_step_normalise(step, i % T ? a + (size_t)(i - 1) * K : NULL, P);
        agree += memcmp(step, a + (size_t)i * K, (size_t)K) == 0;
    }
    CHECK_MSG(agree == B * T, "greedy roll and teacher-forced logits agree on %d of %d steps", agree,
              B * T);
    int32_t tokens[64] = {0};
    tokens[0] = 12345;
    decoder_decode(solo, z, 1, 0.0f, NULL, window_tokens(tokens));
    CHECK_MSG(tokens[0] == 12345, "decoder_decode wrote tokens for a roll model");
    free(a), free(bars), free(bar_roll), free(prev), free(alone), free(logits);
    decoder_free(d), decoder_free(solo);
    test_model_free(&tm);
}

/* ---- the parameter block and binding ---- */

static void test_carve_and_init(void)
{
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    const uint64_t n_floats = model_block_floats(&hp);
    CHECK(n_floats >= model_param_count(&hp));
    float *block = aligned_alloc(64, n_floats * sizeof(float));
    float *again = aligned_alloc(64, n_floats * sizeof(float));
    mv_tensor t[MV_MAX_TENSORS];
    mv_tensor_spec specs[MV_MAX_TENSORS];
    const int n = model_carve(&hp, block, t);
    CHECK(n == model_layout(&hp, specs));
    const float *end = block;
    for (int i = 0; i < n; i++) {
        CHECK_MSG(!strcmp(t[i].name, specs[i].name), "tensor %d is %s, layout says %s", i,
                  t[i].name, specs[i].name);
        CHECK(((uintptr_t)t[i].data & 63) == 0);
        CHECK(t[i].data >= end); /* in order, no overlap */
        end = t[i].data + tensor_spec_count(&specs[i]);
    }
    CHECK(end <= block + n_floats);

    model_init_params(&hp, block, 7);
    model_init_params(&hp, again, 7);
    CHECK(memcmp(block, again, n_floats * sizeof(float)) == 0);
    model_init_params(&hp, again, 8);
    CHECK(memcmp(block, again, n_floats * sizeof(float)) != 0);
    for (int i = 0; i < n; i++) {
        const float *x = t[i].data;
        const uint64_t count = tensor_spec_count(&specs[i]);
        const char *name = t[i].name;
        if (t[i].ndim == 2) {
            const double limit = 1.0 / sqrt((double)t[i].dims[0]);
            double top = 0;
            for (uint64_t j = 0; j < count; j++) top = fmax(top, fabs(x[j]));
            CHECK_MSG(top <= limit && top > 0.5 * limit, "%s: max |w| %g, limit %g", name, top, limit);
        } else {
            /* LSTM biases ("....l<n>.b"): the forget block is 1, the rest 0 */
            int lstm = strstr(name, ".l") && !strstr(name, ".init") && !strstr(name, ".out") &&
                       !strstr(name, ".mu") && !strstr(name, ".sigma");
            for (uint64_t j = 0; j < count; j++) {
                float expect = lstm && j >= count / 4 && j < count / 2 ? 1.0f : 0.0f;
                CHECK_MSG(x[j] == expect, "%s[%llu] = %g", name, (unsigned long long)j, x[j]);
            }
        }
    }
    free(block), free(again);
}

static void test_bind_errors(void)
{
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 3) == 0);
    mv_model m;
    char err[256];
    mv_tensor t[MV_MAX_TENSORS];
    memcpy(t, tm.tensors, sizeof t);
    CHECK(model_bind(&m, &hp, t, (size_t)tm.n_tensors, err, sizeof err) == 0);
    CHECK(m.dec[0].n_in == (int)(hp.n_classes + hp.cond_size));
    CHECK(m.cond[0].w_x == NULL && m.cond[0].n_in == 0);
    CHECK(m.dec_out.w == test_model_tensor(&tm, "decoder.out.w")->data);

    for (int i = 0; i < tm.n_tensors; i++)
        if (!strcmp(t[i].name, "decoder.l1.w_h")) strcpy(t[i].name, "decoder.l1.w_hh");
    CHECK(model_bind(&m, &hp, t, (size_t)tm.n_tensors, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "decoder.l1.w_h") && strstr(err, "missing"), "%s", err);

    memcpy(t, tm.tensors, sizeof t);
    for (int i = 0; i < tm.n_tensors; i++)
        if (!strcmp(t[i].name, "encoder.mu.w")) t[i].dims[1]++;
    CHECK(model_bind(&m, &hp, t, (size_t)tm.n_tensors, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "encoder.mu.w") && strstr(err, "shape"), "%s", err);

    /* every tensor there, and one more whose name the layout does not know */
    memcpy(t, tm.tensors, sizeof t);
    t[tm.n_tensors] = t[0];
    strcpy(t[tm.n_tensors].name, "decoder.l0.wx");
    CHECK(model_bind(&m, &hp, t, (size_t)tm.n_tensors + 1, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "decoder.l0.wx") && strstr(err, "not part"), "%s", err);

    memcpy(t, tm.tensors, sizeof t);
    mv_hparams bad = hp;
    bad.z_size = 0;
    CHECK(model_bind(&m, &bad, t, (size_t)tm.n_tensors, err, sizeof err) == -1);
    test_model_free(&tm);
}

/* ---- chords ---- */

/* A chord model whose other tensors are those of a model without chords
 * (the chord kernel is the layout's last tensor and takes no draw from
 * test_model_make): without chords it decodes bit for bit as that model; a
 * sequence's chords change its logits and no other sequence's; per-bar
 * decoding and a sequence alone give what the full batch decode gives. */
static void test_chords(void)
{
    const mv_hparams plain = test_hparams_odd();
    mv_hparams hp = plain;
    hp.chords = MV_CHORDS_V1;
    test_model tm, tp;
    CHECK(test_model_make(&tm, &hp, 5) == 0 && test_model_make(&tp, &plain, 5) == 0);
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp), S = (int)hp.steps_per_bar;
    const int K = (int)hp.n_classes, B = 4, pos = 2;
    mv_decoder *d = decoder_create(&tm.model, B), *dp = decoder_create(&tp.model, B);
    mv_decoder *solo = decoder_create(&tm.model, 1);
    CHECK(d && dp && solo);
    mv_rng rng;
    rng_seed(&rng, 41);
    float z[4 * 64];
    random_z(&rng, z, B * Z);
    uint8_t chords[4 * 64];
    for (int i = 0; i < B * T; i++) /* the last sequence has none */
        chords[i] = i >= (B - 1) * T ? MV_CHORD_NONE : (uint8_t)(1 + rng_u32(&rng) % 180);
    int32_t a[4 * 64], b[4 * 64], bars[4 * 64], bar_tokens[4 * 64], prev[4], alone[64];
    float *la = malloc((size_t)B * T * K * sizeof *la), *lb = malloc((size_t)B * T * K * sizeof *lb);

    decoder_decode(dp, z, B, 0, NULL, window_tokens(a));
    decoder_decode(d, z, B, 0, NULL, window_tokens(b));
    CHECK_MSG(!memcmp(a, b, sizeof(int32_t) * B * T), "no chords: not the model without them");
    decoder_logits(dp, z, window_tokens(a), B, la);
    decoder_logits(d, z, window_tokens(a), B, lb);
    CHECK(!memcmp(la, lb, sizeof(float) * B * T * K));

    decoder_set_chords(d, chords, B);
    decoder_logits(d, z, window_tokens(a), B, lb);
    const size_t last = (size_t)(B - 1) * T * K;
    int changed = 0;
    for (size_t i = 0; i < last; i++) changed += la[i] != lb[i];
    CHECK_MSG(changed > (int)last / 2, "chords changed %d of %zu logits", changed, last);
    CHECK(!memcmp(la + last, lb + last, sizeof(float) * T * K));

    mv_rng ra[4], r1;
    seed_rngs(ra, B, 300);
    decoder_decode(d, z, B, 1.0f, ra, window_tokens(b));
    seed_rngs(ra, B, 300);
    decoder_conduct(d, z, B);
    for (int i = 0; i < B; i++) prev[i] = -1;
    for (int bar = 0; bar < (int)hp.n_bars; bar++) {
        decoder_decode_bar(d, B, bar, window_tokens(prev), 1.0f, ra, window_tokens(bar_tokens));
        for (int i = 0; i < B; i++) {
            memcpy(bars + i * T + bar * S, bar_tokens + i * S, sizeof(int32_t) * S);
            prev[i] = bar_tokens[i * S + S - 1];
        }
    }
    CHECK_MSG(!memcmp(b, bars, sizeof(int32_t) * B * T), "chords: per-bar decoding differs");
    decoder_set_chords(solo, chords + pos * T, 1);
    rng_seed(&r1, 300 + (uint64_t)pos * 7919);
    decoder_decode(solo, z + pos * Z, 1, 1.0f, &r1, window_tokens(alone));
    CHECK_MSG(!memcmp(alone, b + pos * T, sizeof(int32_t) * T), "chords: alone differs");

    /* NULL takes them away again */
    decoder_set_chords(d, NULL, B);
    decoder_logits(d, z, window_tokens(a), B, lb);
    CHECK(!memcmp(la, lb, sizeof(float) * B * T * K));

    free(la), free(lb);
    decoder_free(d), decoder_free(dp), decoder_free(solo);
    test_model_free(&tm), test_model_free(&tp);
}

int main(void)
{
    mv_hparams tiny;
    hparams_preset("tiny", &tiny);
    test_against_reference(&tiny, "tiny");
    const mv_hparams odd = test_hparams_odd();
    test_against_reference(&odd, "odd sizes, 2-layer encoder and conductor");
    test_determinism();
    test_long_phrase_per_bar();
    test_chords();
    const mv_hparams roll = small_roll_hparams();
    test_against_reference(&roll, "piano roll");
    test_roll_decoding();
    test_carve_and_init();
    test_bind_errors();
    return check_report();
}
