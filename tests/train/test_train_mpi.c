/* Data-parallel training over MPI (mpirun --oversubscribe): N processes that
 * share every batch train the model one process trains.
 * - 2 processes x 4 sequences and 3 x (2, 3, 3) against 1 x 8, 20 steps, with
 *   scheduled sampling and word dropout: the logged losses (train and sharded
 *   validation) within 1e-4 relative, step by step.
 * - A checkpoint of a 2-process run resumes with 2 processes bit-exactly, and
 *   with 1 process near the one-process run.
 * - SIGUSR1 to mpirun stops every process at the same step with a checkpoint.
 * - A process that fails (process 0 cannot write its log while process 1 goes
 *   on) ends the job with MPI_Abort and a message, never a hang.
 * usage: test_train_mpi MORPHVAE MPIRUN WORKDIR [--sanitized]
 * --sanitized (the sanitizer builds, where every mpirun start costs seconds):
 * the equivalence and the failing process only; the checkpoint and signal
 * parts are the release build's, their single-process paths sanitized by
 * train_resume and train_checkpoint. */
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "train_test_util.h"
#include "weights.h"

static const char *exe, *mpirun, *dir;
static char corpus[1100];

#define COMMON                                                                          \
    "--config tiny --batch 8 --eval-every 1 --eval-windows 10 --checkpoint-every 10 " \
    "--sample-every 0 --seed 3 --sampling-rate 3 --word-dropout 0.2"

/* The launcher prefix for n processes ("" for one process without MPI). */
static void launcher(int n, char *out, size_t len)
{
    if (n == 0) {
        out[0] = 0;
        return;
    }
    /* more processes than free cores here: yield the core while waiting */
    snprintf(out, len, "'%s' --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 %s -np %d ",
             mpirun, geteuid() == 0 ? "--allow-run-as-root" : "", n);
}

static int log_says(const char *name, const char *text, int first_line);

/* Trains NAME with n processes (0: one process, no launcher); stderr to NAME.log,
 * which must hold no sanitizer report (UBSan goes on after one). */
static int train(int n, const char *name, const char *extra)
{
    char cmd[4096], pre[1200];
    launcher(n, pre, sizeof pre);
    snprintf(cmd, sizeof cmd, "%s'%s' train '%s' -o '%s/%s.mvae' " COMMON " %s 2>'%s/%s.log'",
             pre, exe, corpus, dir, name, extra, dir, name);
    int status = run_command(cmd);
    CHECK_MSG(!log_says(name, "runtime error", 0) && !log_says(name, "Sanitizer", 0),
              "a sanitizer report in %s/%s.log", dir, name);
    return status;
}

typedef struct csv_row {
    int step;
    char split[8];
    double recon, kl, acc, loss;
} csv_row;

/* The rows of NAME.csv; returns their count. */
static int read_csv(const char *name, csv_row *rows, int max)
{
    char path[1200], line[1024];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "r");
    int n = 0;
    if (!f) return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        csv_row *r = &rows[n];
        double seconds, elbo;
        if (sscanf(line, "%d,%lf,%7[a-z],%lf,%lf,%lf,%lf", &r->step, &seconds, r->split,
                   &r->recon, &r->kl, &elbo, &r->acc) != 7)
            continue; /* the header */
        const char *loss = line; /* after the tenth comma */
        for (int c = 0; c < 10 && loss; c++)
            if ((loss = strchr(loss, ','))) loss++;
        r->loss = loss ? atof(loss) : NAN;
        n++;
    }
    fclose(f);
    return n;
}

static double rel(double a, double b)
{
    return fabs(a - b) / fmax(1e-12, fabs(b));
}

/* NAME's rows from step `from` on match REF's within 1e-4 relative (losses) and
 * 0.01 (accuracies, which move in steps of 1/320 if one argmax flips). */
static void check_same_run(const char *name, const char *ref, int from)
{
    static csv_row a[256], b[256];
    int na = read_csv(name, a, 256), nb = read_csv(ref, b, 256), compared = 0;
    double worst = 0;
    for (int i = 0; i < na; i++) {
        if (a[i].step < from) continue;
        int j = 0;
        while (j < nb && !(b[j].step == a[i].step && !strcmp(b[j].split, a[i].split))) j++;
        CHECK_MSG(j < nb, "%s: step %d %s has no row in %s", name, a[i].step, a[i].split, ref);
        if (j == nb) continue;
        double e = fmax(fmax(rel(a[i].recon, b[j].recon), rel(a[i].kl, b[j].kl)),
                        rel(a[i].loss, b[j].loss));
        worst = fmax(worst, e);
        CHECK_MSG(e < 1e-4, "%s step %d %s: recon %.6f kl %.6f loss %.6f vs %s's %.6f %.6f %.6f",
                  name, a[i].step, a[i].split, a[i].recon, a[i].kl, a[i].loss, ref, b[j].recon,
                  b[j].kl, b[j].loss);
        CHECK_MSG(fabs(a[i].acc - b[j].acc) <= 0.01, "%s step %d %s: accuracy %.4f vs %.4f",
                  name, a[i].step, a[i].split, a[i].acc, b[j].acc);
        compared++;
    }
    CHECK_MSG(compared >= 2 * (20 - from + 1), "%s: %d rows compared with %s", name, compared,
              ref);
    printf("%s vs %s from step %d: %d rows, largest relative difference %.2g\n", name, ref, from,
           compared, worst);
}

static int same_tensors(const char *a_name, const char *b_name)
{
    return same_tensors_in(dir, a_name, b_name);
}

/* 1 if NAME.log holds text (on its first line if first_line). */
static int log_says(const char *name, const char *text, int first_line)
{
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/%s.log", dir, name);
    FILE *f = fopen(path, "r");
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        found = strstr(line, text) != NULL;
        if (first_line) break;
    }
    if (f) fclose(f);
    return found;
}

static void test_equivalence(void)
{
    CHECK(train(0, "one", "--steps 20") == 0);
    CHECK(train(2, "two", "--steps 20") == 0);
    CHECK(train(3, "three", "--steps 20") == 0);
    CHECK_MSG(log_says("two", "2 processes (MPI)", 1), "the first line names the processes");
    CHECK_MSG(log_says("one", "1 process,", 1), "the first line names the processes");
    check_same_run("two", "one", 1);
    check_same_run("three", "one", 1);
}

static void test_resume_across_process_counts(void)
{
    char resume[1400];
    CHECK(train(2, "two_half", "--steps 10") == 0);
    snprintf(resume, sizeof resume, "--steps 20 --resume '%s/two_half.ckpt'", dir);
    CHECK(train(2, "two_then_two", resume) == 0);
    CHECK_MSG(same_tensors("two_then_two", "two"),
              "2 processes: 10 steps + resume 10 differ from 20 steps");
    CHECK(train(0, "two_then_one", resume) == 0);
    check_same_run("two_then_one", "one", 11);
}

/* SIGUSR1 to mpirun (which forwards it) during a run that would go on for
 * long: every process stops at one step N, the checkpoint is written, and
 * resuming it to N + 10 reaches a straight run of N + 10 steps bit for bit. */
static void test_signal_stop(void)
{
    char ckpt[1200], log[1200], pre[1200], cmd[4096];
    snprintf(ckpt, sizeof ckpt, "%s/stopped.ckpt", dir);
    unlink(ckpt);
    launcher(2, pre, sizeof pre);
    snprintf(log, sizeof log, "%s/stopped.log", dir);
    snprintf(cmd, sizeof cmd,
             "exec %s'%s' train '%s' -o '%s/stopped.mvae' " COMMON
             " --steps 1000000 --eval-every 20 --checkpoint-every 20 2>'%s'",
             pre, exe, corpus, dir, log);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    struct timespec nap = {0, 2000000};
    for (int i = 0; i < 60000 && access(ckpt, F_OK) != 0; i++) nanosleep(&nap, NULL);
    kill(pid, SIGUSR1);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 3,
              "a run stopped by SIGUSR1 should end with status 3 (got %d)",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    long stop_step = -1;
    char line[4096];
    FILE *f = fopen(log, "r");
    while (f && fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "stopped by a signal at step ");
        if (at) stop_step = atol(at + strlen("stopped by a signal at step "));
    }
    if (f) fclose(f);
    CHECK_MSG(stop_step >= 20, "no stop message with its step in %s", log);
    if (stop_step < 20) return;
    char args[1400];
    snprintf(args, sizeof args, "--steps %ld", stop_step + 10);
    CHECK(train(2, "straight", args) == 0);
    snprintf(args, sizeof args, "--steps %ld --resume '%s'", stop_step + 10, ckpt);
    CHECK(train(2, "stopped", args) == 0);
    CHECK_MSG(same_tensors("stopped", "straight"), "stopped + resumed differs from straight");
    printf("stopped by SIGUSR1 at step %ld, resumed to %ld: same tensors as straight\n",
           stop_step, stop_step + 10);
}

/* Process 0 cannot open its log; process 1 has nothing wrong and would wait for
 * it in the first sum of gradients: MPI_Abort must end both. */
static void test_failing_process_ends_the_job(void)
{
    char pre[1200], cmd[4096];
    launcher(2, pre, sizeof pre);
    snprintf(cmd, sizeof cmd,
             "timeout 120 %s'%s' train '%s' -o '%s/no/such/folder/m.mvae' " COMMON
             " --steps 20 2>'%s/fail.log'",
             pre, exe, corpus, dir, dir);
    int st = run_command(cmd);
    CHECK_MSG(st != 0 && st != 124, "a failing process should end the job (status %d)", st);
    CHECK_MSG(log_says("fail", "cannot write the log", 0), "no message naming the problem");
    CHECK_MSG(log_says("fail", "ending all 2 processes", 0), "no message that the job ends");
}

int main(int argc, char **argv)
{
    const bool sanitized = argc == 5 && !strcmp(argv[4], "--sanitized");
    if (argc != 4 && !sanitized) {
        fprintf(stderr, "usage: test_train_mpi MORPHVAE MPIRUN WORKDIR [--sanitized]\n");
        return 2;
    }
    exe = argv[1];
    mpirun = argv[2];
    static char work[1024]; /* a folder of its own: other tests use the same names */
    snprintf(work, sizeof work, "%s/mpi_test", argv[3]);
    char clean[1200]; /* resumed runs append to their logs: start from none */
    snprintf(clean, sizeof clean, "rm -rf '%s'", work);
    CHECK(run_command(clean) == 0);
    mkdir(work, 0777);
    dir = work;
    snprintf(corpus, sizeof corpus, "%s/mpi_corpus.bin", dir);
    CHECK(write_synthetic_melody_corpus(corpus, 200, 40) == 0);
    test_equivalence();
    if (!sanitized) {
        test_resume_across_process_counts();
        test_signal_stop();
    }
    test_failing_process_ends_the_job();
    return check_report();
}
