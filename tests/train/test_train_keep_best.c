/* `morphvae train --keep-best [elbo|onsets]` writes RUN.best.mvae at the
 * validation that scored best by its criterion, and only then:
 * - onsets: the best model is that of the validation whose CSV row has the
 *   highest onset_f1_sampled (the first of equals), and records that F1;
 * - elbo: that of the highest valid ELBO (the same run, seed and data);
 * - every valid row's onset F1s are fractions.
 * usage: test_train_keep_best MORPHVAE WORKDIR */
#include <math.h>
#include <unistd.h>

#include "check.h"
#include "train_test_util.h"
#include "weights.h"

enum { STEPS = 300, EVERY = 10, ROWS = STEPS / EVERY };

static const char *exe, *dir;
static char corpus[1100];

/* valid rows in order: elbo and onset_f1_sampled (columns 6 and 15 of the CSV) */
static int read_valid(const char *name, double elbo[ROWS], double f1[ROWS])
{
    char path[1200], line[1024];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, ",valid,")) continue;
        double col[16];
        int n = 0;
        for (char *p = line; p && n < 16; n++, p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
            col[n] = atof(p);
        if (n < 15 || rows == ROWS || (int)col[0] != (rows + 1) * EVERY) continue;
        elbo[rows] = col[5];
        f1[rows] = col[14];
        CHECK_MSG(col[13] >= 0 && col[13] <= 1 && f1[rows] >= 0 && f1[rows] <= 1,
                  "onset F1 outside [0, 1] in %s", line);
        rows++;
    }
    fclose(f);
    return rows;
}

/* the step of the first row with the highest value */
static int best_step(const double v[ROWS])
{
    int best = 0;
    for (int i = 1; i < ROWS; i++)
        if (v[i] > v[best]) best = i;
    return (best + 1) * EVERY;
}

/* trains NAME with --keep-best CRITERION; the step and F1 its best model records */
static void train_keeping(const char *name, const char *criterion, double *steps, double *f1)
{
    char cmd[4096], path[1200], err[512];
    snprintf(cmd, sizeof cmd,
             "'%s' train '%s' -o '%s/%s.mvae' --config tiny --seed 5 --steps %d --lr 1e-2 "
             "--batch 8 --eval-every %d --eval-windows 16 --sample-every 0 --keep-best %s "
             "2>'%s/%s.log'",
             exe, corpus, dir, name, STEPS, EVERY, criterion, dir, name);
    CHECK_MSG(run_command(cmd) == 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/%s.best.mvae", dir, name);
    mv_weights *w = NULL;
    CHECK_MSG(weights_read(path, &w, err, sizeof err) == 0, "%s", err);
    const mv_meta *s = w ? weights_meta(w, "train.steps") : NULL;
    const mv_meta *m = w ? weights_meta(w, "metric.valid.onset_f1_sampled") : NULL;
    *steps = s ? (double)*(const int64_t *)s->data : -1;
    *f1 = m ? *(const float *)m->data : NAN;
    weights_free(w);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_train_keep_best MORPHVAE WORKDIR\n");
        return 2;
    }
    exe = argv[1];
    dir = test_work_dir(argv[2], "keep_best_test");
    snprintf(corpus, sizeof corpus, "%s/corpus.bin", dir);
    CHECK(write_synthetic_melody_corpus(corpus, 64, 16) == 0);

    double elbo[ROWS], f1[ROWS], steps, kept_f1;
    train_keeping("onsets", "onsets", &steps, &kept_f1);
    CHECK_MSG(read_valid("onsets", elbo, f1) == ROWS, "want %d valid rows", ROWS);
    const int want = best_step(f1), i = want / EVERY - 1;
    CHECK_MSG(f1[i] > 0.02, "the best onset F1 is %g: the run learnt no onsets to choose by", f1[i]);
    CHECK_MSG(steps == want && fabs(kept_f1 - f1[i]) < 1e-6,
              "--keep-best onsets kept step %g (F1 %g); the best onset F1 is step %d's, %g", steps,
              kept_f1, want, f1[i]);
    printf("onsets: kept step %d of %d, onset F1 sampled %.4f (last %.4f)\n", want, STEPS, f1[i],
           f1[ROWS - 1]);

    const int want_elbo = best_step(elbo);
    train_keeping("elbo", "elbo", &steps, &kept_f1);
    CHECK_MSG(steps == want_elbo, "--keep-best elbo kept step %g; the best ELBO is step %d's",
              steps, want_elbo);
    printf("elbo: kept step %d (ELBO %.3f); the onset criterion kept step %d\n", want_elbo,
           elbo[want_elbo / EVERY - 1], want);
    return check_report();
}
