/* Interpolation and attribute offsets in latent space. */
#include <math.h>

#include "check.h"
#include "latent.h"
#include "rng.h"

#define N 64

static double norm(const float *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s);
}

static void test_slerp_endpoints(void)
{
    mv_rng rng;
    rng_seed(&rng, 1);
    float a[N], b[N], out[N];
    for (int i = 0; i < N; i++) a[i] = rng_normal(&rng), b[i] = rng_normal(&rng);
    latent_slerp(a, b, 0.0f, N, out);
    for (int i = 0; i < N; i++) CHECK_CLOSE(out[i], a[i], 1e-6);
    latent_slerp(a, b, 1.0f, N, out);
    for (int i = 0; i < N; i++) CHECK_CLOSE(out[i], b[i], 1e-6);
}

static void test_slerp_keeps_the_sphere(void)
{
    float a[N] = {0}, b[N] = {0}, out[N];
    a[3] = 1;
    b[10] = 1; /* 90 degrees apart */
    latent_slerp(a, b, 0.5f, N, out);
    CHECK_CLOSE(norm(out, N), 1.0, 1e-6);
    CHECK_CLOSE(out[3], sqrt(0.5), 1e-6);
    CHECK_CLOSE(out[10], sqrt(0.5), 1e-6);
    latent_slerp(a, b, 0.25f, N, out);
    CHECK_CLOSE(norm(out, N), 1.0, 1e-6);
    CHECK_CLOSE(out[3], cos(M_PI / 8), 1e-6);
    /* lerp leaves the sphere at the midpoint: the reason slerp exists */
    latent_lerp(a, b, 0.5f, N, out);
    CHECK_CLOSE(norm(out, N), sqrt(0.5), 1e-6);
}

static void test_slerp_degenerate(void)
{
    mv_rng rng;
    rng_seed(&rng, 2);
    float a[N], zero[N] = {0}, neg[N], out[N];
    for (int i = 0; i < N; i++) a[i] = rng_normal(&rng), neg[i] = -a[i];
    const float ts[] = {0.0f, 0.3f, 0.5f, 1.0f};
    for (int k = 0; k < 4; k++) {
        latent_slerp(a, a, ts[k], N, out); /* equal anchors: that anchor for all t */
        for (int i = 0; i < N; i++) CHECK_CLOSE(out[i], a[i], 1e-6);
        latent_slerp(a, zero, ts[k], N, out); /* a zero anchor: finite (lerp) */
        for (int i = 0; i < N; i++) {
            CHECK(isfinite(out[i]));
            CHECK_CLOSE(out[i], (1 - ts[k]) * a[i], 1e-6);
        }
        latent_slerp(a, neg, ts[k], N, out); /* antiparallel: finite (lerp) */
        for (int i = 0; i < N; i++) {
            CHECK(isfinite(out[i]));
            CHECK_CLOSE(out[i], (1 - 2 * ts[k]) * a[i], 1e-6);
        }
    }
    latent_slerp(zero, zero, 0.5f, N, out);
    for (int i = 0; i < N; i++) CHECK(out[i] == 0);
}

static void test_lerp(void)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, out[4];
    latent_lerp(a, b, 0.0f, 4, out);
    for (int i = 0; i < 4; i++) CHECK(out[i] == a[i]);
    latent_lerp(a, b, 1.0f, 4, out);
    for (int i = 0; i < 4; i++) CHECK(out[i] == b[i]);
    latent_lerp(a, b, 0.25f, 4, out);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(out[i], a[i] + 1.0, 1e-7);
    latent_lerp(a, b, 1.5f, 4, out); /* extrapolation is allowed */
    CHECK_CLOSE(out[0], 7.0, 1e-7);
}

static void test_attribute(void)
{
    float z[3] = {1, -1, 0.5f}, v[3] = {0.6f, 0.0f, 0.8f}; /* unit v */
    const float scale = 2.0f, amount = 1.5f;
    double before = z[0] * v[0] + z[1] * v[1] + z[2] * v[2];
    latent_add_attribute(z, v, amount, scale, 3);
    CHECK_CLOSE(z[0], 1 + 1.5 * 2 * 0.6, 1e-6);
    CHECK_CLOSE(z[1], -1.0, 1e-7);
    CHECK_CLOSE(z[2], 0.5 + 1.5 * 2 * 0.8, 1e-6);
    /* the projection on v moved by amount standard deviations (scale) */
    double after = z[0] * v[0] + z[1] * v[1] + z[2] * v[2];
    CHECK_CLOSE(after - before, amount * scale, 1e-6);
    latent_add_attribute(z, v, 0.0f, scale, 3);
    CHECK_CLOSE(z[1], -1.0, 1e-7);
}

int main(void)
{
    test_slerp_endpoints();
    test_slerp_keeps_the_sphere();
    test_slerp_degenerate();
    test_lerp();
    test_attribute();
    return check_report();
}
