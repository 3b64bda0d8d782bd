/* Nothing lost: a run of 20 steps straight and a run of 10 steps, saved, then
 * continued for 10 in a NEW process from its checkpoint give bit-identical
 * parameters and the same logged losses. Then a run killed with SIGTERM
 * somewhere after its first checkpoint saves on the signal, and resuming it
 * reaches the straight run's parameters bit for bit. Also: a NaN loss stops
 * the run, a learning-rate schedule of --lr-decay/--lr-min kept by the
 * checkpoint (and refused with --resume), configuration files and their errors, `morphvae eval` agreeing
 * with the trainer's own validation, and the posterior-collapse warning.
 * usage: test_train_resume MORPHVAE WORKDIR */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "train_test_util.h"
#include "weights.h"

static const char *exe, *dir;
static char corpus[1100];

static int train(const char *name, const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' train '%s' -o '%s/%s.mvae' --config tiny --batch 8 --eval-every 5 "
             "--eval-windows 8 --checkpoint-every 5 --sample-every 0 --seed 3 "
             "--sampling-rate 3 %s 2>>'%s/log.txt'",
             exe, corpus, dir, name, extra, dir);
    return run_command(cmd);
}

static int same_tensors(const char *a_name, const char *b_name)
{
    return same_tensors_in(dir, a_name, b_name);
}

/* The CSV rows of a log from step `from` on, concatenated (seconds dropped). */
static void csv_rows_from(const char *name, int from, char *out, size_t n)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "r");
    out[0] = 0;
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        int step = atoi(line);
        char *rest = strchr(line, ',');
        if (step < from || !rest || !(rest = strchr(rest + 1, ','))) continue;
        strncat(out, line, strcspn(line, ",") + 1);
        strncat(out, rest, n - strlen(out) - 1);
    }
    fclose(f);
}

static void test_save_and_resume(void)
{
    CHECK(train("straight", "--steps 20") == 0);
    CHECK(train("split", "--steps 10") == 0);
    char resume[1200];
    snprintf(resume, sizeof resume, "--steps 20 --resume '%s/split.ckpt'", dir);
    CHECK(train("split", resume) == 0);
    CHECK_MSG(same_tensors("straight", "split"), "10 + 10 steps differ from 20 steps");
    static char a[65536], b[65536];
    csv_rows_from("straight", 11, a, sizeof a);
    csv_rows_from("split", 11, b, sizeof b);
    CHECK(strlen(a) > 0);
    CHECK_MSG(strcmp(a, b) == 0, "logged losses differ:\n%s\nvs\n%s", a, b);
}

/* The lr column of the train row at a step (the rate of that step's update). */
static double logged_lr(const char *name, int step)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "r");
    double lr = NAN;
    while (f && fgets(line, sizeof line, f)) {
        if (atoi(line) != step || !strstr(line, ",train,")) continue;
        const char *p = line;
        for (int c = 0; c < 8 && p; c++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        if (p) lr = atof(p);
    }
    if (f) fclose(f);
    return lr;
}

static void test_lr_schedule(void)
{
    const char *sched = "--lr-decay 0.9 --lr-min 1e-4";
    char args[1400];
    snprintf(args, sizeof args, "--steps 20 %s", sched);
    CHECK(train("sched_straight", args) == 0);
    snprintf(args, sizeof args, "--steps 10 %s", sched);
    CHECK(train("sched_split", args) == 0);
    snprintf(args, sizeof args, "--steps 20 --resume '%s/sched_split.ckpt'", dir);
    CHECK(train("sched_split", args) == 0);
    CHECK_MSG(same_tensors("sched_straight", "sched_split"),
              "a resumed run did not keep its learning-rate schedule");
    for (int step = 5; step <= 20; step += 5) {
        const double want = (1e-3 - 1e-4) * pow(0.9, step - 1) + 1e-4;
        const double got = logged_lr("sched_split", step);
        CHECK_MSG(fabs(got - want) <= 1e-6 * want, "step %d: lr %g, the schedule says %g", step,
                  got, want);
    }
    snprintf(args, sizeof args, "--steps 30 --resume '%s/sched_split.ckpt' --lr-decay 0.5", dir);
    CHECK_MSG(train("sched_split", args) == 2, "--lr-decay with --resume should be refused");
    CHECK(train("sched_bad", "--steps 1 --lr-decay 1.5") == 2);
}

static void test_kill_and_resume(void)
{
    const char *steps = "400";
    char straight_args[64];
    snprintf(straight_args, sizeof straight_args, "--steps %s", steps);
    CHECK(train("long", straight_args) == 0);

    char ckpt[1024];
    snprintf(ckpt, sizeof ckpt, "%s/killed.ckpt", dir);
    unlink(ckpt);
    pid_t pid = fork();
    if (pid == 0) {
        char out[1024], log[1024];
        snprintf(out, sizeof out, "%s/killed.mvae", dir);
        snprintf(log, sizeof log, "%s/log.txt", dir);
        freopen(log, "a", stderr);
        execl(exe, exe, "train", corpus, "-o", out, "--config", "tiny", "--batch", "8",
              "--eval-every", "5", "--eval-windows", "8", "--checkpoint-every", "5",
              "--sample-every", "0", "--seed", "3", "--sampling-rate", "3", "--steps", steps,
              (char *)NULL);
        _exit(127);
    }
    /* kill as soon as the first checkpoint is there */
    struct timespec nap = {0, 2000000};
    for (int i = 0; i < 30000 && access(ckpt, F_OK) != 0; i++) nanosleep(&nap, NULL);
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 3,
              "the killed run should stop on the signal with status 3 (got %d)",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    char resume[1200];
    snprintf(resume, sizeof resume, "--steps %s --resume '%s'", steps, ckpt);
    CHECK(train("killed", resume) == 0);
    CHECK_MSG(same_tensors("long", "killed"), "killed + resumed differs from straight");
}

/* A run whose loss blows up stops with a message, writes no model, and keeps
 * its last checkpoint of a finite loss. */
static void test_nan_stops(void)
{
    char path[1200], log[1200];
    snprintf(path, sizeof path, "%s/nan.ckpt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/nan.mvae", dir);
    unlink(path);
    CHECK(train("nan", "--steps 50 --lr 1e30 --checkpoint-every 1") == 1);
    CHECK_MSG(access(path, F_OK) != 0, "a run that went NaN must not write %s", path);
    snprintf(log, sizeof log, "%s/log.txt", dir);
    FILE *f = fopen(log, "r");
    int said = 0;
    char line[2048];
    while (f && fgets(line, sizeof line, f)) said |= strstr(line, "NaN or infinite") != NULL;
    if (f) fclose(f);
    CHECK_MSG(said, "no NaN message in %s", log);
    snprintf(path, sizeof path, "%s/nan.ckpt", dir);
    CHECK_MSG(access(path, F_OK) == 0, "the last good checkpoint %s is gone", path);
}

/* Configurations: a file of key = value lines trains; a model that does not
 * fit the corpus and a malformed file are refused with a message saying so. */
static void test_configs(void)
{
    char cfg[1200], cmd[4096];
    snprintf(cfg, sizeof cfg, "%s/small.cfg", dir);
    FILE *f = fopen(cfg, "w");
    fprintf(f, "# a comment\nbase = tiny\nz_size = 8\ndec_layers = 1\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "--steps 2 --config '%s'", cfg);
    CHECK(train("from-file", cmd) == 0);
    char path[1200], err[512];
    snprintf(path, sizeof path, "%s/from-file.mvae", dir);
    mv_weights *w = NULL;
    CHECK_MSG(weights_read(path, &w, err, sizeof err) == 0, "%s", err);
    if (w) {
        CHECK(weights_hparams(w)->z_size == 8 && weights_hparams(w)->dec_layers == 1);
        weights_free(w);
    }
    CHECK(train("drums-on-melody", "--steps 2 --config drums_2bar") == 1);
    f = fopen(cfg, "w");
    fprintf(f, "base = tiny\nz_size: 8\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "--steps 2 --config '%s'", cfg);
    CHECK(train("bad-file", cmd) == 1);
    snprintf(path, sizeof path, "%s/log.txt", dir);
    f = fopen(path, "r");
    int said_fit = 0, said_line = 0;
    char line[2048];
    while (f && fgets(line, sizeof line, f)) {
        said_fit |= strstr(line, "choose a --config that fits the corpus") != NULL;
        said_line |= strstr(line, "small.cfg:2: expected 'key = value'") != NULL;
    }
    if (f) fclose(f);
    CHECK_MSG(said_fit, "no message about the config not fitting the corpus");
    CHECK_MSG(said_line, "no message naming the bad line of the config file");
}

/* A KL weight so large that the posterior collapses draws the warning. */
static void test_collapse_warning(void)
{
    char log[1200], line[2048];
    snprintf(log, sizeof log, "%s/log.txt", dir);
    unlink(log);
    CHECK(train("collapsed", "--steps 60 --beta 100 --free-bits 0 --lr 3e-3") == 0);
    FILE *f = fopen(log, "r");
    int warned = 0;
    while (f && fgets(line, sizeof line, f))
        warned |= strstr(line, "posterior may have collapsed") != NULL;
    if (f) fclose(f);
    CHECK_MSG(warned, "no posterior-collapse warning in %s", log);
}

static double meta_f32(const mv_weights *w, const char *key)
{
    const mv_meta *m = weights_meta(w, key);
    return m && m->type == MV_META_F32 ? (double)((const float *)m->data)[0] : NAN;
}

/* `morphvae eval` (core's decoder) on the valid split reports the accuracies and
 * KL the trainer's own final validation stored in the model, on the same windows. */
static void test_eval_agrees(void)
{
    CHECK(train("evaluated", "--steps 30 --eval-windows 1000") == 0);
    char cmd[4096], out_path[1200], model[1200], err[512];
    snprintf(model, sizeof model, "%s/evaluated.mvae", dir);
    snprintf(out_path, sizeof out_path, "%s/eval.txt", dir);
    snprintf(cmd, sizeof cmd, "'%s' eval '%s' '%s' --split valid > '%s'", exe, model, corpus,
             out_path);
    CHECK(run_command(cmd) == 0);
    double tf = NAN, sampled = NAN, kl = NAN, recon = NAN;
    FILE *f = fopen(out_path, "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "accuracy teacher-forced %lf", &tf);
        sscanf(line, "accuracy sampled %lf", &sampled);
        sscanf(line, "KL %lf", &kl);
        sscanf(line, "recon %lf", &recon);
    }
    if (f) fclose(f);
    mv_weights *w = NULL;
    CHECK_MSG(weights_read(model, &w, err, sizeof err) == 0, "%s", err);
    if (!w) return;
    CHECK_MSG(fabs(tf - meta_f32(w, "metric.valid.acc_tf")) < 1e-3, "teacher-forced %g vs %g",
              tf, meta_f32(w, "metric.valid.acc_tf"));
    CHECK_MSG(fabs(sampled - meta_f32(w, "metric.valid.acc_sampled")) < 1e-3,
              "sampled %g vs %g", sampled, meta_f32(w, "metric.valid.acc_sampled"));
    CHECK_CLOSE(kl, meta_f32(w, "metric.valid.kl"), 1e-3);
    CHECK_CLOSE(recon, meta_f32(w, "metric.valid.recon"), 1e-3);
    const mv_meta *steps = weights_meta(w, "train.steps");
    CHECK(steps && steps->type == MV_META_I64 && ((const int64_t *)steps->data)[0] == 30);
    weights_free(w);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MORPHVAE WORKDIR\n", argv[0]);
        return 2;
    }
    exe = argv[1];
    dir = test_work_dir(argv[2], "train-resume");
    snprintf(corpus, sizeof corpus, "%s/corpus.bin", dir);
    CHECK(write_synthetic_melody_corpus(corpus, 200, 16) == 0);
    test_save_and_resume();
    test_lr_schedule();
    test_kill_and_resume();
    test_nan_stops();
    test_configs();
    test_eval_agrees();
    test_collapse_warning();
    return check_report();
}
