/* Time of latent refinement per anchor (core/refine.h) at batch 1 on one core,
 * for the plugin's budget (0.5 s per anchor). The window is random tokens,
 * which no model reproduces, so no run stops early: every figure is the cost
 * of the full step count (encode, Adam steps, greedy checks). Step counts run
 * round-robin so that all see the same machine load; each figure is the median
 * over rounds.
 *
 * Output: a table, then "RESULT <model> <steps> <ms per anchor>" lines.
 * Usage: bench_refine MODEL.mvae... [--rounds N] (default 7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "model.h"
#include "refine.h"
#include "weights.h"

#define MAX_ROUNDS 100
static const int step_counts[] = {25, 50, 100, 200};
#define N_COUNTS (int)(sizeof step_counts / sizeof step_counts[0])

static int bench_model(const char *path, int rounds)
{
    char err[512];
    mv_weights *w = NULL;
    mv_model m;
    if (weights_read(path, &w, err, sizeof err) || model_bind_weights(&m, w, err, sizeof err)) {
        fprintf(stderr, "bench_refine: %s\n", err);
        weights_free(w);
        return 1;
    }
    const mv_hparams *hp = &m.hp;
    double t0 = bench_now_ms();
    mv_decoder *d = decoder_create(&m, 1);
    mv_refine *r = d ? refine_create(d) : NULL;
    const double create_ms = bench_now_ms() - t0;
    const int T = (int)hparams_seq_len(hp), Z = (int)hp->z_size, K = (int)hp->n_classes;
    const int roll = hp->repr == MV_REPR_ROLL;
    int32_t *tokens = malloc(sizeof(int32_t) * T);
    uint8_t *bits = malloc((size_t)T * K);
    float *z = malloc(sizeof(float) * Z);
    if (!r || !tokens || !bits || !z) {
        fprintf(stderr, "bench_refine: %s: out of memory\n", path);
        return 1;
    }
    /* a window no model reproduces, so every step count runs in full */
    uint32_t x = 12345;
    for (int t = 0; t < T; t++) {
        x = x * 1664525u + 1013904223u;
        tokens[t] = (int32_t)((x >> 8) % hp->n_classes);
    }
    for (int i = 0; i < T * K; i++) {
        x = x * 1664525u + 1013904223u;
        bits[i] = (x >> 8) % 8 == 0;
    }
    static double samples[N_COUNTS][MAX_ROUNDS];
    int taken[N_COUNTS] = {0};
    mv_refine_report rep;
    mv_refine_options o = refine_defaults();
    const mv_window window = roll ? window_roll(bits) : window_tokens(tokens);
#define REFINE() refine_window(r, window, &o, z, NULL, &rep)
    REFINE(); /* warm caches and page in */
    for (int round = 0; round < rounds; round++)
        for (int i = 0; i < N_COUNTS; i++) {
            o.steps = step_counts[i];
            t0 = bench_now_ms();
            REFINE();
            samples[i][round] = bench_now_ms() - t0;
            taken[i] = rep.steps;
        }
    printf("%s: %s, z %u, cond %u, dec %ux%u, %u classes, %u bars (refiner made in %.0f ms)\n",
           path, repr_name(hp->repr), hp->z_size, hp->cond_size, hp->dec_layers, hp->dec_size,
           hp->n_classes, hp->n_bars, create_ms);
    for (int i = 0; i < N_COUNTS; i++) {
        const double ms = bench_median(samples[i], rounds);
        printf("  %4d steps (%d taken): %8.1f ms per anchor, %.2f ms per step\n", step_counts[i],
               taken[i], ms, ms / step_counts[i]);
    }
    for (int i = 0; i < N_COUNTS; i++)
        printf("RESULT %s %d %.2f\n", path, step_counts[i], bench_median(samples[i], rounds));
    refine_free(r);
    decoder_free(d);
    weights_free(w);
    free(tokens);
    free(bits);
    free(z);
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = 7, status = 0, models = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            if (rounds < 1 || rounds > MAX_ROUNDS) {
                fprintf(stderr, "bench_refine: --rounds must be 1..%d\n", MAX_ROUNDS);
                return 2;
            }
        }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds")) {
            i++;
            continue;
        }
        status |= bench_model(argv[i], rounds);
        models++;
    }
    if (!models) {
        fprintf(stderr, "usage: bench_refine MODEL.mvae... [--rounds N]\n");
        return 2;
    }
    return status;
}
