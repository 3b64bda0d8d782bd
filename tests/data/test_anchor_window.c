/* An anchor is a training window: the plugin's anchor-file path
 * (plugin/anchor_file.c, through the engine) picks exactly the tokens of the
 * first varied window (core/phrase_variety.h) among those `morphvae data`
 * writes for the file, else its first window, for a POP909 melody and a drum
 * file; of a file whose first two bars stutter on one pitch, the window of the
 * tune that follows (and of a file that only stutters, the stutter); and an
 * anchor path that is a FIFO or a folder is refused at once with what it is.
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
#include "phrase_variety.h"
#include "tokens.h"

/* The window an anchor should take of what `morphvae data` kept for the file
 * (all in one split, in the order extraction emits them): the first varied
 * one, else window 0. */
static const int32_t *anchor_corpus_window(const mv_corpus *c, const mv_hparams *hp)
{
    for (int split = 0; split < MV_SPLITS; split++) {
        uint64_t n = corpus_count(c, split);
        for (uint64_t i = 0; i < n; i++)
            if (phrase_is_varied(hp, corpus_window(c, split, i))) return corpus_window(c, split, i);
        if (n) return corpus_window(c, split, 0);
    }
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
    const mv_engine_info *info = engine_info(e);
    const int32_t *want = anchor_corpus_window(c, engine_hparams(e));
    CHECK_MSG(want != NULL, "%s has no window", corpus_path);
    int seq_len = info->n_bars * info->steps_per_bar;
    CHECK((uint32_t)seq_len == corpus_seq_len(c) && info->repr == corpus_repr(c));
    CHECK_MSG(engine_anchor_from_file(e, MV_SLOT_ANCHOR_A, mid, NULL, err, sizeof err) == 0, "%s",
              err);
    const int32_t *window = engine_anchor_window(e, MV_SLOT_ANCHOR_A);
    CHECK_MSG(window != NULL, "%s: the anchor keeps no window", mid);
    if (want && window) {
        int same = memcmp(window, want, (size_t)seq_len * sizeof *want) == 0, notes = 0;
        for (int s = 0; s < seq_len; s++) notes += want[s] > 1 || (info->repr != MV_REPR_MELODY && want[s]);
        CHECK_MSG(same, "%s: the anchor's tokens differ from the corpus's first varied window",
                  mid);
        CHECK_MSG(notes > 0, "%s: the window holds no note", mid);
        printf("%s: anchor = first varied training window (%d steps, %d with events)\n", mid,
               seq_len, notes);
    }
    corpus_close(c);
    engine_free(e);
}

/* Appends a variable-length quantity (MIDI delta time). */
static size_t put_vlq(uint8_t *p, uint32_t v)
{
    uint8_t tmp[5];
    int n = 0;
    do tmp[n++] = v & 0x7f, v >>= 7;
    while (v);
    for (int i = 0; i < n; i++) p[i] = tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0);
    return (size_t)n;
}

/* A format-0 MIDI file in 4/4 at 480 ticks a quarter: n notes one after
 * another, note i of pitch[i] lasting ticks[i]. */
static int write_notes_mid(const char *path, const uint8_t *pitch, const uint32_t *ticks, int n)
{
    static uint8_t track[8192];
    size_t len = 0;
    const uint8_t meter[] = {0x00, 0xff, 0x58, 0x04, 4, 2, 24, 8}; /* 4/4 */
    memcpy(track, meter, sizeof meter);
    len = sizeof meter;
    for (int i = 0; i < n; i++) {
        len += put_vlq(track + len, 0);
        track[len++] = 0x90, track[len++] = pitch[i], track[len++] = 100;
        len += put_vlq(track + len, ticks[i]);
        track[len++] = 0x80, track[len++] = pitch[i], track[len++] = 0;
    }
    const uint8_t end[] = {0x00, 0xff, 0x2f, 0x00};
    memcpy(track + len, end, sizeof end);
    len += sizeof end;
    const uint8_t head[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0,
                            'M', 'T', 'r', 'k', (uint8_t)(len >> 24), (uint8_t)(len >> 16),
                            (uint8_t)(len >> 8), (uint8_t)len};
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(head, 1, sizeof head, f) == sizeof head &&
             fwrite(track, 1, len, f) == len;
    if (f) ok = fclose(f) == 0 && ok;
    return ok ? 0 : -1;
}

/* Bars 1-2: eight quarter notes on C4 (one pitch, four note-ons in a row: not
 * varied, and neither is the window of bars 2-3); bars 3-4: a tune of eighths.
 * The anchor is bars 3-4, note for note. A file of the stutter alone gives the
 * stutter: a sparse phrase is still an anchor. */
static void check_skips_stutter(const char *model, const char *work_dir)
{
    char err[600], path[1024];
    mv_engine *e = engine_load(model, err, sizeof err);
    CHECK_MSG(e != NULL, "%s", err);
    if (!e) return;
    uint8_t pitch[24];
    uint32_t ticks[24];
    const uint8_t tune[16] = {60, 62, 64, 65, 67, 69, 67, 65, 64, 62, 64, 67, 72, 71, 69, 67};
    for (int i = 0; i < 24; i++) {
        pitch[i] = i < 8 ? 60 : tune[i - 8];
        ticks[i] = i < 8 ? 480 : 240;
    }
    snprintf(path, sizeof path, "%s/stutter_then_tune.mid", work_dir);
    CHECK(write_notes_mid(path, pitch, ticks, 24) == 0);
    const mv_engine_info *info = engine_info(e);
    mv_note notes[64];
    const int T = info->n_bars * info->steps_per_bar;
    uint32_t bar = 0;
    CHECK_MSG(engine_anchor_from_file(e, MV_SLOT_ANCHOR_B, path, &bar, err, sizeof err) == 0, "%s",
              err);
    const int32_t *window = engine_anchor_window(e, MV_SLOT_ANCHOR_B);
    CHECK(window != NULL);
    if (!window) return;
    int n = melody_to_notes(window, T, (int)info->min_pitch, (int)info->n_classes, 100, notes, 64);
    int same = n == 16;
    for (int i = 0; same && i < 16; i++) same = notes[i].pitch == tune[i] && notes[i].step == 2 * i;
    CHECK_MSG(same, "the anchor of %s is not the tune of bars 3-4 (%d notes, first pitch %d)",
              path, n, n ? notes[0].pitch : -1);
    CHECK_MSG(bar == 2, "the tune's window starts at bar 3, not %u", bar + 1);
    snprintf(path, sizeof path, "%s/stutter.mid", work_dir);
    CHECK(write_notes_mid(path, pitch, ticks, 8) == 0);
    CHECK_MSG(engine_anchor_from_file(e, MV_SLOT_ANCHOR_B, path, NULL, err, sizeof err) == 0, "%s",
              err);
    window = engine_anchor_window(e, MV_SLOT_ANCHOR_B);
    CHECK(window != NULL);
    if (!window) return;
    n = melody_to_notes(window, T, (int)info->min_pitch, (int)info->n_classes, 100, notes, 64);
    same = n == 8;
    for (int i = 0; same && i < 8; i++) same = notes[i].pitch == 60 && notes[i].step == 4 * i;
    CHECK_MSG(same, "the anchor of %s is not its stutter (%d notes)", path, n);
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
    /* Anchor A: a seed's z, no window. A refused file leaves both as they were. */
    const int z_size = engine_info(e)->z_size;
    float z[512];
    CHECK(z_size <= 512);
    engine_anchor_seed(e, MV_SLOT_ANCHOR_A, 7);
    memcpy(z, engine_anchor_z(e, MV_SLOT_ANCHOR_A), (size_t)z_size * sizeof *z);
    /* Without O_NONBLOCK, opening a FIFO with no writer would block here. */
    CHECK(engine_anchor_from_file(e, MV_SLOT_ANCHOR_A, fifo, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, fifo) && strstr(err, "FIFO"), "%s", err);
    CHECK(engine_anchor_from_file(e, MV_SLOT_ANCHOR_A, folder, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, folder) && strstr(err, "a folder") && !strstr(err, "MiB"), "%s", err);
    CHECK_MSG(!memcmp(z, engine_anchor_z(e, MV_SLOT_ANCHOR_A), (size_t)z_size * sizeof *z) &&
                  !engine_anchor_window(e, MV_SLOT_ANCHOR_A),
              "a refused file changed the anchor");
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
    check_skips_stutter(argv[1], argv[7]);
    check_not_regular_refused(argv[1], argv[7]);
    return check_report();
}
