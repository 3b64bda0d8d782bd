/* Decode speed of the C decoder on random weights at the reference sizes
 * (melody, the large config and the piano roll's multi-hot steps).
 * Every variant runs inside one round-robin loop so that all of them see the
 * same machine load; each figure is the median over rounds.
 *
 * Output: a human table, then "RESULT <model> <variant> <ms>" lines for run.sh.
 * Usage: bench_decode [rounds] (default 30). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "decoder.h"
#include "model.h"
#include "model_layout.h"

enum { MAX_BATCH = 16, MAX_VARIANTS = 8 };

typedef struct variant {
    const char *name;
    int batch;         /* sequences per call */
    float temperature; /* < 0: encode instead of decode */
    double samples[1000];
    int n;
} variant;

static double lstm_bytes(const mv_lstm_weights *w, int with_input)
{
    double floats = (double)w->n_hidden * 4 * w->n_hidden;
    if (with_input) floats += (double)w->n_in * 4 * w->n_hidden;
    return floats * sizeof(float);
}

/* Weight bytes one batch-1 decode reads: the conductor once, per bar the
 * decoder's initial-state layer and layer 0's embedding rows, per step every
 * recurrent matrix, the upper layers' input matrices, the output layer and one
 * gathered row of layer 0's token rows. */
static double decode_weight_bytes(const mv_model *m)
{
    const mv_hparams *hp = &m->hp;
    const double F = sizeof(float), D = hp->dec_size, C = hp->cond_size;
    double cond = (double)m->cond_init.n_in * m->cond_init.n_out * F;
    for (uint32_t l = 0; l < hp->cond_layers; l++) cond += hp->n_bars * lstm_bytes(&m->cond[l], l > 0);
    double bar = (double)m->dec_init.n_in * m->dec_init.n_out * F + C * 4 * D * F;
    double step = lstm_bytes(&m->dec[0], 0) + 4 * D * F;
    for (uint32_t l = 1; l < hp->dec_layers; l++) step += lstm_bytes(&m->dec[l], 1);
    step += (double)m->dec_out.n_in * m->dec_out.n_out * F;
    return cond + hp->n_bars * (bar + hp->steps_per_bar * step);
}

static void bench_model(const char *preset, int rounds)
{
    mv_hparams hp;
    if (hparams_preset(preset, &hp) != 0) {
        fprintf(stderr, "bench_decode: unknown preset %s\n", preset);
        exit(1);
    }
    size_t bytes = (size_t)model_block_floats(&hp) * sizeof(float);
    float *block = aligned_alloc(64, bytes);
    mv_tensor tensors[MV_MAX_TENSORS];
    mv_model m;
    char err[256];
    if (!block) {
        fprintf(stderr, "bench_decode: out of memory for %s\n", preset);
        exit(1);
    }
    model_init_params(&hp, block, 1);
    int n = model_carve(&hp, block, tensors);
    if (model_bind(&m, &hp, tensors, (size_t)n, err, sizeof err) != 0) {
        fprintf(stderr, "bench_decode: %s: %s\n", preset, err);
        exit(1);
    }
    mv_decoder *d = decoder_create(&m, MAX_BATCH);
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp);
    float *z = malloc(sizeof(float) * MAX_BATCH * Z), *mu = malloc(sizeof(float) * MAX_BATCH * Z);
    float *sigma = malloc(sizeof(float) * MAX_BATCH * Z);
    int32_t *tokens = malloc(sizeof(int32_t) * MAX_BATCH * T);
    const int roll = hp.repr == MV_REPR_ROLL;
    uint8_t *steps = malloc((size_t)(MAX_BATCH + 1) * T * hp.n_classes); /* [0]: to encode */
    mv_rng rngs[MAX_BATCH], zr;
    if (!d || !z || !mu || !sigma || !tokens || !steps) {
        fprintf(stderr, "bench_decode: out of memory for %s\n", preset);
        exit(1);
    }
    rng_seed(&zr, 7);
    for (int i = 0; i < MAX_BATCH * Z; i++) z[i] = rng_normal(&zr);
    for (int i = 0; i < MAX_BATCH; i++) rng_seed(&rngs[i], (uint64_t)i);

    static variant v[MAX_VARIANTS];
    int nv = 0;
    v[nv++] = (variant){"batch1_greedy", 1, 0.0f, {0}, 0};
    v[nv++] = (variant){"batch1_T1", 1, 1.0f, {0}, 0};
    v[nv++] = (variant){"batch8_greedy", 8, 0.0f, {0}, 0};
    v[nv++] = (variant){"batch16_greedy", 16, 0.0f, {0}, 0};
    v[nv++] = (variant){"encode_batch1", 1, -1.0f, {0}, 0};
    /* warm caches and page in; a roll decoded at T 1 is a busy input to encode */
    if (roll) decoder_decode(d, z, 1, 1.0f, rngs, window_roll(steps));
    else decoder_decode(d, z, 1, 0.0f, NULL, window_tokens(tokens));
    /* a round is about 20 ms of work per variant so that timer noise is small */
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < nv; i++) {
            const int reps = v[i].batch == 1 ? 8 : 2;
            double t0 = bench_now_ms();
            for (int k = 0; k < reps; k++) {
                if (v[i].temperature < 0 && roll)
                    decoder_encode(d, window_roll(steps), 1, mu, sigma);
                else if (v[i].temperature < 0)
                    decoder_encode(d, window_tokens(tokens), 1, mu, sigma);
                else if (roll)
                    decoder_decode(d, z, v[i].batch, v[i].temperature, rngs,
                                   window_roll(steps + (size_t)T * hp.n_classes));
                else
                    decoder_decode(d, z, v[i].batch, v[i].temperature, rngs, window_tokens(tokens));
            }
            v[i].samples[v[i].n++] = (bench_now_ms() - t0) / reps;
        }
    }
    const double weight_bytes = decode_weight_bytes(&m);
    printf("%s: z %u, enc %u, cond %u, dec %ux%u, %u classes, %u bars x %u steps, %.2f M params\n",
           preset, hp.z_size, hp.enc_size, hp.cond_size, hp.dec_layers, hp.dec_size,
           hp.n_classes, hp.n_bars, hp.steps_per_bar, model_param_count(&hp) / 1e6);
    for (int i = 0; i < nv; i++) {
        double ms = bench_median(v[i].samples, v[i].n);
        if (v[i].temperature < 0) {
            printf("  %-16s %8.3f ms per sequence\n", v[i].name, ms);
        } else if (v[i].batch == 1) {
            printf("  %-16s %8.3f ms per decode, %6.1f GB/s of weights (%.1f MB per decode)\n",
                   v[i].name, ms, weight_bytes / (ms * 1e6), weight_bytes / 1e6);
        } else {
            printf("  %-16s %8.3f ms per call, %6.3f ms per sequence\n", v[i].name, ms,
                   ms / v[i].batch);
        }
        printf("RESULT %s %s %.4f\n", preset, v[i].name, ms);
    }
    decoder_free(d);
    free(block), free(z), free(mu), free(sigma), free(tokens), free(steps);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 30;
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "bench_decode: rounds must be 1..1000, not %s\n", argv[1]);
        return 1;
    }
    bench_model("mel_2bar", rounds);
    bench_model("large", rounds);
    bench_model("roll_2bar", rounds);
    return 0;
}
