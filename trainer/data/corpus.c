/* Corpus file: reader (mmap, every size validated) and atomic writer.
 * Byte format: docs/corpus-format.md. */
#include "corpus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atomic_file.h"
#include "checksum.h"
#include "chord.h"
#include "fail.h"
#include "groove.h"
#include "hparams.h"
#include "regular_file.h"

#define CORPUS_MAGIC "MVCORPUS"
#define CORPUS_VERSION 1        /* a corpus without chords: what every reader reads */
#define CORPUS_VERSION_CHORDS 2 /* the same with a chord section (flags' CORPUS_HAS_CHORDS) */
#define CORPUS_HAS_CHORDS 1u
#define HEADER_BYTES 128
#define RECORD_BYTES 16
#define ALIGN 64

typedef struct record {
    uint32_t source;
    uint32_t bar;
    int32_t transpose;
    uint32_t split;
} record;

typedef struct header {
    char magic[8];
    uint32_t version, header_bytes;
    uint32_t repr, n_classes, min_pitch, n_bars, steps_per_bar, seq_len;
    uint32_t window_bytes, n_sources;
    uint64_t count[MV_SPLITS];
    uint64_t tokens_offset, records_offset, sources_offset, strings_offset, strings_bytes;
    uint64_t file_bytes;
    uint32_t checksum; /* CRC-32 (zlib) of bytes [header_bytes, file_bytes) */
    uint32_t flags;    /* version 1: 0; version 2: CORPUS_HAS_CHORDS */
} header;

_Static_assert(sizeof(header) == HEADER_BYTES, "corpus header layout");
_Static_assert(sizeof(record) == RECORD_BYTES, "corpus record layout");

struct mv_corpus {
    const uint8_t *map;
    size_t size;
    header h;
    uint64_t first[MV_SPLITS]; /* index of each split's first window */
    const uint8_t *tokens;
    const record *records;
    const uint64_t *sources;
    const char *strings;
    const uint8_t *chords; /* seq_len chord ids a window, NULL without a chord section */
};

static uint64_t align_up(uint64_t x) { return (x + ALIGN - 1) / ALIGN * ALIGN; }

/* The layout implied by the header's counts; the stored offsets must match it. */
typedef struct layout {
    uint64_t tokens, records, sources, strings, chords, end;
} layout;

static int compute_layout(const header *h, layout *l)
{
    uint64_t total = h->count[0] + h->count[1] + h->count[2];
    if (total < h->count[0] || total > (UINT64_MAX / 2) / (h->window_bytes + RECORD_BYTES))
        return -1;
    l->tokens = align_up(HEADER_BYTES);
    l->records = align_up(l->tokens + total * h->window_bytes);
    l->sources = align_up(l->records + total * RECORD_BYTES);
    l->strings = l->sources + (uint64_t)h->n_sources * 8;
    if (h->strings_bytes > UINT64_MAX / 2) return -1;
    l->chords = l->end = l->strings + h->strings_bytes;
    if (h->flags & CORPUS_HAS_CHORDS) {
        l->chords = align_up(l->end);
        l->end = l->chords + total * h->seq_len;
    }
    return 0;
}

/* Roll and groove windows are bytes, n_classes a step; the others int32 tokens. */
static int bytes_per_class(uint32_t repr)
{
    return repr == MV_REPR_ROLL || repr == MV_REPR_GROOVE;
}

static uint32_t window_bytes_for(uint32_t repr, uint32_t n_classes, uint32_t seq_len)
{
    return bytes_per_class(repr) ? seq_len * n_classes : seq_len * 4;
}

static int check_shape(uint32_t repr, uint32_t n_classes, uint32_t min_pitch, uint32_t n_bars,
                       uint32_t steps_per_bar, char *why, size_t n)
{
    if (repr > MV_REPR_GROOVE) return fail(why, n, "unknown representation %u", repr);
    if (repr == MV_REPR_DRUMS && n_classes != 512)
        return fail(why, n, "drums need 512 classes, not %u", n_classes);
    if (repr == MV_REPR_GROOVE && (n_classes != MV_GROOVE_STEP_BYTES || min_pitch != 0))
        return fail(why, n, "groove needs %d classes from pitch 0, not %u from %u",
                    MV_GROOVE_STEP_BYTES, n_classes, min_pitch);
    if (repr == MV_REPR_MELODY && (n_classes < 3 || min_pitch + n_classes - 2 > 128))
        return fail(why, n, "melody classes %u from pitch %u leave 0..127", n_classes, min_pitch);
    if (repr == MV_REPR_ROLL && (n_classes < 2 || n_classes % 2 || min_pitch + n_classes / 2 > 128))
        return fail(why, n, "roll classes %u from pitch %u do not fit 0..127", n_classes,
                    min_pitch);
    if (n_bars < 1 || steps_per_bar < 1 || (uint64_t)n_bars * steps_per_bar > MV_MAX_STEPS)
        return fail(why, n, "%u bars of %u steps is not 1..%d steps", n_bars, steps_per_bar,
                    MV_MAX_STEPS);
    return 0;
}

/* Header fields against each other and the file size. */
static int check_header(const header *h, size_t size, layout *l, char *why, size_t n)
{
    if (memcmp(h->magic, CORPUS_MAGIC, 8) != 0) return fail(why, n, "not a morphvae corpus (bad magic)");
    if (h->version != CORPUS_VERSION && h->version != CORPUS_VERSION_CHORDS)
        return fail(why, n, "corpus format version %u, this build reads versions %d and %d",
                    h->version, CORPUS_VERSION, CORPUS_VERSION_CHORDS);
    uint32_t flags = h->version == CORPUS_VERSION_CHORDS ? CORPUS_HAS_CHORDS : 0;
    if (h->header_bytes != HEADER_BYTES || h->flags != flags)
        return fail(why, n, "header size %u (expected %d) or flags %u (expected %u for version %u)",
                    h->header_bytes, HEADER_BYTES, h->flags, flags, h->version);
    if (check_shape(h->repr, h->n_classes, h->min_pitch, h->n_bars, h->steps_per_bar, why, n))
        return -1;
    if (h->seq_len != h->n_bars * h->steps_per_bar)
        return fail(why, n, "sequence length %u is not %u bars x %u steps", h->seq_len, h->n_bars,
                    h->steps_per_bar);
    if (h->window_bytes != window_bytes_for(h->repr, h->n_classes, h->seq_len))
        return fail(why, n, "window size %u bytes does not match the representation",
                    h->window_bytes);
    if (compute_layout(h, l)) return fail(why, n, "window or string counts overflow");
    if (h->tokens_offset != l->tokens || h->records_offset != l->records ||
        h->sources_offset != l->sources || h->strings_offset != l->strings)
        return fail(why, n, "section offsets do not match the counts");
    if (h->file_bytes != l->end || l->end != size)
        return fail(why, n, "file is %zu bytes, the header describes %llu (truncated or padded)",
                    size, (unsigned long long)l->end);
    if (h->strings_bytes == 0 || h->n_sources == 0)
        return fail(why, n, "no source file names");
    return 0;
}

/* Each step of a groove corpus is one (groove_step_valid): the first one that
 * is not is named, with what is wrong in it. */
static int check_groove_steps(const uint8_t *steps, uint64_t n_windows, uint32_t seq_len,
                              char *why, size_t n)
{
    for (uint64_t k = 0; k < n_windows * seq_len; k++) {
        const uint8_t *step = steps + k * MV_GROOVE_STEP_BYTES;
        if (groove_step_valid(step)) continue;
        return fail(why, n,
                    "groove window %llu, step %u is not a groove step (hits 0/1, velocity "
                    "1..127 and offset -64..63 where hit, both 0 where not)",
                    (unsigned long long)(k / seq_len), (unsigned)(k % seq_len));
    }
    return 0;
}

/* Everything the header points at: records, names, token values. */
static int check_payload(const mv_corpus *c, char *why, size_t n)
{
    const header *h = &c->h;
    if (c->strings[h->strings_bytes - 1] != 0) return fail(why, n, "source names not terminated");
    for (uint32_t s = 0; s < h->n_sources; s++)
        if (c->sources[s] >= h->strings_bytes)
            return fail(why, n, "source %u's name lies outside the name table", s);
    uint64_t total = h->count[0] + h->count[1] + h->count[2];
    for (uint64_t i = 0; i < total; i++) {
        const record *r = &c->records[i];
        uint32_t split = i < c->first[1] ? 0 : i < c->first[2] ? 1 : 2;
        if (r->source >= h->n_sources || r->split != split || r->transpose < -127 ||
            r->transpose > 127)
            return fail(why, n, "window %llu's record is invalid", (unsigned long long)i);
    }
    if (h->repr == MV_REPR_GROOVE) {
        if (check_groove_steps(c->tokens, total, h->seq_len, why, n)) return -1;
    } else if (h->repr == MV_REPR_ROLL) {
        const uint8_t *b = c->tokens;
        for (uint64_t i = 0; i < total * h->window_bytes; i++)
            if (b[i] > 1)
                return fail(why, n, "roll window %llu holds a value other than 0/1",
                            (unsigned long long)(i / h->window_bytes));
    } else {
        const int32_t *t = (const int32_t *)c->tokens;
        for (uint64_t i = 0; i < total * h->seq_len; i++)
            if (t[i] < 0 || (uint32_t)t[i] >= h->n_classes)
                return fail(why, n, "window %llu holds token %d, outside 0..%u",
                            (unsigned long long)(i / h->seq_len), t[i], h->n_classes - 1);
    }
    for (uint64_t i = 0; c->chords && i < total * h->seq_len; i++)
        if (c->chords[i] >= MV_CHORD_COUNT)
            return fail(why, n, "window %llu holds chord %u, outside 0..%d",
                        (unsigned long long)(i / h->seq_len), c->chords[i], MV_CHORD_COUNT - 1);
    return 0;
}

int corpus_open(const char *path, mv_corpus **out, char *err, size_t errlen)
{
    *out = NULL;
    uint64_t size;
    int fd = regular_file_open(path, &size, err, errlen);
    if (fd < 0) return -1;
    if (size < HEADER_BYTES) {
        close(fd);
        return fail(err, errlen, "%s: %llu bytes, too short for a corpus header", path,
                    (unsigned long long)size);
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return fail(err, errlen, "%s: cannot map: %s", path, strerror(errno));
    mv_corpus *c = calloc(1, sizeof *c);
    if (!c) {
        munmap(map, (size_t)size);
        return fail(err, errlen, "%s: out of memory", path);
    }
    c->map = map;
    c->size = (size_t)size;
    memcpy(&c->h, map, HEADER_BYTES);
    char why[200];
    layout l = {0};
    if (check_header(&c->h, c->size, &l, why, sizeof why)) goto bad;
    if (crc32_update(0, c->map + HEADER_BYTES, c->size - HEADER_BYTES) != c->h.checksum) {
        fail(why, sizeof why, "checksum mismatch: the file is corrupted");
        goto bad;
    }
    c->first[0] = 0;
    c->first[1] = c->h.count[0];
    c->first[2] = c->h.count[0] + c->h.count[1];
    c->tokens = c->map + l.tokens;
    c->records = (const record *)(c->map + l.records);
    c->sources = (const uint64_t *)(c->map + l.sources);
    c->strings = (const char *)(c->map + l.strings);
    c->chords = c->h.flags & CORPUS_HAS_CHORDS ? c->map + l.chords : NULL;
    if (check_payload(c, why, sizeof why)) goto bad;
    *out = c;
    return 0;
bad:
    corpus_close(c);
    return fail(err, errlen, "%s: %s", path, why);
}

void corpus_close(mv_corpus *c)
{
    if (!c) return;
    munmap((void *)c->map, c->size);
    free(c);
}

uint32_t corpus_repr(const mv_corpus *c) { return c->h.repr; }
uint32_t corpus_n_classes(const mv_corpus *c) { return c->h.n_classes; }
uint32_t corpus_min_pitch(const mv_corpus *c) { return c->h.min_pitch; }
uint32_t corpus_n_bars(const mv_corpus *c) { return c->h.n_bars; }
uint32_t corpus_steps_per_bar(const mv_corpus *c) { return c->h.steps_per_bar; }
uint32_t corpus_seq_len(const mv_corpus *c) { return c->h.seq_len; }

int corpus_fits_model(const mv_corpus *c, const char *path, const mv_hparams *hp, char *err,
                      size_t errlen)
{
    const int same_bars =
        hp->n_bars == corpus_n_bars(c) && hp->steps_per_bar == corpus_steps_per_bar(c);
    const int flat = hp->n_bars == 1 && hp->steps_per_bar == corpus_seq_len(c);
    if (hp->repr == corpus_repr(c) && hp->n_classes == corpus_n_classes(c) &&
        (same_bars || flat) &&
        (hp->repr == MV_REPR_DRUMS || hp->repr == MV_REPR_GROOVE ||
         hp->min_pitch == corpus_min_pitch(c)))
        return 1;
    snprintf(err, errlen,
             "%s holds %s windows of %u bars x %u steps with %u classes (lowest pitch %u), "
             "but the model is %s with %u bars x %u steps and %u classes (lowest pitch %u)",
             path, repr_name(corpus_repr(c)), corpus_n_bars(c), corpus_steps_per_bar(c),
             corpus_n_classes(c), corpus_min_pitch(c), repr_name(hp->repr), hp->n_bars,
             hp->steps_per_bar, hp->n_classes, hp->min_pitch);
    return 0;
}

uint64_t corpus_count(const mv_corpus *c, int split)
{
    return split >= 0 && split < MV_SPLITS ? c->h.count[split] : 0;
}

static int64_t window_index(const mv_corpus *c, int split, uint64_t i)
{
    if (split < 0 || split >= MV_SPLITS || i >= c->h.count[split]) return -1;
    return (int64_t)(c->first[split] + i);
}

const int32_t *corpus_window(const mv_corpus *c, int split, uint64_t i)
{
    int64_t k = window_index(c, split, i);
    if (k < 0 || bytes_per_class(c->h.repr)) return NULL;
    return (const int32_t *)(c->tokens + (uint64_t)k * c->h.window_bytes);
}

const uint8_t *corpus_byte_window(const mv_corpus *c, int split, uint64_t i)
{
    int64_t k = window_index(c, split, i);
    if (k < 0 || !bytes_per_class(c->h.repr)) return NULL;
    return c->tokens + (uint64_t)k * c->h.window_bytes;
}

const void *corpus_window_steps(const mv_corpus *c, int split, uint64_t i)
{
    int64_t k = window_index(c, split, i);
    return k < 0 ? NULL : c->tokens + (uint64_t)k * c->h.window_bytes;
}

const uint8_t *corpus_roll_window(const mv_corpus *c, int split, uint64_t i)
{
    int64_t k = window_index(c, split, i);
    if (k < 0 || c->h.repr != MV_REPR_ROLL) return NULL;
    return c->tokens + (uint64_t)k * c->h.window_bytes;
}

const char *corpus_window_source(const mv_corpus *c, int split, uint64_t i, uint32_t *bar_offset,
                                 int32_t *transpose)
{
    int64_t k = window_index(c, split, i);
    if (k < 0) return NULL;
    const record *r = &c->records[k];
    if (bar_offset) *bar_offset = r->bar;
    if (transpose) *transpose = r->transpose;
    return c->strings + c->sources[r->source];
}

/* ---- writer ---- */

typedef struct grow {
    uint8_t *data;
    size_t len, cap;
} grow;

static int grow_put(grow *g, const void *src, size_t n)
{
    if (g->len + n > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + n) cap *= 2;
        uint8_t *p = realloc(g->data, cap);
        if (!p) return -1;
        g->data = p;
        g->cap = cap;
    }
    memcpy(g->data + g->len, src, n);
    g->len += n;
    return 0;
}

struct mv_corpus_writer {
    char *path;
    char tmp[4200]; /* created at open, so that an unwritable target fails first */
    header h;
    grow tokens[MV_SPLITS], records[MV_SPLITS], chords[MV_SPLITS], sources, strings;
    const char *last_source; /* the caller's pointer for the newest source entry */
    int failed;
};

mv_corpus_writer *corpus_writer_open(const char *path, uint32_t repr, uint32_t n_classes,
                                     uint32_t min_pitch, uint32_t n_bars,
                                     uint32_t steps_per_bar, char *err, size_t errlen)
{
    char why[200];
    if (check_shape(repr, n_classes, min_pitch, n_bars, steps_per_bar, why, sizeof why)) {
        fail(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    mv_corpus_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        fail(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (atomic_file_begin(path, w->tmp, sizeof w->tmp, err, errlen)) {
        free(w->path);
        free(w);
        return NULL;
    }
    header *h = &w->h;
    memcpy(h->magic, CORPUS_MAGIC, 8);
    h->version = CORPUS_VERSION;
    h->header_bytes = HEADER_BYTES;
    h->repr = repr;
    h->n_classes = n_classes;
    h->min_pitch = min_pitch;
    h->n_bars = n_bars;
    h->steps_per_bar = steps_per_bar;
    h->seq_len = n_bars * steps_per_bar;
    h->window_bytes = window_bytes_for(repr, n_classes, h->seq_len);
    return w;
}

static int add_source(mv_corpus_writer *w, const char *source)
{
    if (w->h.n_sources && (source == w->last_source ||
                           !strcmp(source, (const char *)w->strings.data +
                                               ((uint64_t *)w->sources.data)[w->h.n_sources - 1])))
        return 0;
    uint64_t at = w->strings.len;
    if (grow_put(&w->sources, &at, 8) || grow_put(&w->strings, source, strlen(source) + 1))
        return -1;
    w->h.n_sources++;
    w->last_source = source;
    return 0;
}

int corpus_writer_set_chords(mv_corpus_writer *w)
{
    if (w->h.count[0] + w->h.count[1] + w->h.count[2]) return -1;
    w->h.version = CORPUS_VERSION_CHORDS;
    w->h.flags = CORPUS_HAS_CHORDS;
    return 0;
}

int corpus_writer_add(mv_corpus_writer *w, int split, const void *tokens, const char *source,
                      uint32_t bar_offset, int32_t transpose)
{
    return corpus_writer_add_chords(w, split, tokens, NULL, source, bar_offset, transpose);
}

int corpus_writer_add_chords(mv_corpus_writer *w, int split, const void *tokens,
                             const uint8_t *chords, const char *source, uint32_t bar_offset,
                             int32_t transpose)
{
    if (w->failed || split < 0 || split >= MV_SPLITS) return -1;
    if (add_source(w, source)) goto oom;
    record r = {w->h.n_sources - 1, bar_offset, transpose, (uint32_t)split};
    if (grow_put(&w->tokens[split], tokens, w->h.window_bytes) ||
        grow_put(&w->records[split], &r, sizeof r))
        goto oom;
    if (w->h.flags & CORPUS_HAS_CHORDS) {
        static const uint8_t none[MV_MAX_STEPS];
        for (uint32_t t = 0; chords && t < w->h.seq_len; t++)
            if (chords[t] >= MV_CHORD_COUNT) chords = NULL; /* out of the vocabulary: none */
        if (grow_put(&w->chords[split], chords ? chords : none, w->h.seq_len)) goto oom;
    }
    w->h.count[split]++;
    return 0;
oom:
    w->failed = 1;
    return -1;
}

static void writer_free(mv_corpus_writer *w)
{
    for (int s = 0; s < MV_SPLITS; s++) {
        free(w->tokens[s].data);
        free(w->records[s].data);
        free(w->chords[s].data);
    }
    free(w->sources.data);
    free(w->strings.data);
    free(w->path);
    free(w);
}

/* Writes n bytes, updating the checksum when sum is non-NULL. */
static int write_all(int fd, const void *p, size_t n, uint32_t *sum)
{
    const uint8_t *b = p;
    if (sum) *sum = crc32_update(*sum, b, n);
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Zero bytes from offset at up to offset to (the 64-byte alignment). */
static int write_padding(int fd, uint64_t at, uint64_t to, uint32_t *sum)
{
    static const uint8_t zeros[ALIGN];
    return to > at ? write_all(fd, zeros, (size_t)(to - at), sum) : 0;
}

/* Each section is the three splits' buffers one after the other, then padding. */
static int write_section(int fd, const grow *parts, uint64_t *at, uint32_t *sum)
{
    for (int s = 0; s < MV_SPLITS; s++) {
        if (parts[s].len && write_all(fd, parts[s].data, parts[s].len, sum)) return -1;
        *at += parts[s].len;
    }
    return 0;
}

static int write_body(mv_corpus_writer *w, int fd, uint32_t *sum)
{
    header *h = &w->h;
    uint64_t at = h->tokens_offset;
    if (write_padding(fd, HEADER_BYTES, h->tokens_offset, sum) ||
        write_section(fd, w->tokens, &at, sum) || write_padding(fd, at, h->records_offset, sum))
        return -1;
    at = h->records_offset;
    if (write_section(fd, w->records, &at, sum) || write_padding(fd, at, h->sources_offset, sum))
        return -1;
    if (write_all(fd, w->sources.data, w->sources.len, sum) ||
        write_all(fd, w->strings.data, w->strings.len, sum))
        return -1;
    if (!(h->flags & CORPUS_HAS_CHORDS)) return 0;
    at = h->strings_offset + h->strings_bytes;
    uint64_t chords_at = (at + ALIGN - 1) / ALIGN * ALIGN;
    return write_padding(fd, at, chords_at, sum) || write_section(fd, w->chords, &chords_at, sum);
}

void corpus_writer_discard(mv_corpus_writer *w)
{
    atomic_file_abort(w->tmp);
    writer_free(w);
}

int corpus_writer_close(mv_corpus_writer *w, char *err, size_t errlen)
{
    header *h = &w->h;
    int rc = -1;
    if (w->failed || (h->n_sources == 0 && add_source(w, ""))) { /* an empty corpus still */
        fail(err, errlen, "%s: out of memory while collecting windows", w->path); /* has names */
        atomic_file_abort(w->tmp);
        writer_free(w);
        return -1;
    }
    h->strings_bytes = w->strings.len;
    layout l = {0};
    compute_layout(h, &l);
    h->tokens_offset = l.tokens;
    h->records_offset = l.records;
    h->sources_offset = l.sources;
    h->strings_offset = l.strings;
    h->file_bytes = l.end;
    const char *tmp = w->tmp;
    int fd = open(tmp, O_WRONLY | O_CLOEXEC);
    uint32_t sum = 0;
    /* the header goes last, once the checksum is known */
    if (fd < 0 || lseek(fd, HEADER_BYTES, SEEK_SET) != HEADER_BYTES || write_body(w, fd, &sum))
        goto io;
    h->checksum = sum;
    if (lseek(fd, 0, SEEK_SET) != 0 || write_all(fd, h, HEADER_BYTES, NULL)) goto io;
    int closed = close(fd);
    fd = -1;
    if (closed) goto io;
    rc = atomic_file_commit(tmp, w->path, err, errlen);
    writer_free(w);
    return rc;
io:
    fail(err, errlen, "%s: cannot write: %s", w->path, strerror(errno));
    if (fd >= 0) close(fd);
    atomic_file_abort(tmp);
    writer_free(w);
    return -1;
}

const uint8_t *corpus_window_chords(const mv_corpus *c, int split, uint64_t i)
{
    int64_t k = window_index(c, split, i);
    return k < 0 || !c->chords ? NULL : c->chords + (uint64_t)k * c->h.seq_len;
}
