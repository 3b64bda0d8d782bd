/* MusicVAE's hierarchical decoder and bidirectional encoder over a bound model
 * (docs/design.md section 2). decoder_create packs every matrix it multiplies
 * into panels (packed_model.h) and sizes every buffer for max_batch in one
 * aligned block; the functions after it only compute. */
#include "decoder.h"

#include <stdlib.h>
#include <string.h>

#include "carver.h"
#include "chord.h"
#include "chord_steer.h"
#include "decoder_testing.h"
#include "kernels.h"
#include "packed_model.h"
#include "repr.h"

struct mv_decoder {
    const mv_model *m;
    const mv_repr_io *repr;   /* what a step of the model's windows is */
    size_t step_bytes;        /* of one step */
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
    void *prev;      /* [B] previous steps ("none": the zero input) */
    /* shared scratch */
    float *gates; /* [B, 4 max(E, C, D)] */
    float *init;  /* [B, max(2 C cond_layers, 2 D dec_layers)] */
    /* encoder */
    float *enc_c, *enc_h; /* [B, E] */
    float *enc_last;      /* [B, 2E]: last fw h | last bw h */
    float *enc_seq[2];    /* [T, B, 2E]: outputs of a layer for the next, when layers > 1 */
    int32_t *column;      /* [B] scratch of the representation's input */
    /* chords: ids [max_batch, T] of decoder_set_chords for its first
     * chord_rows rows, the rest have none; a chord-conditioned model reads
     * them, and a melody decodes steered toward them (chord_steer > 0) */
    uint8_t *chords;
    int chord_rows;
    float chord_steer;
    float *chord_x; /* [MV_CHORD_FEATURES] scratch */
    /* groove rules [max_batch, T] of decoder_set_groove_rules for the first
     * groove_rule_rows rows (groove models only; NULL for others) */
    mv_groove_rule *groove_rules;
    int groove_rule_rows;
    const float *output_sd; /* [K] of decoder_set_output_sd, or NULL */
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
    d->prev = carve(cv, B * d->step_bytes);
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
    d->chord_x = carve(cv, MV_CHORD_FEATURES * F);
    d->chords = carve(cv, B * T);
    d->groove_rules =
        hp->repr == MV_REPR_GROOVE ? carve(cv, B * T * sizeof(mv_groove_rule)) : NULL;
}

/* A decoder over the packed matrices p (made by the caller), or NULL. */
static mv_decoder *create_over(const mv_packed_model *p, int max_batch)
{
    if (max_batch < 1) return NULL;
    mv_decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->m = p->m;
    d->p = p;
    d->repr = repr_io_of(p->m->hp.repr);
    d->step_bytes = d->repr->step_bytes((int)p->m->hp.n_classes);
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

/* A window of the model's kind for batch rows. */
static int window_ok(const mv_decoder *d, int batch, mv_window w)
{
    return batch_ok(d, batch) && w.kind == d->repr->kind;
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

void decoder_set_chords(mv_decoder *d, const uint8_t *chords, int batch)
{
    const size_t T = hparams_seq_len(&d->m->hp);
    d->chord_rows = 0;
    if (!chords || !batch_ok(d, batch)) return;
    memcpy(d->chords, chords, (size_t)batch * T);
    d->chord_rows = batch;
}

void decoder_set_chord_steer(mv_decoder *d, float strength)
{
    d->chord_steer = strength > 0 && d->m->hp.repr == MV_REPR_MELODY ? strength : 0;
}

void decoder_set_output_sd(mv_decoder *d, const float *output_sd)
{
    d->output_sd = d->repr->spread ? output_sd : NULL;
}

void decoder_set_groove_rules(mv_decoder *d, const mv_groove_rule *rules, int batch)
{
    d->groove_rule_rows = 0;
    if (!rules || !d->groove_rules || !batch_ok(d, batch)) return;
    memcpy(d->groove_rules, rules, (size_t)batch * hparams_seq_len(&d->m->hp) * sizeof *rules);
    d->groove_rule_rows = batch;
}

/* Generated step t of the first `batch` rows leans to its chord (chord_steer.h). */
static void steer_to_chords(mv_decoder *d, int batch, int t, float temperature)
{
    const int K = (int)d->m->hp.n_classes, T = (int)hparams_seq_len(&d->m->hp);
    for (int b = 0; b < batch && b < d->chord_rows; b++)
        chord_steer_melody(d->logits + (size_t)b * K, K, (int)d->m->hp.min_pitch,
                           d->chords[(size_t)b * T + t], d->chord_steer, temperature);
}

/* Layer 0's chord part of the gates at step t: chord_features(id) W_chord,
 * the features' nonzero rows added in feature order (no chord adds nothing,
 * so a row without chords computes what an unconditioned model does). */
static void add_chords(mv_decoder *d, int batch, int t)
{
    const int G = 4 * (int)d->m->hp.dec_size, T = (int)hparams_seq_len(&d->m->hp);
    const float *w = d->m->dec[0].w_chord;
    for (int b = 0; b < batch && b < d->chord_rows; b++) {
        const uint8_t id = d->chords[(size_t)b * T + t];
        if (id == MV_CHORD_NONE) continue;
        chord_features(id, d->chord_x);
        float *g = d->gates + (size_t)b * G;
        for (int k = 0; k < MV_CHORD_FEATURES; k++) {
            const float x = d->chord_x[k];
            if (x == 0) continue;
            const float *row = w + (size_t)k * G;
            for (int j = 0; j < G; j++) g[j] += x * row[j];
        }
    }
}

/* One token-decoder step t from the previous steps prev (row b at prev + b *
 * stride bytes; NULL: none): logits [batch, K] at stride ldl. */
static void bar_step(mv_decoder *d, int batch, int t, const void *prev, size_t stride,
                     float *logits, int ldl)
{
    const mv_model *m = d->m;
    const int D = (int)m->hp.dec_size, L = (int)m->hp.dec_layers, K = (int)m->hp.n_classes;
    memcpy(d->gates, d->bar_bias, (size_t)batch * 4 * D * sizeof(float));
    d->repr->add_input(d->gates, 4 * D, m->dec[0].w_x, 4 * D, prev, stride, K, batch, d->column);
    if (d->chord_rows && d->m->dec[0].w_chord) add_chords(d, batch, t);
    lstm_step_from_gates(&d->p->dec[0], d->gates, d->dec_c[0], d->dec_h[0], batch);
    for (int l = 1; l < L; l++)
        lstm_step(&d->p->dec[l], d->dec_h[l - 1], D, d->gates, d->dec_c[l], d->dec_h[l], batch);
    dense_packed_forward(&d->p->dec_out, d->dec_h[L - 1], D, batch, logits, ldl);
}

/* Generates bar `bar` into out (row b at out + b * ld bytes), each step fed
 * back through d->prev, which holds the steps before the bar. */
static void generate_bar(mv_decoder *d, int batch, int bar, float temperature, mv_rng *rngs,
                         char *out, size_t ld)
{
    const int K = (int)d->m->hp.n_classes, S = (int)d->m->hp.steps_per_bar;
    const size_t step = d->step_bytes;
    if (!rngs) temperature = 0;
    bar_begin(d, batch, bar);
    for (int s = 0; s < S; s++) {
        bar_step(d, batch, bar * S + s, d->prev, step, d->logits, K);
        if (d->chord_steer > 0) steer_to_chords(d, batch, bar * S + s, temperature);
        for (int b = 0; b < batch; b++) {
            char *prev = (char *)d->prev + b * step, *at = out + b * ld + s * step;
            d->repr->sample(d->logits + (size_t)b * K, K, temperature, rngs ? &rngs[b] : NULL,
                            d->probs, at, prev);
            if (b < d->groove_rule_rows)
                groove_rule_apply(&d->groove_rules[(size_t)b * hparams_seq_len(&d->m->hp) +
                                                   bar * S + s],
                                  d->logits + (size_t)b * K, (uint8_t *)at);
            if (d->output_sd && temperature > 0)
                d->repr->spread(at, d->output_sd, temperature, &rngs[b]);
            memcpy(prev, at, step);
        }
    }
}

void decoder_decode_bar(mv_decoder *d, int batch, int bar, mv_window prev_step,
                        float temperature, mv_rng *rngs, mv_window out)
{
    if (!window_ok(d, batch, out) || prev_step.kind != out.kind || bar < 0 ||
        bar >= (int)d->m->hp.n_bars)
        return;
    if (prev_step.steps) memcpy(d->prev, prev_step.steps, batch * d->step_bytes);
    else d->repr->set_none(d->prev, batch, (int)d->m->hp.n_classes);
    generate_bar(d, batch, bar, temperature, rngs, out.steps,
                 d->m->hp.steps_per_bar * d->step_bytes);
}

void decoder_decode(mv_decoder *d, const float *z, int batch, float temperature, mv_rng *rngs,
                    mv_window out)
{
    if (!window_ok(d, batch, out)) return;
    const mv_hparams *hp = &d->m->hp;
    const size_t bar_bytes = hp->steps_per_bar * d->step_bytes;
    decoder_conduct(d, z, batch);
    d->repr->set_none(d->prev, batch, (int)hp->n_classes);
    /* each bar starts from the last step of the bar before (d->prev) */
    for (int bar = 0; bar < (int)hp->n_bars; bar++)
        generate_bar(d, batch, bar, temperature, rngs, (char *)out.steps + bar * bar_bytes,
                     hp->n_bars * bar_bytes);
}

void decoder_logits(mv_decoder *d, const float *z, mv_window in, int batch, float *logits)
{
    if (!window_ok(d, batch, in)) return;
    const mv_hparams *hp = &d->m->hp;
    const int S = (int)hp->steps_per_bar, T = (int)hparams_seq_len(hp);
    const int K = (int)hp->n_classes;
    const size_t step = d->step_bytes;
    decoder_conduct(d, z, batch);
    /* teacher forcing: the input at step t is the true step t - 1 (none at 0) */
    for (int bar = 0; bar < (int)hp->n_bars; bar++) {
        bar_begin(d, batch, bar);
        for (int s = 0; s < S; s++) {
            const int t = bar * S + s;
            const char *prev = t ? (const char *)in.steps + (t - 1) * step : NULL;
            bar_step(d, batch, t, prev, T * step, logits + (size_t)t * K, T * K);
        }
    }
}

/* Layer 0's input part of the gates at time t: b + x_t W_x, where x_t is the
 * window's step t (one-hot or multi-hot rows of w_x_rows, the row-major
 * kernel). */
static void input_gates(mv_decoder *d, const mv_lstm_packed *w, const float *w_x_rows,
                        mv_window in, int t, int batch)
{
    const int G = 4 * w->n_hidden, T = (int)hparams_seq_len(&d->m->hp);
    const int K = (int)d->m->hp.n_classes;
    const size_t step = d->step_bytes;
    rows_set(d->gates, G, w->b, batch, G);
    d->repr->add_input(d->gates, G, w_x_rows, G, (const char *)in.steps + t * step, T * step, K,
                       batch, d->column);
}

/* One direction of one encoder layer over the whole sequence. Layer 0 reads the
 * input (input_gates); a higher layer reads `below` [T, B, 2E].
 * If `above` is set, h at every time step goes to its half `half` (0 fw, 1 bw). */
static void encode_direction(mv_decoder *d, const mv_lstm_packed *w, const float *w_x_rows,
                             mv_window in, const float *below, float *above,
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

static void encode(mv_decoder *d, mv_window in, int batch, float *mu, float *sigma)
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

void decoder_encode(mv_decoder *d, mv_window in, int batch, float *mu, float *sigma)
{
    if (window_ok(d, batch, in)) encode(d, in, batch, mu, sigma);
}
