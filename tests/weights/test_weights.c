/* The weights file: round trip, every failure class of the reader, and the
 * writer's refusals and atomicity. Broken files are made from a good one by
 * splitting it into its sections (docs/weights-format.md), changing one thing
 * and joining it again with fresh checksums, so that each check is reached on
 * its own rather than hidden behind a checksum mismatch. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "checksum.h"
#include "model.h"
#include "sample_model.h"
#include "weights.h"

/* Byte offsets from docs/weights-format.md, written out independently of weights.c. */
#define HEADER 112
#define ENTRY 104
#define D_N_TENSORS 64
#define D_N_META 68
#define D_TABLE_SIZE 72
#define D_META_SIZE 80
#define D_PAYLOAD_OFFSET 88
#define D_PAYLOAD_SIZE 96
#define D_PAYLOAD_CRC 104
#define D_HEADER_CRC 108
#define E_DTYPE 64
#define E_NDIM 68
#define E_DIM0 72
#define E_DIM1 80
#define E_OFFSET 88
#define E_NBYTES 96
#define H_FIELD(i) (16 + 4 * (i))

static char tmpdir[256];
static sample_model model;
static unsigned char *good;
static size_t good_n;

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void in_tmp(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static int write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t k = fwrite(b, 1, n, f);
    return fclose(f) == 0 && k == n ? 0 : -1;
}

/* ---- file surgery ---- */

typedef struct {
    unsigned char head[HEADER];
    uint32_t n_tensors;
    unsigned char table[MV_MAX_TENSORS + 2][ENTRY];
    uint32_t n_meta;
    uint64_t meta_size;
    unsigned char meta[16384];
    uint64_t payload_size;
    unsigned char payload[1 << 20];
} parts;

typedef struct {
    unsigned char *b;
    size_t n;
} image;

static parts *split_good(void)
{
    parts *p = calloc(1, sizeof *p);
    memcpy(p->head, good, HEADER);
    p->n_tensors = get32(good + D_N_TENSORS);
    p->n_meta = get32(good + D_N_META);
    p->meta_size = get64(good + D_META_SIZE);
    p->payload_size = get64(good + D_PAYLOAD_SIZE);
    uint64_t table = get64(good + D_TABLE_SIZE), poff = get64(good + D_PAYLOAD_OFFSET);
    memcpy(p->table, good + HEADER, table);
    memcpy(p->meta, good + HEADER + table, p->meta_size);
    memcpy(p->payload, good + poff, p->payload_size);
    return p;
}

/* Recomputes both checksums from the directory in the image. */
static void seal(image *im)
{
    uint64_t poff = get64(im->b + D_PAYLOAD_OFFSET), psize = get64(im->b + D_PAYLOAD_SIZE);
    put32(im->b + D_PAYLOAD_CRC, crc32_update(0, im->b + poff, psize));
    uint32_t crc = crc32_update(0, im->b, D_HEADER_CRC);
    put32(im->b + D_HEADER_CRC, crc32_update(crc, im->b + HEADER, poff - HEADER));
}

/* Recomputes the header checksum only, over the good file's header span: for
 * directory fields whose new values make seal() meaningless. */
static void seal_header(image *im, uint64_t poff)
{
    uint32_t crc = crc32_update(0, im->b, D_HEADER_CRC);
    put32(im->b + D_HEADER_CRC, crc32_update(crc, im->b + HEADER, poff - HEADER));
}

static image join(const parts *p)
{
    uint64_t table = (uint64_t)p->n_tensors * ENTRY;
    uint64_t poff = (HEADER + table + p->meta_size + 63) / 64 * 64;
    image im = {calloc(1, poff + p->payload_size), poff + p->payload_size};
    memcpy(im.b, p->head, HEADER);
    put32(im.b + D_N_TENSORS, p->n_tensors);
    put32(im.b + D_N_META, p->n_meta);
    put64(im.b + D_TABLE_SIZE, table);
    put64(im.b + D_META_SIZE, p->meta_size);
    put64(im.b + D_PAYLOAD_OFFSET, poff);
    put64(im.b + D_PAYLOAD_SIZE, p->payload_size);
    memcpy(im.b + HEADER, p->table, table);
    memcpy(im.b + HEADER + table, p->meta, p->meta_size);
    memcpy(im.b + poff, p->payload, p->payload_size);
    seal(&im);
    return im;
}

static int entry_of(const parts *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_tensors; i++)
        if (!strcmp((const char *)p->table[i], name)) return (int)i;
    fprintf(stderr, "test bug: no tensor %s\n", name);
    abort();
}

static void set_name(parts *p, int i, const char *name)
{
    memset(p->table[i], 0, 64);
    memcpy(p->table[i], name, strlen(name));
}

static void meta_clear(parts *p)
{
    memset(p->meta, 0, sizeof p->meta);
    p->meta_size = 0;
    p->n_meta = 0;
}

static void meta_add(parts *p, const char *key, uint32_t key_len, uint32_t type, uint64_t count,
                     const void *data, uint64_t data_bytes)
{
    unsigned char *e = p->meta + p->meta_size;
    put32(e, key_len);
    put32(e + 4, type);
    put64(e + 8, count);
    memcpy(e + 16, key, key_len);
    uint64_t key_padded = (key_len + 7u) / 8 * 8;
    if (data_bytes) memcpy(e + 16 + key_padded, data, data_bytes);
    p->meta_size += 16 + key_padded + (data_bytes + 7) / 8 * 8;
    p->n_meta++;
}

static void expect_refused(const image *im, int code, const char *needle, const char *label)
{
    mv_weights *w = NULL;
    char err[512] = "";
    int rc = weights_read_mem(im->b, im->n, "broken.mvae", &w, err, sizeof err);
    printf("  %-28s -> %s\n", label, err);
    CHECK_MSG(rc == code, "%s: got %d (%s), expected %d (%s): %s", label, rc,
              weights_error_name(rc), code, weights_error_name(code), err);
    CHECK_MSG(w == NULL, "%s: weights returned on failure", label);
    CHECK_MSG(!strncmp(err, "broken.mvae: ", 13), "%s: message does not name the file: %s", label,
              err);
    CHECK_MSG(strstr(err, needle) != NULL, "%s: message '%s' lacks '%s'", label, err, needle);
    CHECK_MSG(!strchr(err, '\n'), "%s: message is not one line", label);
    weights_free(w);
}

/* Joins p, refuses it, frees it. */
static void expect_parts_refused(parts *p, int code, const char *needle, const char *label)
{
    image im = join(p);
    expect_refused(&im, code, needle, label);
    free(im.b);
    free(p);
}

/* A copy of the good file with one change made by the caller after. */
static image good_copy(void)
{
    image im = {malloc(good_n), good_n};
    memcpy(im.b, good, good_n);
    return im;
}

/* ---- round trip ---- */

static int write_sample(const char *path)
{
    /* reversed order: the writer accepts the tensors in any order */
    mv_tensor reversed[MV_MAX_TENSORS];
    for (int s = 0; s < model.n_tensors; s++) reversed[s] = model.tensors[model.n_tensors - 1 - s];
    char err[512];
    int rc = weights_write(path, &model.hp, reversed, (size_t)model.n_tensors, model.meta,
                           SAMPLE_META, err, sizeof err);
    CHECK_MSG(rc == MV_WEIGHTS_OK, "write: %s", err);
    return rc;
}

static void compare_with_model(const mv_weights *w)
{
    CHECK(!memcmp(weights_hparams(w), &model.hp, sizeof model.hp));
    CHECK(weights_tensor_count(w) == (size_t)model.n_tensors);
    for (int s = 0; s < model.n_tensors; s++) {
        const mv_tensor *want = &model.tensors[s], *got = weights_tensor_at(w, (size_t)s);
        CHECK_MSG(got && !strcmp(got->name, want->name), "tensor %d in layout order", s);
        if (!got) continue;
        CHECK(weights_tensor(w, want->name) == got);
        CHECK(got->ndim == want->ndim && got->dims[0] == want->dims[0]);
        CHECK(got->ndim == 1 || got->dims[1] == want->dims[1]);
        CHECK_MSG((uintptr_t)got->data % 64 == 0, "%s is not 64-byte aligned in memory", got->name);
        uint64_t count = want->ndim == 2 ? want->dims[0] * want->dims[1] : want->dims[0];
        CHECK_MSG(!memcmp(got->data, want->data, count * sizeof(float)), "%s differs", got->name);
    }
    CHECK(weights_tensor_at(w, (size_t)model.n_tensors) == NULL);
    CHECK(weights_tensor(w, "decoder.l9.w_x") == NULL);

    CHECK(weights_meta_count(w) == SAMPLE_META);
    for (size_t i = 0; i < SAMPLE_META; i++) {
        const mv_meta *want = &model.meta[i], *got = weights_meta_at(w, i);
        CHECK_MSG(got && !strcmp(got->key, want->key), "metadata %zu in file order", i);
        if (!got) continue;
        CHECK(weights_meta(w, want->key) == got);
        CHECK(got->type == want->type && got->count == want->count);
        size_t elem = want->type == MV_META_STR ? 1 : want->type == MV_META_F32 ? 4 : 8;
        CHECK_MSG(!memcmp(got->data, want->data, want->count * elem), "metadata %s differs",
                  want->key);
        if (want->type == MV_META_STR)
            CHECK_MSG(((const char *)got->data)[want->count] == 0, "%s lacks its NUL", want->key);
    }
    CHECK(weights_meta(w, "no.such.key") == NULL);
    CHECK(!strcmp(weights_meta(w, "train.corpus")->data, "lmd_matched/clean \xc3\x9c" "bung \xe2\x99\xab"));
    CHECK(*(const int64_t *)weights_meta(w, "train.steps")->data == 123456789012345ll);
}

static void test_round_trip(void)
{
    char path[512];
    in_tmp(path, sizeof path, "tiny.mvae");
    if (write_sample(path)) return;
    CHECK(count_files(tmpdir) == 1); /* no temporary file left beside it */
    mv_weights *w = NULL;
    char err[512];
    int rc = weights_read(path, &w, err, sizeof err);
    CHECK_MSG(rc == MV_WEIGHTS_OK && w, "read: %s", err);
    if (!w) return;
    compare_with_model(w);

    good = slurp(path, &good_n);
    CHECK(good_n % 64 == 0);
    uint64_t poff = get64(good + D_PAYLOAD_OFFSET);
    CHECK(poff % 64 == 0 && poff + get64(good + D_PAYLOAD_SIZE) == good_n);
    CHECK(weights_checksum(w) == crc32_update(0, good + poff, good_n - poff));
    CHECK(weights_checksum(w) == get32(good + D_PAYLOAD_CRC));
    CHECK(!memcmp(good, "MORPHVAE", 8) && get32(good + 8) == 1 && get32(good + 12) == 0x01020304);

    mv_weights *w2 = NULL;
    CHECK(weights_read_mem(good, good_n, "copy", &w2, err, sizeof err) == MV_WEIGHTS_OK);
    if (w2) {
        compare_with_model(w2);
        CHECK(weights_checksum(w2) == weights_checksum(w));
    }
    weights_free(w2);
    weights_free(w);

    /* the surgery below reproduces the writer's layout exactly */
    parts *p = split_good();
    image im = join(p);
    CHECK(im.n == good_n && !memcmp(im.b, good, good_n));
    free(im.b);
    free(p);

    /* CRC-32 as zlib computes it */
    CHECK(crc32_update(0, "123456789", 9) == 0xCBF43926u);
    CHECK(crc32_update(crc32_update(0, "12345", 5), "6789", 4) == 0xCBF43926u);
}

/* A chord-conditioned model: version 2, its chord kernel last, read back; and
 * refused as a model without chords (the tensor is no part of one). */
static void test_chord_model(void)
{
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    hp.chords = MV_CHORDS_V1;
    const uint64_t n = model_block_floats(&hp);
    float *block = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    if (!block) return;
    model_init_params(&hp, block, 3);
    mv_tensor t[MV_MAX_TENSORS];
    const int nt = model_carve(&hp, block, t);
    CHECK(!strcmp(t[nt - 1].name, "decoder.l0.w_chord") && t[nt - 1].dims[0] == 24 &&
          t[nt - 1].dims[1] == 4 * hp.dec_size);
    char path[512], err[512];
    in_tmp(path, sizeof path, "chords.mvae");
    CHECK_MSG(weights_write(path, &hp, t, (size_t)nt, NULL, 0, err, sizeof err) == MV_WEIGHTS_OK,
              "write: %s", err);
    size_t len;
    unsigned char *file = slurp(path, &len);
    CHECK(get32(file + 8) == 2 && get32(file + H_FIELD(0)) == (MV_REPR_MELODY | 1u << 16));
    mv_weights *w = NULL;
    CHECK_MSG(weights_read(path, &w, err, sizeof err) == MV_WEIGHTS_OK, "read: %s", err);
    if (w) {
        CHECK(weights_hparams(w)->chords == MV_CHORDS_V1 &&
              weights_hparams(w)->repr == MV_REPR_MELODY);
        const mv_tensor *wc = weights_tensor(w, "decoder.l0.w_chord");
        CHECK(wc && !memcmp(wc->data, t[nt - 1].data, 24 * 4 * hp.dec_size * sizeof(float)));
        mv_model m;
        CHECK(model_bind_weights(&m, w, err, sizeof err) == 0 && m.dec[0].w_chord == wc->data);
    }
    weights_free(w);
    /* the same file claiming no chord input: an unknown tensor */
    put32(file + 8, 1);
    put32(file + H_FIELD(0), MV_REPR_MELODY);
    image im = {file, len};
    seal(&im);
    expect_refused(&im, MV_WEIGHTS_ERR_UNKNOWN, "decoder.l0.w_chord", "chord kernel, no chords");
    free(file);
    unlink(path);
    free(block);
}

/* ---- reader failures ---- */

static void test_header_errors(void)
{
    image im = good_copy();
    im.b[0] = 'X';
    expect_refused(&im, MV_WEIGHTS_ERR_MAGIC, "bad magic", "bad magic");
    free(im.b);

    im = good_copy();
    put32(im.b + 8, 3);
    expect_refused(&im, MV_WEIGHTS_ERR_VERSION, "version 3", "unknown version");
    free(im.b);

    /* version 2 is version 1 with a chord input in the first field's high half */
    im = good_copy();
    put32(im.b + 8, 2);
    expect_refused(&im, MV_WEIGHTS_ERR_HPARAMS, "version 2 without a chord input",
                   "version 2, no chords");
    free(im.b);

    im = good_copy();
    put32(im.b + H_FIELD(0), 1u << 16);
    expect_refused(&im, MV_WEIGHTS_ERR_HPARAMS, "unknown representation 65536",
                   "version 1 with chords");
    free(im.b);

    /* a chord input this build does not know */
    im = good_copy();
    put32(im.b + 8, 2);
    put32(im.b + H_FIELD(0), 2u << 16);
    expect_refused(&im, MV_WEIGHTS_ERR_HPARAMS, "chords is 2", "unknown chord input");
    free(im.b);

    im = good_copy();
    put32(im.b + 12, 0x04030201);
    expect_refused(&im, MV_WEIGHTS_ERR_ENDIAN, "big-endian", "byte-swapped marker");
    free(im.b);

    im = good_copy();
    put32(im.b + 12, 0xDEADBEEF);
    expect_refused(&im, MV_WEIGHTS_ERR_ENDIAN, "endianness marker is 0xdeadbeef", "wrong marker");
    free(im.b);

    im = good_copy();
    put32(im.b + H_FIELD(3), 0); /* n_bars */
    expect_refused(&im, MV_WEIGHTS_ERR_HPARAMS, "n_bars is 0", "bad hparams");
    free(im.b);

    im = good_copy();
    put32(im.b + H_FIELD(0), 7);
    expect_refused(&im, MV_WEIGHTS_ERR_HPARAMS, "unknown representation 7", "bad representation");
    free(im.b);

    /* valid hyperparameters that do not match the tensors */
    parts *p = split_good();
    put32(p->head + H_FIELD(10), 32); /* dec_size */
    expect_parts_refused(p, MV_WEIGHTS_ERR_SHAPE,
                         "tensor decoder.init.w has 16x64 floats, expected 16x128",
                         "hparams not matching");
}

static void test_truncation(void)
{
    const uint32_t n_tensors = get32(good + D_N_TENSORS), n_meta = get32(good + D_N_META);
    const size_t meta_start = HEADER + (size_t)n_tensors * ENTRY;
    const size_t poff = get64(good + D_PAYLOAD_OFFSET);
    char want[128];
    struct {
        size_t n;
        const char *needle, *label;
    } cuts[] = {
        {0, "truncated in the header", "empty file"},
        {5, "truncated in the header", "cut in the magic"},
        {12, "truncated in the header", "cut in the header"},
        {40, "truncated in the hyperparameters", "cut in the hparams"},
        {100, "truncated in the section directory", "cut in the directory"},
        {HEADER + 2 * ENTRY + 50, want, "cut in the tensor table"},
        {poff + 100, "truncated in the payload, in tensor encoder.fw.l0.w_x", "cut in the payload"},
        {good_n - 30, "truncated in the payload, in tensor decoder.out.b", "cut in the last tensor"},
        {good_n - 1, "truncated in the payload, after the last tensor", "last byte missing"},
    };
    snprintf(want, sizeof want, "truncated in the tensor table (entry 3 of %u)", n_tensors);
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        image im = {good, cuts[i].n};
        expect_refused(&im, MV_WEIGHTS_ERR_TRUNCATED, cuts[i].needle, cuts[i].label);
    }

    /* cut inside the third metadata entry */
    size_t pos = meta_start;
    for (int k = 0; k < 2; k++) {
        uint32_t key_len = get32(good + pos), type = get32(good + pos + 4);
        uint64_t bytes = get64(good + pos + 8) * (type == 1 ? 1 : type == 2 ? 4 : 8);
        pos += 16 + (key_len + 7) / 8 * 8 + (bytes + 7) / 8 * 8;
    }
    char meta_want[128];
    snprintf(meta_want, sizeof meta_want, "truncated in the metadata (entry 3 of %u)", n_meta);
    image im = {good, pos + 20};
    expect_refused(&im, MV_WEIGHTS_ERR_TRUNCATED, meta_want, "cut in the metadata");

    /* through the file API too: the message names the path */
    char path[512], err[512];
    in_tmp(path, sizeof path, "cut.mvae");
    CHECK(write_bytes(path, good, poff + 100) == 0);
    mv_weights *w = NULL;
    CHECK(weights_read(path, &w, err, sizeof err) == MV_WEIGHTS_ERR_TRUNCATED && !w);
    CHECK_MSG(!strncmp(err, path, strlen(path)) && strstr(err, "truncated in the payload"), "%s",
              err);
    unlink(path);

    CHECK(weights_read("/nonexistent/x.mvae", &w, err, sizeof err) == MV_WEIGHTS_ERR_IO && !w);
    CHECK_MSG(strstr(err, "/nonexistent/x.mvae: cannot open") != NULL, "%s", err);
    CHECK(weights_read(tmpdir, &w, err, sizeof err) == MV_WEIGHTS_ERR_IO && !w);
    CHECK_MSG(strstr(err, "not a regular file") != NULL, "%s", err);
}

static void test_table_errors(void)
{
    parts *p = split_good();
    int i = entry_of(p, "decoder.l1.w_h");
    put64(p->table[i] + E_OFFSET, p->payload_size + 64);
    expect_parts_refused(p, MV_WEIGHTS_ERR_OFFSET, "tensor decoder.l1.w_h (4096 bytes at payload offset",
                         "offset past the end");

    p = split_good();
    put64(p->table[1] + E_OFFSET, get64(p->table[0] + E_OFFSET));
    expect_parts_refused(p, MV_WEIGHTS_ERR_OVERLAP,
                         "tensors encoder.fw.l0.w_x and encoder.fw.l0.w_h overlap",
                         "overlapping tensors");

    p = split_good();
    put64(p->table[1] + E_OFFSET, get64(p->table[1] + E_OFFSET) + 4);
    expect_parts_refused(p, MV_WEIGHTS_ERR_ALIGN, "encoder.fw.l0.w_h at payload offset",
                         "misaligned tensor");

    p = split_good();
    i = entry_of(p, "decoder.l1.w_x");
    put64(p->table[i] + E_DIM1, 60);
    put64(p->table[i] + E_NBYTES, 16 * 60 * 4);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SHAPE,
                         "tensor decoder.l1.w_x has 16x60 floats, expected 16x64", "wrong shape");

    p = split_good();
    i = entry_of(p, "decoder.l1.b");
    put32(p->table[i] + E_NDIM, 2);
    put64(p->table[i] + E_DIM0, 1);
    put64(p->table[i] + E_DIM1, 64);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SHAPE, "tensor decoder.l1.b has 1x64 floats, expected 64",
                         "2-D instead of 1-D");

    p = split_good();
    put32(p->table[0] + E_NDIM, 3);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SHAPE, "3 dimensions", "three dimensions");

    p = split_good();
    i = entry_of(p, "decoder.l1.b");
    put64(p->table[i] + E_DIM1, 5);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SHAPE, "second dimension of 5", "1-D with a 2nd dim");

    p = split_good();
    p->n_tensors--; /* drops decoder.out.b, the last entry */
    expect_parts_refused(p, MV_WEIGHTS_ERR_MISSING, "tensor decoder.out.b is missing",
                         "missing tensor");

    p = split_good();
    set_name(p, entry_of(p, "decoder.out.b"), "decoder.out.c");
    expect_parts_refused(p, MV_WEIGHTS_ERR_UNKNOWN,
                         "tensor decoder.out.c is not part of a model with these hyperparameters",
                         "unknown tensor");

    p = split_good();
    set_name(p, 1, (const char *)p->table[0]);
    expect_parts_refused(p, MV_WEIGHTS_ERR_DUPLICATE,
                         "tensor encoder.fw.l0.w_x appears twice in the table (entries 1 and 2)",
                         "duplicate tensor");

    p = split_good();
    memset(p->table[2], 'a', 64);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "entry 3 of 24: name is not NUL-terminated",
                         "unterminated name");

    p = split_good();
    set_name(p, 2, "");
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "entry 3 of 24: name is empty", "empty name");

    p = split_good();
    set_name(p, 2, "bad name");
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "not printable ASCII", "name with a space");

    p = split_good();
    p->table[2][60] = 'x';
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "bytes after the name's NUL", "garbage after NUL");

    p = split_good();
    put32(p->table[0] + E_DTYPE, 1);
    expect_parts_refused(p, MV_WEIGHTS_ERR_VERSION, "data type 1", "unknown data type");
}

static void test_meta_errors(void)
{
    const float finite[3] = {1, 2, 3}, with_inf[3] = {1, 2, INFINITY};
    const int64_t one = 1;

    parts *p = split_good();
    meta_clear(p);
    meta_add(p, "a.b", 3, MV_META_I64, 1, &one, 8);
    meta_add(p, "a.c", 3, MV_META_F32, 3, finite, 12);
    meta_add(p, "a.b", 3, MV_META_F32, 3, finite, 12);
    expect_parts_refused(p, MV_WEIGHTS_ERR_DUPLICATE,
                         "metadata key a.b appears twice (entries 1 and 3)", "duplicate key");

    p = split_good();
    meta_clear(p);
    meta_add(p, "metric.loss", 11, MV_META_F32, 3, with_inf, 12);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NONFINITE, "metadata metric.loss value 2 is Inf",
                         "Inf in metadata");

    p = split_good();
    meta_clear(p);
    meta_add(p, "x", 1, 9, 1, &one, 8);
    expect_parts_refused(p, MV_WEIGHTS_ERR_META, "metadata x has unknown type 9", "unknown type");

    p = split_good();
    meta_clear(p);
    meta_add(p, "train.corpus", 12, MV_META_STR, 3, "a\xff" "b", 3);
    expect_parts_refused(p, MV_WEIGHTS_ERR_META, "train.corpus is not UTF-8", "bad UTF-8");

    p = split_good();
    meta_clear(p);
    meta_add(p, "train.corpus", 12, MV_META_STR, 3, "a\0b", 3);
    expect_parts_refused(p, MV_WEIGHTS_ERR_META, "without NUL bytes", "NUL in a string");

    p = split_good();
    meta_clear(p);
    meta_add(p, "", 0, MV_META_I64, 1, &one, 8);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "key of 0 bytes", "empty key");

    char long_key[200];
    memset(long_key, 'k', sizeof long_key);
    p = split_good();
    meta_clear(p);
    meta_add(p, long_key, 200, MV_META_I64, 1, &one, 8);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "key of 200 bytes, expected 1..127", "long key");

    p = split_good();
    meta_clear(p);
    meta_add(p, "a\0b", 3, MV_META_I64, 1, &one, 8);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NAME, "key is not printable ASCII", "NUL in a key");

    p = split_good();
    meta_clear(p);
    meta_add(p, "metric.loss", 11, MV_META_F32, 0, NULL, 0);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "metadata metric.loss has no values",
                         "zero-count floats");

    p = split_good();
    meta_clear(p);
    meta_add(p, "attribute.x.vector", 18, MV_META_F32, 1ull << 40, finite, 12);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE,
                         "metadata attribute.x.vector declares 1099511627776 values",
                         "count of 2^40");

    p = split_good();
    meta_clear(p);
    meta_add(p, "s", 1, MV_META_STR, UINT64_MAX, "abc", 3);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "declares 18446744073709551615 values",
                         "count of 2^64-1");

    p = split_good();
    p->meta_size += 8; /* a zero tail no entry accounts for */
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "metadata section has 8 bytes after its last entry",
                         "metadata tail");

    const int64_t two[2] = {1, 2};
    p = split_good();
    meta_clear(p);
    meta_add(p, "a.b", 3, MV_META_I64, 2, two, 16); /* 40 bytes */
    p->n_meta = 2; /* 48 bytes pass the 24-per-entry minimum, 8 left cannot hold a head */
    p->meta_size = 48;
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "metadata entry 2 of 2 does not fit",
                         "entry past the section");
}

static void test_payload_errors(void)
{
    parts *p = split_good();
    int i = entry_of(p, "decoder.l1.w_h");
    const float nan = NAN;
    memcpy(p->payload + get64(p->table[i] + E_OFFSET) + 5 * sizeof(float), &nan, sizeof nan);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NONFINITE, "tensor decoder.l1.w_h has NaN at index 5",
                         "NaN in a tensor");

    p = split_good();
    const float inf = -INFINITY;
    memcpy(p->payload + get64(p->table[0] + E_OFFSET), &inf, sizeof inf);
    expect_parts_refused(p, MV_WEIGHTS_ERR_NONFINITE, "tensor encoder.fw.l0.w_x has Inf at index 0",
                         "Inf in a tensor");

    image im = good_copy();
    im.b[get64(good + D_PAYLOAD_OFFSET) + 1000] ^= 0x10;
    expect_refused(&im, MV_WEIGHTS_ERR_CHECKSUM, "payload checksum mismatch", "flipped payload bit");
    free(im.b);

    im = good_copy();
    im.b[HEADER + get32(good + D_N_TENSORS) * ENTRY + 20] ^= 0x01; /* in the first key */
    expect_refused(&im, MV_WEIGHTS_ERR_CHECKSUM, "header checksum mismatch", "flipped metadata bit");
    free(im.b);

    im = good_copy();
    put32(im.b + H_FIELD(10), 17); /* dec_size: still valid, but not what was written */
    expect_refused(&im, MV_WEIGHTS_ERR_CHECKSUM, "header checksum mismatch", "changed hparams");
    free(im.b);

    im = good_copy();
    im.b = realloc(im.b, good_n + 64);
    memset(im.b + good_n, 0, 64);
    im.n = good_n + 64;
    expect_refused(&im, MV_WEIGHTS_ERR_SIZE, "64 bytes follow the end of the payload",
                   "trailing bytes");
    free(im.b);
}

static void test_size_errors(void)
{
    struct {
        int field; /* directory offset */
        int wide;
        uint64_t value;
        int code;
        const char *needle, *label;
    } patches[] = {
        {D_N_TENSORS, 0, 0, MV_WEIGHTS_ERR_SIZE, "declares no tensors", "zero tensors"},
        {D_N_TENSORS, 0, 65, MV_WEIGHTS_ERR_SIZE, "declares 65 tensors, at most 64", "65 tensors"},
        {D_N_TENSORS, 0, 1u << 31, MV_WEIGHTS_ERR_SIZE, "at most 64", "2^31 tensors"},
        {D_TABLE_SIZE, 1, 1ull << 62, MV_WEIGHTS_ERR_SIZE, "does not hold 24 entries", "table 2^62"},
        {D_N_META, 0, 100000, MV_WEIGHTS_ERR_SIZE, "cannot hold 100000 entries", "too many entries"},
        {D_META_SIZE, 1, UINT64_MAX - 7, MV_WEIGHTS_ERR_SIZE, "absurdly large", "meta 2^64-8"},
        {D_META_SIZE, 1, 1ull << 40, MV_WEIGHTS_ERR_SIZE, "expected", "meta 2^40"},
        {D_PAYLOAD_SIZE, 1, 0, MV_WEIGHTS_ERR_SIZE, "empty payload", "empty payload"},
        {D_PAYLOAD_SIZE, 1, 1ull << 62, MV_WEIGHTS_ERR_SIZE, "the tensors fill", "payload 2^62"},
        {D_PAYLOAD_OFFSET, 1, 0, MV_WEIGHTS_ERR_SIZE, "payload offset 0, expected", "offset 0"},
        {D_PAYLOAD_OFFSET, 1, 1ull << 63, MV_WEIGHTS_ERR_SIZE, "expected", "offset 2^63"},
        {D_PAYLOAD_OFFSET, 1, 4, MV_WEIGHTS_ERR_ALIGN, "payload offset 4 is not a multiple of 64",
         "misaligned payload"},
    };
    for (size_t k = 0; k < sizeof patches / sizeof patches[0]; k++) {
        image im = good_copy();
        if (patches[k].wide) put64(im.b + patches[k].field, patches[k].value);
        else put32(im.b + patches[k].field, (uint32_t)patches[k].value);
        seal_header(&im, get64(good + D_PAYLOAD_OFFSET));
        expect_refused(&im, patches[k].code, patches[k].needle, patches[k].label);
        free(im.b);
    }

    image im = good_copy();
    put64(im.b + D_META_SIZE, get64(good + D_META_SIZE) + 4);
    expect_refused(&im, MV_WEIGHTS_ERR_SIZE, "not a multiple of 8", "meta size not 8-aligned");
    free(im.b);

    parts *p = split_good();
    int i = entry_of(p, "decoder.l1.w_h");
    put64(p->table[i] + E_DIM0, 1ull << 62);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "tensor decoder.l1.w_h of 4611686018427387904x64",
                         "dim of 2^62");

    p = split_good();
    i = entry_of(p, "decoder.l1.b");
    put64(p->table[i] + E_DIM0, 1ull << 62);
    put64(p->table[i] + E_NBYTES, 0); /* 2^64 wrapped */
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "decoder.l1.b of 4611686018427387904 floats",
                         "1-D dim of 2^62");

    p = split_good();
    put64(p->table[0] + E_DIM0, 0);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "encoder.fw.l0.w_x has a zero dimension",
                         "zero dimension");

    p = split_good();
    put64(p->table[0] + E_NBYTES, 8);
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "declares 8 bytes, its shape needs 23040",
                         "byte size not the shape's");

    p = split_good();
    i = entry_of(p, "decoder.out.b"); /* the last in the payload: move it up, leaving a gap */
    put64(p->table[i] + E_OFFSET, get64(p->table[i] + E_OFFSET) + 64);
    p->payload_size += 64;
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "decoder.out.b at payload offset", "gap");

    p = split_good();
    p->payload_size += 64;
    expect_parts_refused(p, MV_WEIGHTS_ERR_SIZE, "the tensors fill", "payload tail");
}

/* Random damage: bytes overwritten (mostly before the payload), sometimes cut
 * short, and the checksums mostly recomputed so that the damage reaches the
 * structural checks. Every outcome must be a clean refusal naming the file, or
 * a file that is valid in every respect; ASan/UBSan watch the reads. */
/* The peak resident memory of this process, in bytes. */
static long peak_rss(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss * 1024L;
}

/* n bytes of b, then a hole up to size bytes (no disk space taken). */
static int write_sparse(const char *path, const unsigned char *b, size_t n, uint64_t size)
{
    return write_bytes(path, b, n) == 0 && truncate(path, (off_t)size) == 0 ? 0 : -1;
}

/* Big files are judged by their size and header before their payload is
 * read (the peak memory shows whether it was): 256 MiB that are no model, a
 * model followed by 512 MiB, and a file over the limit are refused. */
static void test_big_files(void)
{
    static const unsigned char no_model[128] = "not a model, a disk image";
    const uint64_t mib = 1u << 20;
    const struct {
        const char *name;
        bool model; /* starts with the good model, else with no_model */
        uint64_t size;
        int code;
        const char *needle;
    } cases[] = { /* growing: each would raise the peak a read whole reached before */
        {"no-model.mvae", false, 256 * mib, MV_WEIGHTS_ERR_MAGIC, "bad magic"},
        {"trailing.mvae", true, good_n + 512 * mib, MV_WEIGHTS_ERR_SIZE,
         "536870912 bytes follow the end of the payload"},
        {"over-limit.mvae", true, MV_WEIGHTS_MAX_FILE + 1, MV_WEIGHTS_ERR_SIZE,
         "larger than the 1073741824 bytes a model may have"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char path[512], err[512] = "";
        in_tmp(path, sizeof path, cases[k].name);
        if (write_sparse(path, cases[k].model ? good : no_model,
                         cases[k].model ? good_n : sizeof no_model, cases[k].size)) {
            CHECK_MSG(false, "cannot write %s", path);
            continue;
        }
        mv_weights *w = NULL;
        long before = peak_rss();
        int rc = weights_read(path, &w, err, sizeof err);
        long grown = peak_rss() - before;
        printf("  %-28s -> %s (peak memory +%ld KiB)\n", cases[k].name, err, grown / 1024);
        CHECK_MSG(rc == cases[k].code && strstr(err, cases[k].needle),
                  "%s: got %d (%s), expected %d: %s", cases[k].name, rc, weights_error_name(rc),
                  cases[k].code, err);
        CHECK_MSG(grown < (long)(64 * mib), "%s: read whole (peak memory +%ld MiB)",
                  cases[k].name, grown >> 20);
        weights_free(w);
        unlink(path);
    }
}

static void test_random_damage(void)
{
    uint64_t state = 12345;
    const uint64_t poff = get64(good + D_PAYLOAD_OFFSET);
    unsigned char *b = malloc(good_n + 128);
    int accepted = 0, refused[MV_WEIGHTS_ERR_COUNT_] = {0};
    for (int it = 0; it < 3000; it++) {
#define NEXT() (state = state * 6364136223846793005ull + 1442695040888963407ull, state >> 33)
        memcpy(b, good, good_n);
        size_t n = good_n;
        for (int k = 1 + (int)(NEXT() % 4); k > 0; k--) {
            size_t at = NEXT() % 4 ? NEXT() % poff : NEXT() % good_n;
            b[at] = NEXT() % 3 ? (unsigned char)NEXT() : b[at] ^ (unsigned char)(1u << NEXT() % 8);
        }
        if (NEXT() % 4 == 0) n = NEXT() % (good_n + 100);
        if (n > good_n) memset(b + good_n, 0, n - good_n);
        uint64_t po = n >= HEADER ? get64(b + D_PAYLOAD_OFFSET) : 0;
        uint64_t ps = n >= HEADER ? get64(b + D_PAYLOAD_SIZE) : 0;
        if (NEXT() % 3 && po >= HEADER && po <= n) {
            image im = {b, n};
            if (ps <= n - po) put32(b + D_PAYLOAD_CRC, crc32_update(0, b + po, ps));
            seal_header(&im, po);
        }
#undef NEXT
        mv_weights *w = NULL;
        char err[512] = "";
        int rc = weights_read_mem(b, n, "damaged.mvae", &w, err, sizeof err);
        if (rc == MV_WEIGHTS_OK) {
            accepted++;
            CHECK(w && weights_tensor_count(w) == (size_t)model.n_tensors);
            for (size_t i = 0; w && i < weights_tensor_count(w); i++) {
                const mv_tensor *t = weights_tensor_at(w, i);
                uint64_t count = t->ndim == 2 ? t->dims[0] * t->dims[1] : t->dims[0], k = 0;
                while (k < count && isfinite(t->data[k])) k++;
                CHECK_MSG(k == count, "iteration %d: %s accepted with a NaN or Inf", it, t->name);
            }
        } else {
            CHECK_MSG(rc > 0 && rc < MV_WEIGHTS_ERR_COUNT_ && !w, "iteration %d: code %d", it, rc);
            CHECK_MSG(!strncmp(err, "damaged.mvae: ", 14) && !strchr(err, '\n'),
                      "iteration %d: message %s", it, err);
            if (rc > 0 && rc < MV_WEIGHTS_ERR_COUNT_) refused[rc]++;
        }
        weights_free(w);
    }
    printf("  random damage: %d of 3000 still valid;", accepted);
    for (int c = 1; c < MV_WEIGHTS_ERR_COUNT_; c++)
        if (refused[c]) printf(" %s %d;", weights_error_name(c), refused[c]);
    printf("\n");
    free(b);
}

/* ---- writer ---- */

static void expect_write_refused(const char *path, const mv_hparams *hp, const mv_tensor *t,
                                 size_t n, const mv_meta *meta, size_t n_meta, int code,
                                 const char *needle, const char *label)
{
    char err[512] = "";
    int before = count_files(tmpdir);
    int rc = weights_write(path, hp, t, n, meta, n_meta, err, sizeof err);
    printf("  write: %-21s -> %s\n", label, err);
    CHECK_MSG(rc == code, "%s: got %d (%s), expected %d (%s): %s", label, rc,
              weights_error_name(rc), code, weights_error_name(code), err);
    CHECK_MSG(!strncmp(err, path, strlen(path)) && strstr(err, needle),
              "%s: message '%s' lacks the path or '%s'", label, err, needle);
    CHECK_MSG(count_files(tmpdir) == before, "%s: the writer left a file behind", label);
}

static void test_writer_refuses(void)
{
    char path[512];
    in_tmp(path, sizeof path, "refused.mvae");
    const int n = model.n_tensors;
    mv_tensor t[MV_MAX_TENSORS];
    memcpy(t, model.tensors, sizeof t);
    mv_meta meta[SAMPLE_META];
    memcpy(meta, model.meta, sizeof meta);

    expect_write_refused(path, &model.hp, t, (size_t)n - 1, meta, SAMPLE_META,
                         MV_WEIGHTS_ERR_MISSING, "tensor decoder.out.b is missing", "missing");
    t[1] = t[0];
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_DUPLICATE,
                         "encoder.fw.l0.w_x is given twice", "duplicate");
    t[1] = model.tensors[1];
    strcpy(t[3].name, "encoder.xx.l0.w_x");
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_UNKNOWN,
                         "encoder.xx.l0.w_x is not part", "unknown");
    t[3] = model.tensors[3];
    t[0].dims[1] = 63;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_SHAPE,
                         "has 90x63 floats, expected 90x64", "shape");
    t[0] = model.tensors[0];
    float saved = model.data[5][7];
    model.data[5][7] = NAN;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META,
                         MV_WEIGHTS_ERR_NONFINITE, "has NaN at index 7", "NaN");
    model.data[5][7] = saved;

    mv_hparams bad = model.hp;
    bad.dec_layers = 0;
    expect_write_refused(path, &bad, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_HPARAMS,
                         "dec_layers is 0", "hparams");

    strcpy(meta[2].key, meta[1].key);
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META,
                         MV_WEIGHTS_ERR_DUPLICATE, "metadata key attribute.note_density.vector is given twice",
                         "duplicate key");
    meta[2] = model.meta[2];
    meta[4].type = 7;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_META,
                         "unknown type 7", "meta type");
    meta[4] = model.meta[4];
    meta[4].count = 1ull << 62;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_SIZE,
                         "absurd count", "meta count 2^62");
    meta[4] = model.meta[4];
    meta[6].count = 0;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_SIZE,
                         "has no values", "meta count 0");
    meta[6] = model.meta[6];
    const float inf[1] = {INFINITY};
    meta[6].data = inf;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META,
                         MV_WEIGHTS_ERR_NONFINITE, "train.seconds value 0 is Inf", "meta Inf");
    meta[6] = model.meta[6];
    meta[3].key[0] = 0;
    expect_write_refused(path, &model.hp, t, (size_t)n, meta, SAMPLE_META, MV_WEIGHTS_ERR_NAME,
                         "metadata entry 4 has an empty", "empty key");
    CHECK(access(path, F_OK) != 0);
}

static void test_writer_atomic(void)
{
    char path[512], err[512];
    in_tmp(path, sizeof path, "no/such/folder/model.mvae");
    expect_write_refused(path, &model.hp, model.tensors, (size_t)model.n_tensors, NULL, 0,
                         MV_WEIGHTS_ERR_IO, "cannot create a temporary file", "no folder");

    /* a folder, FIFO or device is refused before anything is written: the
     * rename would replace it (as root, `-o /dev/null` replaced /dev/null) */
    in_tmp(path, sizeof path, "a_folder");
    CHECK(mkdir(path, 0755) == 0);
    expect_write_refused(path, &model.hp, model.tensors, (size_t)model.n_tensors, NULL, 0,
                         MV_WEIGHTS_ERR_IO, "not a regular file", "onto a folder");
    rmdir(path);
    in_tmp(path, sizeof path, "a_fifo");
    CHECK(mkfifo(path, 0644) == 0);
    expect_write_refused(path, &model.hp, model.tensors, (size_t)model.n_tensors, NULL, 0,
                         MV_WEIGHTS_ERR_IO, "not a regular file", "onto a FIFO");
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    unlink(path);
    expect_write_refused("/dev/null", &model.hp, model.tensors, (size_t)model.n_tensors, NULL, 0,
                         MV_WEIGHTS_ERR_IO, "not a regular file", "onto /dev/null");
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));

    /* a write that fails half-way (file size limit) leaves the old file intact */
    in_tmp(path, sizeof path, "kept.mvae");
    CHECK(write_sample(path) == 0);
    struct rlimit old, small;
    getrlimit(RLIMIT_FSIZE, &old);
    small = old;
    small.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    int before = count_files(tmpdir);
    int rc = weights_write(path, &model.hp, model.tensors, (size_t)model.n_tensors, NULL, 0, err,
                           sizeof err);
    setrlimit(RLIMIT_FSIZE, &old);
    printf("  write: %-21s -> %s\n", "file size limit", err);
    CHECK_MSG(rc == MV_WEIGHTS_ERR_IO && strstr(err, "cannot write"), "%d %s", rc, err);
    CHECK(count_files(tmpdir) == before);
    mv_weights *w = NULL;
    CHECK_MSG(weights_read(path, &w, err, sizeof err) == MV_WEIGHTS_OK, "%s", err);
    if (w) CHECK(weights_meta_count(w) == SAMPLE_META); /* the old file, with its metadata */
    weights_free(w);
    unlink(path);
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d) return;
    char path[1024];
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

int main(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/mvae-weights-XXXXXX", base);
    if (!mkdtemp(tmpdir) || sample_model_init(&model, "tiny", 1) != 0) {
        perror("set-up");
        return 1;
    }
    test_round_trip();
    test_chord_model();
    if (good) {
        test_header_errors();
        test_truncation();
        test_table_errors();
        test_meta_errors();
        test_payload_errors();
        test_size_errors();
        test_random_damage();
        test_big_files();
    }
    test_writer_refuses();
    test_writer_atomic();
    free(good);
    sample_model_free(&model);
    remove_tmpdir();
    return check_report();
}
