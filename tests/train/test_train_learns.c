/* The trainer learns: on a few real POP909 melody windows (made with
 * `morphvae data` from two songs of the shared data), a small model trained
 * with the trainer's forward/backward and Adam overfits them: the loss falls
 * to a fraction of its start and teacher-forced accuracy climbs.
 * usage: test_train_learns MORPHVAE SHARED_DATA WORKDIR */
#include "backend.h"
#include "check.h"
#include "schedule.h"
#include "train_test_util.h"
#include "vae.h"

enum { WINDOWS = 16, STEPS = 300 };

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s MORPHVAE SHARED_DATA WORKDIR\n", argv[0]);
        return 2;
    }
    char corpus_path[1200], cmd[4096], err[512];
    snprintf(corpus_path, sizeof corpus_path, "%s/learns-corpus.bin", argv[3]);
    snprintf(cmd, sizeof cmd,
             "'%s' data --repr melody --bars 2 --track MELODY --quiet "
             "--meter-table '%s/pop909/index.csv' '%s/pop909/001' '%s/pop909/002' "
             "-o '%s' >/dev/null",
             argv[1], argv[2], argv[2], argv[2], corpus_path);
    CHECK(run_command(cmd) == 0);
    mv_corpus *c = NULL;
    CHECK_MSG(corpus_open(corpus_path, &c, err, sizeof err) == 0, "%s", err);
    if (!c) return check_report();
    CHECK(corpus_count(c, MV_SPLIT_TRAIN) >= WINDOWS);

    mv_hparams hp = {MV_REPR_MELODY, 90, 21, 2, 16, 32, 64, 1, 64, 1, 64, 2, 0};
    vae m;
    CHECK(vae_create(&m, &hp, WINDOWS) == 0);
    vae_init_params(&m, 1);
    real *adam_m = be_alloc(m.n_params), *adam_v = be_alloc(m.n_params);
    real *eps = be_alloc(WINDOWS * hp.z_size);
    int32_t tokens[WINDOWS * 32];
    uint64_t n = corpus_count(c, MV_SPLIT_TRAIN);
    for (int b = 0; b < WINDOWS; b++)
        memcpy(tokens + b * 32, corpus_window(c, MV_SPLIT_TRAIN, (uint64_t)b * n / WINDOWS),
               sizeof(int32_t) * 32);
    mv_rng r;
    rng_seed(&r, 5);
    vae_loss_cfg loss = {0.2f, 48};
    vae_stats first = {0}, last = {0};
    for (int step = 0; step < STEPS; step++) {
        for (int i = 0; i < WINDOWS * (int)hp.z_size; i++) eps[i] = rng_normal(&r);
        vae_zero_grads(&m);
        vae_stats s =
            vae_forward(&m, window_tokens(tokens), eps, WINDOWS, &loss, VAE_FEED_TRUTH, 0, NULL);
        vae_backward(&m, &loss);
        double norm = sqrt(be_sum_squares(m.grads, m.n_params));
        be_adam(m.params, m.grads, adam_m, adam_v, m.n_params, (real)schedule_lr(1e-2, SCHEDULE_LR_DECAY, SCHEDULE_LR_MIN, step),
                0.9f, 0.999f, 1e-8f, norm > 1 ? (real)(1 / norm) : 1, step + 1);
        if (step == 0) first = s;
        last = s;
    }
    printf("loss %.2f -> %.2f, teacher-forced accuracy %.3f -> %.3f\n", first.loss, last.loss,
           first.accuracy, last.accuracy);
    CHECK(isfinite(last.loss));
    CHECK_MSG(last.loss < 0.4 * first.loss, "loss %.2f -> %.2f", first.loss, last.loss);
    CHECK_MSG(last.accuracy > 0.8, "accuracy %.3f after %d steps", last.accuracy, STEPS);
    be_free(adam_m);
    be_free(adam_v);
    be_free(eps);
    vae_free(&m);
    corpus_close(c);
    return check_report();
}
