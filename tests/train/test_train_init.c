/* `morphvae train --init MODEL.mvae` starts from the model's parameters:
 * - from an untrained model (`morphvae init --seed 3`), the loss of step 0 and
 *   everything after it equal a run that initialised the same parameters itself
 *   (same batch, same noise, fresh Adam): the same CSV rows, the same tensors;
 * - from a trained model, a step at a learning rate of 1e-30 (no change in
 *   float) validates to the numbers the model's own run logged on the same
 *   windows;
 * - the written model names its --init file (train.init);
 * - a model of other hyperparameters than --config/--z, or one that does not fit
 *   the corpus, is refused, and so is --chords on a corpus without chords.
 * usage: test_train_init MORPHVAE WORKDIR */
#include <unistd.h>

#include "check.h"
#include "train_test_util.h"
#include "weights.h"

static const char *exe, *dir;
static char corpus[1100];

#define COMMON                                                                         \
    "--batch 8 --eval-every 1 --eval-windows 16 --sample-every 0 --sampling-rate 3 " \
    "--word-dropout 0.2"

static int log_says(const char *name, const char *text);

/* Trains NAME; stderr to NAME.log, which must hold no sanitizer report. */
static int train(const char *name, const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' train '%s' -o '%s/%s.mvae' " COMMON " %s 2>'%s/%s.log'",
             exe, corpus, dir, name, extra, dir, name);
    int status = run_command(cmd);
    CHECK_MSG(!log_says(name, "runtime error") && !log_says(name, "Sanitizer"),
              "a sanitizer report in %s/%s.log", dir, name);
    return status;
}

/* The CSV row of `split` at `step` without its seconds column; "" if none. */
static void csv_row(const char *name, int step, const char *split, char *out, size_t n)
{
    char path[1200], line[1024], want[64];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    snprintf(want, sizeof want, ",%s,", split);
    FILE *f = fopen(path, "r");
    out[0] = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *rest = strstr(line, want);
        if (atoi(line) == step && rest) snprintf(out, n, "%d%s", step, rest);
    }
    if (f) fclose(f);
}

static int same_tensors(const char *a_name, const char *b_name)
{
    return same_tensors_in(dir, a_name, b_name);
}

static int log_says(const char *name, const char *text)
{
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/%s.log", dir, name);
    FILE *f = fopen(path, "r");
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) found = strstr(line, text) != NULL;
    if (f) fclose(f);
    return found;
}

static void test_untrained_model(void)
{
    char cmd[4096], init[1200], a[1024], b[1024];
    snprintf(init, sizeof init, "%s/untrained.mvae", dir);
    snprintf(cmd, sizeof cmd, "'%s' init --config tiny --seed 3 -o '%s' >/dev/null", exe, init);
    CHECK(run_command(cmd) == 0);
    CHECK(train("self_init", "--config tiny --seed 3 --steps 3") == 0);
    snprintf(cmd, sizeof cmd, "--init '%s' --seed 3 --steps 3", init);
    CHECK(train("from_file", cmd) == 0);
    for (int step = 1; step <= 3; step++) {
        csv_row("self_init", step, "train", a, sizeof a);
        csv_row("from_file", step, "train", b, sizeof b);
        CHECK_MSG(a[0] && !strcmp(a, b), "step %d: train rows differ:\n%s%s", step, a, b);
        csv_row("self_init", step, "valid", a, sizeof a);
        csv_row("from_file", step, "valid", b, sizeof b);
        CHECK_MSG(a[0] && !strcmp(a, b), "step %d: valid rows differ:\n%s%s", step, a, b);
    }
    CHECK_MSG(same_tensors("self_init", "from_file"), "--init of the same parameters differs");

    char path[1200], err[512];
    snprintf(path, sizeof path, "%s/from_file.mvae", dir);
    mv_weights *w = NULL;
    CHECK(weights_read(path, &w, err, sizeof err) == 0);
    const mv_meta *m = w ? weights_meta(w, "train.init") : NULL;
    CHECK_MSG(m && m->type == MV_META_STR && !strcmp((const char *)m->data, init),
              "the model should name its --init file %s", init);
    weights_free(w);
}

/* The numbers after step and split in a valid row: recon, kl, elbo, acc_tf, acc_sampled. */
static void valid_numbers(const char *row, double v[5])
{
    const char *p = row;
    for (int c = 0; c < 2 && p; c++)
        if ((p = strchr(p, ','))) p++;
    for (int i = 0; i < 5; i++) {
        v[i] = p ? atof(p) : NAN;
        if (p && (p = strchr(p, ','))) p++;
    }
}

static void test_trained_model(void)
{
    char args[1400], a[1024], b[1024];
    CHECK(train("trained", "--config tiny --seed 4 --steps 30 --lr 3e-3") == 0);
    snprintf(args, sizeof args, "--init '%s/trained.mvae' --seed 9 --steps 1 --lr 1e-30", dir);
    CHECK(train("continued", args) == 0);
    csv_row("trained", 30, "valid", a, sizeof a);
    csv_row("continued", 1, "valid", b, sizeof b);
    double x[5], y[5];
    valid_numbers(a, x);
    valid_numbers(b, y);
    for (int i = 0; i < 5; i++)
        CHECK_MSG(fabs(x[i] - y[i]) <= 1e-6 * fmax(1, fabs(x[i])),
                  "validation of the --init model differs from its own run's:\n%s%s", a, b);
    printf("trained model's validation %s--init model's at step 1 %s", a, b);
}

static void test_refused(void)
{
    char args[1400], cmd[4096], other[1200];
    snprintf(args, sizeof args, "--init '%s/trained.mvae' --config tiny --z 8 --steps 1", dir);
    CHECK(train("wrong_z", args) == 1);
    CHECK_MSG(log_says("wrong_z", "hyperparameter z_size is 16, but --z asks for 8"),
              "no message naming z_size");
    snprintf(other, sizeof other, "%s/drums.mvae", dir);
    snprintf(cmd, sizeof cmd, "'%s' init --config drums_2bar -o '%s' >/dev/null", exe, other);
    CHECK(run_command(cmd) == 0);
    snprintf(args, sizeof args, "--init '%s' --steps 1", other);
    CHECK(train("wrong_corpus", args) == 1);
    CHECK_MSG(log_says("wrong_corpus", "but the model is drums"), "no corpus mismatch message");
    snprintf(args, sizeof args, "--init '%s/trained.mvae' --resume '%s/trained.ckpt'", dir, dir);
    CHECK(train("both", args) == 2);
    snprintf(args, sizeof args, "--init '%s/no_such_model.mvae'", dir);
    CHECK(train("missing", args) == 1);
    CHECK_MSG(log_says("missing", "no_such_model.mvae"), "no message naming the missing file");
    snprintf(args, sizeof args, "--init '%s/trained.mvae' --chords --steps 1", dir);
    CHECK(train("no_chords", args) == 1);
    CHECK_MSG(log_says("no_chords", "has no chords for a chord-conditioned model"),
              "--chords on a corpus without chords: no message");
    snprintf(args, sizeof args, "--init '%s/trained.mvae' --latent-dropout 0.2 --steps 1", dir);
    CHECK(train("latent_no_chords", args) == 1);
    CHECK_MSG(log_says("latent_no_chords", "--latent-dropout needs a chord-conditioned model"),
              "--latent-dropout without chord input: no message");
}

/* A config file in the test's folder: `base = tiny` plus `lines`. */
static void write_config(const char *name, const char *lines, char *path, size_t n)
{
    snprintf(path, n, "%s/%s.cfg", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fprintf(f, "base = tiny\n%s", lines);
        fclose(f);
    }
}

static void test_longer_phrase(void)
{
    char corpus4[1200], cfg[1200], args[4096];
    snprintf(corpus4, sizeof corpus4, "%s/init_corpus4.bin", dir);
    CHECK(write_synthetic_melody_corpus_bars(corpus4, 64, 16, 4) == 0);
    write_config("tiny4", "n_bars = 4\n", cfg, sizeof cfg);

    /* lr 1e-30: the 4-bar model keeps the 2-bar model's tensors exactly */
    snprintf(args, sizeof args, "'%s' train '%s' -o '%s/longer.mvae' " COMMON
             " --init '%s/trained.mvae' --config '%s' --steps 1 --lr 1e-30 2>'%s/longer.log'",
             exe, corpus4, dir, dir, cfg, dir);
    CHECK(run_command(args) == 0);
    CHECK_MSG(log_says("longer", "its 2-bar model starts a 4-bar one"), "no message in %s",
              "longer.log");
    CHECK_MSG(same_tensors("trained", "longer"), "the 4-bar model's tensors differ");
    char path[1200], err[512];
    snprintf(path, sizeof path, "%s/longer.mvae", dir);
    mv_weights *w = NULL;
    CHECK(weights_read(path, &w, err, sizeof err) == 0);
    CHECK_MSG(w && weights_hparams(w)->n_bars == 4, "the written model is not a 4-bar one");
    weights_free(w);

    /* a shape that differs is still refused, naming the field */
    write_config("tiny4_wide", "n_bars = 4\ndec_size = 24\n", cfg, sizeof cfg);
    snprintf(args, sizeof args, "'%s' train '%s' -o '%s/wider.mvae' " COMMON
             " --init '%s/trained.mvae' --config '%s' --steps 1 2>'%s/wider.log'",
             exe, corpus4, dir, dir, cfg, dir);
    CHECK(run_command(args) == 1);
    CHECK_MSG(log_says("wider", "hyperparameter n_bars is 2, but --config asks for 4"),
              "no message naming the first differing field in wider.log");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_train_init MORPHVAE WORKDIR\n");
        return 2;
    }
    exe = argv[1];
    dir = test_work_dir(argv[2], "init_test");
    snprintf(corpus, sizeof corpus, "%s/init_corpus.bin", dir);
    CHECK(write_synthetic_melody_corpus(corpus, 64, 16) == 0);
    test_untrained_model();
    test_trained_model();
    test_refused();
    test_longer_phrase();
    return check_report();
}
