/* Helpers shared by the trainer tests that drive the `morphvae` binary. */
#ifndef MV_TRAIN_TEST_UTIL_H
#define MV_TRAIN_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "rng.h"

/* A synthetic 2-bar melody corpus (90 classes from pitch 21): short scale runs
 * and repeated figures at random transpositions, n_train + n_valid windows. */
static inline int write_synthetic_melody_corpus(const char *path, int n_train, int n_valid)
{
    char err[512];
    mv_corpus_writer *w = corpus_writer_open(path, 0, 90, 21, 2, 16, err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    mv_rng r;
    rng_seed(&r, 77);
    int32_t tokens[32];
    for (int i = 0; i < n_train + n_valid; i++) {
        int root = 40 + (int)(rng_u32(&r) % 24), step = 1 + (int)(rng_u32(&r) % 3);
        for (int t = 0; t < 32; t++) {
            if (t % 2) tokens[t] = t % 8 == 7 ? 1 : 0; /* hold, and a note-off now and then */
            else tokens[t] = 2 + (root + step * ((t / 2) % 5)) - 21;
        }
        if (corpus_writer_add(w, i < n_train ? MV_SPLIT_TRAIN : MV_SPLIT_VALID, tokens,
                              "synthetic", 0, 0)) {
            fprintf(stderr, "corpus_writer_add failed\n");
            return -1;
        }
    }
    if (corpus_writer_close(w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* Runs a shell command; returns its exit status (-1 if it did not exit). */
static inline int run_command(const char *cmd)
{
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

#endif
