/* Training throughput of the trainer's model: sequences/s and achieved GFLOP/s
 * of full training steps (forward, backward, clipping, Adam) at batch 64 on
 * random mel_2bar-sized data, beside this machine's sgemm peak (one large
 * sgemm) for the same thread count, and which OpenBLAS kernel ran.
 * Under mpirun -np N (a build with MPI) it runs the steps as `morphvae train`
 * does: each process takes its share of the batch and the gradients are summed
 * over the processes (dist.h) before the Adam step; the peak is then the sum of
 * every process's, measured at the same time.
 * usage: bench_train [--config NAME] [--batch N] [--threads N] [--steps N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "bench_time.h"
#include "dist.h"
#include "schedule.h"
#include "vae.h"

/* GFLOP/s of one n x n x n sgemm, best of a few. */
static double sgemm_peak(int n)
{
    real *a = be_alloc((size_t)n * n), *b = be_alloc((size_t)n * n), *c = be_alloc((size_t)n * n);
    for (size_t i = 0; i < (size_t)n * n; i++) a[i] = b[i] = (real)((i % 7) * 0.01);
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t = bench_now_s();
        be_gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
        t = bench_now_s() - t;
        double g = 2.0 * n * n * n / t / 1e9;
        best = g > best ? g : best;
    }
    be_free(a);
    be_free(b);
    be_free(c);
    return best;
}

int main(int argc, char **argv)
{
    const char *config = "mel_2bar";
    int batch = 64, threads = 1, steps = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--config")) config = argv[i + 1];
        else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps")) steps = atoi(argv[i + 1]);
    }
    if (steps < 1) steps = 1;
    mv_hparams hp;
    if (hparams_preset(config, &hp)) {
        fprintf(stderr, "bench_train: unknown config %s\n", config);
        return 2;
    }
    if (dist_init()) return 1;
    const int procs = dist_size(), rank = dist_rank();
    const int lo = batch * rank / procs, share = batch * (rank + 1) / procs - lo;
    be_set_threads(threads);
    vae m;
    if (share < 1 || vae_create(&m, &hp, share)) return dist_fail(1);
    vae_init_params(&m, 1);
    real *adam_m = be_alloc(m.n_params), *adam_v = be_alloc(m.n_params);
    real *eps = be_alloc((size_t)share * hp.z_size);
    const int T = (int)hparams_seq_len(&hp), Z = (int)hp.z_size;
    int32_t *tokens = malloc(sizeof(int32_t) * batch * T);
    mv_rng r;
    rng_seed(&r, 2);
    for (int i = 0; i < batch * T; i++) tokens[i] = (int32_t)(rng_u32(&r) % hp.n_classes);
    vae_loss_cfg loss = {0.2f, 48};
    double t0 = 0, waiting = 0, summing = 0;
    double *step_s = calloc((size_t)steps, sizeof *step_s);
    for (int step = -2; step < steps; step++) { /* two warm-up steps */
        double t_step = bench_now_s();
        if (step == 0) t0 = t_step;
        for (int i = 0; i < batch * Z; i++) { /* the whole batch's noise, as the trainer */
            real e = rng_normal(&r);
            if (i >= lo * Z && i < (lo + share) * Z) eps[i - lo * Z] = e;
        }
        vae_zero_grads(&m);
        vae_forward(&m, window_tokens(tokens + (size_t)lo * T), eps, share, &loss, VAE_FEED_TRUTH,
                    0, NULL);
        vae_backward(&m, &loss);
        if (procs > 1) {
            /* the wait for the slowest process, then the sum itself */
            double tw = bench_now_s();
            dist_any(0);
            double ts = bench_now_s();
            for (uint64_t i = 0; i < m.n_params; i++) m.grads[i] *= (real)share / (real)batch;
            dist_sum_real(m.grads, m.n_params);
            if (step >= 0) waiting += ts - tw, summing += bench_now_s() - ts;
        }
        double norm = sqrt(be_sum_squares(m.grads, m.n_params));
        be_adam(m.params, m.grads, adam_m, adam_v, m.n_params,
                (real)schedule_lr(1e-3, SCHEDULE_LR_DECAY, SCHEDULE_LR_MIN, step + 2), 0.9f, 0.999f, 1e-8f,
                norm > 1 ? (real)(1 / norm) : 1, step + 3);
        if (step >= 0) step_s[step] = bench_now_s() - t_step;
    }
    double secs = bench_now_s() - t0;
    double seq_s = (double)steps * batch / secs;
    bench_sort(step_s, steps);
    double median_seq_s = batch / step_s[steps / 2]; /* what a quiet moment gives */
    double gflops = seq_s * vae_flops_per_sequence(&hp) / 1e9;
    double peak = sgemm_peak(2048); /* every process at once: the cores they share */
    dist_sum_double(&peak, 1);
    if (rank == 0) {
        printf("C trainer   %-10s batch %d threads %d", config, batch, threads);
        if (procs > 1) printf(" x %d processes (MPI)", procs);
        printf(": %7.1f sequences/s, %6.1f GFLOP/s (%.0f%% of sgemm peak %.1f GFLOP/s); %.1f "
               "MFLOP per sequence; median step %.1f sequences/s\n",
               seq_s, gflops, 100 * gflops / peak, peak, vae_flops_per_sequence(&hp) / 1e6,
               median_seq_s);
        if (procs > 1)
            printf("  per step %.1f ms: waiting for the slowest process %.1f ms, summing %llu "
                   "gradients %.1f ms\n",
                   1e3 * secs / steps, 1e3 * waiting / steps, (unsigned long long)m.n_params,
                   1e3 * summing / steps);
        printf("  %s\n", be_describe());
    }
    free(step_s);
    be_free(adam_m);
    be_free(adam_v);
    be_free(eps);
    free(tokens);
    vae_free(&m);
    dist_finish();
    return 0;
}
