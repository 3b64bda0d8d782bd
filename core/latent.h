/* Operations in latent space: interpolation and attribute offsets. */
#ifndef MV_LATENT_H
#define MV_LATENT_H

/* out = (1-t) a + t b */
void latent_lerp(const float *a, const float *b, float t, int n, float *out);
/* Spherical interpolation (Magenta's slerp); falls back to lerp when a and b are
 * (anti)parallel or either is zero. out may alias neither input. */
void latent_slerp(const float *a, const float *b, float t, int n, float *out);
/* z += amount * scale * v, with scale the step along v that moves the attribute
 * by one standard deviation (attribute.<name>.stats[3]), so amount is in
 * standard deviations of the attribute. */
void latent_add_attribute(float *z, const float *v, float amount, float scale, int n);

#endif
