/* Regression: w = (Xc^T Xc + S + lambda I)^-1 Xc^T yc on centred mu and attribute,
 * S = diag(sum of sigma^2) the encoder's noise (the expected Gram matrix of
 * z = mu + sigma eps), and a small ridge (1e-3 of the mean eigenvalue) keeping
 * the solve stable; solved by Cholesky in double. Without the noise term the
 * fit leans on collapsed dimensions, whose mu varies a little with the
 * attribute but which the decoder ignores: +1 sd along such a vector decoded
 * to no change at all (pitch range, syncopation of the first shipped model).
 * Quartiles: windows with the attribute <= its 25th percentile against those
 * >= its 75th (ties included, so a discrete attribute keeps both groups). */
#include "attribute_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *fit_method_name(int method)
{
    return method == MV_FIT_REGRESSION ? "regression"
           : method == MV_FIT_QUARTILES ? "quartiles"
           : method == MV_FIT_PARTIAL   ? "partial"
                                        : "?";
}

static int compare_floats(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

/* Cholesky factorisation of the symmetric positive definite a [n, n] in place
 * (lower triangle), then solves a x = b into b. Returns -1 if not positive definite. */
static int cholesky_solve(double *a, double *b, int n)
{
    for (int j = 0; j < n; j++) {
        double d = a[(size_t)j * n + j];
        for (int k = 0; k < j; k++) d -= a[(size_t)j * n + k] * a[(size_t)j * n + k];
        if (!(d > 0)) return -1;
        a[(size_t)j * n + j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = a[(size_t)i * n + j];
            for (int k = 0; k < j; k++) s -= a[(size_t)i * n + k] * a[(size_t)j * n + k];
            a[(size_t)i * n + j] = s / a[(size_t)j * n + j];
        }
    }
    for (int i = 0; i < n; i++) { /* L y = b */
        double s = b[i];
        for (int k = 0; k < i; k++) s -= a[(size_t)i * n + k] * b[k];
        b[i] = s / a[(size_t)i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) { /* L^T x = y */
        double s = b[i];
        for (int k = i + 1; k < n; k++) s -= a[(size_t)k * n + i] * b[k];
        b[i] = s / a[(size_t)i * n + i];
    }
    return 0;
}

static int regression_direction(const float *mu, const float *sigma, const float *attr, int n,
                                int z, const double *mu_mean, double attr_mean, double *w)
{
    double *xtx = calloc((size_t)z * z, sizeof *xtx), *xc = malloc(sizeof *xc * z);
    int rc = -1;
    if (xtx && xc) {
        memset(w, 0, sizeof *w * z);
        for (int r = 0; r < n; r++) {
            if (isnan(attr[r])) continue;
            for (int i = 0; i < z; i++) xc[i] = mu[(size_t)r * z + i] - mu_mean[i];
            double y = attr[r] - attr_mean;
            for (int i = 0; i < z; i++) {
                w[i] += xc[i] * y;
                for (int j = 0; j <= i; j++) xtx[(size_t)i * z + j] += xc[i] * xc[j];
            }
            for (int i = 0; sigma && i < z; i++) {
                const double s = sigma[(size_t)r * z + i];
                xtx[(size_t)i * z + i] += s * s;
            }
        }
        double trace = 0;
        for (int i = 0; i < z; i++) trace += xtx[(size_t)i * z + i];
        double ridge = 1e-3 * trace / z + 1e-12;
        for (int i = 0; i < z; i++) xtx[(size_t)i * z + i] += ridge;
        rc = cholesky_solve(xtx, w, z);
    }
    free(xtx);
    free(xc);
    return rc;
}

/* w = mean mu of the top quartile - of the bottom one; *gap the same for the attribute. */
static int quartile_direction(const float *mu, const float *attr, int n, int z, int n_used,
                              double *w, double *gap)
{
    float *sorted = malloc(sizeof *sorted * n_used);
    double *top = calloc(z, sizeof *top);
    if (!sorted || !top) {
        free(sorted);
        free(top);
        return -1;
    }
    int m = 0;
    for (int r = 0; r < n; r++)
        if (!isnan(attr[r])) sorted[m++] = attr[r];
    qsort(sorted, m, sizeof *sorted, compare_floats);
    float q1 = sorted[(m - 1) / 4], q3 = sorted[(3 * (m - 1) + 3) / 4];
    int n_top = 0, n_bottom = 0;
    double attr_top = 0, attr_bottom = 0;
    memset(w, 0, sizeof *w * z);
    for (int r = 0; r < n && q1 < q3; r++) {
        if (isnan(attr[r])) continue;
        const float *x = mu + (size_t)r * z;
        if (attr[r] >= q3) {
            n_top++;
            attr_top += attr[r];
            for (int i = 0; i < z; i++) top[i] += x[i];
        } else if (attr[r] <= q1) {
            n_bottom++;
            attr_bottom += attr[r];
            for (int i = 0; i < z; i++) w[i] -= x[i]; /* bottom sum, negated */
        }
    }
    int rc = n_top && n_bottom ? 0 : -1;
    for (int i = 0; !rc && i < z; i++) w[i] = top[i] / n_top + w[i] / n_bottom;
    if (!rc) *gap = attr_top / n_top - attr_bottom / n_bottom;
    free(sorted);
    free(top);
    return rc;
}

/* Unit v from w; mean and std of mu . v over the defined windows; the step
 * along v that w predicts moves the attribute by its sd, moving |w| along v
 * changing it by per_norm. */
static int finish(const double *w, double per_norm, const float *mu, const float *attr, int n,
                  int z, float *v, mv_attribute_fit *fit)
{
    double norm = 0;
    for (int i = 0; i < z; i++) norm += w[i] * w[i];
    norm = sqrt(norm);
    if (!(norm > 0) || !isfinite(norm) || !(per_norm > 0)) return -1;
    fit->step = (float)(fit->attr_std * norm / per_norm);
    for (int i = 0; i < z; i++) v[i] = (float)(w[i] / norm);
    double s = 0, s2 = 0;
    for (int r = 0; r < n; r++) {
        if (isnan(attr[r])) continue;
        double p = 0;
        for (int i = 0; i < z; i++) p += (double)mu[(size_t)r * z + i] * v[i];
        s += p;
        s2 += p * p;
    }
    double mean = s / fit->n_used;
    fit->proj_mean = (float)mean;
    fit->proj_std = (float)sqrt(fmax(s2 / fit->n_used - mean * mean, 0));
    return 0;
}

int attribute_fit(int method, const float *mu, const float *sigma, const float *attr, int n,
                  int z, float *v, mv_attribute_fit *fit)
{
    memset(fit, 0, sizeof *fit);
    double a_sum = 0, a_sum2 = 0;
    double *mu_mean = calloc(z, sizeof *mu_mean), *w = malloc(sizeof *w * z);
    int rc = mu_mean && w ? 0 : -1;
    for (int r = 0; !rc && r < n; r++) {
        if (isnan(attr[r])) continue;
        fit->n_used++;
        a_sum += attr[r];
        a_sum2 += (double)attr[r] * attr[r];
        for (int i = 0; i < z; i++) mu_mean[i] += mu[(size_t)r * z + i];
    }
    if (fit->n_used < 4) rc = -1;
    double per_norm = 0; /* attribute change from moving by w */
    if (!rc) {
        double mean = a_sum / fit->n_used;
        fit->attr_mean = (float)mean;
        fit->attr_std = (float)sqrt(fmax(a_sum2 / fit->n_used - mean * mean, 0));
        for (int i = 0; i < z; i++) mu_mean[i] /= fit->n_used;
        if (!(fit->attr_std > 0)) rc = -1;
        else if (method == MV_FIT_REGRESSION)
            rc = regression_direction(mu, sigma, attr, n, z, mu_mean, mean, w);
        else
            rc = quartile_direction(mu, attr, n, z, fit->n_used, w, &per_norm);
    }
    if (!rc && method == MV_FIT_REGRESSION) /* the linear model: w . w per w */
        for (int i = 0; i < z; i++) per_norm += w[i] * w[i];
    if (!rc) rc = finish(w, per_norm, mu, attr, n, z, v, fit);
    free(mu_mean);
    free(w);
    return rc;
}

int attribute_partial(const float *const *vectors, const float *steps, int n_held, int target,
                      int z, float *v, float *step)
{
    double *gram = calloc((size_t)n_held * n_held, sizeof *gram);
    double *coef = calloc((size_t)n_held, sizeof *coef), *delta = calloc((size_t)z, sizeof *delta);
    int rc = gram && coef && delta ? 0 : -1;
    for (int i = 0; !rc && i < n_held; i++) /* U^T U, lower triangle */
        for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int k = 0; k < z; k++) s += (double)vectors[i][k] * vectors[j][k];
            gram[(size_t)i * n_held + j] = s / ((double)steps[i] * steps[j]);
        }
    if (!rc) {
        coef[target] = 1;
        rc = cholesky_solve(gram, coef, n_held);
    }
    double norm = 0;
    for (int k = 0; !rc && k < z; k++) {
        for (int i = 0; i < n_held; i++) delta[k] += coef[i] * vectors[i][k] / steps[i];
        norm += delta[k] * delta[k];
    }
    norm = sqrt(norm);
    if (!rc && !(norm > 0 && isfinite(norm))) rc = -1;
    for (int k = 0; !rc && k < z; k++) v[k] = (float)(delta[k] / norm);
    if (!rc) *step = (float)norm;
    free(gram);
    free(coef);
    free(delta);
    return rc;
}
