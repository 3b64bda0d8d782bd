/* Latent refinement (refine.h): the token decoder's teacher-forced forward
 * pass at batch 1 keeping what its backward pass needs, the backward pass with
 * respect to z only (weights frozen), and Adam on z. A window is tokens
 * (softmax outputs) or a piano roll (a sigmoid output per step and bit); the
 * two differ only in the decoder's input at each step, the loss and its
 * gradient with respect to the logits, and how a greedy decode is compared.
 *
 * The products reuse the decoder's panel kernels: the forward pass multiplies
 * by the decoder's packed W (borrowed, packed_model.h), the backward pass by
 * packed copies of W^T (dx = dy W^T is then an ordinary packed product), so
 * both stream their matrices the same way and no BLAS is needed. Every buffer
 * is carved from two blocks allocated in refine_create. */
#include "fp_exact.h"

#include "refine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "carver.h"
#include "decoder.h"
#include "kernels.h"
#include "packed_model.h"
#include "repr.h"

#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

/* What one LSTM layer's backward pass needs from each step (batch 1), and
 * its output for the layer above. */
typedef struct lstm_record {
    float *gates;  /* [steps][4H] activated gates i, f, g, o */
    float *c_prev; /* [steps][H] cell state entering the step */
    float *tanh_c; /* [steps][H] tanh of the cell state leaving it */
    float *h;      /* [steps][H] */
} lstm_record;

/* A layer's transposed matrices, packed: w_h^T [4H, H], w_x^T [4H, n_in]
 * (NULL where the input is absent or one-hot). */
typedef struct lstm_transposed {
    const float *w_h_t, *w_x_t;
} lstm_transposed;

struct mv_refine {
    const mv_model *m;
    const mv_repr_io *repr;   /* what a step of the model's windows is */
    const mv_packed_model *p; /* the forward matrices: the decoder's, borrowed */
    mv_decoder *decoder;      /* batch 1 over p: greedy checks and the encoder */
    void *block;              /* activations and scratch */
    float *packs;             /* the transposes below */
    /* the conductor's and the token decoder's matrices transposed, packed */
    const float *cond_init_t, *dec_init_t, *dec_out_t, *dec0_emb_t;
    lstm_transposed cond_t[MV_MAX_LAYERS], dec_t[MV_MAX_LAYERS];
    /* the forward record of the last objective evaluation */
    float *cond_init_act;                /* [2 C Lc] after tanh */
    lstm_record cond_rec[MV_MAX_LAYERS]; /* n_bars steps; the top layer's h are the e_bar */
    float *dec_init_act;                 /* [n_bars][2 D Ld] after tanh */
    float *bar_bias;                     /* [n_bars][4D] b + e_bar W_x[K:K+C] of layer 0 */
    lstm_record dec_rec[MV_MAX_LAYERS];  /* T steps */
    float *logits;                       /* [T][K] */
    float *probs;                        /* [T][K] softmax (roll: sigmoid), then dL/dlogits */
    int tf_correct;                      /* targets whose teacher-forced prediction is right */
    int n_targets;                       /* what a window has to get right: T tokens, T K bits */
    /* scratch, [H] = [max(C, D)] */
    float *c[MV_MAX_LAYERS];                      /* [H] running cell states */
    float *dc[MV_MAX_LAYERS], *dh[MV_MAX_LAYERS]; /* [H] carried back through time */
    float *dgates;      /* [4H] one conductor step */
    float *below;       /* [H] dL/d(input) handed to the conductor layer below */
    float *dgates_seq;  /* [T][4D] one decoder layer's gate gradients */
    float *dh_seq[2];   /* [T][D] dL/dh of a decoder layer from the one above */
    float *dinit_bars;  /* [n_bars][2 D Ld] dL/d(pre-tanh) of the decoder's init layer */
    float *de_gates;    /* [n_bars][4D] layer 0's gate gradients summed over each bar */
    float *dinit_cond;  /* [2 C Lc] the same for the conductor's init layer */
    float *de;          /* [n_bars][C] dL/d(bar embedding) */
    /* Adam */
    float *z, *grad, *adam_m, *adam_v; /* [Z] */
    float *mu, *sigma;                 /* [Z] encoder outputs */
    void *greedy;                      /* [T] steps */
    int32_t *scratch;                  /* [1] the representation's input scratch */
};


static float *carve_floats(carver *cv, size_t n)
{
    return carve(cv, n * sizeof(float));
}

static void carve_record(carver *cv, lstm_record *rec, size_t steps, size_t H)
{
    rec->gates = carve_floats(cv, steps * 4 * H);
    rec->c_prev = carve_floats(cv, steps * H);
    rec->tanh_c = carve_floats(cv, steps * H);
    rec->h = carve_floats(cv, steps * H);
}

static void layout_buffers(mv_refine *r, carver *cv)
{
    const mv_hparams *hp = &r->m->hp;
    const size_t C = hp->cond_size, D = hp->dec_size, K = hp->n_classes, Z = hp->z_size;
    const size_t NB = hp->n_bars, T = hparams_seq_len(hp);
    const size_t Lc = hp->cond_layers, Ld = hp->dec_layers;
    const size_t H = C > D ? C : D;
    r->cond_init_act = carve_floats(cv, 2 * C * Lc);
    for (size_t l = 0; l < Lc; l++) carve_record(cv, &r->cond_rec[l], NB, C);
    r->dec_init_act = carve_floats(cv, NB * 2 * D * Ld);
    r->bar_bias = carve_floats(cv, NB * 4 * D);
    for (size_t l = 0; l < Ld; l++) carve_record(cv, &r->dec_rec[l], T, D);
    r->logits = carve_floats(cv, T * K);
    r->probs = carve_floats(cv, T * K);
    for (size_t l = 0; l < (Lc > Ld ? Lc : Ld); l++) {
        r->c[l] = carve_floats(cv, H);
        r->dc[l] = carve_floats(cv, H);
        r->dh[l] = carve_floats(cv, H);
    }
    r->dgates = carve_floats(cv, 4 * H);
    r->below = carve_floats(cv, H);
    r->dgates_seq = carve_floats(cv, T * 4 * D);
    r->dh_seq[0] = carve_floats(cv, T * D);
    r->dh_seq[1] = carve_floats(cv, T * D);
    r->dinit_bars = carve_floats(cv, NB * 2 * D * Ld);
    r->de_gates = carve_floats(cv, NB * 4 * D);
    r->dinit_cond = carve_floats(cv, 2 * C * Lc);
    r->de = carve_floats(cv, NB * C);
    r->z = carve_floats(cv, Z);
    r->grad = carve_floats(cv, Z);
    r->adam_m = carve_floats(cv, Z);
    r->adam_v = carve_floats(cv, Z);
    r->mu = carve_floats(cv, Z);
    r->sigma = carve_floats(cv, Z);
    r->greedy = carve(cv, T * r->repr->step_bytes((int)K));
    r->scratch = carve(cv, sizeof(int32_t));
}

/* ---- the transposes the backward pass multiplies by ---- */

/* W^T [n_out, n_in] of row-major W [n_in, n_out], packed; tmp holds n_in n_out
 * floats. */
static const float *pack_transposed(carver *cv, float *tmp, const float *w, int n_in,
                                    int n_out)
{
    float *p = carve_floats(cv, packed_floats(n_out, n_in));
    if (!p) return NULL;
    for (int k = 0; k < n_in; k++)
        for (int j = 0; j < n_out; j++) tmp[(size_t)j * n_in + k] = w[(size_t)k * n_out + j];
    pack_weights(tmp, n_out, n_in, p);
    return p;
}

/* Layer 0 of the conductor has no input and layer 0 of the token decoder a
 * one-hot or multi-hot one (no gradient) plus the bar embedding (transposed
 * apart): no w_x^T for them. */
static lstm_transposed transpose_lstm(carver *cv, float *tmp, const mv_lstm_weights *w,
                                      int with_input)
{
    const int H = w->n_hidden;
    lstm_transposed t;
    t.w_x_t = with_input ? pack_transposed(cv, tmp, w->w_x, w->n_in, 4 * H) : NULL;
    t.w_h_t = pack_transposed(cv, tmp, w->w_h, H, 4 * H);
    return t;
}

static const float *transpose_dense(carver *cv, float *tmp, const mv_dense_weights *w)
{
    return pack_transposed(cv, tmp, w->w, w->n_in, w->n_out);
}

static void pack_transposes(mv_refine *r, carver *cv, float *tmp)
{
    const mv_model *m = r->m;
    const int K = (int)m->hp.n_classes, C = (int)m->hp.cond_size, G = 4 * (int)m->hp.dec_size;
    r->cond_init_t = transpose_dense(cv, tmp, &m->cond_init);
    for (uint32_t l = 0; l < m->hp.cond_layers; l++)
        r->cond_t[l] = transpose_lstm(cv, tmp, &m->cond[l], l > 0);
    r->dec_init_t = transpose_dense(cv, tmp, &m->dec_init);
    for (uint32_t l = 0; l < m->hp.dec_layers; l++)
        r->dec_t[l] = transpose_lstm(cv, tmp, &m->dec[l], l > 0);
    r->dec_out_t = transpose_dense(cv, tmp, &m->dec_out);
    r->dec0_emb_t = pack_transposed(cv, tmp, m->dec[0].w_x + (size_t)K * G, C, G);
}

/* The largest matrix pack_transposes transposes, in floats. */
static size_t largest_matrix(const mv_hparams *hp)
{
    const size_t C = hp->cond_size, D = hp->dec_size, K = hp->n_classes, Z = hp->z_size;
    size_t n[] = {Z * 2 * C * hp->cond_layers, C * 4 * C, C * 2 * D * hp->dec_layers,
                  D * 4 * D, C * 4 * D, D * K};
    size_t most = 0;
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) most = n[i] > most ? n[i] : most;
    return most;
}

mv_refine *refine_create(const mv_decoder *d)
{
    mv_refine *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->p = decoder_packed(d);
    r->m = r->p->m;
    const mv_hparams *hp = &r->m->hp;
    r->repr = repr_io_of(hp->repr);
    r->n_targets = (int)hparams_seq_len(hp) * r->repr->targets_per_step((int)hp->n_classes);
    r->decoder = decoder_create_sharing(d, 1);
    carver sizing = {NULL, 0};
    layout_buffers(r, &sizing);
    r->block = aligned_alloc(64, sizing.used);
    carver pack_sizing = {NULL, 0};
    pack_transposes(r, &pack_sizing, NULL);
    r->packs = aligned_alloc(64, pack_sizing.used);
    float *tmp = malloc(largest_matrix(hp) * sizeof *tmp);
    if (!r->decoder || !r->block || !r->packs || !tmp) {
        free(tmp);
        refine_free(r);
        return NULL;
    }
    memset(r->block, 0, sizing.used);
    carver cv = {r->block, 0};
    layout_buffers(r, &cv);
    carver pcv = {(char *)r->packs, 0};
    pack_transposes(r, &pcv, tmp);
    free(tmp);
    return r;
}

void refine_free(mv_refine *r)
{
    if (!r) return;
    decoder_free(r->decoder);
    free(r->packs);
    free(r->block);
    free(r);
}

mv_refine_options refine_defaults(void)
{
    mv_refine_options o = {MV_REFINE_DEFAULT_STEPS, MV_REFINE_DEFAULT_LR, MV_REFINE_DEFAULT_PRIOR};
    return o;
}

/* ---- forward pass, keeping the record ---- */

/* act = tanh(x W + b): initial states, per layer [c | h]. */
static void init_forward(const mv_dense_weights *init, const float *x, float *act)
{
    dense_packed_forward(init, x, init->n_in, 1, act, init->n_out);
    tanh_inplace(act, init->n_out);
}

/* Step k of the record from h_prev and the running cell state c (gates at k
 * already hold the input part). */
static void record_step(const mv_lstm_packed *w, lstm_record *rec, int k, const float *h_prev,
                        float *c)
{
    const int H = w->n_hidden;
    float *g = rec->gates + (size_t)k * 4 * H;
    matmul_packed_acc(g, 4 * H, h_prev, H, w->w_h, 1, H, 4 * H);
    memcpy(rec->c_prev + (size_t)k * H, c, (size_t)H * sizeof *c);
    lstm_cell_keep(g, c, rec->h + (size_t)k * H, rec->tanh_c + (size_t)k * H, H);
}

/* The conductor, step by step through its layers (n_bars steps, no input). */
static void conductor_forward(mv_refine *r, const float *z)
{
    const mv_hparams *hp = &r->m->hp;
    const int C = (int)hp->cond_size, L = (int)hp->cond_layers;
    init_forward(&r->p->cond_init, z, r->cond_init_act);
    for (int l = 0; l < L; l++)
        memcpy(r->c[l], r->cond_init_act + 2 * l * C, (size_t)C * sizeof(float));
    for (int bar = 0; bar < (int)hp->n_bars; bar++)
        for (int l = 0; l < L; l++) {
            const mv_lstm_packed *w = &r->p->cond[l];
            lstm_record *rec = &r->cond_rec[l];
            float *g = rec->gates + (size_t)bar * 4 * C;
            memcpy(g, w->b, 4 * (size_t)C * sizeof *g);
            if (l) matmul_packed_acc(g, 4 * C, r->cond_rec[l - 1].h + (size_t)bar * C, C, w->w_x, 1,
                                     C, 4 * C);
            const float *h_prev = bar ? rec->h + (size_t)(bar - 1) * C
                                      : r->cond_init_act + 2 * l * C + C;
            record_step(w, rec, bar, h_prev, r->c[l]);
        }
}

/* The input part of decoder layer l's gates at every step: layer 0 the bar's
 * bias plus the previous token's row (roll: the rows of the previous step's
 * bits), a higher layer b + h_below W_x for all T steps in one product
 * (teacher forcing knows every input in advance). */
static void decoder_inputs(mv_refine *r, mv_window x, int l)
{
    const mv_hparams *hp = &r->m->hp;
    const int D = (int)hp->dec_size, S = (int)hp->steps_per_bar, K = (int)hp->n_classes;
    const int T = (int)hparams_seq_len(hp);
    const size_t step = r->repr->step_bytes(K);
    float *gates = r->dec_rec[l].gates;
    if (l == 0) {
        for (int t = 0; t < T; t++) {
            float *g = gates + (size_t)t * 4 * D;
            memcpy(g, r->bar_bias + (size_t)(t / S) * 4 * D, 4 * (size_t)D * sizeof *g);
            const char *prev = t ? (const char *)x.steps + (t - 1) * step : NULL;
            r->repr->add_input(g, 4 * D, r->m->dec[0].w_x, 4 * D, prev, step, K, 1, r->scratch);
        }
        return;
    }
    rows_set(gates, 4 * D, r->p->dec[l].b, T, 4 * D);
    matmul_packed_acc(gates, 4 * D, r->dec_rec[l - 1].h, D, r->p->dec[l].w_x, T, D, 4 * D);
}

/* The token decoder layer by layer; each bar starts from its own states. */
static void decoder_forward(mv_refine *r, mv_window x)
{
    const mv_hparams *hp = &r->m->hp;
    const int C = (int)hp->cond_size, D = (int)hp->dec_size, L = (int)hp->dec_layers;
    const int S = (int)hp->steps_per_bar, NB = (int)hp->n_bars;
    const float *e = r->cond_rec[hp->cond_layers - 1].h; /* [NB][C] */
    for (int bar = 0; bar < NB; bar++) {
        init_forward(&r->p->dec_init, e + (size_t)bar * C,
                     r->dec_init_act + (size_t)bar * 2 * D * L);
        float *bias = r->bar_bias + (size_t)bar * 4 * D;
        memcpy(bias, r->p->dec[0].b, 4 * (size_t)D * sizeof *bias);
        matmul_packed_acc(bias, 4 * D, e + (size_t)bar * C, C, r->p->dec0_emb, 1, C, 4 * D);
    }
    for (int l = 0; l < L; l++) {
        lstm_record *rec = &r->dec_rec[l];
        decoder_inputs(r, x, l);
        for (int bar = 0; bar < NB; bar++) {
            const float *init = r->dec_init_act + (size_t)bar * 2 * D * L + 2 * l * D;
            memcpy(r->c[0], init, (size_t)D * sizeof(float));
            for (int s = 0; s < S; s++) {
                const int t = bar * S + s;
                const float *h_prev = s ? rec->h + (size_t)(t - 1) * D : init + D;
                record_step(&r->p->dec[l], rec, t, h_prev, r->c[0]);
            }
        }
    }
}

/* Teacher-forced pass: summed cross-entropy of the window; leaves the output
 * probabilities in r->probs and counts the targets predicted right. */
static double forward(mv_refine *r, mv_window x, const float *z)
{
    const mv_hparams *hp = &r->m->hp;
    const int D = (int)hp->dec_size, K = (int)hp->n_classes, T = (int)hparams_seq_len(hp);
    conductor_forward(r, z);
    decoder_forward(r, x);
    dense_packed_forward(&r->p->dec_out, r->dec_rec[hp->dec_layers - 1].h, D, T, r->logits, K);
    return r->repr->loss(r->logits, r->probs, x.steps, T, K, &r->tf_correct);
}

static double prior(const float *z, int n, float prior_weight)
{
    double sum = 0;
    for (int i = 0; i < n; i++) sum += (double)z[i] * z[i];
    return prior_weight * sum;
}

/* ---- backward pass with respect to z ---- */

/* Backward of one LSTM cell from its record at step k: dh is dL/dh of the
 * step, dc on entry dL/dc from the step after and on exit dL/dc_prev; dgates
 * gets dL/d(pre-activation gates). */
static void cell_backward(const lstm_record *rec, int k, const float *dh, float *dc,
                          float *dgates, int H)
{
    const float *g = rec->gates + (size_t)k * 4 * H, *c_prev = rec->c_prev + (size_t)k * H;
    const float *tanh_c = rec->tanh_c + (size_t)k * H;
    for (int j = 0; j < H; j++) {
        const float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
        const float tc = tanh_c[j];
        const float dcj = dc[j] + dh[j] * o * (1.0f - tc * tc);
        dgates[j] = dcj * gg * i * (1.0f - i);
        dgates[H + j] = dcj * c_prev[j] * f * (1.0f - f);
        dgates[2 * H + j] = dcj * i * (1.0f - gg * gg);
        dgates[3 * H + j] = dh[j] * tc * o * (1.0f - o);
        dc[j] = dcj * f;
    }
}

/* y [rows][n] = x [rows][n_x] W^T, W^T packed [n_x, n] */
static void product_t(float *y, int n, const float *x, int n_x, const float *w_t, int rows)
{
    memset(y, 0, (size_t)rows * n * sizeof *y);
    matmul_packed_acc(y, n, x, n_x, w_t, rows, n_x, n);
}

/* Step k of a layer: dh[l] holds the gradient carried from step k + 1 plus
 * what the layers above and the output sent to step k; back through the cell
 * into dgates, then the carry for step k - 1 into dh[l] (dc[l] follows). */
static void step_backward(mv_refine *r, const lstm_record *rec, const lstm_transposed *t, int l,
                          int k, float *dgates, int H)
{
    cell_backward(rec, k, r->dh[l], r->dc[l], dgates, H);
    product_t(r->dh[l], H, dgates, 4 * H, t->w_h_t, 1);
}

/* Layer l's part of dL/d(pre-tanh) of an init layer (per layer [c | h]) from
 * the gradients dc, dh that reached its first step, and the layer's output act. */
static void init_backward(float *dinit, const float *act, const float *dc, const float *dh, int l,
                          int H)
{
    const float *a = act + 2 * l * H;
    float *d = dinit + 2 * l * H;
    for (int j = 0; j < H; j++) {
        d[j] = dc[j] * (1.0f - a[j] * a[j]);
        d[H + j] = dh[j] * (1.0f - a[H + j] * a[H + j]);
    }
}

/* dL/de_bar for every bar into r->de, layer by layer from the top: a layer's
 * recurrence runs back step by step, its input's gradient (for the layer
 * below) in one product over all steps. */
static void decoder_backward(mv_refine *r, mv_window x)
{
    const mv_hparams *hp = &r->m->hp;
    const int C = (int)hp->cond_size, D = (int)hp->dec_size, K = (int)hp->n_classes;
    const int S = (int)hp->steps_per_bar, L = (int)hp->dec_layers, NB = (int)hp->n_bars;
    const int T = (int)hparams_seq_len(hp);
    r->repr->loss_grad(r->probs, x.steps, T, K); /* dL/dlogits */
    float *from_above = r->dh_seq[0], *to_below = r->dh_seq[1];
    product_t(from_above, D, r->probs, K, r->dec_out_t, T);
    for (int l = L - 1; l >= 0; l--) {
        const lstm_record *rec = &r->dec_rec[l];
        for (int bar = 0; bar < NB; bar++) {
            memset(r->dc[0], 0, (size_t)D * sizeof(float));
            memset(r->dh[0], 0, (size_t)D * sizeof(float));
            for (int s = S - 1; s >= 0; s--) {
                const int t = bar * S + s;
                for (int j = 0; j < D; j++) r->dh[0][j] += from_above[(size_t)t * D + j];
                step_backward(r, rec, &r->dec_t[l], 0, t, r->dgates_seq + (size_t)t * 4 * D, D);
            }
            /* what reached the first step is the gradient of this layer's
             * initial state */
            init_backward(r->dinit_bars + (size_t)bar * 2 * D * L,
                          r->dec_init_act + (size_t)bar * 2 * D * L, r->dc[0], r->dh[0], l, D);
        }
        if (l) {
            product_t(to_below, D, r->dgates_seq, 4 * D, r->dec_t[l].w_x_t, T);
            float *swap = from_above;
            from_above = to_below;
            to_below = swap;
        }
    }
    /* layer 0's input: the one-hot token or the bits (no gradient) and e_bar at
     * every step */
    memset(r->de_gates, 0, (size_t)NB * 4 * D * sizeof(float));
    for (int t = 0; t < T; t++) {
        float *sum = r->de_gates + (size_t)(t / S) * 4 * D;
        const float *dg = r->dgates_seq + (size_t)t * 4 * D;
        for (int j = 0; j < 4 * D; j++) sum[j] += dg[j];
    }
    product_t(r->de, C, r->dinit_bars, 2 * D * L, r->dec_init_t, NB);
    matmul_packed_acc(r->de, C, r->de_gates, 4 * D, r->dec0_emb_t, NB, 4 * D, C);
}

/* From r->de back through the conductor (step by step through its layers)
 * and its init layer to grad [Z]. */
static void conductor_backward(mv_refine *r, float *grad)
{
    const mv_hparams *hp = &r->m->hp;
    const int C = (int)hp->cond_size, L = (int)hp->cond_layers, Z = (int)hp->z_size;
    for (int l = 0; l < L; l++) {
        memset(r->dc[l], 0, (size_t)C * sizeof(float));
        memset(r->dh[l], 0, (size_t)C * sizeof(float));
    }
    for (int bar = (int)hp->n_bars - 1; bar >= 0; bar--) {
        memcpy(r->below, r->de + (size_t)bar * C, (size_t)C * sizeof(float));
        for (int l = L - 1; l >= 0; l--) {
            for (int j = 0; j < C; j++) r->dh[l][j] += r->below[j];
            step_backward(r, &r->cond_rec[l], &r->cond_t[l], l, bar, r->dgates, C);
            if (l) product_t(r->below, C, r->dgates, 4 * C, r->cond_t[l].w_x_t, 1);
        }
    }
    for (int l = 0; l < L; l++)
        init_backward(r->dinit_cond, r->cond_init_act, r->dc[l], r->dh[l], l, C);
    product_t(grad, Z, r->dinit_cond, 2 * C * L, r->cond_init_t, 1);
}

static double objective_of(mv_refine *r, mv_window x, const float *z,
                           float prior_weight, float *grad)
{
    const int Z = (int)r->m->hp.z_size;
    const double objective = forward(r, x, z) + prior(z, Z, prior_weight);
    if (grad) {
        decoder_backward(r, x);
        conductor_backward(r, grad);
        for (int i = 0; i < Z; i++) grad[i] += 2.0f * prior_weight * z[i];
    }
    return objective;
}

/* ---- refinement ---- */

/* Targets a greedy decode of z gets right: tokens, or the bits of a roll. */
static int greedy_correct(mv_refine *r, mv_window x, const float *z)
{
    const mv_hparams *hp = &r->m->hp;
    decoder_decode(r->decoder, z, 1, 0, NULL, (mv_window){x.kind, r->greedy});
    return r->repr->count_equal(r->greedy, x.steps, (int)hparams_seq_len(hp), (int)hp->n_classes);
}

/* The window fits the model (its kind of steps, with values the model can
 * take) and the options are in range. */
static int arguments_ok(const mv_refine *r, mv_window x, const mv_refine_options *o)
{
    const mv_hparams *hp = &r->m->hp;
    if (x.kind != r->repr->kind || !x.steps ||
        !r->repr->valid(x.steps, (int)hparams_seq_len(hp), (int)hp->n_classes))
        return 0;
    return o->steps >= 0 && o->steps <= MV_REFINE_MAX_STEPS && isfinite(o->learning_rate) &&
           o->learning_rate > 0 && isfinite(o->prior_weight) && o->prior_weight >= 0;
}

/* One Adam step on r->z from r->grad (PyTorch's bias correction). */
static void adam_step(mv_refine *r, float lr, float *beta1_t, float *beta2_t)
{
    const int Z = (int)r->m->hp.z_size;
    *beta1_t *= ADAM_BETA1;
    *beta2_t *= ADAM_BETA2;
    const float c1 = 1.0f - *beta1_t, c2 = 1.0f - *beta2_t;
    for (int i = 0; i < Z; i++) {
        const float g = r->grad[i];
        r->adam_m[i] = ADAM_BETA1 * r->adam_m[i] + (1.0f - ADAM_BETA1) * g;
        r->adam_v[i] = ADAM_BETA2 * r->adam_v[i] + (1.0f - ADAM_BETA2) * g * g;
        r->z[i] -= lr * (r->adam_m[i] / c1) / (sqrtf(r->adam_v[i] / c2) + ADAM_EPS);
    }
}

int refine_latent(mv_refine *r, mv_window x, const float *start, const mv_refine_options *o,
                  float *z, mv_refine_report *rep)
{
    if (!arguments_ok(r, x, o)) return -1;
    const int Z = (int)r->m->hp.z_size, N = r->n_targets;
    mv_refine_report out = {0};
    out.correct_start = greedy_correct(r, x, start);
    out.objective_start = objective_of(r, x, start, o->prior_weight, NULL);
    memcpy(r->z, start, (size_t)Z * sizeof(float));
    out.correct = out.correct_start;
    out.objective = out.objective_start;
    if (out.correct_start < N && o->steps > 0) {
        memset(r->adam_m, 0, (size_t)Z * sizeof(float));
        memset(r->adam_v, 0, (size_t)Z * sizeof(float));
        float beta1_t = 1, beta2_t = 1;
        out.correct = -1;
        for (;;) {
            /* the teacher-forced prediction being right everywhere is what
             * greedy decoding needs to reproduce the window: only then decode */
            out.objective = objective_of(r, x, r->z, o->prior_weight, NULL);
            if (out.steps > 0 && r->tf_correct == N && greedy_correct(r, x, r->z) == N) {
                out.correct = N;
                break;
            }
            if (out.steps == o->steps) break;
            decoder_backward(r, x);
            conductor_backward(r, r->grad);
            for (int i = 0; i < Z; i++) r->grad[i] += 2.0f * o->prior_weight * r->z[i];
            adam_step(r, o->learning_rate, &beta1_t, &beta2_t);
            out.steps++;
        }
        if (out.correct < 0) out.correct = greedy_correct(r, x, r->z);
    }
    out.kept_start = out.correct < out.correct_start ||
                     (out.correct == out.correct_start && !(out.objective < out.objective_start));
    if (out.kept_start) {
        out.correct = out.correct_start;
        out.objective = out.objective_start;
        if (z != start) memcpy(z, start, (size_t)Z * sizeof(float));
    } else {
        memcpy(z, r->z, (size_t)Z * sizeof(float));
    }
    out.reproduced = out.correct == N;
    if (rep) *rep = out;
    return 0;
}

double refine_objective(mv_refine *r, mv_window x, const float *z, float prior_weight,
                        float *grad)
{
    return objective_of(r, x, z, prior_weight, grad);
}

int refine_window(mv_refine *r, mv_window x, const mv_refine_options *o, float *z, float *mu,
                  mv_refine_report *rep)
{
    if (!arguments_ok(r, x, o)) return -1;
    decoder_encode(r->decoder, x, 1, r->mu, r->sigma);
    if (mu) memcpy(mu, r->mu, r->m->hp.z_size * sizeof(float));
    return refine_latent(r, x, r->mu, o, z, rep);
}
