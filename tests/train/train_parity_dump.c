/* The C half of the PyTorch parity test (torch_parity.py): builds a small
 * model with core's initialisation, writes it as a weights file, runs one
 * teacher-forced forward and backward pass of the double-precision trainer
 * on a fixed batch and eps, and dumps batch, eps, logits, mu, sigma, loss and
 * the gradient of every tensor for the script to compare; with "roll", the
 * same for a piano-roll model (multi-hot steps, sigmoid outputs); with
 * "chords", a chord-conditioned melody model and its chord features.
 * Dump format: per array a text line "name ndim d0 [d1 [d2]]" then the values
 * as little-endian float64.
 * usage: train_parity_dump OUT_DIR [roll|chords|groove] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "groove.h"
#include "random_groove.h"
#include "model.h"
#include "tokens.h"
#include "vae_testing.h"
#include "weights.h"

#ifndef MV_TRAIN_DOUBLE
#error "the parity dump uses the double-precision build"
#endif

static void dump(FILE *f, const char *name, const double *x, int ndim, const uint64_t *dims)
{
    uint64_t n = 1;
    fprintf(f, "%s %d", name, ndim);
    for (int i = 0; i < ndim; i++) {
        fprintf(f, " %llu", (unsigned long long)dims[i]);
        n *= dims[i];
    }
    fputc('\n', f);
    fwrite(x, sizeof *x, n, f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 ||
        (argc == 3 && strcmp(argv[2], "roll") && strcmp(argv[2], "chords") &&
         strcmp(argv[2], "groove"))) {
        fprintf(stderr, "usage: %s OUT_DIR [roll|chords|groove]\n", argv[0]);
        return 2;
    }
    const int roll = argc == 3 && !strcmp(argv[2], "roll");
    const int groove = argc == 3 && !strcmp(argv[2], "groove");
    const int with_chords = argc == 3 && !strcmp(argv[2], "chords");
    /* two layers everywhere, short bars, odd sizes */
    const mv_hparams melody = {MV_REPR_MELODY, 90, 21, 3, 4, 6, 7, 2, 5, 2, 9, 2, 0};
    const mv_hparams piano = {MV_REPR_ROLL, 2 * 11, 50, 3, 4, 6, 7, 2, 5, 2, 9, 2, 0};
    const mv_hparams drums = {MV_REPR_GROOVE, MV_GROOVE_STEP_BYTES, 0, 3, 4, 6, 7, 2, 5, 2, 9, 2, 0};
    mv_hparams hp = roll ? piano : groove ? drums : melody;
    hp.chords = with_chords ? MV_CHORDS_V1 : MV_CHORDS_NONE;
    enum { B = 4 };
    const int T = (int)hparams_seq_len(&hp), K = (int)hp.n_classes, Z = (int)hp.z_size;

    /* the weights: core's initialisation, scaled up so that every path matters */
    uint64_t nf = model_block_floats(&hp);
    float *block = aligned_alloc(64, (nf * sizeof(float) + 63) / 64 * 64);
    model_init_params(&hp, block, 21);
    for (uint64_t i = 0; i < nf; i++) block[i] *= 1.5f;
    mv_tensor tensors[MV_MAX_TENSORS];
    int nt = model_carve(&hp, block, tensors);
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/parity.mvae", argv[1]);
    if (weights_write(path, &hp, tensors, (size_t)nt, NULL, 0, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    vae m;
    if (vae_create(&m, &hp, B)) return 1;
    for (uint64_t i = 0; i < nf; i++) m.params[i] = block[i];

    mv_rng r;
    rng_seed(&r, 8);
    int32_t tokens[B * 12];
    uint8_t steps[B * 12 * MV_GROOVE_STEP_BYTES] = {0};
    double eps[B * 6];
    for (int i = 0; i < B * T; i++) tokens[i] = (int32_t)(rng_u32(&r) % K);
    for (int i = 0; i < B * T * K && roll; i++) steps[i] = rng_uniform(&r) < 0.3f;
    for (int i = 0; i < B * T && roll; i++)
        roll_step_normalise(steps + i * K, i % T ? steps + (i - 1) * K : NULL, K / 2);
    if (groove) random_groove_steps(&r, steps, B * T, 0.4f);
    for (int i = 0; i < B * Z; i++) eps[i] = rng_normal(&r);
    /* chords: random, a step in five without */
    uint8_t chords[B * 12];
    static double chord_x[B * 12 * MV_CHORD_FEATURES];
    for (int i = 0; i < B * T; i++) {
        chords[i] = rng_uniform(&r) < 0.2f ? MV_CHORD_NONE
                                            : (uint8_t)(1 + rng_u32(&r) % (MV_CHORD_COUNT - 1));
        float f[MV_CHORD_FEATURES];
        chord_features(chords[i], f);
        for (int k = 0; k < MV_CHORD_FEATURES; k++) chord_x[i * MV_CHORD_FEATURES + k] = f[k];
    }
    if (with_chords) m.chords = chords;

    /* free bits at the batch's median KL, so that the hinge is active for some
     * sequences and not for others */
    vae_loss_cfg loss = {0.7, 0};
    const mv_window window = roll     ? window_roll(steps)
                             : groove ? window_groove(steps)
                                      : window_tokens(tokens);
    vae_forward(&m, window, eps, B, &loss, VAE_FEED_TRUTH, 0, NULL);
    double kl[B];
    memcpy(kl, m.kl_b, sizeof kl);
    for (int i = 0; i < B; i++)
        for (int j = i + 1; j < B; j++)
            if (kl[j] < kl[i]) {
                double t = kl[i];
                kl[i] = kl[j];
                kl[j] = t;
            }
    loss.free_bits = 0.5 * (kl[B / 2 - 1] + kl[B / 2]) / log(2.0);

    vae_zero_grads(&m);
    vae_stats st = vae_forward(&m, window, eps, B, &loss, VAE_FEED_TRUTH, 0, NULL);
    vae_backward(&m, &loss);

    snprintf(path, sizeof path, "%s/parity.dump", argv[1]);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    static double tok[B * 12], bits[B * 12 * MV_GROOVE_STEP_BYTES], logits[B * 12 * 90];
    double scalars[4] = {st.loss, loss.beta, loss.free_bits,
                                                           st.recon};
    for (int i = 0; i < B * T; i++) tok[i] = tokens[i];
    for (int i = 0; i < B * T * K && roll; i++) bits[i] = steps[i];
    for (int i = 0; i < B * T && groove; i++) {
        float x[MV_GROOVE_STEP_BYTES];
        groove_features(steps + i * K, x);
        for (int k = 0; k < K; k++) bits[i * K + k] = x[k];
    }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            memcpy(logits + ((size_t)b * T + t) * K, vae_logits_at(&m, b, t),
                   sizeof(double) * K);
    uint64_t d_bt[2] = {B, (uint64_t)T}, d_bz[2] = {B, (uint64_t)Z};
    uint64_t d_btk[3] = {B, (uint64_t)T, (uint64_t)K}, d4[1] = {4};
    if (roll) dump(f, "roll", bits, 3, d_btk);
    else if (groove) dump(f, "groove", bits, 3, d_btk);
    else dump(f, "tokens", tok, 2, d_bt);
    dump(f, "eps", eps, 2, d_bz);
    uint64_t d_btc[3] = {B, (uint64_t)T, MV_CHORD_FEATURES};
    if (with_chords) dump(f, "chord_x", chord_x, 3, d_btc);
    dump(f, "scalars", scalars, 1, d4); /* loss, beta, free_bits, recon */
    dump(f, "logits", logits, 3, d_btk);
    dump(f, "mu", m.mu, 2, d_bz);
    dump(f, "sigma", m.sigma, 2, d_bz);
    for (int i = 0; i < m.n_tensors; i++) {
        char name[MV_TENSOR_NAME_MAX + 8];
        snprintf(name, sizeof name, "grad.%s", m.specs[i].name);
        dump(f, name, m.grads + m.specs[i].offset, (int)m.specs[i].ndim, m.specs[i].dims);
    }
    fclose(f);
    printf("wrote %s: loss %.12g over %d tensors\n", path, st.loss, m.n_tensors);
    vae_free(&m);
    free(block);
    return 0;
}
