/* The latent code in `morphvae eval`: the KL of the encoder's posterior
 * N(mu, sigma^2) from N(0, I), summed over the windows evaluated and per
 * dimension, and how many dimensions carry information (the same figures
 * for every representation's report). */
#ifndef MV_EVAL_LATENT_H
#define MV_EVAL_LATENT_H

#define EVAL_ACTIVE_KL 0.1 /* nats: a latent dimension carrying more is in use */

typedef struct eval_latent {
    int z_size;
    long windows;
    double kl;      /* summed over windows */
    double *kl_dim; /* [z_size], summed over windows */
} eval_latent;

/* 0, or -1 when out of memory. */
int eval_latent_init(eval_latent *l, int z_size);
void eval_latent_free(eval_latent *l);
/* Adds B windows' mu and sigma [B, z_size]. */
void eval_latent_add(eval_latent *l, const float *mu, const float *sigma, int B);
double eval_latent_mean_kl(const eval_latent *l); /* nats a window */
int eval_latent_active(const eval_latent *l);    /* dimensions over EVAL_ACTIVE_KL */

#endif
