/* MusicVAE's hierarchical decoder and bidirectional encoder over a bound model
 * (docs/design.md section 2). decoder_create packs every matrix it multiplies
 * into panels (packed_model.h) and sizes every buffer for max_batch in one
 * aligned block; the functions after it only compute. */
#include "decoder.h"

#include <stdlib.h>
#include <string.h>

#include "carver.h"
#include "kernels.h"
#include "packed_model.h"
#include "tokens.h"

struct mv_decoder {
    const mv_model *m;
    const mv_packed_model *p; /* the packed matrices, own or borrowed */
    mv_packed_model *own_p;   /* p when this decoder made it */
    int max_batch;
    void *block; /* activations and scratch */
    /* conductor */
    float *cond_c[MV_MAX_LAYERS], *cond_h[MV_MAX_LAYERS]; /* [B, C] */
    float *bar_emb; /* [n_bars, max_batch, C], from the last decoder_conduct */
    /* token decoder */
    float *dec_c[MV_MAX_LAYERS], *dec_h[MV_MAX_LAYERS]; /* [B, D] */
    float *bar_bias; /* [B, 4D]: e_b W_x[K:K+C] + b of layer 0, fixed through a bar */
    float *logits;   /* [B, K] */
    float *probs;    /* [K] sampling scratch */
    int32_t *prev;   /* [B] previous token, -1 for the zero input */
    uint8_t *prev_bits; /* roll: [B, K] previous step (all zero: the zero input) */
    /* shared scratch */
    float *gates; /* [B, 4 max(E, C, D)] */
    float *init;  /* [B, max(2 C cond_layers, 2 D dec_layers)] */
    /* encoder */
    float *enc_c, *enc_h; /* [B, E] */
    float *enc_last;      /* [B, 2E]: last fw h | last bw h */
    float *enc_seq[2];    /* [T, B, 2E]: outputs of a layer for the next, when layers > 1 */
    int32_t *column;      /* [B] the tokens at one time step */
};


static int max3(int a, int b, int c)
{
    int m = a > b ? a : b;
    return m > c ? m : c;
}

static void layout_buffers(mv_decoder *d, carver *cv)
{
    const mv_hparams *hp = &d->m->hp;
    const size_t B = (size_t)d->max_batch, F = sizeof(float);
    const size_t E = hp->enc_size, C = hp->cond_size, D = hp->dec_size, K = hp->n_classes;
    const size_t T = hparams_seq_len(hp);
    for (uint32_t l = 0; l < hp->cond_layers; l++) {
        d->cond_c[l] = carve(cv, B * C * F);
        d->cond_h[l] = carve(cv, B * C * F);
    }
    d->bar_emb = carve(cv, hp->n_bars * B * C * F);
    for (uint32_t l = 0; l < hp->dec_layers; l++) {
        d->dec_c[l] = carve(cv, B * D * F);
        d->dec_h[l] = carve(cv, B * D * F);
    }
    d->bar_bias = carve(cv, B * 4 * D * F);
    d->logits = carve(cv, B * K * F);
    d->probs = carve(cv, K * F);
    d->prev = carve(cv, B * sizeof(int32_t));
    d->prev_bits = carve(cv, hp->repr == MV_REPR_ROLL ? B * K : 0);
    d->gates = carve(cv, B * 4 * (size_t)max3((int)E, (int)C, (int)D) * F);
    size_t n_init = 2 * C * hp->cond_layers > 2 * D * hp->dec_layers ? 2 * C * hp->cond_layers
                                                                    : 2 * D * hp->dec_layers;
    d->init = carve(cv, B * n_init * F);
    d->enc_c = carve(cv, B * E * F);
    d->enc_h = carve(cv, B * E * F);
    d->enc_last = carve(cv, B * 2 * E * F);
    d->enc_seq[0] = d->enc_seq[1] = NULL;
    if (hp->enc_layers > 1) {
        d->enc_seq[0] = carve(cv, T * B * 2 * E * F);
        d->enc_seq[1] = carve(cv, T * B * 2 * E * F);
    }
    d->column = carve(cv, B * sizeof(int32_t));
}

/* A decoder over the packed matrices p (made by the caller), or NULL. */
static mv_decoder *create_over(const mv_packed_model *p, int max_batch)
{
    if (max_batch < 1) return NULL;
    mv_decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->m = p->m;
    d->p = p;
    d->max_batch = max_batch;
    carver sizing = {NULL, 0};
    layout_buffers(d, &sizing);
    d->block = aligned_alloc(64, sizing.used);
    if (!d->block) {
        free(d);
        return NULL;
    }
    memset(d->block, 0, sizing.used);
    carver cv = {d->block, 0};
    layout_buffers(d, &cv);
    return d;
}

mv_decoder *decoder_create(const mv_model *m, int max_batch)
{
    mv_packed_model *p = max_batch >= 1 ? packed_model_create(m) : NULL;
    mv_decoder *d = p ? create_over(p, max_batch) : NULL;
    if (!d) packed_model_free(p);
    else d->own_p = p;
    return d;
}

mv_decoder *decoder_create_sharing(const mv_decoder *other, int max_batch)
{
    return create_over(other->p, max_batch);
}

const mv_packed_model *decoder_packed(const mv_decoder *d)
{
    return d->p;
}

void decoder_free(mv_decoder *d)
{
    if (!d) return;
    packed_model_free(d->own_p);
    free(d->block);
    free(d);
}

int decoder_max_batch(const mv_decoder *d)
{
    return d->max_batch;
}

static int batch_ok(const mv_decoder *d, int batch)
{
    return batch >= 1 && batch <= d->max_batch;
}

/* A token as a one-hot row index: out-of-range values become the zero input. */
static int32_t token_row(const mv_decoder *d, int32_t token)
{
    return token >= 0 && token < (int32_t)d->m->hp.n_classes ? token : -1;
}

/* Initial LSTM states from tanh(dense(x)) (packed): per layer [c | h]. */
static void init_states(mv_decoder *d, const mv_dense_weights *init, const float *x, int batch,
                        int n_layers, int H, float **c, float **h)
{
    const int n = init->n_out;
    dense_packed_forward(init, x, init->n_in, batch, d->init, n);
    tanh_inplace(d->init, batch * n);
    for (int b = 0; b < batch; b++) {
        const float *row = d->init + (size_t)b * n;
        for (int l = 0; l < n_layers; l++) {
            memcpy(c[l] + (size_t)b * H, row + 2 * l * H, (size_t)H * sizeof(float));
            memcpy(h[l] + (size_t)b * H, row + 2 * l * H + H, (size_t)H * sizeof(float));
        }
    }
}

void decoder_conduct(mv_decoder *d, const float *z, int batch)
{
    if (!batch_ok(d, batch)) return;
    const mv_model *m = d->m;
    const int C = (int)m->hp.cond_size, L = (int)m->hp.cond_layers;
    init_states(d, &d->p->cond_init, z, batch, L, C, d->cond_c, d->cond_h);
    for (uint32_t bar = 0; bar < m->hp.n_bars; bar++) {
        /* the conductor's input is zeros: layer 0 has no input product */
        for (int l = 0; l < L; l++)
            lstm_step(&d->p->cond[l], l ? d->cond_h[l - 1] : NULL, C, d->gates, d->cond_c[l],
                      d->cond_h[l], batch);
        memcpy(d->bar_emb + (size_t)bar * d->max_batch * C, d->cond_h[L - 1],
               (size_t)batch * C * sizeof(float));
    }
}

/* Resets the token decoder to bar `bar`: states from the bar embedding, and the
 * embedding's share of layer 0's gates, which no step changes. */
static void bar_begin(mv_decoder *d, int batch, int bar)
{
    const mv_model *m = d->m;
    const int C = (int)m->hp.cond_size, D = (int)m->hp.dec_size;
    const float *e = d->bar_emb + (size_t)bar * d->max_batch * C;
    init_states(d, &d->p->dec_init, e, batch, (int)m->hp.dec_layers, D, d->dec_c, d->dec_h);
    rows_set(d->bar_bias, 4 * D, m->dec[0].b, batch, 4 * D);
    matmul_packed_acc(d->bar_bias, 4 * D, e, C, d->p->dec0_emb, batch, C, 4 * D);
}

static int is_roll(const mv_decoder *d)
{
    return d->m->hp.repr == MV_REPR_ROLL;
}

/* One token-decoder step from d->prev (roll: d->prev_bits): logits [batch, K]
 * at stride ldl. */
static void bar_step(mv_decoder *d, int batch, float *logits, int ldl)
{
    const mv_model *m = d->m;
    const int D = (int)m->hp.dec_size, L = (int)m->hp.dec_layers, K = (int)m->hp.n_classes;
    memcpy(d->gates, d->bar_bias, (size_t)batch * 4 * D * sizeof(float));
    if (is_roll(d))
        rows_multi_gather_acc(d->gates, 4 * D, m->dec[0].w_x, 4 * D, d->prev_bits, K, K, batch);
    else
        rows_gather_acc(d->gates, 4 * D, m->dec[0].w_x, 4 * D, d->prev, batch);
    lstm_step_from_gates(&d->p->dec[0], d->gates, d->dec_c[0], d->dec_h[0], batch);
    for (int l = 1; l < L; l++)
        lstm_step(&d->p->dec[l], d->dec_h[l - 1], D, d->gates, d->dec_c[l], d->dec_h[l], batch);
    dense_packed_forward(&d->p->dec_out, d->dec_h[L - 1], D, batch, logits, ldl);
}

/* Generates bar `bar` into tokens (row b at tokens + b * ldt), starting from d->prev. */
static void generate_bar(mv_decoder *d, int batch, int bar, float temperature, mv_rng *rngs,
                         int32_t *tokens, int ldt)
{
    const int K = (int)d->m->hp.n_classes, S = (int)d->m->hp.steps_per_bar;
    if (!rngs) temperature = 0;
    bar_begin(d, batch, bar);
    for (int s = 0; s < S; s++) {
        bar_step(d, batch, d->logits, K);
        for (int b = 0; b < batch; b++) {
            int32_t tok = sample_token(d->logits + (size_t)b * K, K, temperature,
                                       rngs ? &rngs[b] : NULL, d->probs);
            tokens[(size_t)b * ldt + s] = tok;
            d->prev[b] = tok;
        }
    }
}

/* Generates bar `bar` of a roll model into roll (row b at roll + b * ldr bytes),
 * starting from d->prev_bits; each step is normalised against the one before. */
static void generate_bar_roll(mv_decoder *d, int batch, int bar, float temperature,
                              mv_rng *rngs, uint8_t *roll, size_t ldr)
{
    const int K = (int)d->m->hp.n_classes, S = (int)d->m->hp.steps_per_bar;
    if (!rngs) temperature = 0;
    bar_begin(d, batch, bar);
    for (int s = 0; s < S; s++) {
        bar_step(d, batch, d->logits, K);
        for (int b = 0; b < batch; b++) {
            uint8_t *step = roll + b * ldr + (size_t)s * K, *prev = d->prev_bits + (size_t)b * K;
            sample_bits(d->logits + (size_t)b * K, K, temperature, rngs ? &rngs[b] : NULL, step);
            roll_step_normalise(step, prev, K / 2);
            memcpy(prev, step, (size_t)K);
        }
    }
}

static void set_prev_bits(mv_decoder *d, int batch, const uint8_t *steps, size_t ld)
{
    const size_t K = d->m->hp.n_classes;
    for (int b = 0; b < batch; b++) {
        if (steps) memcpy(d->prev_bits + b * K, steps + b * ld, K);
        else memset(d->prev_bits + b * K, 0, K);
    }
}

static int roll_bar_ok(const mv_decoder *d, int batch, int bar)
{
    return batch_ok(d, batch) && is_roll(d) && bar >= 0 && bar < (int)d->m->hp.n_bars;
}

void decoder_decode_bar_roll(mv_decoder *d, int batch, int bar, const uint8_t *prev_step,
                             float temperature, mv_rng *rngs, uint8_t *roll)
{
    if (!roll_bar_ok(d, batch, bar)) return;
    const size_t K = d->m->hp.n_classes, S = d->m->hp.steps_per_bar;
    set_prev_bits(d, batch, prev_step, K);
    generate_bar_roll(d, batch, bar, temperature, rngs, roll, S * K);
}

void decoder_decode_roll(mv_decoder *d, const float *z, int batch, float temperature,
                         mv_rng *rngs, uint8_t *roll)
{
    if (!roll_bar_ok(d, batch, 0)) return;
    const mv_hparams *hp = &d->m->hp;
    const size_t K = hp->n_classes, S = hp->steps_per_bar, T = hparams_seq_len(hp);
    decoder_conduct(d, z, batch);
    set_prev_bits(d, batch, NULL, 0);
    for (int bar = 0; bar < (int)hp->n_bars; bar++)
        generate_bar_roll(d, batch, bar, temperature, rngs, roll + bar * S * K, T * K);
}

void decoder_decode_bar(mv_decoder *d, int batch, int bar, const int32_t *prev_token,
                        float temperature, mv_rng *rngs, int32_t *tokens)
{
    if (!batch_ok(d, batch) || is_roll(d) || bar < 0 || bar >= (int)d->m->hp.n_bars) return;
    for (int b = 0; b < batch; b++) d->prev[b] = prev_token ? token_row(d, prev_token[b]) : -1;
    generate_bar(d, batch, bar, temperature, rngs, tokens, (int)d->m->hp.steps_per_bar);
}

void decoder_decode(mv_decoder *d, const float *z, int batch, float temperature,
                    mv_rng *rngs, int32_t *tokens)
{
    if (!batch_ok(d, batch) || is_roll(d)) return;
    const mv_hparams *hp = &d->m->hp;
    const int S = (int)hp->steps_per_bar, T = (int)hparams_seq_len(hp);
    decoder_conduct(d, z, batch);
    for (int b = 0; b < batch; b++) d->prev[b] = -1;
    /* each bar starts from the last token of the bar before (d->prev) */
    for (int bar = 0; bar < (int)hp->n_bars; bar++)
        generate_bar(d, batch, bar, temperature, rngs, tokens + (size_t)bar * S, T);
}

/* What the encoder reads and teacher forcing feeds: tokens [batch, T], or roll
 * steps [batch, T, K]. */
typedef struct step_input {
    const int32_t *tokens;
    const uint8_t *roll;
} step_input;

/* The token decoder's input at step t: the true step t - 1 (none at t = 0). */
static void feed_truth(mv_decoder *d, const step_input *in, int batch, int t)
{
    const int T = (int)hparams_seq_len(&d->m->hp), K = (int)d->m->hp.n_classes;
    if (in->roll) {
        set_prev_bits(d, batch, t ? in->roll + (size_t)(t - 1) * K : NULL, (size_t)T * K);
        return;
    }
    for (int b = 0; b < batch; b++)
        d->prev[b] = t ? token_row(d, in->tokens[(size_t)b * T + t - 1]) : -1;
}

static void teacher_forced_logits(mv_decoder *d, const float *z, const step_input *in,
                                  int batch, float *logits)
{
    const mv_hparams *hp = &d->m->hp;
    const int S = (int)hp->steps_per_bar, T = (int)hparams_seq_len(hp);
    const int K = (int)hp->n_classes;
    decoder_conduct(d, z, batch);
    for (int bar = 0; bar < (int)hp->n_bars; bar++) {
        bar_begin(d, batch, bar);
        for (int s = 0; s < S; s++) {
            const int t = bar * S + s;
            feed_truth(d, in, batch, t);
            bar_step(d, batch, logits + (size_t)t * K, T * K);
        }
    }
}

void decoder_logits(mv_decoder *d, const float *z, const int32_t *tokens, int batch,
                    float *logits)
{
    if (!batch_ok(d, batch) || is_roll(d)) return;
    step_input in = {tokens, NULL};
    teacher_forced_logits(d, z, &in, batch, logits);
}

void decoder_logits_roll(mv_decoder *d, const float *z, const uint8_t *roll, int batch,
                         float *logits)
{
    if (!roll_bar_ok(d, batch, 0)) return;
    step_input in = {NULL, roll};
    teacher_forced_logits(d, z, &in, batch, logits);
}

/* Layer 0's input part of the gates at time t: b + x_t W_x, where x_t is one-hot
 * (a gather of rows of w_x_rows, the row-major kernel) or multi-hot (roll). */
static void input_gates(mv_decoder *d, const mv_lstm_packed *w, const float *w_x_rows,
                        const step_input *in, int t, int batch)
{
    const int G = 4 * w->n_hidden, T = (int)hparams_seq_len(&d->m->hp);
    const int K = (int)d->m->hp.n_classes;
    rows_set(d->gates, G, w->b, batch, G);
    if (in->roll) {
        rows_multi_gather_acc(d->gates, G, w_x_rows, G, in->roll + (size_t)t * K, T * K, K,
                              batch);
        return;
    }
    for (int b = 0; b < batch; b++) d->column[b] = token_row(d, in->tokens[(size_t)b * T + t]);
    rows_gather_acc(d->gates, G, w_x_rows, G, d->column, batch);
}

/* One direction of one encoder layer over the whole sequence. Layer 0 reads the
 * input (input_gates); a higher layer reads `below` [T, B, 2E].
 * If `above` is set, h at every time step goes to its half `half` (0 fw, 1 bw). */
static void encode_direction(mv_decoder *d, const mv_lstm_packed *w, const float *w_x_rows,
                             const step_input *in, const float *below, float *above,
                             int half, int batch)
{
    const int E = w->n_hidden, T = (int)hparams_seq_len(&d->m->hp);
    const size_t step_stride = (size_t)batch * 2 * E;
    memset(d->enc_c, 0, (size_t)batch * E * sizeof(float));
    memset(d->enc_h, 0, (size_t)batch * E * sizeof(float));
    for (int i = 0; i < T; i++) {
        const int t = half ? T - 1 - i : i;
        if (below) {
            lstm_step(w, below + t * step_stride, 2 * E, d->gates, d->enc_c, d->enc_h, batch);
        } else {
            input_gates(d, w, w_x_rows, in, t, batch);
            lstm_step_from_gates(w, d->gates, d->enc_c, d->enc_h, batch);
        }
        if (above)
            for (int b = 0; b < batch; b++)
                memcpy(above + t * step_stride + (size_t)b * 2 * E + half * E,
                       d->enc_h + (size_t)b * E, (size_t)E * sizeof(float));
    }
    for (int b = 0; b < batch; b++)
        memcpy(d->enc_last + (size_t)b * 2 * E + half * E, d->enc_h + (size_t)b * E,
               (size_t)E * sizeof(float));
}

static void encode(mv_decoder *d, const step_input *in, int batch, float *mu, float *sigma)
{
    const mv_model *m = d->m;
    const int L = (int)m->hp.enc_layers, Z = (int)m->hp.z_size;
    const float *below = NULL;
    for (int l = 0; l < L; l++) {
        float *above = l + 1 < L ? d->enc_seq[l % 2] : NULL;
        encode_direction(d, &d->p->enc_fw[l], m->enc_fw[l].w_x, in, below, above, 0, batch);
        encode_direction(d, &d->p->enc_bw[l], m->enc_bw[l].w_x, in, below, above, 1, batch);
        below = above;
    }
    dense_packed_forward(&d->p->enc_mu, d->enc_last, d->p->enc_mu.n_in, batch, mu, Z);
    dense_packed_forward(&d->p->enc_sigma, d->enc_last, d->p->enc_sigma.n_in, batch, sigma, Z);
    softplus_inplace(sigma, batch * Z);
}

void decoder_encode(mv_decoder *d, const int32_t *tokens, int batch, float *mu, float *sigma)
{
    if (!batch_ok(d, batch) || is_roll(d)) return;
    step_input in = {tokens, NULL};
    encode(d, &in, batch, mu, sigma);
}

void decoder_encode_roll(mv_decoder *d, const uint8_t *roll, int batch, float *mu,
                         float *sigma)
{
    if (!batch_ok(d, batch) || !is_roll(d)) return;
    step_input in = {NULL, roll};
    encode(d, &in, batch, mu, sigma);
}
