/* Corpus file: write -> open round trip for token, roll and groove corpora, and
 * damaged files refused with a message naming the file and the problem.
 * usage: test_corpus SCRATCH_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checksum.h"
#include "corpus.h"
#include "groove.h"
#include "hparams.h"

#define HEADER_BYTES 128
#define OFFSET_VERSION 8
#define OFFSET_CLASSES 20
#define OFFSET_COUNT0 48
#define OFFSET_TOKENS 72
#define OFFSET_CHECKSUM 120
#define OFFSET_FLAGS 124

static char path[1024];

static void fill_window(int32_t *t, int seq_len, int k)
{
    for (int s = 0; s < seq_len; s++) t[s] = (k * 7 + s) % 90;
}

static void write_melody_corpus(void)
{
    char err[300];
    mv_corpus_writer *w = corpus_writer_open(path, MV_REPR_MELODY, 90, 21, 2, 16, err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    if (!w) return;
    int32_t t[32];
    /* 5 train windows from two files, 2 valid, 0 test; added out of split order */
    for (int k = 0; k < 7; k++) {
        fill_window(t, 32, k);
        int split = k == 2 || k == 5 ? MV_SPLIT_VALID : MV_SPLIT_TRAIN;
        const char *src = k < 3 ? "songs/a.mid" : "songs/b.mid";
        CHECK(corpus_writer_add(w, split, t, src, (uint32_t)k, k % 3 - 1) == 0);
    }
    CHECK(corpus_writer_add(w, 3, t, "x", 0, 0) == -1); /* no such split */
    CHECK_MSG(corpus_writer_close(w, err, sizeof err) == 0, "%s", err);
}

static void test_round_trip(void)
{
    write_melody_corpus();
    mv_corpus *c;
    char err[300];
    CHECK_MSG(corpus_open(path, &c, err, sizeof err) == 0, "%s", err);
    if (!c) return;
    CHECK(corpus_repr(c) == MV_REPR_MELODY && corpus_n_classes(c) == 90);
    CHECK(corpus_min_pitch(c) == 21 && corpus_n_bars(c) == 2 && corpus_steps_per_bar(c) == 16);
    CHECK(corpus_seq_len(c) == 32);
    CHECK(corpus_count(c, MV_SPLIT_TRAIN) == 5 && corpus_count(c, MV_SPLIT_VALID) == 2);
    CHECK(corpus_count(c, MV_SPLIT_TEST) == 0 && corpus_count(c, 7) == 0);
    int train_k[] = {0, 1, 3, 4, 6}, valid_k[] = {2, 5};
    for (int i = 0; i < 7; i++) {
        int split = i < 5 ? MV_SPLIT_TRAIN : MV_SPLIT_VALID;
        int idx = i < 5 ? i : i - 5, k = i < 5 ? train_k[i] : valid_k[i - 5];
        int32_t want[32];
        fill_window(want, 32, k);
        const int32_t *got = corpus_window(c, split, (uint64_t)idx);
        CHECK(got && memcmp(got, want, sizeof want) == 0);
        uint32_t bar;
        int32_t tr;
        const char *src = corpus_window_source(c, split, (uint64_t)idx, &bar, &tr);
        CHECK(src && !strcmp(src, k < 3 ? "songs/a.mid" : "songs/b.mid"));
        CHECK(bar == (uint32_t)k && tr == k % 3 - 1);
    }
    CHECK(corpus_window(c, MV_SPLIT_TRAIN, 5) == NULL);
    CHECK(corpus_window(c, MV_SPLIT_TEST, 0) == NULL);
    CHECK(corpus_roll_window(c, MV_SPLIT_TRAIN, 0) == NULL); /* not a roll corpus */
    corpus_close(c);
}

static void test_roll_round_trip(void)
{
    char err[300];
    mv_corpus_writer *w = corpus_writer_open(path, MV_REPR_ROLL, 176, 21, 1, 16, err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    if (!w) return;
    static uint8_t r[16 * 176];
    for (int i = 0; i < 16 * 176; i++) r[i] = (i * 13) % 5 == 0;
    CHECK(corpus_writer_add(w, MV_SPLIT_TEST, r, "chorale.mid", 3, 0) == 0);
    CHECK_MSG(corpus_writer_close(w, err, sizeof err) == 0, "%s", err);
    mv_corpus *c;
    CHECK_MSG(corpus_open(path, &c, err, sizeof err) == 0, "%s", err);
    if (!c) return;
    CHECK(corpus_count(c, MV_SPLIT_TEST) == 1 && corpus_window(c, MV_SPLIT_TEST, 0) == NULL);
    const uint8_t *got = corpus_roll_window(c, MV_SPLIT_TEST, 0);
    CHECK(got && memcmp(got, r, sizeof r) == 0);
    corpus_close(c);
}

/* A 2-bar groove window: kick on the beats on the grid at 100, a late snare on
 * 2 and 4, hats between, early and soft; every byte of the step layout used. */
static void fill_groove(uint8_t *w, int k)
{
    memset(w, 0, 32 * MV_GROOVE_STEP_BYTES);
    for (int s = 0; s < 32; s++) {
        uint8_t *step = w + s * MV_GROOVE_STEP_BYTES;
        int voice = s % 4 == 0 ? (s % 8 == 4 ? 1 : 0) : s % 2 == 0 ? 2 : -1;
        if (voice < 0) continue;
        step[MV_GROOVE_HIT + voice] = 1;
        step[MV_GROOVE_VELOCITY + voice] = (uint8_t)(voice == 0 ? 100 : voice == 1 ? 80 + k : 127);
        step[MV_GROOVE_OFFSET + voice] = (uint8_t)(int8_t)(voice == 0 ? 0 : voice == 1 ? 63 : -64);
    }
}

static void write_groove_corpus(void)
{
    char err[300];
    mv_corpus_writer *w =
        corpus_writer_open(path, MV_REPR_GROOVE, MV_GROOVE_STEP_BYTES, 0, 2, 16, err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    if (!w) return;
    static uint8_t g[32 * MV_GROOVE_STEP_BYTES];
    for (int k = 0; k < 3; k++) {
        fill_groove(g, k);
        CHECK(corpus_writer_add(w, k, g, "drummer1/1_funk_80_beat_4-4.mid", 2 * k, 0) == 0);
    }
    CHECK_MSG(corpus_writer_close(w, err, sizeof err) == 0, "%s", err);
}

/* Groove windows come back byte for byte through the byte-window accessors;
 * the shape is checked on writing and each step on reading. */
static void test_groove_round_trip(void)
{
    char err[300] = "";
    CHECK(corpus_writer_open(path, MV_REPR_GROOVE, 512, 0, 2, 16, err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "groove needs 27 classes"), "%s", err);
    write_groove_corpus();
    mv_corpus *c;
    CHECK_MSG(corpus_open(path, &c, err, sizeof err) == 0, "%s", err);
    if (!c) return;
    CHECK(corpus_repr(c) == MV_REPR_GROOVE && corpus_n_classes(c) == MV_GROOVE_STEP_BYTES);
    CHECK(corpus_seq_len(c) == 32 && corpus_min_pitch(c) == 0);
    static uint8_t want[32 * MV_GROOVE_STEP_BYTES];
    for (int k = 0; k < 3; k++) {
        fill_groove(want, k);
        CHECK(corpus_count(c, k) == 1);
        const uint8_t *got = corpus_byte_window(c, k, 0);
        CHECK(got && memcmp(got, want, sizeof want) == 0);
        CHECK(corpus_window_steps(c, k, 0) == got);
        CHECK(corpus_window(c, k, 0) == NULL && corpus_roll_window(c, k, 0) == NULL);
        uint32_t bar;
        CHECK(corpus_window_source(c, k, 0, &bar, NULL) && bar == (uint32_t)(2 * k));
    }
    CHECK(corpus_byte_window(c, MV_SPLIT_TRAIN, 1) == NULL);
    mv_hparams hp;
    CHECK(hparams_preset("groove_2bar", &hp) == 0);
    CHECK(corpus_fits_model(c, path, &hp, err, sizeof err) == 1);
    CHECK(hparams_preset("drums_2bar", &hp) == 0);
    CHECK(corpus_fits_model(c, path, &hp, err, sizeof err) == 0);
    corpus_close(c);
}

static unsigned char *slurp(size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n);
    if (b && fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void spit(const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b, 1, n, f) == n);
    if (f) fclose(f);
}

static void reseal(unsigned char *b, size_t n) /* a valid checksum over a changed payload */
{
    uint32_t sum = crc32_update(0, b + HEADER_BYTES, n - HEADER_BYTES);
    memcpy(b + OFFSET_CHECKSUM, &sum, 4);
}

static void expect_refused(const unsigned char *b, size_t n, const char *words)
{
    spit(b, n);
    mv_corpus *c = NULL;
    char err[300] = "";
    CHECK_MSG(corpus_open(path, &c, err, sizeof err) == -1, "accepted, expected '%s'", words);
    CHECK_MSG(strstr(err, words) && strstr(err, path), "'%s' lacks '%s' or the path", err, words);
    if (c) corpus_close(c);
}

static void test_damaged_files(void)
{
    write_melody_corpus();
    size_t n;
    unsigned char *good = slurp(&n), *b = malloc(n);
    CHECK(good && b);
    if (!good || !b) return;
    uint64_t tokens_at;
    memcpy(&tokens_at, good + OFFSET_TOKENS, 8);

    memcpy(b, good, n);
    b[0] = 'X';
    expect_refused(b, n, "bad magic");

    memcpy(b, good, n);
    b[OFFSET_VERSION] = 9;
    expect_refused(b, n, "version 9");

    memcpy(b, good, n);
    expect_refused(b, n - 3, "truncated");
    expect_refused(b, 40, "too short");

    memcpy(b, good, n);
    b[tokens_at + 5] ^= 0x40; /* one flipped bit in the tokens */
    expect_refused(b, n, "checksum mismatch");

    memcpy(b, good, n);
    b[OFFSET_COUNT0] = 200; /* more windows than the file holds */
    expect_refused(b, n, "offsets do not match");

    memcpy(b, good, n);
    memset(b + OFFSET_COUNT0, 0xff, 8); /* a count that would overflow sizes */
    expect_refused(b, n, "overflow");

    memcpy(b, good, n);
    int32_t bad = 90;
    memcpy(b + tokens_at + 4 * 3, &bad, 4);
    reseal(b, n);
    expect_refused(b, n, "token 90");

    memcpy(b, good, n);
    b[n - 1] = 'x'; /* the last source name loses its terminator */
    reseal(b, n);
    expect_refused(b, n, "not terminated");

    free(good);
    free(b);
}

/* A groove corpus whose steps break the layout, each resealed so that only
 * the step check can refuse it: the message names the window and step. */
static void test_damaged_groove(void)
{
    write_groove_corpus();
    size_t n;
    unsigned char *good = slurp(&n), *b = malloc(n);
    CHECK(good && b);
    if (!good || !b) return;
    uint64_t tokens_at;
    memcpy(&tokens_at, good + OFFSET_TOKENS, 8);
    const uint64_t window = 32 * MV_GROOVE_STEP_BYTES, step = MV_GROOVE_STEP_BYTES;
    const struct {
        uint64_t at;
        uint8_t value;
        const char *words;
    } cases[] = {
        {0 * window + 0 * step + MV_GROOVE_HIT + 0, 2, "groove window 0, step 0 is not"},
        {1 * window + 4 * step + MV_GROOVE_VELOCITY + 1, 0, "groove window 1, step 4 is not"},
        {1 * window + 4 * step + MV_GROOVE_VELOCITY + 1, 128, "groove window 1, step 4 is not"},
        {2 * window + 1 * step + MV_GROOVE_VELOCITY + 3, 64, "groove window 2, step 1 is not"},
        {2 * window + 3 * step + MV_GROOVE_OFFSET + 5, 1, "groove window 2, step 3 is not"},
        {0 * window + 31 * step + MV_GROOVE_OFFSET + 2, 64, "groove window 0, step 31 is not"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(b, good, n);
        b[tokens_at + cases[i].at] = cases[i].value;
        reseal(b, n);
        expect_refused(b, n, cases[i].words);
    }
    memcpy(b, good, n);
    b[OFFSET_CLASSES] = 28; /* header: not the groove step's size */
    expect_refused(b, n, "groove needs 27 classes");
    free(good);
    free(b);
}

/* A chord corpus (format version 2): each window's chords come back; a
 * window added without chords holds "no chord"; a corpus without chords is
 * still version 1 (flags 0) and has none; a chord id outside the vocabulary
 * and a version/flags mismatch are refused. */
static void test_chords(void)
{
    char err[300];
    mv_corpus_writer *w = corpus_writer_open(path, MV_REPR_MELODY, 90, 21, 2, 16, err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    if (!w) return;
    CHECK(corpus_writer_set_chords(w) == 0);
    int32_t t[32];
    uint8_t ch[32];
    for (int k = 0; k < 3; k++) {
        fill_window(t, 32, k);
        for (int s = 0; s < 32; s++) ch[s] = (uint8_t)((k * 11 + s) % 181);
        CHECK(corpus_writer_add_chords(w, k, t, k == 1 ? NULL : ch, "c.mid", 0, 0) == 0);
    }
    CHECK(corpus_writer_set_chords(w) == -1); /* too late: windows were added */
    CHECK_MSG(corpus_writer_close(w, err, sizeof err) == 0, "%s", err);
    mv_corpus *c;
    CHECK_MSG(corpus_open(path, &c, err, sizeof err) == 0, "%s", err);
    if (!c) return;
    for (int k = 0; k < 3; k++) {
        const uint8_t *got = corpus_window_chords(c, k, 0);
        CHECK(got != NULL);
        for (int s = 0; got && s < 32; s++)
            CHECK(got[s] == (k == 1 ? 0 : (uint8_t)((k * 11 + s) % 181)));
    }
    CHECK(corpus_window_chords(c, MV_SPLIT_TRAIN, 1) == NULL);
    corpus_close(c);

    size_t n;
    unsigned char *good = slurp(&n), *b = malloc(n);
    CHECK(good && b && good[OFFSET_VERSION] == 2 && good[OFFSET_FLAGS] == 1);
    if (good && b) {
        memcpy(b, good, n);
        b[n - 1] = 181; /* the test window's last chord */
        reseal(b, n);
        expect_refused(b, n, "chord 181");
        memcpy(b, good, n);
        b[OFFSET_FLAGS] = 0; /* version 2 says chords */
        reseal(b, n);
        expect_refused(b, n, "flags 0");
    }
    free(good);
    free(b);

    write_melody_corpus(); /* without chords: version 1, no chord section */
    good = slurp(&n);
    CHECK(good && good[OFFSET_VERSION] == 1 && good[OFFSET_FLAGS] == 0);
    free(good);
    CHECK(corpus_open(path, &c, err, sizeof err) == 0);
    if (c) CHECK(corpus_window_chords(c, MV_SPLIT_TRAIN, 0) == NULL);
    corpus_close(c);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_corpus SCRATCH_DIR\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/test_corpus.bin", argv[1]);
    test_round_trip();
    test_roll_round_trip();
    test_damaged_files();
    test_groove_round_trip();
    test_damaged_groove();
    test_chords();
    remove(path);
    return check_report();
}
