/* Exact t-SNE as in van der Maaten's reference implementation (perplexity
 * calibrated by bisection, symmetric affinities, early exaggeration 12 for
 * 250 steps, momentum 0.5 then 0.8, per-coordinate gains), and PCA by power
 * iteration. */
#if defined(__GNUC__) && !defined(__clang__)
/* No implicit fused multiply-adds: the AVX2 and baseline builds of the force
 * loop then compute the same bits (its 8 partial sums are the same in both),
 * so a seed gives one map on any x86-64 machine. */
#pragma GCC optimize("fp-contract=off")
#endif

#include "embed.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define EXAGGERATION 12.0f
#define EXAGGERATED_STEPS 250
#define PERPLEXITY_BISECTIONS 100
#define PERPLEXITY_TOLERANCE 1e-5
#define MIN_GAIN 0.01f
#define LANES 8 /* partial sums of the force loop, so that it vectorises */
/* The force loop is nearly all of the time: built for AVX2 too where the
 * compiler can pick the clone at run time (as core/kernels.c). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

tsne_options tsne_defaults(void)
{
    return (tsne_options){.perplexity = 30, .iterations = 1000, .seed = 1};
}

static double squared_distance(const float *a, const float *b, int dim)
{
    double s = 0;
    for (int k = 0; k < dim; k++) {
        double d = (double)a[k] - b[k];
        s += d * d;
    }
    return s;
}

/* D [n, n]: the squared distances between the points. */
static void distances(const float *x, int n, int dim, float *D)
{
    for (int i = 0; i < n; i++) {
        D[(size_t)i * n + i] = 0;
        for (int j = i + 1; j < n; j++)
            D[(size_t)i * n + j] = D[(size_t)j * n + i] =
                (float)squared_distance(x + (size_t)i * dim, x + (size_t)j * dim, dim);
    }
}

/* Row i of the conditional affinities p(j|i) = exp(-beta d_ij) / sum over
 * the data points j != i, with beta bisected until the row's entropy is
 * log(perplexity); the row holds the distances d_i. on the way in. */
static void affinity_row(float *row, int n, int n_data, int i, double perplexity)
{
    double d_min = INFINITY;
    for (int j = 0; j < n_data; j++)
        if (j != i && row[j] < d_min) d_min = row[j];
    const double target = log(perplexity);
    double beta = 1, lo = 0, hi = INFINITY, sum = 0;
    for (int it = 0; it < PERPLEXITY_BISECTIONS; it++) {
        double weighted = 0;
        sum = 0;
        for (int j = 0; j < n_data; j++) {
            if (j == i) continue;
            double p = exp(-beta * (row[j] - d_min)); /* shifted: the nearest is exp(0) */
            sum += p;
            weighted += (row[j] - d_min) * p;
        }
        double entropy = log(sum) + beta * weighted / sum;
        if (fabs(entropy - target) < PERPLEXITY_TOLERANCE) break;
        if (entropy > target) {
            lo = beta;
            beta = isinf(hi) ? beta * 2 : (beta + hi) / 2;
        } else {
            hi = beta;
            beta = (beta + lo) / 2;
        }
    }
    for (int j = 0; j < n; j++)
        row[j] = j == i || j >= n_data ? 0 : (float)(exp(-beta * (row[j] - d_min)) / sum);
}

/* The joint affinities P [n, n]: (p(j|i) + p(i|j)) / 2n, a probe (i >= n_data)
 * having none to another probe. */
static void joint_affinities(const float *x, int n, int n_data, int dim, double perplexity,
                             float *P)
{
    if (perplexity > (n_data - 1) / 3.0) perplexity = (n_data - 1) / 3.0; /* 3 per neighbour */
    if (perplexity < 1) perplexity = 1;
    distances(x, n, dim, P);
    for (int i = 0; i < n; i++) affinity_row(P + (size_t)i * n, n, n_data, i, perplexity);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            float p = (P[(size_t)i * n + j] + P[(size_t)j * n + i]) / (2.0f * (float)n);
            p = p > FLT_MIN ? p : FLT_MIN;
            P[(size_t)i * n + j] = P[(size_t)j * n + i] = p;
        }
}

/* The forces between the pairs (i, j > i), with q*_ij = 1 / (1 + |y_i - y_j|^2):
 * attraction p_ij q*_ij (y_i - y_j) into a, repulsion q*_ij^2 (y_i - y_j) into
 * r, added to i and subtracted from j ([2, n] each, x then y); returns the
 * sum of q*_ij over all pairs i != j. */
VECTOR_CLONES static double pair_forces(const float *restrict P, const float *restrict yx,
                                        const float *restrict yy, int n, float *restrict a,
                                        float *restrict r)
{
    float *restrict ax = a, *restrict ay = a + n, *restrict rx = r, *restrict ry = r + n;
    double z = 0;
    for (int i = 0; i < n; i++) {
        const float *p_row = P + (size_t)i * n, xi = yx[i], yi = yy[i];
        float acc[5][LANES] = {{0}};
        int j = i + 1;
        for (; j + LANES <= n; j += LANES) /* a fixed count: the lanes vectorise */
            for (int l = 0; l < LANES; l++) {
                float dx = xi - yx[j + l], dy = yi - yy[j + l];
                float q = 1.0f / (1.0f + dx * dx + dy * dy), pq = p_row[j + l] * q, qq = q * q;
                acc[0][l] += pq * dx, acc[1][l] += pq * dy;
                acc[2][l] += qq * dx, acc[3][l] += qq * dy;
                acc[4][l] += q;
                ax[j + l] -= pq * dx, ay[j + l] -= pq * dy;
                rx[j + l] -= qq * dx, ry[j + l] -= qq * dy;
            }
        for (int l = 0; j < n; j++, l++) {
            float dx = xi - yx[j], dy = yi - yy[j];
            float q = 1.0f / (1.0f + dx * dx + dy * dy), pq = p_row[j] * q, qq = q * q;
            acc[0][l] += pq * dx, acc[1][l] += pq * dy;
            acc[2][l] += qq * dx, acc[3][l] += qq * dy;
            acc[4][l] += q;
            ax[j] -= pq * dx, ay[j] -= pq * dy;
            rx[j] -= qq * dx, ry[j] -= qq * dy;
        }
        for (int l = 0; l < LANES; l++) {
            ax[i] += acc[0][l], ay[i] += acc[1][l];
            rx[i] += acc[2][l], ry[i] += acc[3][l];
            z += 2.0 * acc[4][l];
        }
    }
    return z;
}

/* The gradient of KL(P || Q) at y: 4 (exaggeration * attraction - repulsion / Z).
 * forces: scratch [4, n]. */
static void gradient(const float *P, const float *yx, const float *yy, int n, float exaggeration,
                     float *forces, float *gx, float *gy)
{
    memset(forces, 0, sizeof *forces * 4 * (size_t)n);
    float *a = forces, *r = forces + 2 * n;
    float inv_z = (float)(1.0 / pair_forces(P, yx, yy, n, a, r));
    for (int i = 0; i < n; i++) {
        gx[i] = 4.0f * (exaggeration * a[i] - r[i] * inv_z);
        gy[i] = 4.0f * (exaggeration * a[n + i] - r[n + i] * inv_z);
    }
}

static void recentre(float *v, int n)
{
    double mean = 0;
    for (int i = 0; i < n; i++) mean += v[i];
    mean /= n;
    for (int i = 0; i < n; i++) v[i] -= (float)mean;
}

/* One step of gradient descent with momentum and per-coordinate gains (the
 * gain grows while the gradient keeps pushing the same way as the update). */
static void descend(float *y, float *update, float *gain, const float *g, int n, float momentum,
                    float rate)
{
    for (int i = 0; i < n; i++) {
        gain[i] = (g[i] > 0) != (update[i] > 0) ? gain[i] + 0.2f : gain[i] * 0.8f;
        if (gain[i] < MIN_GAIN) gain[i] = MIN_GAIN;
        update[i] = momentum * update[i] - rate * gain[i] * g[i];
        y[i] += update[i];
    }
    recentre(y, n);
}

int embed_tsne(const float *x, int n, int n_data, int dim, const tsne_options *o, float *map)
{
    if (n_data < 2 || n_data > n || n > TSNE_MAX_POINTS) return -1;
    float *P = malloc(sizeof *P * (size_t)n * n);
    float *work = calloc((size_t)n * 12, sizeof *work);
    if (!P || !work) {
        free(P);
        free(work);
        return -1;
    }
    joint_affinities(x, n, n_data, dim, o->perplexity, P);
    float *y[2] = {work, work + n}, *update[2] = {work + 2 * n, work + 3 * n};
    float *gain[2] = {work + 4 * n, work + 5 * n}, *g[2] = {work + 6 * n, work + 7 * n};
    float *forces = work + 8 * n;
    mv_rng rng;
    rng_seed(&rng, o->seed);
    for (int i = 0; i < n; i++) {
        y[0][i] = 1e-4f * rng_normal(&rng);
        y[1][i] = 1e-4f * rng_normal(&rng);
        gain[0][i] = gain[1][i] = 1;
    }
    const float rate = n / EXAGGERATION > 200 ? n / EXAGGERATION : 200;
    for (int it = 0; it < o->iterations; it++) {
        int early = it < EXAGGERATED_STEPS;
        gradient(P, y[0], y[1], n, early ? EXAGGERATION : 1.0f, forces, g[0], g[1]);
        for (int c = 0; c < 2; c++)
            descend(y[c], update[c], gain[c], g[c], n, early ? 0.5f : 0.8f, rate);
    }
    for (int i = 0; i < n; i++) map[2 * i] = y[0][i], map[2 * i + 1] = y[1][i];
    free(P);
    free(work);
    return 0;
}

/* ---- PCA ---- */

/* The leading eigenvector of the symmetric matrix C [dim, dim] by power
 * iteration from a fixed start; returns its eigenvalue. */
static double leading_eigenvector(const double *C, int dim, double *v, double *scratch)
{
    for (int k = 0; k < dim; k++) v[k] = 1.0 / (k + 1);
    double lambda = 0;
    for (int it = 0; it < 1000; it++) {
        double norm = 0;
        for (int r = 0; r < dim; r++) {
            double s = 0;
            for (int k = 0; k < dim; k++) s += C[(size_t)r * dim + k] * v[k];
            scratch[r] = s;
            norm += s * s;
        }
        norm = sqrt(norm);
        if (norm == 0) break;
        double change = 0;
        for (int k = 0; k < dim; k++) {
            double next = scratch[k] / norm;
            change += fabs(next - v[k]);
            v[k] = next;
        }
        lambda = norm;
        if (change < 1e-12 * dim) break;
    }
    return lambda;
}

/* The sign that makes v's largest loading positive. */
static double canonical_sign(const double *v, int dim)
{
    int best = 0;
    for (int k = 1; k < dim; k++)
        if (fabs(v[k]) > fabs(v[best])) best = k;
    return v[best] < 0 ? -1 : 1;
}

int embed_pca(const float *x, int n, int n_data, int dim, float *map)
{
    double *mean = calloc((size_t)dim * 3, sizeof *mean), *C = calloc((size_t)dim * dim, sizeof *C);
    if (!mean || !C) {
        free(mean);
        free(C);
        return -1;
    }
    double *v = mean + dim, *scratch = mean + 2 * dim;
    for (int i = 0; i < n_data; i++)
        for (int k = 0; k < dim; k++) mean[k] += x[(size_t)i * dim + k] / (double)n_data;
    for (int i = 0; i < n_data; i++)
        for (int r = 0; r < dim; r++) {
            double a = x[(size_t)i * dim + r] - mean[r];
            for (int k = 0; k < dim; k++)
                C[(size_t)r * dim + k] += a * (x[(size_t)i * dim + k] - mean[k]);
        }
    for (int c = 0; c < 2; c++) {
        double lambda = leading_eigenvector(C, dim, v, scratch), sign = canonical_sign(v, dim);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < dim; k++) s += (x[(size_t)i * dim + k] - mean[k]) * v[k];
            map[2 * i + c] = (float)(sign * s);
        }
        for (int r = 0; r < dim; r++) /* deflate: the next component is orthogonal */
            for (int k = 0; k < dim; k++) C[(size_t)r * dim + k] -= lambda * v[r] * v[k];
    }
    free(mean);
    free(C);
    return 0;
}

double embed_nearest_distance(const float *points, int n, int dim, const float *q, int skip)
{
    double best = INFINITY;
    for (int j = 0; j < n; j++) {
        if (j == skip) continue;
        double d = squared_distance(points + (size_t)j * dim, q, dim);
        if (d < best) best = d;
    }
    return sqrt(best);
}

double embed_neighbour_agreement(const float *points, int n, int dim, const int *labels)
{
    int agree = 0;
    for (int i = 0; i < n; i++) {
        int nearest = -1;
        double best = INFINITY;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            double d = squared_distance(points + (size_t)i * dim, points + (size_t)j * dim, dim);
            if (d < best) best = d, nearest = j;
        }
        agree += nearest >= 0 && labels[nearest] == labels[i];
    }
    return n ? (double)agree / n : 0;
}
