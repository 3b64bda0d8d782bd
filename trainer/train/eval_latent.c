/* The latent code in `morphvae eval` (eval_latent.h). */
#include "eval_latent.h"

#include <math.h>
#include <stdlib.h>

int eval_latent_init(eval_latent *l, int z_size)
{
    *l = (eval_latent){.z_size = z_size, .kl_dim = calloc((size_t)z_size, sizeof(double))};
    return l->kl_dim ? 0 : -1;
}

void eval_latent_free(eval_latent *l)
{
    free(l->kl_dim);
    l->kl_dim = NULL;
}

void eval_latent_add(eval_latent *l, const float *mu, const float *sigma, int B)
{
    for (int b = 0; b < B; b++)
        for (int j = 0; j < l->z_size; j++) {
            const double m = mu[(size_t)b * l->z_size + j], s = sigma[(size_t)b * l->z_size + j];
            const double kl = 0.5 * (m * m + s * s - 1) - log(s);
            l->kl += kl;
            l->kl_dim[j] += kl;
        }
    l->windows += B;
}

double eval_latent_mean_kl(const eval_latent *l)
{
    return l->windows ? l->kl / (double)l->windows : NAN;
}

int eval_latent_active(const eval_latent *l)
{
    int active = 0;
    for (int j = 0; l->windows && j < l->z_size; j++)
        active += l->kl_dim[j] / (double)l->windows > EVAL_ACTIVE_KL;
    return active;
}
