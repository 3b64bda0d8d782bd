/* Helpers shared by the trainer tests that drive the `morphvae` binary. */
#ifndef MV_TRAIN_TEST_UTIL_H
#define MV_TRAIN_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "rng.h"
#include "weights.h"

/* A synthetic 2-bar melody corpus (90 classes from pitch 21): short scale runs
 * and repeated figures at random transpositions, n_train + n_valid windows. */
static inline int write_synthetic_melody_corpus_bars(const char *path, int n_train,
                                                     int n_valid, int n_bars)
{
    char err[512];
    mv_corpus_writer *w = corpus_writer_open(path, 0, 90, 21, n_bars, 16, err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    mv_rng r;
    rng_seed(&r, 77);
    int32_t tokens[4 * 16];
    if (n_bars < 1 || n_bars > 4) return -1;
    for (int i = 0; i < n_train + n_valid; i++) {
        int root = 40 + (int)(rng_u32(&r) % 24), step = 1 + (int)(rng_u32(&r) % 3);
        for (int t = 0; t < n_bars * 16; t++) {
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

/* The 2-bar synthetic corpus most tests train on. */
static inline int write_synthetic_melody_corpus(const char *path, int n_train, int n_valid)
{
    return write_synthetic_melody_corpus_bars(path, n_train, n_valid, 2);
}

/* BASE/NAME, created: a folder of the test's own (other tests use the same
 * file names). Returns the path, in a static buffer. */
static inline const char *test_work_dir(const char *base, const char *name)
{
    static char work[1024];
    snprintf(work, sizeof work, "%s/%s", base, name);
    mkdir(work, 0777);
    return work;
}

/* Runs a shell command; returns its exit status (-1 if it did not exit). */
static inline int run_command(const char *cmd)
{
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

/* 1 if the weights files dir/A.mvae and dir/B.mvae hold bit-identical tensors;
 * otherwise says on stderr which tensor differs or which file was unreadable. */
static inline int same_tensors_in(const char *dir, const char *a_name, const char *b_name)
{
    char a_path[1200], b_path[1200], err[512] = "";
    snprintf(a_path, sizeof a_path, "%s/%s.mvae", dir, a_name);
    snprintf(b_path, sizeof b_path, "%s/%s.mvae", dir, b_name);
    mv_weights *a = NULL, *b = NULL;
    int same = weights_read(a_path, &a, err, sizeof err) == 0 &&
               weights_read(b_path, &b, err, sizeof err) == 0 &&
               weights_tensor_count(a) == weights_tensor_count(b);
    for (size_t i = 0; same && i < weights_tensor_count(a); i++) {
        const mv_tensor *ta = weights_tensor_at(a, i), *tb = weights_tensor(b, ta->name);
        size_t n = ta->ndim == 2 ? ta->dims[0] * ta->dims[1] : ta->dims[0];
        same = tb && memcmp(ta->data, tb->data, n * sizeof(float)) == 0;
        if (!same) fprintf(stderr, "tensor %s differs\n", ta->name);
    }
    if (!same && (!a || !b)) fprintf(stderr, "%s\n", err);
    weights_free(a);
    weights_free(b);
    return same;
}

#endif
