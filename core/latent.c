/* Latent-space interpolation and attribute offsets (computed in double: n is
 * small and the result should not depend on summation luck). */
#include "latent.h"

#include <math.h>

void latent_lerp(const float *a, const float *b, float t, int n, float *out)
{
    for (int i = 0; i < n; i++) out[i] = (float)((1.0 - t) * a[i] + (double)t * b[i]);
}

/* Magenta's slerp: omega = angle between a and b,
 * out = sin((1-t) omega)/sin(omega) a + sin(t omega)/sin(omega) b. */
void latent_slerp(const float *a, const float *b, float t, int n, float *out)
{
    double aa = 0, bb = 0, ab = 0;
    for (int i = 0; i < n; i++) {
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
        ab += (double)a[i] * b[i];
    }
    if (aa == 0 || bb == 0) {
        latent_lerp(a, b, t, n, out);
        return;
    }
    double cos_omega = ab / (sqrt(aa) * sqrt(bb));
    if (cos_omega > 1) cos_omega = 1;
    if (cos_omega < -1) cos_omega = -1;
    double omega = acos(cos_omega);
    double so = sin(omega);
    /* (anti)parallel: the great circle is undefined or the formula unstable */
    if (fabs(so) < 1e-6) {
        latent_lerp(a, b, t, n, out);
        return;
    }
    double wa = sin((1.0 - t) * omega) / so, wb = sin(t * omega) / so;
    for (int i = 0; i < n; i++) out[i] = (float)(wa * a[i] + wb * b[i]);
}

void latent_add_attribute(float *z, const float *v, float amount, float scale, int n)
{
    double k = (double)amount * scale;
    for (int i = 0; i < n; i++) z[i] = (float)(z[i] + k * v[i]);
}
