/* Forward and backward through time of the hierarchical VAE (see vae.h). */
#include "vae.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "model.h"
#include "vae_repr.h"
#include "vae_testing.h"

/* A bump allocator over one block; with base NULL it only counts. */
typedef struct arena {
    real *base;
    size_t used;
} arena;

static real *take(arena *a, size_t n)
{
    real *p = a->base ? a->base + a->used : NULL;
    a->used += (n + 15) & ~(size_t)15; /* keep every array 64-byte aligned */
    return p;
}

static void carve_lstm_acts(arena *a, vae_lstm_acts *s, int T, int seg_len, int B, int H)
{
    const size_t th = (size_t)T * B * H, sh = (size_t)(T / seg_len) * B * H;
    s->T = T;
    s->seg_len = seg_len;
    s->gates = take(a, 4 * th);
    s->c_prev = take(a, th);
    s->h_prev = take(a, th);
    s->c = take(a, th);
    s->h = take(a, th);
    s->tanh_c = take(a, th);
    s->dh = take(a, th);
    s->dgates = take(a, 4 * th);
    s->c0 = take(a, sh);
    s->h0 = take(a, sh);
    s->dc0 = take(a, sh);
    s->dh0 = take(a, sh);
}

static void carve_acts(vae *m, arena *a)
{
    const mv_hparams *hp = &m->hp;
    const int B = m->max_batch, T = (int)hparams_seq_len(hp), NB = (int)hp->n_bars;
    const size_t E = hp->enc_size, Z = hp->z_size, C = hp->cond_size, D = hp->dec_size;
    const size_t K = hp->n_classes;
    for (uint32_t l = 0; l < hp->enc_layers; l++) {
        carve_lstm_acts(a, &m->enc_fw[l], T, T, B, (int)E);
        carve_lstm_acts(a, &m->enc_bw[l], T, T, B, (int)E);
        if (l == 0) continue;
        m->enc_in[l] = take(a, (size_t)T * B * 2 * E);
        m->enc_in_rev[l] = take(a, (size_t)T * B * 2 * E);
        m->denc_in[l] = take(a, (size_t)T * B * 2 * E);
        m->denc_in_rev[l] = take(a, (size_t)T * B * 2 * E);
    }
    m->enc_out = take(a, B * 2 * E);
    m->denc_out = take(a, B * 2 * E);
    real **latent[] = {&m->mu, &m->sigma_pre, &m->sigma, &m->eps, &m->z,
                       &m->dmu, &m->dsigma_pre, &m->dz};
    for (size_t i = 0; i < sizeof latent / sizeof latent[0]; i++) *latent[i] = take(a, B * Z);
    m->kl_weight = take(a, B);
    m->cond_init = take(a, B * 2 * C * hp->cond_layers);
    m->dcond_init = take(a, B * 2 * C * hp->cond_layers);
    for (uint32_t l = 0; l < hp->cond_layers; l++)
        carve_lstm_acts(a, &m->cond[l], NB, NB, B, (int)C);
    m->dec_init = take(a, (size_t)NB * B * 2 * D * hp->dec_layers);
    m->ddec_init = take(a, (size_t)NB * B * 2 * D * hp->dec_layers);
    m->e_proj = take(a, (size_t)NB * B * 4 * D);
    m->de_proj = take(a, (size_t)NB * B * 4 * D);
    for (uint32_t l = 0; l < hp->dec_layers; l++) {
        carve_lstm_acts(a, &m->dec[l], (int)hp->steps_per_bar, (int)hp->steps_per_bar,
                        NB * B, (int)D);
        m->dec_mask[l] = take(a, (size_t)T * B * D);
        m->dec_up[l] = take(a, (size_t)T * B * D);
    }
    m->logits = take(a, (size_t)T * B * K);
    m->dlogits = take(a, (size_t)T * B * K);
    m->probs = take(a, K);
    if (hp->chords) m->chord_x = take(a, (size_t)T * B * MV_CHORD_FEATURES);
    if (m->repr->dense) {
        m->enc_x_fw = take(a, (size_t)T * B * K);
        m->enc_x_bw = take(a, (size_t)T * B * K);
        m->dec_x = take(a, (size_t)T * B * K);
        m->target_bits = take(a, (size_t)T * B * K);
    }
    size_t scratch = B * (E > C ? E : C);
    if ((size_t)NB * B * D > scratch) scratch = (size_t)NB * B * D; /* decoder rows: bars x B */
    m->dc_scratch = take(a, scratch);
}

/* The named layers are the arrays' entries (vae_tensors' unions). */
_Static_assert(offsetof(vae_tensors, dec) == offsetof(vae_tensors, lstm[MV_DEC]), "lstm order");
_Static_assert(offsetof(vae_tensors, dec_out) == offsetof(vae_tensors, dense[MV_DEC_OUT]),
               "dense order");

/* Points the layer field of every tensor of the layout into block at its
 * offset, and sets the layers' sizes from the shapes. */
static void bind_tensors(const vae *m, real *block, vae_tensors *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < m->n_tensors; i++) {
        const mv_tensor_spec *s = &m->specs[i];
        real *data = block + s->offset;
        const int rows = (int)s->dims[0], cols = (int)s->dims[1];
        vae_lstm *l = s->role <= MV_ROLE_LSTM_W_CHORD ? &t->lstm[s->part][s->layer] : NULL;
        vae_dense *d = l ? NULL : &t->dense[s->part];
        switch (s->role) {
        case MV_ROLE_LSTM_W_X: l->w_x = data, l->n_in = rows; break;
        case MV_ROLE_LSTM_W_H: l->w_h = data, l->n_hidden = rows; break;
        case MV_ROLE_LSTM_BIAS: l->b = data; break;
        case MV_ROLE_LSTM_W_CHORD: l->w_chord = data; break;
        case MV_ROLE_DENSE_W: d->w = data, d->n_in = rows, d->n_out = cols; break;
        case MV_ROLE_DENSE_BIAS: d->b = data; break;
        }
    }
}

int vae_create(vae *m, const mv_hparams *hp, int max_batch)
{
    memset(m, 0, sizeof *m);
    m->hp = *hp;
    m->repr = vae_repr_of(hp->repr);
    m->max_batch = max_batch;
    m->n_tensors = model_layout(hp, m->specs);
    m->n_params = model_block_floats(hp);
    m->params = be_alloc(m->n_params);
    m->grads = be_alloc(m->n_params);
    arena count = {NULL, 0};
    carve_acts(m, &count);
    arena acts = {be_alloc(count.used), 0};
    m->acts = acts.base;
    const size_t tb = (size_t)hparams_seq_len(hp) * max_batch;
    m->enc_tok_fw = malloc(4 * tb * sizeof(int32_t));
    m->kl_b = malloc((size_t)max_batch * sizeof(double));
    m->step_scratch = malloc(2 * (size_t)hp->n_classes);
    if (!m->params || !m->grads || !acts.base || !m->enc_tok_fw || !m->kl_b || !m->step_scratch) {
        vae_free(m);
        return -1;
    }
    carve_acts(m, &acts);
    m->enc_tok_bw = m->enc_tok_fw + tb;
    m->prev_tok = m->enc_tok_fw + 2 * tb;
    m->target = m->enc_tok_fw + 3 * tb;
    bind_tensors(m, m->params, &m->p);
    bind_tensors(m, m->grads, &m->g);
    return 0;
}

void vae_free(vae *m)
{
    be_free(m->acts);
    be_free(m->params);
    be_free(m->grads);
    free(m->enc_tok_fw);
    free(m->kl_b);
    free(m->step_scratch);
    memset(m, 0, sizeof *m);
}

void vae_init_params(vae *m, uint64_t seed)
{
    float *block = aligned_alloc(64, (m->n_params * sizeof(float) + 63) / 64 * 64);
    if (!block) return;
    memset(block, 0, m->n_params * sizeof(float));
    model_init_params(&m->hp, block, seed);
    for (uint64_t i = 0; i < m->n_params; i++) m->params[i] = (real)block[i];
    free(block);
}

void vae_zero_grads(vae *m)
{
    be_zero(m->grads, m->n_params);
}

/* ---- building blocks ---- */

static void dense_forward(const vae_dense *d, const real *x, int rows, real *y)
{
    be_rows_set(y, d->b, rows, d->n_out);
    be_gemm(0, 0, rows, d->n_out, d->n_in, 1, x, d->n_in, d->w, d->n_out, 1, y, d->n_out);
}

/* dW += x^T dy, db += sum dy, dx = dy W^T + dx_beta dx (dx NULL: not needed). */
static void dense_backward(const vae_dense *p, vae_dense *g, const real *x, const real *dy,
                           int rows, real *dx, real dx_beta)
{
    be_gemm(1, 0, p->n_in, p->n_out, rows, 1, x, p->n_in, dy, p->n_out, 1, g->w, p->n_out);
    be_col_sum_acc(g->b, dy, rows, p->n_out);
    if (dx) be_gemm(0, 1, rows, p->n_in, p->n_out, 1, dy, p->n_out, p->w, p->n_out, dx_beta, dx,
                    p->n_in);
}

/* Step k of an LSTM layer for rows r0..r0+n of its R rows per step, whose
 * gates already hold the input part (x W_x + b). */
static void lstm_step_rows(const vae_lstm *p, vae_lstm_acts *a, int k, int r0, int n, int R)
{
    const int H = p->n_hidden;
    const size_t bh = (size_t)R * H, off = (size_t)k * bh + (size_t)r0 * H;
    real *cp = a->c_prev + off, *hp = a->h_prev + off;
    if (k % a->seg_len == 0) {
        size_t s = (size_t)(k / a->seg_len) * bh + (size_t)r0 * H;
        be_copy(cp, a->c0 + s, (size_t)n * H);
        be_copy(hp, a->h0 + s, (size_t)n * H);
    } else {
        be_copy(cp, a->c + off - bh, (size_t)n * H);
        be_copy(hp, a->h + off - bh, (size_t)n * H);
    }
    real *g = a->gates + 4 * off;
    be_gemm(0, 0, n, 4 * H, H, 1, hp, H, p->w_h, 4 * H, 1, g, 4 * H);
    be_lstm_cell_forward(g, cp, a->c + off, a->h + off, a->tanh_c + off, n, H);
}

static void lstm_step_forward(const vae_lstm *p, vae_lstm_acts *a, int k, int B)
{
    lstm_step_rows(p, a, k, 0, B, B);
}

static void lstm_forward(const vae_lstm *p, vae_lstm_acts *a, int B)
{
    for (int k = 0; k < a->T; k++) lstm_step_forward(p, a, k, B);
}

/* Backward through time of one layer. On entry a->dh holds dL/dh from the
 * layers above; the recurrent part is added into dh[k-1] as it goes. Leaves
 * dL/d(pre-activation gates) in a->dgates (for the caller's input side) and the
 * initial-state gradients in dc0/dh0; adds dW_h and db. */
static void lstm_backward(const vae_lstm *p, vae_lstm *g, vae_lstm_acts *a, int B,
                          real *dc_carry)
{
    const int H = p->n_hidden, T = a->T;
    const size_t bh = (size_t)B * H;
    for (int k = T - 1; k >= 0; k--) {
        if ((k + 1) % a->seg_len == 0) be_zero(dc_carry, bh); /* nothing after a segment */
        real *dg = a->dgates + 4 * k * bh;
        be_lstm_cell_backward(a->gates + 4 * k * bh, a->c_prev + k * bh, a->tanh_c + k * bh,
                              a->dh + k * bh, dc_carry, dg, B, H);
        if (k % a->seg_len == 0) {
            size_t s = (size_t)(k / a->seg_len);
            be_gemm(0, 1, B, H, 4 * H, 1, dg, 4 * H, p->w_h, 4 * H, 0, a->dh0 + s * bh, H);
            be_copy(a->dc0 + s * bh, dc_carry, bh);
        } else {
            be_gemm(0, 1, B, H, 4 * H, 1, dg, 4 * H, p->w_h, 4 * H, 1, a->dh + (k - 1) * bh, H);
        }
    }
    be_gemm(1, 0, H, 4 * H, T * B, 1, a->h_prev, H, a->dgates, 4 * H, 1, g->w_h, 4 * H);
    be_col_sum_acc(g->b, a->dgates, T * B, 4 * H);
}

/* Input side of a layer that reads the h of the layer below ([T*B, n_in]). */
static void lstm_input_forward(const vae_lstm *p, vae_lstm_acts *a, const real *x, int B)
{
    const int G = 4 * p->n_hidden, rows = a->T * B;
    be_rows_set(a->gates, p->b, rows, G);
    be_gemm(0, 0, rows, G, p->n_in, 1, x, p->n_in, p->w_x, G, 1, a->gates, G);
}

static void lstm_input_backward(const vae_lstm *p, vae_lstm *g, const vae_lstm_acts *a,
                                const real *x, real *dx, real dx_beta, int B)
{
    const int G = 4 * p->n_hidden, rows = a->T * B;
    be_gemm(1, 0, p->n_in, G, rows, 1, x, p->n_in, a->dgates, G, 1, g->w_x, G);
    be_gemm(0, 1, rows, p->n_in, G, 1, a->dgates, G, p->w_x, G, dx_beta, dx, p->n_in);
}

/* Initial states of layer l from an init block [rows][2 H n_layers]: [c_l | h_l]. */
static void split_init(vae_lstm_acts *a, const real *init, int l, int n_layers, int rows, int H)
{
    be_copy_rows(a->c0, H, init + 2 * H * l, 2 * H * n_layers, rows, H);
    be_copy_rows(a->h0, H, init + 2 * H * l + H, 2 * H * n_layers, rows, H);
}

static void join_init_grads(real *dinit, const vae_lstm_acts *a, int l, int n_layers, int rows,
                            int H)
{
    be_copy_rows(dinit + 2 * H * l, 2 * H * n_layers, a->dc0, H, rows, H);
    be_copy_rows(dinit + 2 * H * l + H, 2 * H * n_layers, a->dh0, H, rows, H);
}

/* ---- the model ---- */

/* Row i of a step array (tok or x, as the representation keeps steps) = the
 * zero input: token -1, or zeros. */
static void put_none(const vae *m, int32_t *tok, real *x, size_t i)
{
    const int K = (int)m->hp.n_classes;
    if (m->repr->dense) be_zero(x + i * K, (size_t)K);
    else tok[i] = -1;
}

/* Row i of a step array = step t of window b of in (core/window.h: tokens
 * [B][T], or steps [B][T][K] bytes); t < 0: none, the input before the first. */
static void put_step(const vae *m, const mv_window *in, int b, int t, int32_t *tok, real *x,
                     size_t i)
{
    const int K = (int)m->hp.n_classes, T = (int)hparams_seq_len(&m->hp);
    if (t < 0) put_none(m, tok, x, i);
    else if (m->repr->dense)
        m->repr->features((const uint8_t *)in->steps + ((size_t)b * T + (size_t)t) * K, K,
                          x + i * K);
    else tok[i] = ((const int32_t *)in->steps)[(size_t)b * T + t];
}

/* gates [n][G] += the steps of rows at..at+n of a step array times W [K][G]:
 * one-hot tokens gather W's rows, dense features multiply it. */
static void steps_forward(const vae *m, real *gates, int G, const real *w, const int32_t *tok,
                          const real *x, size_t at, int n)
{
    const int K = (int)m->hp.n_classes;
    if (m->repr->dense) be_gemm(0, 0, n, G, K, 1, x + at * K, K, w, G, 1, gates, G);
    else be_rows_gather_acc(gates, w, G, tok + at, n);
}

/* Its gradient for n rows: dW += the steps^T dgates [n][G]. */
static void steps_backward(const vae *m, real *dw, int G, const real *dgates, const int32_t *tok,
                           const real *x, int n)
{
    const int K = (int)m->hp.n_classes;
    if (m->repr->dense) be_gemm(1, 0, K, G, n, 1, x, K, dgates, G, 1, dw, G);
    else be_rows_scatter_acc(dw, dgates, G, tok, n);
}

/* Layer 0 of the encoder, both directions: gates = b + x W_x for the input
 * steps x, forwards and reversed. */
static void encoder_input_forward(vae *m, const mv_window *in, int B)
{
    const mv_hparams *hp = &m->hp;
    const int T = (int)hparams_seq_len(hp), E = (int)hp->enc_size;
    vae_lstm_acts *af = &m->enc_fw[0], *ab = &m->enc_bw[0];
    be_rows_set(af->gates, m->p.enc_fw[0].b, T * B, 4 * E);
    be_rows_set(ab->gates, m->p.enc_bw[0].b, T * B, 4 * E);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            put_step(m, in, b, t, m->enc_tok_fw, m->enc_x_fw, (size_t)t * B + b);
            put_step(m, in, b, T - 1 - t, m->enc_tok_bw, m->enc_x_bw, (size_t)t * B + b);
        }
    steps_forward(m, af->gates, 4 * E, m->p.enc_fw[0].w_x, m->enc_tok_fw, m->enc_x_fw, 0, T * B);
    steps_forward(m, ab->gates, 4 * E, m->p.enc_bw[0].w_x, m->enc_tok_bw, m->enc_x_bw, 0, T * B);
}

static void encoder_forward(vae *m, const mv_window *in, int B)
{
    const mv_hparams *hp = &m->hp;
    const int T = (int)hparams_seq_len(hp), E = (int)hp->enc_size, L = (int)hp->enc_layers;
    for (int l = 0; l < L; l++) {
        vae_lstm_acts *af = &m->enc_fw[l], *ab = &m->enc_bw[l];
        if (l == 0) {
            encoder_input_forward(m, in, B);
        } else {
            /* input at time t: [fw h(t) | bw h(t)]; the layer below's backward
             * direction holds time t at processing step T-1-t */
            const size_t row = (size_t)B * 2 * E;
            for (int t = 0; t < T; t++) {
                real *x = m->enc_in[l] + t * row;
                be_copy_rows(x, 2 * E, m->enc_fw[l - 1].h + (size_t)t * B * E, E, B, E);
                be_copy_rows(x + E, 2 * E, m->enc_bw[l - 1].h + (size_t)(T - 1 - t) * B * E, E,
                             B, E);
                be_copy(m->enc_in_rev[l] + (size_t)(T - 1 - t) * row, x, row);
            }
            lstm_input_forward(&m->p.enc_fw[l], af, m->enc_in[l], B);
            lstm_input_forward(&m->p.enc_bw[l], ab, m->enc_in_rev[l], B);
        }
        lstm_forward(&m->p.enc_fw[l], af, B);
        lstm_forward(&m->p.enc_bw[l], ab, B);
    }
    /* [last fw h | last bw h] (the backward direction's last step is time 0) */
    const size_t last = (size_t)(T - 1) * B * E;
    be_copy_rows(m->enc_out, 2 * E, m->enc_fw[L - 1].h + last, E, B, E);
    be_copy_rows(m->enc_out + E, 2 * E, m->enc_bw[L - 1].h + last, E, B, E);
}

static void conductor_forward(vae *m, int B)
{
    const mv_hparams *hp = &m->hp;
    const int C = (int)hp->cond_size, L = (int)hp->cond_layers, NB = (int)hp->n_bars;
    dense_forward(&m->p.cond_init, m->z, B, m->cond_init);
    be_tanh(m->cond_init, (size_t)B * 2 * C * L);
    for (int l = 0; l < L; l++) {
        vae_lstm_acts *a = &m->cond[l];
        split_init(a, m->cond_init, l, L, B, C);
        if (l == 0) be_rows_set(a->gates, m->p.cond[0].b, NB * B, 4 * C); /* zero inputs */
        else lstm_input_forward(&m->p.cond[l], a, m->cond[l - 1].h, B);
        lstm_forward(&m->p.cond[l], a, B);
    }
}

/* The token decoder runs the bars side by side: its rows are R = n_bars * B
 * (row bar * B + b), its steps the S steps of a bar, since every bar starts
 * from its own state tanh(dense(e_bar)). Token time t = bar * S + s. */

/* Layer 0's input part at step s for rows r0..r0+n: b + e_bar W_x[K:] (in
 * e_proj) + W_x[previous token] (roll: + previous step W_x[:K]) + the step's
 * chord features W_chord (chord models). */
static void decoder_input(vae *m, int s, int r0, int n)
{
    const int D = (int)m->hp.dec_size, R = (int)m->hp.n_bars * m->B;
    const size_t row = 4 * (size_t)D, at = (size_t)s * R + (size_t)r0;
    real *g = m->dec[0].gates + at * row;
    be_copy(g, m->e_proj + (size_t)r0 * row, (size_t)n * row);
    steps_forward(m, g, 4 * D, m->p.dec[0].w_x, m->prev_tok, m->dec_x, at, n);
    if (m->p.dec[0].w_chord)
        be_gemm(0, 0, n, 4 * D, MV_CHORD_FEATURES, 1, m->chord_x + at * MV_CHORD_FEATURES,
                MV_CHORD_FEATURES, m->p.dec[0].w_chord, 4 * D, 1, g, 4 * D);
}

/* The chord features of every decoder row and step (row q = bar B + b at step
 * s has the chord of token time bar S + s), zeros without chords. */
static void decoder_chords(vae *m, int B)
{
    const int S = (int)m->hp.steps_per_bar, R = (int)m->hp.n_bars * B;
    const int T = (int)hparams_seq_len(&m->hp);
    float f[MV_CHORD_FEATURES];
    for (int s = 0; s < S; s++)
        for (int q = 0; q < R; q++) {
            const int b = q % B, t = (q / B) * S + s;
            chord_features(m->chords ? m->chords[(size_t)b * T + t] : MV_CHORD_NONE, f);
            real *x = m->chord_x + ((size_t)s * R + q) * MV_CHORD_FEATURES;
            for (int k = 0; k < MV_CHORD_FEATURES; k++) x[k] = (real)f[k];
        }
}

/* What decoder layer l passes up ([S][R][D], as its h): h, or h dec_mask when
 * the last forward pass dropped. */
static const real *dec_up_of(const vae *m, int l)
{
    return m->dropping ? m->dec_up[l] : m->dec[l].h;
}

/* Draws the dropout masks of layer l's rows [r0, r0 + n) of its S R rows
 * (row q = bar B + b of a step draws from sequence b's stream) and returns
 * what the layer passes up, as dec_up_of. */
static const real *dec_pass_up(vae *m, int l, size_t r0, size_t n, mv_rng *rngs)
{
    if (!m->dropping) return m->dec[l].h;
    const size_t D = m->hp.dec_size, R = (size_t)m->hp.n_bars * (size_t)m->B;
    const real keep = (real)(1 / (1 - (double)m->dropout));
    real *mask = m->dec_mask[l] + r0 * D;
    for (size_t r = r0; r < r0 + n; r++) {
        mv_rng *rng = &rngs[(r % R) % (size_t)m->B];
        for (size_t d = 0; d < D; d++) *mask++ = rng_uniform(rng) < m->dropout ? 0 : keep;
    }
    be_mul(m->dec_up[l] + r0 * D, m->dec[l].h + r0 * D, m->dec_mask[l] + r0 * D, n * D);
    return m->dec_up[l];
}

/* The gradient reaching layer l's h from above (in its dh) through its mask. */
static void dec_pass_up_backward(vae *m, int l)
{
    if (!m->dropping) return;
    const size_t n = (size_t)hparams_seq_len(&m->hp) * (size_t)m->B * m->hp.dec_size;
    be_mul(m->dec[l].dh, m->dec[l].dh, m->dec_mask[l], n);
}

/* Teacher forcing: every layer over all bars and steps at once (big products). */
static void decoder_forward_truth(vae *m, int B, mv_rng *rngs)
{
    const mv_hparams *hp = &m->hp;
    const int S = (int)hp->steps_per_bar, L = (int)hp->dec_layers, R = (int)hp->n_bars * B;
    for (int s = 0; s < S; s++) decoder_input(m, s, 0, R);
    lstm_forward(&m->p.dec[0], &m->dec[0], R);
    for (int l = 1; l < L; l++) {
        lstm_input_forward(&m->p.dec[l], &m->dec[l], dec_pass_up(m, l - 1, 0, (size_t)S * R, rngs),
                           R);
        lstm_forward(&m->p.dec[l], &m->dec[l], R);
    }
    dense_forward(&m->p.dec_out, dec_pass_up(m, L - 1, 0, (size_t)S * R, rngs), S * R, m->logits);
}

/* Decoder input row `row`, fed after step t of sequence b whose input was
 * row `cur`: the model's own step of its logits (greedy, or drawn with
 * probability p_sample) or the true one; the zero input when word dropout
 * drops it. */
static void feed_next(vae *m, const mv_window *in, int b, int t, const real *logits, size_t cur,
                      size_t row, int feed, real p_sample, mv_rng *rngs)
{
    if (feed == VAE_FEED_GREEDY) m->repr->own_step(m, logits, NULL, cur, row);
    else if (rng_uniform(&rngs[b]) < p_sample) m->repr->own_step(m, logits, &rngs[b], cur, row);
    else put_step(m, in, b, t, m->prev_tok, m->dec_x, row);
    if (feed == VAE_FEED_SCHEDULED && m->word_dropout > 0 && rng_uniform(&rngs[b]) < m->word_dropout)
        put_none(m, m->prev_tok, m->dec_x, row);
}

/* Feeding back the model's own tokens: bar after bar, step by step through all
 * layers, since a bar's first input is the previous bar's last token. */
static void decoder_forward_fed(vae *m, const mv_window *in, int B, int feed, real p_sample,
                                mv_rng *rngs)
{
    const mv_hparams *hp = &m->hp;
    const int T = (int)hparams_seq_len(hp), D = (int)hp->dec_size, L = (int)hp->dec_layers;
    const int K = (int)hp->n_classes, S = (int)hp->steps_per_bar, NB = (int)hp->n_bars;
    const int R = NB * B;
    for (int bar = 0; bar < NB; bar++) {
        const int r0 = bar * B;
        for (int s = 0; s < S; s++) {
            const size_t at = (size_t)s * R + (size_t)r0;
            decoder_input(m, s, r0, B);
            lstm_step_rows(&m->p.dec[0], &m->dec[0], s, r0, B, R);
            for (int l = 1; l < L; l++) {
                real *g = m->dec[l].gates + at * 4 * D;
                be_rows_set(g, m->p.dec[l].b, B, 4 * D);
                be_gemm(0, 0, B, 4 * D, D, 1, dec_pass_up(m, l - 1, at, B, rngs) + at * D, D,
                        m->p.dec[l].w_x, 4 * D, 1, g, 4 * D);
                lstm_step_rows(&m->p.dec[l], &m->dec[l], s, r0, B, R);
            }
            real *logits = m->logits + at * K;
            dense_forward(&m->p.dec_out, dec_pass_up(m, L - 1, at, B, rngs) + at * D, B, logits);
            const int t = bar * S + s;
            if (t + 1 == T) break;
            /* where the next step's input lives: step s+1 of this bar, or step 0
             * of the next bar */
            const size_t next_at = s + 1 < S ? at + R : (size_t)(r0 + B);
            for (int b = 0; b < B; b++)
                feed_next(m, in, b, t, logits + (size_t)b * K, at + b, next_at + b, feed, p_sample,
                          rngs);
        }
    }
}

/* Teacher-forced inputs and targets of the decoder rows (q = bar B + b). */
static void decoder_truth(vae *m, const mv_window *in, int B)
{
    const mv_hparams *hp = &m->hp;
    const int S = (int)hp->steps_per_bar, R = (int)hp->n_bars * B;
    for (int s = 0; s < S; s++)
        for (int q = 0; q < R; q++) {
            const int b = q % B, t = (q / B) * S + s;
            const size_t i = (size_t)s * R + q;
            put_step(m, in, b, t, m->target, m->target_bits, i);
            put_step(m, in, b, t - 1, m->prev_tok, m->dec_x, i);
        }
}

/* Word dropout on teacher-forced inputs: each input after the first becomes
 * the zero input with probability word_dropout. */
static void drop_words(vae *m, int B, mv_rng *rngs)
{
    const int S = (int)m->hp.steps_per_bar, R = (int)m->hp.n_bars * B;
    for (int i = 0; i < S * R; i++) {
        const int q = i % R, t = (q / B) * S + i / R;
        if (t == 0 || rng_uniform(&rngs[q % B]) >= m->word_dropout) continue;
        put_none(m, m->prev_tok, m->dec_x, (size_t)i);
    }
}

static void decoder_forward(vae *m, const mv_window *in, int B, int feed, real p_sample,
                            mv_rng *rngs)
{
    const mv_hparams *hp = &m->hp;
    const int C = (int)hp->cond_size, D = (int)hp->dec_size;
    const int L = (int)hp->dec_layers, NB = (int)hp->n_bars, K = (int)hp->n_classes;
    const int R = NB * B;
    const real *e = m->cond[hp->cond_layers - 1].h; /* [NB][B][C] bar embeddings */
    dense_forward(&m->p.dec_init, e, R, m->dec_init);
    be_tanh(m->dec_init, (size_t)R * 2 * D * L);
    for (int l = 0; l < L; l++) split_init(&m->dec[l], m->dec_init, l, L, R, D);
    be_rows_set(m->e_proj, m->p.dec[0].b, R, 4 * D);
    be_gemm(0, 0, R, 4 * D, C, 1, e, C, m->p.dec[0].w_x + (size_t)K * 4 * D, 4 * D, 1,
            m->e_proj, 4 * D);
    decoder_truth(m, in, B);
    if (hp->chords) decoder_chords(m, B);
    m->dropping = feed == VAE_FEED_SCHEDULED && m->dropout > 0;
    if (feed == VAE_FEED_TRUTH || (feed == VAE_FEED_SCHEDULED && p_sample <= 0)) {
        if (feed == VAE_FEED_SCHEDULED && m->word_dropout > 0) drop_words(m, B, rngs);
        decoder_forward_truth(m, B, rngs);
    } else {
        decoder_forward_fed(m, in, B, feed, p_sample, rngs);
    }
}

static double free_nats(const vae_loss_cfg *loss)
{
    return (double)loss->free_bits * log(2.0);
}

const real *vae_logits_at(const vae *m, int b, int t)
{
    const int S = (int)m->hp.steps_per_bar, R = (int)m->hp.n_bars * m->B;
    return m->logits + ((size_t)(t % S) * R + (size_t)(t / S) * m->B + b) * m->hp.n_classes;
}

int32_t vae_input_token_at(const vae *m, int b, int t)
{
    const int S = (int)m->hp.steps_per_bar, R = (int)m->hp.n_bars * m->B;
    return m->prev_tok[(size_t)(t % S) * R + (size_t)(t / S) * m->B + b];
}

const real *vae_input_step_at(const vae *m, int b, int t)
{
    const int S = (int)m->hp.steps_per_bar, R = (int)m->hp.n_bars * m->B;
    return m->dec_x + ((size_t)(t % S) * R + (size_t)(t / S) * m->B + b) * m->hp.n_classes;
}

static vae_stats forward(vae *m, const mv_window *in, const real *eps, int B,
                         const vae_loss_cfg *loss, int feed, real sample_prob, mv_rng *rngs)
{
    const mv_hparams *hp = &m->hp;
    const int T = (int)hparams_seq_len(hp), Z = (int)hp->z_size;
    m->B = B;
    encoder_forward(m, in, B);
    dense_forward(&m->p.enc_mu, m->enc_out, B, m->mu);
    dense_forward(&m->p.enc_sigma, m->enc_out, B, m->sigma_pre);
    if (eps) be_copy(m->eps, eps, (size_t)B * Z);
    else be_zero(m->eps, (size_t)B * Z);
    be_latent_forward(m->mu, m->sigma_pre, m->eps, m->sigma, m->z, m->kl_b, B, Z);
    for (int b = 0; m->z_elsewhere && b < B; b++) {
        const real *from = m->z_elsewhere[b] == VAE_Z_PRIOR    ? m->eps + (size_t)b * Z
                           : m->z_elsewhere[b] == VAE_Z_WINDOW ? m->z_borrowed + (size_t)b * Z
                                                               : NULL;
        if (from) be_copy(m->z + (size_t)b * Z, from, (size_t)Z);
    }
    conductor_forward(m, B);
    decoder_forward(m, in, B, feed, sample_prob, rngs);

    vae_stats st = {0};
    double ce = 0;
    long correct = 0;
    m->repr->loss(m, T * B, (real)(1.0 / B), &ce, &correct);
    double kl = 0, kl_cost = 0;
    for (int b = 0; b < B; b++) {
        kl += m->kl_b[b];
        double over = m->kl_b[b] - free_nats(loss);
        kl_cost += over > 0 ? over : 0;
    }
    st.recon = ce / B;
    st.kl = kl / B;
    st.loss = st.recon + (double)loss->beta * kl_cost / B;
    st.accuracy = (double)correct / ((double)T * B);
    return st;
}

vae_stats vae_forward(vae *m, mv_window in, const real *eps, int B, const vae_loss_cfg *loss,
                      int feed, real sample_prob, mv_rng *rngs)
{
    return forward(m, &in, eps, B, loss, feed, sample_prob, rngs);
}

void vae_count_onsets(vae *m, mv_window in, vae_stats *st)
{
    const int T = (int)hparams_seq_len(&m->hp);
    for (int b = 0; b < m->B; b++)
        for (int t = 0; t < T; t++) m->repr->count_onsets(m, &in, b, t, st);
}

static void decoder_backward(vae *m)
{
    const mv_hparams *hp = &m->hp;
    const int B = m->B, C = (int)hp->cond_size, D = (int)hp->dec_size;
    const int L = (int)hp->dec_layers, K = (int)hp->n_classes, S = (int)hp->steps_per_bar;
    const int R = (int)hp->n_bars * B;
    const size_t rows = (size_t)R * 4 * D;
    vae_lstm_acts *top_cond = &m->cond[hp->cond_layers - 1];
    const real *e = top_cond->h;

    dense_backward(&m->p.dec_out, &m->g.dec_out, dec_up_of(m, L - 1), m->dlogits, S * R,
                   m->dec[L - 1].dh, 1);
    dec_pass_up_backward(m, L - 1);
    for (int l = L - 1; l >= 0; l--) {
        vae_lstm_acts *a = &m->dec[l];
        lstm_backward(&m->p.dec[l], &m->g.dec[l], a, R, m->dc_scratch);
        if (l > 0) {
            lstm_input_backward(&m->p.dec[l], &m->g.dec[l], a, dec_up_of(m, l - 1),
                                m->dec[l - 1].dh, 1, R);
            dec_pass_up_backward(m, l - 1);
        }
        join_init_grads(m->ddec_init, a, l, L, R, D);
    }
    /* layer 0's input: the previous step and e_bar (every step) */
    vae_lstm_acts *a0 = &m->dec[0];
    steps_backward(m, m->g.dec[0].w_x, 4 * D, a0->dgates, m->prev_tok, m->dec_x, S * R);
    if (m->p.dec[0].w_chord)
        be_gemm(1, 0, MV_CHORD_FEATURES, 4 * D, S * R, 1, m->chord_x, MV_CHORD_FEATURES,
                a0->dgates, 4 * D, 1, m->g.dec[0].w_chord, 4 * D);
    be_copy(m->de_proj, a0->dgates, rows);
    for (int s = 1; s < S; s++) be_axpy(rows, 1, a0->dgates + s * rows, m->de_proj);
    be_gemm(1, 0, C, 4 * D, R, 1, e, C, m->de_proj, 4 * D, 1,
            m->g.dec[0].w_x + (size_t)K * 4 * D, 4 * D);
    be_gemm(0, 1, R, C, 4 * D, 1, m->de_proj, 4 * D, m->p.dec[0].w_x + (size_t)K * 4 * D,
            4 * D, 1, top_cond->dh, C);
    be_tanh_backward(m->ddec_init, m->dec_init, (size_t)R * 2 * D * L);
    dense_backward(&m->p.dec_init, &m->g.dec_init, e, m->ddec_init, R, top_cond->dh, 1);
}

static void conductor_backward(vae *m)
{
    const mv_hparams *hp = &m->hp;
    const int B = m->B, C = (int)hp->cond_size, L = (int)hp->cond_layers;
    for (int l = L - 1; l >= 0; l--) {
        vae_lstm_acts *a = &m->cond[l];
        lstm_backward(&m->p.cond[l], &m->g.cond[l], a, B, m->dc_scratch);
        if (l > 0)
            lstm_input_backward(&m->p.cond[l], &m->g.cond[l], a, m->cond[l - 1].h,
                                m->cond[l - 1].dh, 1, B);
        join_init_grads(m->dcond_init, a, l, L, B, C);
    }
    be_tanh_backward(m->dcond_init, m->cond_init, (size_t)B * 2 * C * L);
    dense_backward(&m->p.cond_init, &m->g.cond_init, m->z, m->dcond_init, B, m->dz, 0);
}

static void encoder_backward(vae *m)
{
    const mv_hparams *hp = &m->hp;
    const int B = m->B, T = (int)hparams_seq_len(hp), E = (int)hp->enc_size;
    const int L = (int)hp->enc_layers;
    const size_t last = (size_t)(T - 1) * B * E;
    be_add_rows(m->enc_fw[L - 1].dh + last, E, m->denc_out, 2 * E, B, E);
    be_add_rows(m->enc_bw[L - 1].dh + last, E, m->denc_out + E, 2 * E, B, E);
    for (int l = L - 1; l >= 0; l--) {
        vae_lstm_acts *af = &m->enc_fw[l], *ab = &m->enc_bw[l];
        lstm_backward(&m->p.enc_fw[l], &m->g.enc_fw[l], af, B, m->dc_scratch);
        lstm_backward(&m->p.enc_bw[l], &m->g.enc_bw[l], ab, B, m->dc_scratch);
        if (l == 0) {
            steps_backward(m, m->g.enc_fw[0].w_x, 4 * E, af->dgates, m->enc_tok_fw, m->enc_x_fw,
                           T * B);
            steps_backward(m, m->g.enc_bw[0].w_x, 4 * E, ab->dgates, m->enc_tok_bw, m->enc_x_bw,
                           T * B);
            continue;
        }
        lstm_input_backward(&m->p.enc_fw[l], &m->g.enc_fw[l], af, m->enc_in[l], m->denc_in[l],
                            0, B);
        lstm_input_backward(&m->p.enc_bw[l], &m->g.enc_bw[l], ab, m->enc_in_rev[l],
                            m->denc_in_rev[l], 0, B);
        const size_t row = (size_t)B * 2 * E;
        for (int t = 0; t < T; t++) {
            const real *dx = m->denc_in[l] + t * row;
            const real *dxr = m->denc_in_rev[l] + (size_t)(T - 1 - t) * row;
            real *dfw = m->enc_fw[l - 1].dh + (size_t)t * B * E;
            real *dbw = m->enc_bw[l - 1].dh + (size_t)(T - 1 - t) * B * E;
            be_add_rows(dfw, E, dx, 2 * E, B, E);
            be_add_rows(dfw, E, dxr, 2 * E, B, E);
            be_add_rows(dbw, E, dx + E, 2 * E, B, E);
            be_add_rows(dbw, E, dxr + E, 2 * E, B, E);
        }
    }
}

static void zero_lstm_dh(vae_lstm_acts *a, int B, int H)
{
    be_zero(a->dh, (size_t)a->T * B * H);
}

void vae_backward(vae *m, const vae_loss_cfg *loss)
{
    const mv_hparams *hp = &m->hp;
    const int B = m->B, Z = (int)hp->z_size, E = (int)hp->enc_size;
    for (uint32_t l = 0; l < hp->enc_layers; l++) {
        zero_lstm_dh(&m->enc_fw[l], B, E);
        zero_lstm_dh(&m->enc_bw[l], B, E);
    }
    for (uint32_t l = 0; l < hp->cond_layers; l++) zero_lstm_dh(&m->cond[l], B, (int)hp->cond_size);
    for (uint32_t l = 0; l < hp->dec_layers; l++)
        zero_lstm_dh(&m->dec[l], (int)hp->n_bars * B, (int)hp->dec_size);

    decoder_backward(m);
    conductor_backward(m);
    for (int b = 0; b < B; b++)
        m->kl_weight[b] = m->kl_b[b] > free_nats(loss) ? loss->beta / (real)B : 0;
    for (int b = 0; m->z_elsewhere && b < B; b++) /* z is not the encoder's of b */
        if (m->z_elsewhere[b]) be_zero(m->dz + (size_t)b * Z, (size_t)Z);
    be_latent_backward(m->mu, m->sigma_pre, m->sigma, m->eps, m->dz, m->kl_weight, m->dmu,
                       m->dsigma_pre, B, Z);
    dense_backward(&m->p.enc_mu, &m->g.enc_mu, m->enc_out, m->dmu, B, m->denc_out, 0);
    dense_backward(&m->p.enc_sigma, &m->g.enc_sigma, m->enc_out, m->dsigma_pre, B, m->denc_out,
                   1);
    encoder_backward(m);
}

double vae_flops_per_sequence(const mv_hparams *hp)
{
    const double T = hparams_seq_len(hp), NB = hp->n_bars, E = hp->enc_size, Z = hp->z_size;
    const double C = hp->cond_size, D = hp->dec_size, K = hp->n_classes;
    double f = 0;
    for (uint32_t l = 0; l < hp->enc_layers; l++)
        f += 2 * T * (E * 4 * E + (l ? 2 * E * 4 * E : 0)); /* two directions */
    f += 2 * (2 * E * Z);
    f += Z * 2 * C * hp->cond_layers;
    for (uint32_t l = 0; l < hp->cond_layers; l++) f += NB * (C * 4 * C + (l ? C * 4 * C : 0));
    f += NB * C * 2 * D * hp->dec_layers + NB * C * 4 * D;
    for (uint32_t l = 0; l < hp->dec_layers; l++) f += T * (D * 4 * D + (l ? D * 4 * D : 0));
    f += T * D * K;
    if (hp->chords) f += T * MV_CHORD_FEATURES * 4 * D;
    if (vae_repr_of(hp->repr)->dense) f += T * K * (2 * 4 * E + 4 * D); /* dense inputs */
    /* 2 FLOPs per multiply-add; backward costs twice the forward */
    return 3 * 2 * f;
}
