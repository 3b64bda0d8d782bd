/* Decoder kernels. Two rules make the results reproducible:
 *  - no implicit contraction (fp-contract=off below): every fused multiply-add
 *    is an explicit fmaf, so the AVX-512, AVX2 and baseline builds of a kernel
 *    (target_clones) compute the same bits;
 *  - exp is our own polynomial (not libm's, whose variants differ by machine),
 *    written without branches so that GCC vectorises the LSTM cell. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
/* These two -O3 passes move the panel kernels' register accumulators to the
 * stack (GCC 12), halving their speed. */
#pragma GCC optimize("no-loop-unroll-and-jam", "no-predictive-commoning")
#else
#pragma STDC FP_CONTRACT OFF
#endif

#include "kernels.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(MV_NO_TARGET_CLONES) && !defined(__SANITIZE_THREAD__)
/* One binary, dispatched at load time to the best of AVX-512, AVX2+FMA or the
 * x86-64 baseline (which computes fmaf in libm: slower, same results; a test
 * builds the baseline alone with MV_NO_TARGET_CLONES to check that). Not under
 * ThreadSanitizer: an executable linking core runs the instrumented dispatch
 * resolvers while the loader relocates it, before the TSan runtime is set up,
 * and crashes there. */
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif
/* Helpers of HOT kernels must be inlined into each clone to get its ISA. */
#define INLINE static inline __attribute__((always_inline))

/* The sanitizers instrument every scalar load, which keeps GCC from
 * vectorising the panel loops: the sanitizer test builds ran the decoder 30x
 * (ASan) and 20x (TSan) slower than release. So the matrix product is not
 * instrumented load by load; each call declares the exact regions it will
 * touch instead (every row of y and x, the packed block): ASan checks that they
 * are addressable and reports one that is not as it reports a bad load; TSan
 * records them as the accesses they are, so races on them are still found. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#define PANEL_UNCHECKED __attribute__((no_sanitize_address, no_sanitize_undefined))
#define SANITIZED_REGIONS 1

static void touch_region(const char *what, const float *p, size_t n, bool write)
{
    (void)write;
    void *bad = __asan_region_is_poisoned((void *)p, n * sizeof *p);
    if (!bad) return;
    fprintf(stderr, "matmul_packed_acc: %s [%p, +%zu floats) reaches unaddressable memory\n",
            what, (const void *)p, n);
    __asan_describe_address(bad);
    abort();
}
#elif defined(__SANITIZE_THREAD__)
#define PANEL_UNCHECKED __attribute__((no_sanitize_thread))
#define SANITIZED_REGIONS 1

static void touch_region(const char *what, const float *p, size_t n, bool write)
{
    (void)what;
    /* GCC's built-ins under -fsanitize=thread: the runtime's range hooks */
    if (write) __tsan_write_range((void *)p, (long)(n * sizeof *p));
    else __tsan_read_range((void *)p, (long)(n * sizeof *p));
}
#else
#define PANEL_UNCHECKED
#define SANITIZED_REGIONS 0
#endif

#if SANITIZED_REGIONS
static void touch_rows(const char *what, const float *p, int ld, int rows, int n, bool write)
{
    for (int r = 0; r < rows; r++) touch_region(what, p + (size_t)r * ld, (size_t)n, write);
}
#endif

/* exp(x) to about 2 ulp, 0 below -87.3, finite up to 88.7: x = n ln2 + r,
 * |r| <= ln2/2, e^r by its degree-6 Taylor polynomial (error < 2e-7), 2^n built in
 * the exponent bits. */
INLINE float exp_poly(float x)
{
    const float lo = -87.3f, hi = 88.7f;
    float xc = x < lo ? lo : (x > hi ? hi : x);
    /* round to nearest by adding 1.5 * 2^23 */
    const float shift = 12582912.0f;
    float n = (xc * 1.44269504088896341f + shift) - shift;
    float r = fmaf(-n, 0.693145751953125f, xc); /* ln2 split in two for exactness */
    r = fmaf(-n, 1.428606765330187e-06f, r);
    float p = 1.0f / 720;
    p = fmaf(p, r, 1.0f / 120);
    p = fmaf(p, r, 1.0f / 24);
    p = fmaf(p, r, 1.0f / 6);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x < lo ? 0.0f : p * scale;
}

INLINE float sigmoid(float x)
{
    return 1.0f / (1.0f + exp_poly(-x));
}

/* 1 - 2/(e^2x + 1): exact at the limits, absolute error ~1e-7 near 0 */
INLINE float tanh_poly(float x)
{
    return 1.0f - 2.0f / (exp_poly(2.0f * x) + 1.0f);
}

static inline int min_int(int a, int b)
{
    return a < b ? a : b;
}

static int n_panels(int n_out)
{
    return (n_out + MV_PANEL - 1) / MV_PANEL;
}

size_t packed_floats(int n_in, int n_out)
{
    return (size_t)n_in * n_panels(n_out) * MV_PANEL;
}

void pack_weights(const float *w, int n_in, int n_out, float *packed)
{
    for (int p = 0; p < n_panels(n_out); p++)
        for (int k = 0; k < n_in; k++)
            for (int j = 0; j < MV_PANEL; j++) {
                const int col = p * MV_PANEL + j;
                packed[((size_t)p * n_in + k) * MV_PANEL + j] =
                    col < n_out ? w[(size_t)k * n_out + col] : 0.0f;
            }
}

/* Four batch rows x one panel (nc <= MV_PANEL valid columns): the 4 x 32 partial
 * sums stay in registers for the whole walk down the panel. */
INLINE PANEL_UNCHECKED void panel_4rows(float *restrict y, int ldy, const float *restrict x, int ldx,
                               const float *restrict panel, int n_in, int nc)
{
    float acc[4][MV_PANEL];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < MV_PANEL; j++) acc[r][j] = j < nc ? y[(size_t)r * ldy + j] : 0.0f;
    const float *x0 = x, *x1 = x + ldx, *x2 = x + 2 * (size_t)ldx, *x3 = x + 3 * (size_t)ldx;
    for (int k = 0; k < n_in; k++) {
        const float *pk = panel + (size_t)k * MV_PANEL;
        const float a = x0[k], b = x1[k], c = x2[k], d = x3[k];
        for (int j = 0; j < MV_PANEL; j++) {
            acc[0][j] = fmaf(a, pk[j], acc[0][j]);
            acc[1][j] = fmaf(b, pk[j], acc[1][j]);
            acc[2][j] = fmaf(c, pk[j], acc[2][j]);
            acc[3][j] = fmaf(d, pk[j], acc[3][j]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < nc; j++) y[(size_t)r * ldy + j] = acc[r][j];
}

/* One batch row x one panel. */
INLINE PANEL_UNCHECKED void panel_1row(float *restrict y, const float *restrict x,
                              const float *restrict panel, int n_in, int nc)
{
    float acc[MV_PANEL];
    for (int j = 0; j < MV_PANEL; j++) acc[j] = j < nc ? y[j] : 0.0f;
    for (int k = 0; k < n_in; k++) {
        const float *pk = panel + (size_t)k * MV_PANEL;
        const float a = x[k];
        for (int j = 0; j < MV_PANEL; j++) acc[j] = fmaf(a, pk[j], acc[j]);
    }
    for (int j = 0; j < nc; j++) y[j] = acc[j];
}

/* One batch row x four full panels: four independent streams and eight
 * accumulators keep the FMA units busy at batch 1, where W streams from memory. */
INLINE PANEL_UNCHECKED void panels4_1row(float *restrict y, const float *restrict x,
                                const float *restrict panels, int n_in)
{
    float acc[4][MV_PANEL];
    const size_t stride = (size_t)n_in * MV_PANEL;
    for (int q = 0; q < 4; q++)
        for (int j = 0; j < MV_PANEL; j++) acc[q][j] = y[q * MV_PANEL + j];
    for (int k = 0; k < n_in; k++) {
        const float a = x[k];
        const float *pk = panels + (size_t)k * MV_PANEL;
        for (int j = 0; j < MV_PANEL; j++) {
            acc[0][j] = fmaf(a, pk[j], acc[0][j]);
            acc[1][j] = fmaf(a, pk[stride + j], acc[1][j]);
            acc[2][j] = fmaf(a, pk[2 * stride + j], acc[2][j]);
            acc[3][j] = fmaf(a, pk[3 * stride + j], acc[3][j]);
        }
    }
    for (int q = 0; q < 4; q++)
        for (int j = 0; j < MV_PANEL; j++) y[q * MV_PANEL + j] = acc[q][j];
}

/* Batch rows in groups of four, panel by panel so that a panel read from memory
 * serves every group from cache; rows left over go through the one-row kernels. */
HOT PANEL_UNCHECKED void matmul_packed_acc(float *restrict y, int ldy, const float *restrict x,
                                           int ldx, const float *restrict packed, int batch,
                                           int n_in, int n_out)
{
    const int np = n_panels(n_out), groups = batch / 4;
#if SANITIZED_REGIONS
    touch_rows("y", y, ldy, batch, n_out, true);
    touch_rows("x", x, ldx, batch, n_in, false);
    touch_region("packed", packed, packed_floats(n_in, n_out), false);
#endif
    const size_t panel_size = (size_t)n_in * MV_PANEL;
    for (int p = 0; p < np && groups; p++) {
        const float *panel = packed + p * panel_size;
        const int nc = min_int(MV_PANEL, n_out - p * MV_PANEL);
        for (int g = 0; g < groups; g++) {
            float *yg = y + (size_t)4 * g * ldy + p * MV_PANEL;
            const float *xg = x + (size_t)4 * g * ldx;
            if (nc == MV_PANEL) panel_4rows(yg, ldy, xg, ldx, panel, n_in, MV_PANEL);
            else panel_4rows(yg, ldy, xg, ldx, panel, n_in, nc);
        }
    }
    for (int b = 4 * groups; b < batch; b++) {
        float *yb = y + (size_t)b * ldy;
        const float *xb = x + (size_t)b * ldx;
        int p = 0;
        for (; (p + 4) * MV_PANEL <= n_out; p += 4)
            panels4_1row(yb + p * MV_PANEL, xb, packed + p * panel_size, n_in);
        for (; p < np; p++) {
            const int nc = min_int(MV_PANEL, n_out - p * MV_PANEL);
            if (nc == MV_PANEL) panel_1row(yb + p * MV_PANEL, xb, packed + p * panel_size, n_in, MV_PANEL);
            else panel_1row(yb + p * MV_PANEL, xb, packed + p * panel_size, n_in, nc);
        }
    }
}

void rows_set(float *y, int ldy, const float *bias, int batch, int n)
{
    for (int b = 0; b < batch; b++) memcpy(y + (size_t)b * ldy, bias, (size_t)n * sizeof *y);
}

HOT void rows_gather_acc(float *restrict y, int ldy, const float *restrict w, int n_out,
                         const int32_t *restrict rows, int batch)
{
    for (int b = 0; b < batch; b++) {
        if (rows[b] < 0) continue;
        const float *wr = w + (size_t)rows[b] * n_out;
        float *yb = y + (size_t)b * ldy;
        for (int j = 0; j < n_out; j++) yb[j] += wr[j];
    }
}

HOT void rows_multi_gather_acc(float *restrict y, int ldy, const float *restrict w, int n_out,
                               const uint8_t *restrict bits, int ldbits, int n_bits, int batch)
{
    for (int b = 0; b < batch; b++) {
        float *yb = y + (size_t)b * ldy;
        const uint8_t *xb = bits + (size_t)b * ldbits;
        for (int k = 0; k < n_bits; k++) {
            if (!xb[k]) continue;
            const float *wr = w + (size_t)k * n_out;
            for (int j = 0; j < n_out; j++) yb[j] += wr[j];
        }
    }
}

HOT void tanh_inplace(float *restrict x, int n)
{
    for (int i = 0; i < n; i++) x[i] = tanh_poly(x[i]);
}

/* log(1 + e^x) without overflow; only the encoder's sigma head uses it */
void softplus_inplace(float *x, int n)
{
    for (int i = 0; i < n; i++) x[i] = x[i] > 20.0f ? x[i] : log1pf(exp_poly(x[i]));
}

/* The LSTM cell of one unit j of a row of fused gates g [4H] (blocks i, f, g,
 * o) entering with cell state c_prev: the one cell of the decoder and the
 * refiner (which keeps the activations for its backward pass). */
typedef struct cell_unit_out {
    float i, f, g, o, c, tanh_c;
} cell_unit_out;

INLINE cell_unit_out cell_unit(const float *g, int j, int H, float c_prev)
{
    cell_unit_out u = {sigmoid(g[j]), sigmoid(g[H + j]), tanh_poly(g[2 * H + j]),
                       sigmoid(g[3 * H + j]), 0.0f, 0.0f};
    u.c = u.f * c_prev + u.i * u.g;
    u.tanh_c = tanh_poly(u.c);
    return u;
}

HOT void lstm_cell(const float *restrict gates, float *restrict c, float *restrict h,
                   int batch, int n_hidden)
{
    const int H = n_hidden;
    for (int b = 0; b < batch; b++) {
        const float *g = gates + (size_t)b * 4 * H;
        float *cb = c + (size_t)b * H, *hb = h + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            const cell_unit_out u = cell_unit(g, j, H, cb[j]);
            cb[j] = u.c;
            hb[j] = u.o * u.tanh_c;
        }
    }
}

HOT void lstm_cell_keep(float *restrict gates, float *restrict c, float *restrict h,
                    float *restrict tanh_c, int n_hidden)
{
    const int H = n_hidden;
    for (int j = 0; j < H; j++) {
        const cell_unit_out u = cell_unit(gates, j, H, c[j]);
        gates[j] = u.i;
        gates[H + j] = u.f;
        gates[2 * H + j] = u.g;
        gates[3 * H + j] = u.o;
        c[j] = u.c;
        tanh_c[j] = u.tanh_c;
        h[j] = u.o * u.tanh_c;
    }
}

void dense_packed_forward(const mv_dense_weights *d, const float *x, int ldx, int batch,
                          float *y, int ldy)
{
    rows_set(y, ldy, d->b, batch, d->n_out);
    matmul_packed_acc(y, ldy, x, ldx, d->w, batch, d->n_in, d->n_out);
}

void lstm_step_from_gates(const mv_lstm_packed *w, float *gates, float *c, float *h,
                          int batch)
{
    const int H = w->n_hidden;
    matmul_packed_acc(gates, 4 * H, h, H, w->w_h, batch, H, 4 * H);
    lstm_cell(gates, c, h, batch, H);
}

void lstm_step(const mv_lstm_packed *w, const float *x, int ldx, float *gates, float *c,
               float *h, int batch)
{
    const int G = 4 * w->n_hidden;
    rows_set(gates, G, w->b, batch, G);
    if (w->w_x) matmul_packed_acc(gates, G, x, ldx, w->w_x, batch, w->n_in, G);
    lstm_step_from_gates(w, gates, c, h, batch);
}

HOT void softmax(const float *x, int n, float temperature, float *out)
{
    const float inv_t = 1.0f / temperature;
    const float top = x[argmax(x, n)];
    float sum = 0;
    for (int i = 0; i < n; i++) {
        out[i] = exp_poly((x[i] - top) * inv_t);
        sum += out[i];
    }
    const float inv_sum = 1.0f / sum;
    for (int i = 0; i < n; i++) out[i] *= inv_sum;
}

int argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

int sample_token(const float *logits, int n, float temperature, mv_rng *rng, float *probs)
{
    const float inv_t = 1.0f / temperature;
    /* So small a temperature that 1/T overflows is greedy decoding, and
     * (logit - top) * inf would make a NaN for the top logit. */
    if (!(temperature > 0) || !(inv_t < INFINITY)) return argmax(logits, n);
    const float top = logits[argmax(logits, n)];
    float sum = 0;
    for (int i = 0; i < n; i++) {
        probs[i] = exp_poly((logits[i] - top) * inv_t);
        sum += probs[i];
    }
    /* inverse CDF; rounding may leave u just past the total: take the last
     * token that has any probability */
    const float u = rng_uniform(rng) * sum;
    float acc = 0;
    int last = 0;
    for (int i = 0; i < n; i++) {
        if (probs[i] <= 0) continue;
        acc += probs[i];
        last = i;
        if (u < acc) return i;
    }
    return last;
}

void sample_bits(const float *logits, int n, float temperature, mv_rng *rng, uint8_t *bits)
{
    const float inv_t = 1.0f / temperature;
    const int greedy = !(temperature > 0) || !(inv_t < INFINITY);
    for (int i = 0; i < n; i++)
        bits[i] = greedy ? logits[i] > 0 : rng_uniform(rng) < sigmoid(logits[i] * inv_t);
}
