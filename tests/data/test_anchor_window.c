/* An anchor is a training window: the plugin's anchor-file path
 * (plugin/anchor_file.c, through the engine) picks exactly the tokens that
 * `morphvae data` writes as the file's first window, for a POP909 melody and a
 * drum file; and an anchor path that is a FIFO or a folder is refused at once
 * with what it is.
 * usage: test_anchor_window MELODY_MODEL MELODY_MID MELODY_CORPUS
 *                           DRUM_MODEL DRUM_MID DRUM_CORPUS WORK_DIR
 * (the corpora are written by `morphvae data` from the MIDI files, see
 * meson.build) */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "corpus.h"
#include "engine.h"

/* The first window `morphvae data` kept for the file: window 0 of the one split
 * the file went to (windows are stored in the order extraction emits them). */
static const int32_t *first_corpus_window(const mv_corpus *c)
{
    for (int split = 0; split < MV_SPLITS; split++)
        if (corpus_count(c, split)) return corpus_window(c, split, 0);
    return NULL;
}

static void check_anchor_is_window(const char *model, const char *mid, const char *corpus_path)
{
    char err[600];
    mv_engine *e = engine_load(model, err, sizeof err);
    CHECK_MSG(e != NULL, "%s", err);
    mv_corpus *c = NULL;
    CHECK_MSG(corpus_open(corpus_path, &c, err, sizeof err) == 0, "%s", err);
    if (!e || !c) return;
    const int32_t *want = first_corpus_window(c);
    CHECK_MSG(want != NULL, "%s has no window", corpus_path);
    int seq_len = e->n_bars * e->steps_per_bar;
    CHECK((uint32_t)seq_len == corpus_seq_len(c) && e->repr == corpus_repr(c));
    float z[512];
    CHECK(e->z_size <= 512);
    CHECK_MSG(engine_encode_file(e, mid, z, err, sizeof err) == 0, "%s", err);
    if (want) {
        int same = memcmp(e->seq_tokens, want, (size_t)seq_len * sizeof *want) == 0, notes = 0;
        for (int s = 0; s < seq_len; s++) notes += want[s] > 1 || (e->repr != MV_REPR_MELODY && want[s]);
        CHECK_MSG(same, "%s: the anchor's tokens differ from the corpus's first window", mid);
        CHECK_MSG(notes > 0, "%s: the first window holds no note", mid);
        printf("%s: anchor = first training window (%d steps, %d with events)\n", mid, seq_len,
               notes);
    }
    corpus_close(c);
    engine_free(e);
}

static void check_not_regular_refused(const char *model, const char *work_dir)
{
    char err[600], fifo[1024], folder[1024];
    mv_engine *e = engine_load(model, err, sizeof err);
    CHECK_MSG(e != NULL, "%s", err);
    if (!e) return;
    snprintf(fifo, sizeof fifo, "%s/anchor_fifo.mid", work_dir);
    snprintf(folder, sizeof folder, "%s/anchor_folder.mid", work_dir);
    unlink(fifo);
    rmdir(folder);
    CHECK(mkfifo(fifo, 0600) == 0 && mkdir(folder, 0700) == 0);
    float z[512];
    /* Without O_NONBLOCK, opening a FIFO with no writer would block here. */
    CHECK(engine_encode_file(e, fifo, z, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, fifo) && strstr(err, "FIFO"), "%s", err);
    CHECK(engine_encode_file(e, folder, z, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, folder) && strstr(err, "a folder") && !strstr(err, "MiB"), "%s", err);
    unlink(fifo);
    rmdir(folder);
    engine_free(e);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: test_anchor_window MELODY_MODEL MELODY_MID MELODY_CORPUS "
                        "DRUM_MODEL DRUM_MID DRUM_CORPUS WORK_DIR\n");
        return 2;
    }
    check_anchor_is_window(argv[1], argv[2], argv[3]);
    check_anchor_is_window(argv[4], argv[5], argv[6]);
    check_not_regular_refused(argv[1], argv[7]);
    return check_report();
}
