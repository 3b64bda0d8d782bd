/* Core's refinement gradient (core/refine.h) against the trainer's: on the
 * same parameters, the trainer's backward pass in double precision (teacher
 * forcing, z = mu, beta 0 so that only the cross-entropy reaches z) gives
 * dL/dz, which refine_objective must reproduce in float; the objectives agree
 * too. Melody, drums and piano roll, one- and two-layer stacks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "refine.h"
#include "vae.h"

static void compare(const mv_hparams *hp, const char *what, uint64_t seed)
{
    const int T = (int)hparams_seq_len(hp), Z = (int)hp->z_size;
    vae m;
    CHECK(vae_create(&m, hp, 1) == 0);
    vae_init_params(&m, seed);
    /* larger than the init so that z moves the logits measurably */
    for (uint64_t i = 0; i < m.n_params; i++) m.params[i] *= 2.0;

    mv_rng rng;
    rng_seed(&rng, seed + 1);
    const int roll = hp->repr == MV_REPR_ROLL, K = (int)hp->n_classes;
    int32_t *tokens = malloc(sizeof(int32_t) * T);
    uint8_t *bits = malloc((size_t)T * K);
    for (int t = 0; t < T; t++) tokens[t] = (int32_t)(rng_u32(&rng) % hp->n_classes);
    for (int i = 0; i < T * K; i++) bits[i] = rng_u32(&rng) % 5 == 0;
    vae_loss_cfg loss = {0, 0};
    const mv_window window = roll ? window_roll(bits) : window_tokens(tokens);
    vae_stats st = vae_forward(&m, window, NULL, 1, &loss, VAE_FEED_TRUTH, 0, NULL);
    vae_zero_grads(&m);
    vae_backward(&m, &loss);

    /* the same numbers in float for core */
    float *block = aligned_alloc(64, (m.n_params * sizeof(float) + 63) / 64 * 64);
    for (uint64_t i = 0; i < m.n_params; i++) block[i] = (float)m.params[i];
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(hp, block, tensors);
    mv_model model;
    char err[256];
    CHECK_MSG(model_bind(&model, hp, tensors, (size_t)n, err, sizeof err) == 0, "%s", err);
    mv_decoder *d = decoder_create(&model, 1);
    mv_refine *r = d ? refine_create(d) : NULL;
    CHECK(r != NULL);
    float *z = malloc(sizeof(float) * Z), *grad = malloc(sizeof(float) * Z);
    for (int i = 0; i < Z; i++) z[i] = (float)m.mu[i];
    const double objective = roll ? refine_objective(r, window_roll(bits), z, 0, grad)
                                  : refine_objective(r, window_tokens(tokens), z, 0, grad);
    CHECK_CLOSE(objective, st.recon, 1e-5);

    double largest = 0, worst = 0;
    for (int i = 0; i < Z; i++) largest = fmax(largest, fabs(m.dz[i]));
    for (int i = 0; i < Z; i++) worst = fmax(worst, fabs(grad[i] - m.dz[i]) / largest);
    CHECK_MSG(largest > 0.05, "%s: dL/dz is too small (%.3g) to compare", what, largest);
    CHECK_MSG(worst < 1e-5, "%s: dL/dz differs by %.2e of its largest component", what, worst);
    printf("%s: CE %.6f (trainer %.6f), max |dL/dz| %.3f, worst difference %.1e of it\n", what,
           objective, st.recon, largest, worst);
    free(z), free(grad), free(block), free(tokens), free(bits);
    refine_free(r);
    decoder_free(d);
    vae_free(&m);
}

int main(void)
{
    mv_hparams small = {MV_REPR_MELODY, 90, 21, 2, 16, 16, 24, 1, 20, 1, 18, 2, 0};
    compare(&small, "melody, conductor 1 layer, decoder 2", 3);
    mv_hparams deep = {MV_REPR_DRUMS, 512, 0, 3, 4, 8, 12, 2, 10, 2, 14, 3, 0};
    compare(&deep, "drums, conductor 2 layers, decoder 3", 4);
    mv_hparams roll = {MV_REPR_ROLL, 40, 40, 2, 8, 12, 16, 2, 14, 1, 18, 2, 0};
    compare(&roll, "piano roll (20 pitches), conductor 2 layers, decoder 2", 5);
    return check_report();
}
