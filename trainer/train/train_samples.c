#include "train_samples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decoder.h"
#include "model.h"
#include "repr.h"
#include "sequence_io.h"
#include "tokens.h"

#define SAMPLE_BPM 120.0

/* One file: the sequences one after another, each a track of its own
 * (sequence_io.h: what the CLI writes for the same windows). */
static void write_parts(const mv_hparams *hp, const char *path, const void *const *seqs,
                        const char *const *names, int n_seqs)
{
    const size_t wb = sequence_window_bytes(hp);
    char *windows = malloc(wb * (size_t)n_seqs), err[512];
    if (!windows) return;
    for (int i = 0; i < n_seqs; i++) memcpy(windows + (size_t)i * wb, seqs[i], wb);
    if (sequence_write_midi(path, hp, windows, n_seqs, names, SAMPLE_BPM, err, sizeof err))
        fprintf(stderr, "morphvae train: samples: %s\n", err);
    free(windows);
}

void train_write_samples(const float *params, const mv_hparams *hp, const mv_corpus *c,
                         const char *dir, long step)
{
    const int Z = (int)hp->z_size, N = TRAIN_SAMPLES;
    const size_t wb = sequence_window_bytes(hp);
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(hp, (float *)params, tensors); /* read only: core binds const */
    mv_model model;
    char err[256], path[4200];
    if (model_bind(&model, hp, tensors, (size_t)n, err, sizeof err)) {
        fprintf(stderr, "morphvae train: samples: %s\n", err);
        return;
    }
    mv_decoder *d = decoder_create(&model, N);
    float *z = malloc(sizeof(float) * N * Z), *sigma = malloc(sizeof(float) * N * Z);
    char *out = malloc(wb * N), *in = malloc(wb * N);
    mv_rng rngs[TRAIN_SAMPLES];
    if (!d || !z || !sigma || !out || !in) goto done;
    mkdir(dir, 0777);

    mv_rng prior;
    rng_seed(&prior, (uint64_t)step);
    for (int i = 0; i < N * Z; i++) z[i] = rng_normal(&prior);
    for (int i = 0; i < N; i++) rng_seed(&rngs[i], (uint64_t)step * 16 + (uint64_t)i);
    decoder_decode(d, z, N, TRAIN_SAMPLE_TEMPERATURE, rngs, window_for(hp->repr, out));
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "%s/step%07ld-prior-%d.mid", dir, step, i);
        const void *seq = out + (size_t)i * wb;
        const char *name = "prior sample";
        write_parts(hp, path, &seq, &name, 1);
    }

    int split = corpus_count(c, MV_SPLIT_VALID) >= (uint64_t)N ? MV_SPLIT_VALID : MV_SPLIT_TRAIN;
    uint64_t count = corpus_count(c, split);
    if (count < (uint64_t)N) goto done;
    for (int i = 0; i < N; i++) {
        uint64_t w = (uint64_t)i * count / N;
        memcpy(in + (size_t)i * wb, corpus_window_steps(c, split, w), wb);
    }
    decoder_encode(d, window_for(hp->repr, in), N, z, sigma);
    decoder_decode(d, z, N, 0, NULL, window_for(hp->repr, out));
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "%s/step%07ld-recon-%d.mid", dir, step, i);
        const void *seqs[2] = {in + (size_t)i * wb, out + (size_t)i * wb};
        const char *names[2] = {"original", "reconstruction"};
        write_parts(hp, path, seqs, names, 2);
    }
done:
    free(z);
    free(sigma);
    free(out);
    free(in);
    decoder_free(d);
}
