/* Where a run's files go and what it says (issue 26): `--run-dir DIR` creates
 * DIR and its missing parents (as `sample -o` creates its folder) and puts the
 * checkpoint and CSV log there; a file in the way is refused with its name;
 * `--resume CKPT` says which checkpoint it resumed and at which step.
 * usage: test_train_run_dir MORPHVAE WORKDIR */
#include <unistd.h>

#include "check.h"
#include "train_test_util.h"

static const char *exe, *dir;
static char corpus[1100];

/* Runs `morphvae train CORPUS -o DIR/NAME.mvae EXTRA` (tiny model), stderr to
 * DIR/NAME.log; returns the exit status. */
static int train(const char *name, const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' train '%s' -o '%s/%s.mvae' --config tiny --batch 8 --eval-every 2 "
             "--eval-windows 8 --checkpoint-every 2 --sample-every 0 --seed 3 %s "
             ">/dev/null 2>'%s/%s.log'",
             exe, corpus, dir, name, extra, dir, name);
    return run_command(cmd);
}

/* The text of DIR/NAME.log (static buffer). */
static const char *log_of(const char *name)
{
    static char text[65536];
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.log", dir, name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = 0;
    if (f) fclose(f);
    return text;
}

static int exists(const char *a, const char *b)
{
    char path[2400];
    snprintf(path, sizeof path, "%s/%s", a, b);
    return access(path, F_OK) == 0;
}

static void test_run_dir_created(void)
{
    char run_dir[1200], extra[1400];
    snprintf(run_dir, sizeof run_dir, "%s/runs/deeper/mel", dir);
    char rm[1300];
    snprintf(rm, sizeof rm, "rm -rf '%s/runs'", dir); /* from an earlier run of this test */
    CHECK(run_command(rm) == 0);
    snprintf(extra, sizeof extra, "--steps 2 --run-dir '%s'", run_dir);
    CHECK_MSG(train("rd", extra) == 0, "%s", log_of("rd"));
    CHECK_MSG(exists(run_dir, "rd.csv"), "no rd.csv in %s", run_dir);
    CHECK_MSG(exists(run_dir, "rd.ckpt"), "no rd.ckpt in %s", run_dir);
    CHECK(exists(dir, "rd.mvae"));
    /* again, into the folder that now exists */
    CHECK_MSG(train("rd", extra) == 0, "%s", log_of("rd"));

    /* a plain file where a parent folder should be: refused, naming it */
    char file[1200];
    snprintf(file, sizeof file, "%s/not-a-folder", dir);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    snprintf(extra, sizeof extra, "--steps 2 --run-dir '%s/sub'", file);
    CHECK(train("rdbad", extra) != 0);
    const char *log = log_of("rdbad");
    CHECK_MSG(strstr(log, "not-a-folder") && strstr(log, "not a folder"), "%s", log);
}

static void test_resume_says_where(void)
{
    CHECK_MSG(train("rs", "--steps 4") == 0, "%s", log_of("rs"));
    char extra[1400], want[1400];
    snprintf(extra, sizeof extra, "--steps 6 --resume '%s/rs.ckpt'", dir);
    CHECK_MSG(train("rs", extra) == 0, "%s", log_of("rs"));
    snprintf(want, sizeof want, "resumed %s/rs.ckpt at step 4 of 6", dir);
    const char *log = log_of("rs");
    CHECK_MSG(strstr(log, want), "no '%s' in:\n%s", want, log);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MORPHVAE WORKDIR\n", argv[0]);
        return 2;
    }
    exe = argv[1];
    dir = test_work_dir(argv[2], "train-run-dir");
    snprintf(corpus, sizeof corpus, "%s/corpus.bin", dir);
    CHECK(write_synthetic_melody_corpus(corpus, 64, 16) == 0);
    test_run_dir_created();
    test_resume_says_where();
    return check_report();
}
