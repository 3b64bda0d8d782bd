/* The CPU backend: matrix products on OpenBLAS, everything else plain loops
 * that the compiler vectorises. */
#include "backend.h"

#include "groove.h"

/* No floating-point traps are ever enabled here, and telling GCC so lets it
 * if-convert the clamps of the gate loops and vectorise them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef MV_TRAIN_DOUBLE
#define GEMM cblas_dgemm
#define R_EXP exp
#define R_LOG log
#define R_LOG1P log1p
#define R_TANH tanh
#define R_SQRT sqrt
#else
#define GEMM cblas_sgemm
#define R_EXP expf
#define R_LOG logf
#define R_LOG1P log1pf
#define R_TANH fast_tanhf
#define R_SQRT sqrtf
#endif

#ifndef MV_TRAIN_DOUBLE
/* exp without a library call, so that the gate loops vectorise: 2^(x log2 e)
 * split into 2^n (exponent bits) times 2^f, |f| <= 1/2, by a degree-6
 * polynomial; relative error about 2e-7 (glibc's expf and tanhf were a
 * quarter of the training time). */
static inline float fast_expf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float round = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float t = x * 1.44269504089f;
    float shifted = t + round;
    float n = shifted - round;
    float f = t - n;
    float p = 1.535336188e-4f;
    p = p * f + 1.339887440e-3f;
    p = p * f + 9.618437357e-3f;
    p = p * f + 5.550332471e-2f;
    p = p * f + 2.402264791e-1f;
    p = p * f + 6.931472028e-1f;
    p = p * f + 1.0f;
    int32_t bits;
    memcpy(&bits, &p, sizeof bits);
    bits += (int32_t)n * (1 << 23);
    memcpy(&p, &bits, sizeof p);
    return p;
}

static inline float fast_tanhf(float x)
{
    float t = fast_expf(-2.0f * fabsf(x));
    return copysignf((1.0f - t) / (1.0f + t), x);
}
#define R_FAST_EXP fast_expf
#else
#define R_FAST_EXP exp
#endif

static inline real sigmoid(real x)
{
    return 1 / (1 + R_FAST_EXP(-x));
}

void be_set_threads(int threads)
{
    openblas_set_num_threads(threads);
}

const char *be_describe(void)
{
    static char text[256];
    snprintf(text, sizeof text, "OpenBLAS %s, core %s, %d threads", openblas_get_config(),
             openblas_get_corename(), openblas_get_num_threads());
    return text;
}

/* OpenBLAS picks its kernels by CPU model, and a CPU newer than the library
 * (Debian 12's 0.3.21 does not know Sapphire Rapids) gets pre-AVX2 kernels:
 * the training step ran 3.2x slower here with its "Prescott" (SSE3) kernels
 * than with OPENBLAS_CORETYPE=Cooperlake. */
const char *be_warning(void)
{
    static const char *const pre_avx2[] = {"Prescott", "Core2",  "Penryn",     "Dunnington",
                                           "Nehalem",  "Atom",   "Sandybridge"};
    const char *core = openblas_get_corename();
    const char *better = __builtin_cpu_supports("avx512f") ? "SkylakeX"
                         : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                             ? "Haswell"
                             : NULL;
    if (!better) return NULL;
    for (size_t i = 0; i < sizeof pre_avx2 / sizeof pre_avx2[0]; i++) {
        if (strcmp(core, pre_avx2[i])) continue;
        static char text[320];
        snprintf(text, sizeof text,
                 "OpenBLAS uses its %s kernels on this CPU, which has %s: it does not know "
                 "the CPU's model. Training runs several times faster with "
                 "OPENBLAS_CORETYPE=%s in the environment (mpirun: add -x OPENBLAS_CORETYPE)",
                 core, strcmp(better, "SkylakeX") ? "AVX2" : "AVX-512", better);
        return text;
    }
    return NULL;
}

real *be_alloc(size_t n)
{
    size_t bytes = (n * sizeof(real) + 63) / 64 * 64;
    real *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes);
    return p;
}

void be_free(real *p)
{
    free(p);
}

void be_gemm(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a,
             int lda, const real *b, int ldb, real beta, real *c, int ldc)
{
    if (m == 0 || n == 0) return;
    GEMM(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
         m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void be_zero(real *x, size_t n)
{
    memset(x, 0, n * sizeof *x);
}

void be_copy(real *dst, const real *src, size_t n)
{
    memcpy(dst, src, n * sizeof *dst);
}

void be_axpy(size_t n, real alpha, const real *x, real *y)
{
    for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

void be_mul(real *dst, const real *x, const real *y, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = x[i] * y[i];
}

void be_copy_rows(real *dst, int ld_dst, const real *src, int ld_src, int rows, int n)
{
    for (int r = 0; r < rows; r++)
        memcpy(dst + (size_t)r * ld_dst, src + (size_t)r * ld_src, (size_t)n * sizeof *dst);
}

void be_add_rows(real *dst, int ld_dst, const real *src, int ld_src, int rows, int n)
{
    for (int r = 0; r < rows; r++) {
        real *d = dst + (size_t)r * ld_dst;
        const real *s = src + (size_t)r * ld_src;
        for (int j = 0; j < n; j++) d[j] += s[j];
    }
}

void be_rows_set(real *y, const real *bias, int rows, int n)
{
    for (int r = 0; r < rows; r++) memcpy(y + (size_t)r * n, bias, (size_t)n * sizeof *y);
}

void be_rows_gather_acc(real *y, const real *w, int n, const int32_t *idx, int rows)
{
    for (int r = 0; r < rows; r++) {
        if (idx[r] < 0) continue;
        const real *src = w + (size_t)idx[r] * n;
        real *dst = y + (size_t)r * n;
        for (int j = 0; j < n; j++) dst[j] += src[j];
    }
}

void be_rows_scatter_acc(real *dw, const real *dy, int n, const int32_t *idx, int rows)
{
    for (int r = 0; r < rows; r++) {
        if (idx[r] < 0) continue;
        const real *src = dy + (size_t)r * n;
        real *dst = dw + (size_t)idx[r] * n;
        for (int j = 0; j < n; j++) dst[j] += src[j];
    }
}

void be_col_sum_acc(real *db, const real *dy, int rows, int n)
{
    for (int r = 0; r < rows; r++) {
        const real *src = dy + (size_t)r * n;
        for (int j = 0; j < n; j++) db[j] += src[j];
    }
}

void be_tanh(real *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = R_TANH(x[i]);
}

void be_tanh_backward(real *dy, const real *y, size_t n)
{
    for (size_t i = 0; i < n; i++) dy[i] *= 1 - y[i] * y[i];
}

void be_softplus(real *y, const real *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] + R_LOG1P(R_EXP(-x[i])) : R_LOG1P(R_EXP(x[i]));
}

void be_latent_forward(const real *mu, const real *sigma_pre, const real *eps, real *sigma,
                       real *z, double *kl, int rows, int n)
{
    be_softplus(sigma, sigma_pre, (size_t)rows * n);
    for (int r = 0; r < rows; r++) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            size_t i = (size_t)r * n + j;
            z[i] = eps ? mu[i] + sigma[i] * eps[i] : mu[i];
            sum += 0.5 * ((double)mu[i] * mu[i] + (double)sigma[i] * sigma[i] - 1) -
                   log((double)sigma[i]);
        }
        kl[r] = sum;
    }
}

void be_latent_backward(const real *mu, const real *sigma_pre, const real *sigma,
                        const real *eps, const real *dz, const real *kl_weight, real *dmu,
                        real *dsigma_pre, int rows, int n)
{
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < n; j++) {
            size_t i = (size_t)r * n + j;
            real w = kl_weight[r];
            dmu[i] = dz[i] + w * mu[i];
            real dsigma = (eps ? dz[i] * eps[i] : 0) + w * (sigma[i] - 1 / sigma[i]);
            dsigma_pre[i] = dsigma * sigmoid(sigma_pre[i]);
        }
    }
}

void be_lstm_cell_forward(real *gates, const real *c_prev, real *c, real *h, real *tanh_c,
                          int rows, int n_hidden)
{
    const int H = n_hidden;
    for (int r = 0; r < rows; r++) {
        /* one pointer per gate block, restrict: the buffers never overlap, and
         * saying so lets the loop vectorise */
        real *restrict gi = gates + (size_t)r * 4 * H, *restrict gf = gi + H;
        real *restrict gg = gi + 2 * H, *restrict go = gi + 3 * H;
        const real *restrict cp = c_prev + (size_t)r * H;
        real *restrict cr = c + (size_t)r * H, *restrict hr = h + (size_t)r * H;
        real *restrict tc = tanh_c + (size_t)r * H;
#pragma GCC ivdep
        for (size_t j = 0; j < (size_t)H; j++) {
            real i = sigmoid(gi[j]), f = sigmoid(gf[j]), g = R_TANH(gg[j]), o = sigmoid(go[j]);
            gi[j] = i;
            gf[j] = f;
            gg[j] = g;
            go[j] = o;
            cr[j] = f * cp[j] + i * g;
            tc[j] = R_TANH(cr[j]);
            hr[j] = o * tc[j];
        }
    }
}

void be_lstm_cell_backward(const real *gates, const real *c_prev, const real *tanh_c,
                           const real *dh, real *dc, real *dgates, int rows, int n_hidden)
{
    const int H = n_hidden;
    for (int r = 0; r < rows; r++) {
        const real *restrict gi = gates + (size_t)r * 4 * H, *restrict gf = gi + H;
        const real *restrict gg = gi + 2 * H, *restrict go = gi + 3 * H;
        const real *restrict cp = c_prev + (size_t)r * H, *restrict tc = tanh_c + (size_t)r * H;
        const real *restrict dhr = dh + (size_t)r * H;
        real *restrict dcr = dc + (size_t)r * H;
        real *restrict di = dgates + (size_t)r * 4 * H, *restrict df = di + H;
        real *restrict dg = di + 2 * H, *restrict d_o = di + 3 * H;
#pragma GCC ivdep
        for (size_t j = 0; j < (size_t)H; j++) {
            real i = gi[j], f = gf[j], g = gg[j], o = go[j];
            real dct = dcr[j] + dhr[j] * o * (1 - tc[j] * tc[j]);
            di[j] = dct * g * i * (1 - i);
            df[j] = dct * cp[j] * f * (1 - f);
            dg[j] = dct * i * (1 - g * g);
            d_o[j] = dhr[j] * tc[j] * o * (1 - o);
            dcr[j] = dct * f;
        }
    }
}

void be_softmax_xent(const real *logits, const int32_t *targets, int rows, int k, real scale,
                     real *dlogits, double *loss, long *correct)
{
    for (int r = 0; r < rows; r++) {
        const real *x = logits + (size_t)r * k;
        int best = 0;
        for (int j = 1; j < k; j++)
            if (x[j] > x[best]) best = j;
        real sum = 0;
        for (int j = 0; j < k; j++) sum += R_FAST_EXP(x[j] - x[best]);
        *loss += (double)(R_LOG(sum) + x[best] - x[targets[r]]);
        *correct += best == targets[r];
        if (!dlogits) continue;
        real *d = dlogits + (size_t)r * k;
        for (int j = 0; j < k; j++) d[j] = scale * R_FAST_EXP(x[j] - x[best]) / sum;
        d[targets[r]] -= scale;
    }
}

void be_sigmoid_xent(const real *logits, const real *targets, int rows, int k, real scale,
                     real *dlogits, double *loss, long *correct)
{
    for (int r = 0; r < rows; r++) {
        const real *x = logits + (size_t)r * k, *y = targets + (size_t)r * k;
        int all_right = 1;
        for (int j = 0; j < k; j++) {
            /* -[y log s(x) + (1-y) log(1-s(x))] = max(x,0) - x y + log(1 + e^-|x|) */
            const real ax = x[j] < 0 ? -x[j] : x[j];
            *loss += (double)((x[j] > 0 ? x[j] : 0) - x[j] * y[j] + R_LOG1P(R_EXP(-ax)));
            all_right &= (x[j] > 0) == (y[j] > (real)0.5);
            if (dlogits) dlogits[(size_t)r * k + j] = scale * (1 / (1 + R_EXP(-x[j])) - y[j]);
        }
        *correct += all_right;
    }
}

void be_groove_loss(const real *logits, const real *targets, int rows, real scale, real *dlogits,
                    double *loss, long *correct)
{
    const int V = MV_GROOVE_VOICES, K = MV_GROOVE_STEP_BYTES;
    for (int r = 0; r < rows; r++) {
        const real *x = logits + (size_t)r * K, *y = targets + (size_t)r * K;
        real *d = dlogits ? dlogits + (size_t)r * K : NULL;
        int all_right = 1;
        for (int i = 0; i < V; i++) {
            const real h = x[MV_GROOVE_HIT + i], ah = h < 0 ? -h : h;
            const int hit = y[MV_GROOVE_HIT + i] > (real)0.5;
            *loss += (double)((h > 0 ? h : 0) - h * y[MV_GROOVE_HIT + i] + R_LOG1P(R_EXP(-ah)));
            all_right &= (h > 0) == hit;
            const real s = 1 / (1 + R_EXP(-x[MV_GROOVE_VELOCITY + i]));
            const real th = (real)tanh((double)x[MV_GROOVE_OFFSET + i]);
            const real dv = s - y[MV_GROOVE_VELOCITY + i], dof = th - y[MV_GROOVE_OFFSET + i];
            if (hit) *loss += (double)(dv * dv + dof * dof);
            if (!d) continue;
            d[MV_GROOVE_HIT + i] = scale * (1 / (1 + R_EXP(-h)) - y[MV_GROOVE_HIT + i]);
            d[MV_GROOVE_VELOCITY + i] = hit ? scale * 2 * dv * s * (1 - s) : 0;
            d[MV_GROOVE_OFFSET + i] = hit ? scale * 2 * dof * (1 - th * th) : 0;
        }
        *correct += all_right;
    }
}

double be_sum_squares(const real *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return s;
}

void be_adam(real *p, const real *g, real *m, real *v, size_t n, real lr, real beta1,
             real beta2, real eps, real grad_scale, long step)
{
    const real c1 = 1 - (real)pow(beta1, (double)step), c2 = 1 - (real)pow(beta2, (double)step);
    for (size_t i = 0; i < n; i++) {
        real gi = g[i] * grad_scale;
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] -= lr * (m[i] / c1) / (R_SQRT(v[i] / c2) + eps);
    }
}
