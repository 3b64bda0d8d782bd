/* The weights file reader and writer. The byte layout is documented in
 * docs/weights-format.md; the offsets below are the same numbers. The reader
 * holds the whole file in one 64-byte aligned buffer and checks every count,
 * size and offset against the file length and the hyperparameters before
 * anything uses them; tensors then point into that buffer. */
#include "weights.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "checksum.h"
#include "regular_file.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensors are used in place from the little-endian file: build on a little-endian machine"
#endif

_Static_assert(sizeof(mv_hparams) == 4 * (MV_HPARAMS_FIELDS + 1),
               "hparams are the header's u32 fields and chords");

#define MAGIC "MORPHVAE"
#define ENDIAN_MARKER 0x01020304u
#define ALIGN 64

/* Header: magic, version, endianness marker, hyperparameters, section directory. */
#define OFF_VERSION 8
#define OFF_ENDIAN 12
#define OFF_HPARAMS 16
#define OFF_DIRECTORY 64
#define OFF_N_TENSORS 64
#define OFF_N_META 68
#define OFF_TABLE_SIZE 72
#define OFF_META_SIZE 80
#define OFF_PAYLOAD_OFFSET 88
#define OFF_PAYLOAD_SIZE 96
#define OFF_PAYLOAD_CRC 104
#define OFF_HEADER_CRC 108
#define HEADER_SIZE 112

/* Tensor table entry: name[64], u32 dtype, u32 ndim, u64 dims[2], u64 offset, u64 nbytes. */
#define ENTRY_SIZE 104
#define ENTRY_DTYPE 64
#define ENTRY_NDIM 68
#define ENTRY_DIMS 72
#define ENTRY_OFFSET 88
#define ENTRY_NBYTES 96
#define DTYPE_F32 MV_META_F32 /* tensors reuse the metadata type code */

/* Metadata entry: u32 key_len, u32 type, u64 count, key (padded to 8), data (padded to 8). */
#define META_HEAD 16
#define META_MIN_ENTRY (META_HEAD + 8)

struct mv_weights {
    unsigned char *bytes; /* the whole file, 64-byte aligned; tensors point into it */
    mv_hparams hp;
    size_t n_tensors;
    mv_tensor tensors[MV_MAX_TENSORS]; /* in model_layout() order */
    size_t n_meta;
    mv_meta *meta;   /* in file order */
    char *strings;   /* STR metadata, each copied with a terminating NUL */
    uint32_t payload_crc;
};

/* The section directory, as stored. */
typedef struct {
    uint32_t n_tensors, n_meta;
    uint64_t table_size, meta_size, payload_offset, payload_size;
    uint32_t payload_crc, header_crc;
} directory;

/* Where messages go: "<name>: <problem>". */
typedef struct {
    const char *name;
    char *err;
    size_t errlen;
} report;

/* Says why r->name is refused (the file named, then the reason) and returns
 * the failure class code. */
static int refuse(const report *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(const report *r, int code, const char *fmt, ...)
{
    if (!r->err || r->errlen == 0) return code;
    int n = snprintf(r->err, r->errlen, "%s: ", r->name);
    if (n >= 0 && (size_t)n < r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void wr32(unsigned char *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static void wr64(unsigned char *p, uint64_t v) { memcpy(p, &v, sizeof v); }

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* v rounded up to a multiple of a, or -1 if that overflows. */
static int round_up_checked(uint64_t v, uint64_t a, uint64_t *out)
{
    if (v > UINT64_MAX - (a - 1)) return -1;
    *out = round_up(v, a);
    return 0;
}

static int mul_overflows(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

static const char *const error_names[MV_WEIGHTS_ERR_COUNT_] = {
    [MV_WEIGHTS_OK] = "ok",
    [MV_WEIGHTS_ERR_IO] = "input/output error",
    [MV_WEIGHTS_ERR_MAGIC] = "bad magic",
    [MV_WEIGHTS_ERR_VERSION] = "unsupported version",
    [MV_WEIGHTS_ERR_ENDIAN] = "wrong endianness",
    [MV_WEIGHTS_ERR_TRUNCATED] = "truncated",
    [MV_WEIGHTS_ERR_HPARAMS] = "bad hyperparameters",
    [MV_WEIGHTS_ERR_SIZE] = "bad size",
    [MV_WEIGHTS_ERR_OFFSET] = "offset out of range",
    [MV_WEIGHTS_ERR_ALIGN] = "misaligned",
    [MV_WEIGHTS_ERR_OVERLAP] = "overlapping tensors",
    [MV_WEIGHTS_ERR_NAME] = "bad name",
    [MV_WEIGHTS_ERR_DUPLICATE] = "duplicate",
    [MV_WEIGHTS_ERR_UNKNOWN] = "unknown tensor",
    [MV_WEIGHTS_ERR_MISSING] = "missing tensor",
    [MV_WEIGHTS_ERR_SHAPE] = "wrong shape",
    [MV_WEIGHTS_ERR_NONFINITE] = "NaN or Inf",
    [MV_WEIGHTS_ERR_META] = "bad metadata",
    [MV_WEIGHTS_ERR_CHECKSUM] = "checksum mismatch",
    [MV_WEIGHTS_ERR_NOMEM] = "out of memory",
};

const char *weights_error_name(int code)
{
    if (code < 0 || code >= MV_WEIGHTS_ERR_COUNT_) return "unknown error";
    return error_names[code];
}

/* ---- checks shared by reader and writer ---- */

static void format_shape(char *buf, size_t len, uint32_t ndim, const uint64_t dims[2])
{
    if (ndim == 2)
        snprintf(buf, len, "%llux%llu", (unsigned long long)dims[0], (unsigned long long)dims[1]);
    else
        snprintf(buf, len, "%llu", (unsigned long long)dims[0]);
}

static int find_spec(const mv_tensor_spec *specs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(specs[i].name, name)) return i;
    return -1;
}

static int same_shape(const mv_tensor_spec *s, uint32_t ndim, const uint64_t dims[2])
{
    return s->ndim == ndim && s->dims[0] == dims[0] && (ndim == 1 || s->dims[1] == dims[1]);
}

static int shape_error(const report *r, const char *name, uint32_t ndim, const uint64_t dims[2],
                       const mv_tensor_spec *s)
{
    char got[48], want[48];
    format_shape(got, sizeof got, ndim, dims);
    format_shape(want, sizeof want, s->ndim, s->dims);
    return refuse(r, MV_WEIGHTS_ERR_SHAPE, "tensor %s has %s floats, expected %s", name, got, want);
}

/* Index of the first NaN or Inf in x[0..n), or n. Bit test: exponent all ones. */
static uint64_t first_nonfinite(const float *x, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        if ((bits & 0x7F800000u) == 0x7F800000u) return i;
    }
    return n;
}

static uint64_t tensor_floats(const mv_tensor *t)
{
    return t->ndim == 2 ? t->dims[0] * t->dims[1] : t->dims[0];
}

static const char *nonfinite_name(float v) { return v != v ? "NaN" : "Inf"; }

/* Keys are printable ASCII without spaces, so that messages and `morphvae info`
 * print them as they are. Tensor names follow the same rule. */
static int is_name_byte(unsigned char c) { return c > 0x20 && c < 0x7F; }

static int valid_name(const char *s, size_t len)
{
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_name_byte((unsigned char)s[i])) return 0;
    return 1;
}

/* Well-formed UTF-8 without NUL bytes (no overlong forms, surrogates or code
 * points past U+10FFFF). */
static int valid_utf8(const unsigned char *s, uint64_t n)
{
    uint64_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c == 0) return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        int len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
        else return 0;
        if (n - i < (uint64_t)len) return 0;
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += (uint64_t)len;
    }
    return 1;
}

static uint64_t meta_elem_size(uint32_t type)
{
    switch (type) {
    case MV_META_STR: return 1;
    case MV_META_F32: return 4;
    case MV_META_I64: return 8;
    default: return 0;
    }
}

/* The value checks of one metadata entry (key format, type, count, and the data
 * itself); the reader and the writer both apply them. */
static int check_meta_values(const report *r, const char *key, uint32_t type, uint64_t count,
                             const void *data)
{
    if (meta_elem_size(type) == 0)
        return refuse(r, MV_WEIGHTS_ERR_META, "metadata %s has unknown type %u (1 STR, 2 F32, 3 I64)",
                    key, type);
    if (count == 0 && type != MV_META_STR)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "metadata %s has no values", key);
    if (type == MV_META_STR && !valid_utf8(data, count))
        return refuse(r, MV_WEIGHTS_ERR_META, "metadata %s is not UTF-8 text without NUL bytes", key);
    if (type == MV_META_F32) {
        uint64_t bad = first_nonfinite(data, count);
        if (bad < count)
            return refuse(r, MV_WEIGHTS_ERR_NONFINITE, "metadata %s value %llu is %s", key,
                        (unsigned long long)bad, nonfinite_name(((const float *)data)[bad]));
    }
    return MV_WEIGHTS_OK;
}

/* ---- reader ---- */

/* Magic, endianness, version, hyperparameters and section directory; all
 * offsets and sizes checked for overflow and consistency, not yet against the
 * file length. */
static int read_header(const report *r, const unsigned char *b, size_t n, mv_hparams *hp,
                       directory *d)
{
    if (memcmp(b, MAGIC, n < 8 ? n : 8) != 0)
        return refuse(r, MV_WEIGHTS_ERR_MAGIC, "not a morphvae weights file (bad magic)");
    if (n < OFF_HPARAMS)
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED, "truncated in the header (%zu of %d bytes)", n,
                    HEADER_SIZE);
    uint32_t marker = rd32(b + OFF_ENDIAN);
    if (marker == __builtin_bswap32(ENDIAN_MARKER))
        return refuse(r, MV_WEIGHTS_ERR_ENDIAN, "written big-endian; this reader needs little-endian");
    if (marker != ENDIAN_MARKER)
        return refuse(r, MV_WEIGHTS_ERR_ENDIAN, "endianness marker is 0x%08x, expected 0x%08x",
                    marker, ENDIAN_MARKER);
    uint32_t version = rd32(b + OFF_VERSION);
    if (version != MV_WEIGHTS_VERSION_PLAIN && version != MV_WEIGHTS_VERSION)
        return refuse(r, MV_WEIGHTS_ERR_VERSION, "format version %u, this build reads versions "
                    "%d and %d", version, MV_WEIGHTS_VERSION_PLAIN, MV_WEIGHTS_VERSION);

    if (n < OFF_DIRECTORY)
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED,
                    "truncated in the hyperparameters (%zu of %d header bytes)", n, HEADER_SIZE);
    uint32_t *fields = (uint32_t *)hp;
    for (int i = 0; i < MV_HPARAMS_FIELDS; i++) fields[i] = rd32(b + OFF_HPARAMS + 4 * i);
    /* version 2: the chord input in the high half of the first field (a
     * version 1 file keeps it whole: hparams_check names a representation
     * with high bits as unknown) */
    hp->chords = 0;
    if (version == MV_WEIGHTS_VERSION) {
        hp->chords = hp->repr >> 16;
        hp->repr &= 0xffff;
        if (hp->chords == MV_CHORDS_NONE)
            return refuse(r, MV_WEIGHTS_ERR_HPARAMS, "bad hyperparameters: format version %d "
                        "without a chord input", MV_WEIGHTS_VERSION);
    }
    char why[160];
    if (hparams_check(hp, why, sizeof why) != 0)
        return refuse(r, MV_WEIGHTS_ERR_HPARAMS, "bad hyperparameters: %s", why);

    if (n < HEADER_SIZE)
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED,
                    "truncated in the section directory (%zu of %d header bytes)", n, HEADER_SIZE);
    d->n_tensors = rd32(b + OFF_N_TENSORS);
    d->n_meta = rd32(b + OFF_N_META);
    d->table_size = rd64(b + OFF_TABLE_SIZE);
    d->meta_size = rd64(b + OFF_META_SIZE);
    d->payload_offset = rd64(b + OFF_PAYLOAD_OFFSET);
    d->payload_size = rd64(b + OFF_PAYLOAD_SIZE);
    d->payload_crc = rd32(b + OFF_PAYLOAD_CRC);
    d->header_crc = rd32(b + OFF_HEADER_CRC);

    if (d->n_tensors == 0) return refuse(r, MV_WEIGHTS_ERR_SIZE, "declares no tensors");
    if (d->n_tensors > MV_MAX_TENSORS)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "declares %u tensors, at most %d", d->n_tensors,
                    MV_MAX_TENSORS);
    if (d->table_size != (uint64_t)d->n_tensors * ENTRY_SIZE)
        return refuse(r, MV_WEIGHTS_ERR_SIZE,
                    "tensor table of %llu bytes does not hold %u entries of %d bytes",
                    (unsigned long long)d->table_size, d->n_tensors, ENTRY_SIZE);
    if (d->meta_size < (uint64_t)d->n_meta * META_MIN_ENTRY)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "metadata section of %llu bytes cannot hold %u entries",
                    (unsigned long long)d->meta_size, d->n_meta);
    if (d->meta_size % 8 != 0)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "metadata section of %llu bytes is not a multiple of 8",
                    (unsigned long long)d->meta_size);
    uint64_t meta_end = HEADER_SIZE + d->table_size, payload_start;
    if (d->meta_size > UINT64_MAX - meta_end ||
        round_up_checked(meta_end + d->meta_size, ALIGN, &payload_start) != 0)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "metadata section of %llu bytes is absurdly large",
                    (unsigned long long)d->meta_size);
    if (d->payload_offset % ALIGN != 0)
        return refuse(r, MV_WEIGHTS_ERR_ALIGN, "payload offset %llu is not a multiple of %d",
                    (unsigned long long)d->payload_offset, ALIGN);
    if (d->payload_offset != payload_start)
        return refuse(r, MV_WEIGHTS_ERR_SIZE,
                    "payload offset %llu, expected %llu (the first 64-byte boundary after the "
                    "metadata)",
                    (unsigned long long)d->payload_offset, (unsigned long long)payload_start);
    if (d->payload_size == 0) return refuse(r, MV_WEIGHTS_ERR_SIZE, "has an empty payload");
    return MV_WEIGHTS_OK;
}

/* Which metadata entry (1-based) holds byte `avail` of the section: walks the
 * entry sizes as far as they are readable. */
static uint32_t meta_entry_at(const unsigned char *meta, uint64_t avail, uint32_t n_meta)
{
    uint64_t pos = 0;
    for (uint32_t i = 0; i < n_meta; i++) {
        if (avail - pos < META_HEAD) return i + 1;
        uint64_t elem = meta_elem_size(rd32(meta + pos + 4));
        uint64_t key = round_up(rd32(meta + pos), 8), data;
        if (elem == 0 || mul_overflows(rd64(meta + pos + 8), elem, &data) ||
            round_up_checked(data, 8, &data) != 0 || data > avail - pos ||
            META_HEAD + key + data > avail - pos)
            return i + 1;
        pos += META_HEAD + key + data;
    }
    return n_meta;
}

/* The tensor table, metadata and padding must all be in the file before the
 * header checksum can be computed. */
static int check_sections_present(const report *r, const unsigned char *b, size_t n,
                                  const directory *d)
{
    uint64_t table_end = HEADER_SIZE + d->table_size, meta_end = table_end + d->meta_size;
    if (n < table_end)
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED, "truncated in the tensor table (entry %zu of %u)",
                    (n - HEADER_SIZE) / ENTRY_SIZE + 1, d->n_tensors);
    if (n < meta_end)
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED, "truncated in the metadata (entry %u of %u)",
                    meta_entry_at(b + table_end, n - table_end, d->n_meta), d->n_meta);
    if (n < d->payload_offset)
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED, "truncated before the payload (%zu of %llu bytes)",
                    n, (unsigned long long)d->payload_offset);
    return MV_WEIGHTS_OK;
}

/* CRC-32 of everything before the payload except the header checksum field. */
static uint32_t header_crc(const unsigned char *b, uint64_t payload_offset)
{
    uint32_t crc = crc32_update(0, b, OFF_HEADER_CRC);
    return crc32_update(crc, b + HEADER_SIZE, payload_offset - HEADER_SIZE);
}

/* One table entry's name: NUL-terminated within its field, zero after the NUL,
 * printable. */
static int read_entry_name(const report *r, const unsigned char *e, uint32_t i, uint32_t n,
                           char name[MV_TENSOR_NAME_MAX])
{
    const unsigned char *nul = memchr(e, 0, MV_TENSOR_NAME_MAX);
    if (!nul)
        return refuse(r, MV_WEIGHTS_ERR_NAME,
                    "tensor table entry %u of %u: name is not NUL-terminated within %d bytes",
                    i + 1, n, MV_TENSOR_NAME_MAX);
    size_t len = (size_t)(nul - e);
    memcpy(name, e, len + 1);
    if (!valid_name(name, len))
        return refuse(r, MV_WEIGHTS_ERR_NAME,
                    "tensor table entry %u of %u: name is empty or not printable ASCII", i + 1, n);
    for (size_t k = len; k < MV_TENSOR_NAME_MAX; k++)
        if (e[k] != 0)
            return refuse(r, MV_WEIGHTS_ERR_NAME,
                        "tensor table entry %u of %u (%s): bytes after the name's NUL are not zero",
                        i + 1, n, name);
    return MV_WEIGHTS_OK;
}

/* Reads and checks the tensor table against the layout: fills w->tensors (in
 * layout order, data not yet bound) and offsets[] (payload-relative). */
static int read_table(const report *r, const unsigned char *b, const directory *d, mv_weights *w,
                      uint64_t offsets[MV_MAX_TENSORS])
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n_specs = model_layout(&w->hp, specs);
    int entry_of_spec[MV_MAX_TENSORS];
    for (int s = 0; s < n_specs; s++) entry_of_spec[s] = -1;

    for (uint32_t i = 0; i < d->n_tensors; i++) {
        const unsigned char *e = b + HEADER_SIZE + (uint64_t)i * ENTRY_SIZE;
        char name[MV_TENSOR_NAME_MAX];
        int rc = read_entry_name(r, e, i, d->n_tensors, name);
        if (rc) return rc;
        uint32_t dtype = rd32(e + ENTRY_DTYPE), ndim = rd32(e + ENTRY_NDIM);
        uint64_t dims[2] = {rd64(e + ENTRY_DIMS), rd64(e + ENTRY_DIMS + 8)};
        uint64_t offset = rd64(e + ENTRY_OFFSET), nbytes = rd64(e + ENTRY_NBYTES);

        if (dtype != DTYPE_F32)
            return refuse(r, MV_WEIGHTS_ERR_VERSION,
                        "tensor %s has data type %u; this build reads float32 (%d) only", name,
                        dtype, DTYPE_F32);
        if (ndim != 1 && ndim != 2)
            return refuse(r, MV_WEIGHTS_ERR_SHAPE, "tensor %s has %u dimensions, expected 1 or 2",
                        name, ndim);
        if (ndim == 1 && dims[1] != 0)
            return refuse(r, MV_WEIGHTS_ERR_SHAPE,
                        "tensor %s is 1-dimensional but has a second dimension of %llu", name,
                        (unsigned long long)dims[1]);
        uint64_t count = dims[0], need;
        if (dims[0] == 0 || (ndim == 2 && dims[1] == 0))
            return refuse(r, MV_WEIGHTS_ERR_SIZE, "tensor %s has a zero dimension", name);
        if ((ndim == 2 && mul_overflows(dims[0], dims[1], &count)) ||
            mul_overflows(count, sizeof(float), &need) || need > SIZE_MAX) {
            char shape[48];
            format_shape(shape, sizeof shape, ndim, dims);
            return refuse(r, MV_WEIGHTS_ERR_SIZE, "tensor %s of %s floats is absurdly large", name,
                        shape);
        }
        if (nbytes != need)
            return refuse(r, MV_WEIGHTS_ERR_SIZE, "tensor %s declares %llu bytes, its shape needs %llu",
                        name, (unsigned long long)nbytes, (unsigned long long)need);
        int s = find_spec(specs, n_specs, name);
        for (uint32_t k = 0; k < i; k++)
            if (!strcmp((const char *)(b + HEADER_SIZE + (uint64_t)k * ENTRY_SIZE), name))
                return refuse(r, MV_WEIGHTS_ERR_DUPLICATE,
                            "tensor %s appears twice in the table (entries %u and %u)", name, k + 1,
                            i + 1);
        if (s < 0)
            return refuse(r, MV_WEIGHTS_ERR_UNKNOWN,
                        "tensor %s is not part of a model with these hyperparameters", name);
        if (!same_shape(&specs[s], ndim, dims)) return shape_error(r, name, ndim, dims, &specs[s]);
        if (offset % ALIGN != 0)
            return refuse(r, MV_WEIGHTS_ERR_ALIGN,
                        "tensor %s at payload offset %llu is not %d-byte aligned", name,
                        (unsigned long long)offset, ALIGN);
        if (offset > d->payload_size || nbytes > d->payload_size - offset)
            return refuse(r, MV_WEIGHTS_ERR_OFFSET,
                        "tensor %s (%llu bytes at payload offset %llu) runs past the end of the "
                        "%llu-byte payload",
                        name, (unsigned long long)nbytes, (unsigned long long)offset,
                        (unsigned long long)d->payload_size);

        mv_tensor *t = &w->tensors[s];
        memcpy(t->name, name, sizeof name);
        t->ndim = ndim;
        t->dims[0] = dims[0];
        t->dims[1] = ndim == 2 ? dims[1] : 0;
        offsets[s] = offset;
        entry_of_spec[s] = (int)i;
    }
    for (int s = 0; s < n_specs; s++)
        if (entry_of_spec[s] < 0)
            return refuse(r, MV_WEIGHTS_ERR_MISSING, "tensor %s is missing (the file has %u of %d)",
                        specs[s].name, d->n_tensors, n_specs);
    w->n_tensors = (size_t)n_specs;
    return MV_WEIGHTS_OK;
}

/* Tensors sorted by offset must tile the payload: the first at 0, each next at
 * the first 64-byte boundary after the one before, the payload ending at the
 * boundary after the last. No overlaps, no gaps, nothing hidden. */
static int check_tiling(const report *r, const mv_weights *w, const uint64_t *offsets,
                        uint64_t payload_size)
{
    size_t order[MV_MAX_TENSORS];
    size_t n = w->n_tensors;
    for (size_t i = 0; i < n; i++) {
        size_t k = i; /* insertion sort: at most 64 entries */
        while (k > 0 && offsets[order[k - 1]] > offsets[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    uint64_t expect = 0;
    const char *prev = NULL;
    uint64_t prev_end = 0;
    for (size_t k = 0; k < n; k++) {
        const mv_tensor *t = &w->tensors[order[k]];
        uint64_t off = offsets[order[k]];
        if (prev && off < prev_end)
            return refuse(r, MV_WEIGHTS_ERR_OVERLAP,
                        "tensors %s and %s overlap (%s ends at payload offset %llu, %s starts at "
                        "%llu)",
                        prev, t->name, prev, (unsigned long long)prev_end, t->name,
                        (unsigned long long)off);
        if (off != expect)
            return refuse(r, MV_WEIGHTS_ERR_SIZE,
                        "tensor %s at payload offset %llu leaves a gap (expected offset %llu)",
                        t->name, (unsigned long long)off, (unsigned long long)expect);
        prev = t->name;
        prev_end = off + tensor_floats(t) * sizeof(float);
        expect = round_up(prev_end, ALIGN);
    }
    if (payload_size != expect)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "payload of %llu bytes, the tensors fill %llu",
                    (unsigned long long)payload_size, (unsigned long long)expect);
    return MV_WEIGHTS_OK;
}

/* Reads and checks the metadata section: fills w->meta, copying strings with a
 * terminating NUL into w->strings. */
static int read_meta(const report *r, const unsigned char *b, const directory *d, mv_weights *w)
{
    const unsigned char *sec = b + HEADER_SIZE + d->table_size;
    const uint64_t size = d->meta_size;
    /* bounded by the file length: n_meta * 24 <= meta_size <= file length */
    w->meta = calloc(d->n_meta ? d->n_meta : 1, sizeof *w->meta);
    w->strings = malloc((size_t)size + d->n_meta + 1);
    if (!w->meta || !w->strings) return refuse(r, MV_WEIGHTS_ERR_NOMEM, "out of memory");
    char *str = w->strings;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < d->n_meta; i++) {
        uint64_t left = size - pos;
        if (left < META_HEAD)
            return refuse(r, MV_WEIGHTS_ERR_SIZE,
                        "metadata entry %u of %u does not fit in the metadata section", i + 1,
                        d->n_meta);
        const unsigned char *e = sec + pos;
        uint32_t key_len = rd32(e), type = rd32(e + 4);
        uint64_t count = rd64(e + 8);
        left -= META_HEAD;
        if (key_len == 0 || key_len >= MV_META_KEY_MAX)
            return refuse(r, MV_WEIGHTS_ERR_NAME,
                        "metadata entry %u of %u has a key of %u bytes, expected 1..%d", i + 1,
                        d->n_meta, key_len, MV_META_KEY_MAX - 1);
        uint64_t key_padded = round_up(key_len, 8);
        if (key_padded > left)
            return refuse(r, MV_WEIGHTS_ERR_SIZE,
                        "metadata entry %u of %u: its key runs past the metadata section", i + 1,
                        d->n_meta);
        left -= key_padded;
        mv_meta *m = &w->meta[i];
        memcpy(m->key, e + META_HEAD, key_len);
        m->key[key_len] = 0;
        if (!valid_name(m->key, key_len))
            return refuse(r, MV_WEIGHTS_ERR_NAME,
                        "metadata entry %u of %u: key is not printable ASCII without spaces",
                        i + 1, d->n_meta);
        for (uint32_t k = 0; k < i; k++)
            if (!strcmp(w->meta[k].key, m->key))
                return refuse(r, MV_WEIGHTS_ERR_DUPLICATE,
                            "metadata key %s appears twice (entries %u and %u)", m->key, k + 1,
                            i + 1);
        uint64_t elem = meta_elem_size(type);
        if (elem == 0)
            return refuse(r, MV_WEIGHTS_ERR_META,
                        "metadata %s has unknown type %u (1 STR, 2 F32, 3 I64)", m->key, type);
        if (count > left / elem || round_up(count * elem, 8) > left)
            return refuse(r, MV_WEIGHTS_ERR_SIZE,
                        "metadata %s declares %llu values of %llu bytes, more than the %llu bytes "
                        "left in the metadata section",
                        m->key, (unsigned long long)count, (unsigned long long)elem,
                        (unsigned long long)left);
        const unsigned char *data = e + META_HEAD + key_padded;
        int rc = check_meta_values(r, m->key, type, count, data);
        if (rc) return rc;
        m->type = type;
        m->count = count;
        if (type == MV_META_STR) {
            memcpy(str, data, (size_t)count);
            str[count] = 0;
            m->data = str;
            str += count + 1;
        } else {
            m->data = data;
        }
        pos += META_HEAD + key_padded + round_up(count * elem, 8);
    }
    if (pos != size)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "metadata section has %llu bytes after its last entry",
                    (unsigned long long)(size - pos));
    w->n_meta = d->n_meta;
    return MV_WEIGHTS_OK;
}

/* The payload: present in full and nothing after it, checksum, then every
 * float finite. Binds the tensors' data pointers. */
static int read_payload(const report *r, const directory *d, size_t n, mv_weights *w,
                        const uint64_t *offsets)
{
    uint64_t avail = n - d->payload_offset;
    if (avail < d->payload_size) {
        int cut = -1; /* the tensor with the lowest offset that does not fit */
        for (size_t s = 0; s < w->n_tensors; s++)
            if (offsets[s] + tensor_floats(&w->tensors[s]) * sizeof(float) > avail &&
                (cut < 0 || offsets[s] < offsets[cut]))
                cut = (int)s;
        return refuse(r, MV_WEIGHTS_ERR_TRUNCATED,
                    "truncated in the payload, %s %s (%llu of %llu payload bytes)",
                    cut < 0 ? "after" : "in tensor",
                    cut < 0 ? "the last tensor" : w->tensors[cut].name, (unsigned long long)avail,
                    (unsigned long long)d->payload_size);
    }
    if (avail > d->payload_size)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "%llu bytes follow the end of the payload",
                    (unsigned long long)(avail - d->payload_size));
    const unsigned char *payload = w->bytes + d->payload_offset;
    uint32_t crc = crc32_update(0, payload, (size_t)d->payload_size);
    if (crc != d->payload_crc)
        return refuse(r, MV_WEIGHTS_ERR_CHECKSUM,
                    "payload checksum mismatch (stored 0x%08x, computed 0x%08x): the tensor data "
                    "is corrupt",
                    d->payload_crc, crc);
    w->payload_crc = crc;
    for (size_t s = 0; s < w->n_tensors; s++) {
        mv_tensor *t = &w->tensors[s];
        t->data = (const float *)(payload + offsets[s]);
        uint64_t count = tensor_floats(t), bad = first_nonfinite(t->data, count);
        if (bad < count)
            return refuse(r, MV_WEIGHTS_ERR_NONFINITE, "tensor %s has %s at index %llu", t->name,
                        nonfinite_name(t->data[bad]), (unsigned long long)bad);
    }
    return MV_WEIGHTS_OK;
}

static int parse(const report *r, mv_weights *w, size_t n)
{
    const unsigned char *b = w->bytes;
    directory d;
    int rc = read_header(r, b, n, &w->hp, &d);
    if (!rc) rc = check_sections_present(r, b, n, &d);
    if (rc) return rc;
    uint32_t crc = header_crc(b, d.payload_offset);
    if (crc != d.header_crc)
        return refuse(r, MV_WEIGHTS_ERR_CHECKSUM,
                    "header checksum mismatch (stored 0x%08x, computed 0x%08x): the header, tensor "
                    "table or metadata is corrupt",
                    d.header_crc, crc);
    uint64_t offsets[MV_MAX_TENSORS];
    rc = read_table(r, b, &d, w, offsets);
    if (!rc) rc = read_meta(r, b, &d, w);
    if (!rc) rc = check_tiling(r, w, offsets, d.payload_size);
    if (!rc) rc = read_payload(r, &d, n, w, offsets);
    return rc;
}

/* Takes ownership of bytes (64-byte aligned, n bytes of file). */
static int read_owned(unsigned char *bytes, size_t n, const char *name, mv_weights **out,
                      char *err, size_t errlen)
{
    const report r = {name, err, errlen};
    mv_weights *w = calloc(1, sizeof *w);
    if (!w) {
        free(bytes);
        return refuse(&r, MV_WEIGHTS_ERR_NOMEM, "out of memory");
    }
    w->bytes = bytes;
    int rc = parse(&r, w, n);
    if (rc) {
        weights_free(w);
        return rc;
    }
    if (err && errlen) err[0] = 0;
    *out = w;
    return MV_WEIGHTS_OK;
}

static unsigned char *alloc_file_buffer(size_t n)
{
    return aligned_alloc(ALIGN, (size_t)round_up(n ? n : 1, ALIGN));
}

/* Reads n bytes from the start of fd into buf. */
static int read_start(const report *r, int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return refuse(r, MV_WEIGHTS_ERR_IO, "read %zu of %zu bytes: %s", got, n,
                        k < 0 ? strerror(errno) : "the file shrank while being read");
        got += (size_t)k;
    }
    return MV_WEIGHTS_OK;
}

/* The header is read and checked first, against the file's size too: a file
 * that is no model, or whose sections do not add up to its size, is refused
 * before its payload is read (a model path naming a disk image must not make
 * the plugin's worker read gigabytes). */
static int read_fd(const report *r, int fd, uint64_t file_size, mv_weights **out)
{
    if (file_size > MV_WEIGHTS_MAX_FILE)
        return refuse(r, MV_WEIGHTS_ERR_SIZE,
                    "file of %llu bytes, larger than the %llu bytes a model may have",
                    (unsigned long long)file_size, (unsigned long long)MV_WEIGHTS_MAX_FILE);
    size_t n = (size_t)file_size;
    unsigned char head[HEADER_SIZE];
    mv_hparams hp;
    directory d;
    int rc = read_start(r, fd, head, n < HEADER_SIZE ? n : HEADER_SIZE);
    if (!rc) rc = read_header(r, head, n < HEADER_SIZE ? n : HEADER_SIZE, &hp, &d);
    if (rc) return rc;
    if (n > d.payload_offset && d.payload_size < n - d.payload_offset)
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "%llu bytes follow the end of the payload",
                    (unsigned long long)(n - d.payload_offset - d.payload_size));
    unsigned char *bytes = alloc_file_buffer(n);
    if (!bytes) return refuse(r, MV_WEIGHTS_ERR_NOMEM, "out of memory for %zu bytes", n);
    rc = read_start(r, fd, bytes, n);
    if (rc) {
        free(bytes);
        return rc;
    }
    return read_owned(bytes, n, r->name, out, r->err, r->errlen);
}

int weights_read(const char *path, mv_weights **out, char *err, size_t errlen)
{
    const report r = {path, err, errlen};
    *out = NULL;
    uint64_t size;
    int fd = regular_file_open(path, &size, err, errlen);
    if (fd < 0) return MV_WEIGHTS_ERR_IO;
    int rc = read_fd(&r, fd, size, out);
    close(fd);
    return rc;
}

int weights_read_mem(const void *bytes, size_t n, const char *name, mv_weights **out, char *err,
                     size_t errlen)
{
    const report r = {name, err, errlen};
    *out = NULL;
    if (n > SIZE_MAX - ALIGN)
        return refuse(&r, MV_WEIGHTS_ERR_SIZE, "%zu bytes are too large for memory", n);
    unsigned char *copy = alloc_file_buffer(n);
    if (!copy) return refuse(&r, MV_WEIGHTS_ERR_NOMEM, "out of memory for %zu bytes", n);
    if (n) memcpy(copy, bytes, n);
    return read_owned(copy, n, name, out, err, errlen);
}

void weights_free(mv_weights *w)
{
    if (!w) return;
    free(w->bytes);
    free(w->meta);
    free(w->strings);
    free(w);
}

const mv_hparams *weights_hparams(const mv_weights *w) { return &w->hp; }
size_t weights_tensor_count(const mv_weights *w) { return w->n_tensors; }
size_t weights_meta_count(const mv_weights *w) { return w->n_meta; }
uint64_t weights_checksum(const mv_weights *w) { return w->payload_crc; }

const mv_tensor *weights_tensor_at(const mv_weights *w, size_t i)
{
    return i < w->n_tensors ? &w->tensors[i] : NULL;
}

const mv_tensor *weights_tensor(const mv_weights *w, const char *name)
{
    for (size_t i = 0; i < w->n_tensors; i++)
        if (!strcmp(w->tensors[i].name, name)) return &w->tensors[i];
    return NULL;
}

const mv_meta *weights_meta_at(const mv_weights *w, size_t i)
{
    return i < w->n_meta ? &w->meta[i] : NULL;
}

const mv_meta *weights_meta(const mv_weights *w, const char *key)
{
    for (size_t i = 0; i < w->n_meta; i++)
        if (!strcmp(w->meta[i].key, key)) return &w->meta[i];
    return NULL;
}

int weights_output_sd(const mv_weights *w, const char *path, const float **out, char *err,
                      size_t errlen)
{
    const mv_meta *m = weights_meta(w, MV_META_OUTPUT_SD);
    *out = NULL;
    if (!m) return 0;
    const float *sd = m->data;
    int ok = m->type == MV_META_F32 && m->count == w->hp.n_classes;
    for (uint64_t k = 0; ok && k < m->count; k++) ok = sd[k] >= 0;
    if (!ok) {
        snprintf(err, errlen, "%s: metadata %s is not %u float32 values of at least 0", path,
                 MV_META_OUTPUT_SD, (unsigned)w->hp.n_classes);
        return -1;
    }
    *out = sd;
    return 0;
}

/* ---- writer ---- */

static const unsigned char zeros[ALIGN];

/* The tensors must be exactly the layout of hp; by_spec[s] gets the tensor for
 * layout entry s. */
static int check_write_tensors(const report *r, const mv_hparams *hp, const mv_tensor *tensors,
                               size_t n_tensors, const mv_tensor *by_spec[MV_MAX_TENSORS],
                               int *n_specs)
{
    char why[160];
    if (hparams_check(hp, why, sizeof why) != 0)
        return refuse(r, MV_WEIGHTS_ERR_HPARAMS, "bad hyperparameters: %s", why);
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int ns = model_layout(hp, specs);
    if (n_tensors > MV_MAX_TENSORS || (n_tensors && !tensors))
        return refuse(r, MV_WEIGHTS_ERR_SIZE, "%zu tensors given, at most %d", n_tensors,
                    MV_MAX_TENSORS);
    for (int s = 0; s < ns; s++) by_spec[s] = NULL;
    for (size_t i = 0; i < n_tensors; i++) {
        const mv_tensor *t = &tensors[i];
        if (!memchr(t->name, 0, MV_TENSOR_NAME_MAX) || !valid_name(t->name, strlen(t->name)))
            return refuse(r, MV_WEIGHTS_ERR_NAME,
                        "tensor %zu has an empty, unterminated or non-printable name", i + 1);
        int s = find_spec(specs, ns, t->name);
        if (s < 0)
            return refuse(r, MV_WEIGHTS_ERR_UNKNOWN,
                        "tensor %s is not part of a model with these hyperparameters", t->name);
        if (by_spec[s])
            return refuse(r, MV_WEIGHTS_ERR_DUPLICATE, "tensor %s is given twice", t->name);
        if (!same_shape(&specs[s], t->ndim, t->dims))
            return shape_error(r, t->name, t->ndim == 2 ? 2 : 1, t->dims, &specs[s]);
        if (!t->data) return refuse(r, MV_WEIGHTS_ERR_SIZE, "tensor %s has no data", t->name);
        uint64_t count = tensor_spec_count(&specs[s]), bad = first_nonfinite(t->data, count);
        if (bad < count)
            return refuse(r, MV_WEIGHTS_ERR_NONFINITE, "tensor %s has %s at index %llu", t->name,
                        nonfinite_name(t->data[bad]), (unsigned long long)bad);
        by_spec[s] = t;
    }
    for (int s = 0; s < ns; s++)
        if (!by_spec[s])
            return refuse(r, MV_WEIGHTS_ERR_MISSING, "tensor %s is missing (%zu of %d given)",
                        specs[s].name, n_tensors, ns);
    *n_specs = ns;
    return MV_WEIGHTS_OK;
}

/* Checks the metadata and sums the size of its section. */
static int check_write_meta(const report *r, const mv_meta *meta, size_t n_meta,
                            uint64_t *meta_size)
{
    if (n_meta > UINT32_MAX || (n_meta && !meta))
        return refuse(r, MV_WEIGHTS_ERR_META, "%zu metadata entries given without a list", n_meta);
    uint64_t total = 0;
    for (size_t i = 0; i < n_meta; i++) {
        const mv_meta *m = &meta[i];
        if (!memchr(m->key, 0, MV_META_KEY_MAX) || !valid_name(m->key, strlen(m->key)))
            return refuse(r, MV_WEIGHTS_ERR_NAME,
                        "metadata entry %zu has an empty, unterminated or non-printable key",
                        i + 1);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(meta[k].key, m->key))
                return refuse(r, MV_WEIGHTS_ERR_DUPLICATE, "metadata key %s is given twice", m->key);
        uint64_t elem = meta_elem_size(m->type), bytes = 0, padded = 0;
        uint64_t head = META_HEAD + round_up(strlen(m->key), 8);
        if (elem && (mul_overflows(m->count, elem, &bytes) ||
                     round_up_checked(bytes, 8, &padded) != 0 || padded > UINT64_MAX - head ||
                     head + padded > UINT64_MAX - total))
            return refuse(r, MV_WEIGHTS_ERR_SIZE, "metadata %s has an absurd count %llu", m->key,
                        (unsigned long long)m->count);
        if (elem && m->count && !m->data)
            return refuse(r, MV_WEIGHTS_ERR_META, "metadata %s has no data", m->key);
        int rc = check_meta_values(r, m->key, m->type, m->count, m->data);
        if (rc) return rc;
        total += head + padded;
    }
    *meta_size = total;
    return MV_WEIGHTS_OK;
}

/* Header, tensor table, metadata and padding: everything before the payload. */
static unsigned char *build_head(const mv_hparams *hp, const mv_tensor *const *by_spec, int ns,
                                 const mv_meta *meta, size_t n_meta, uint64_t meta_size,
                                 uint64_t payload_offset)
{
    unsigned char *h = calloc(1, (size_t)payload_offset);
    if (!h) return NULL;
    memcpy(h, MAGIC, 8);
    wr32(h + OFF_VERSION, hp->chords ? MV_WEIGHTS_VERSION : MV_WEIGHTS_VERSION_PLAIN);
    wr32(h + OFF_ENDIAN, ENDIAN_MARKER);
    const uint32_t *fields = (const uint32_t *)hp;
    for (int i = 0; i < MV_HPARAMS_FIELDS; i++) wr32(h + OFF_HPARAMS + 4 * i, fields[i]);
    wr32(h + OFF_HPARAMS, hp->repr | hp->chords << 16);

    uint64_t offset = 0;
    uint32_t payload_crc = 0;
    for (int s = 0; s < ns; s++) {
        const mv_tensor *t = by_spec[s];
        unsigned char *e = h + HEADER_SIZE + (uint64_t)s * ENTRY_SIZE;
        uint64_t nbytes = tensor_floats(t) * sizeof(float), pad = round_up(nbytes, ALIGN) - nbytes;
        memcpy(e, t->name, strlen(t->name));
        wr32(e + ENTRY_DTYPE, DTYPE_F32);
        wr32(e + ENTRY_NDIM, t->ndim);
        wr64(e + ENTRY_DIMS, t->dims[0]);
        wr64(e + ENTRY_DIMS + 8, t->ndim == 2 ? t->dims[1] : 0);
        wr64(e + ENTRY_OFFSET, offset);
        wr64(e + ENTRY_NBYTES, nbytes);
        payload_crc = crc32_update(payload_crc, t->data, (size_t)nbytes);
        payload_crc = crc32_update(payload_crc, zeros, (size_t)pad);
        offset += nbytes + pad;
    }

    unsigned char *p = h + HEADER_SIZE + (uint64_t)ns * ENTRY_SIZE;
    for (size_t i = 0; i < n_meta; i++) {
        const mv_meta *m = &meta[i];
        size_t key_len = strlen(m->key);
        uint64_t bytes = m->count * meta_elem_size(m->type);
        wr32(p, (uint32_t)key_len);
        wr32(p + 4, m->type);
        wr64(p + 8, m->count);
        memcpy(p + META_HEAD, m->key, key_len);
        p += META_HEAD + round_up(key_len, 8);
        if (bytes) memcpy(p, m->data, (size_t)bytes);
        p += round_up(bytes, 8);
    }

    wr32(h + OFF_N_TENSORS, (uint32_t)ns);
    wr32(h + OFF_N_META, (uint32_t)n_meta);
    wr64(h + OFF_TABLE_SIZE, (uint64_t)ns * ENTRY_SIZE);
    wr64(h + OFF_META_SIZE, meta_size);
    wr64(h + OFF_PAYLOAD_OFFSET, payload_offset);
    wr64(h + OFF_PAYLOAD_SIZE, offset);
    wr32(h + OFF_PAYLOAD_CRC, payload_crc);
    wr32(h + OFF_HEADER_CRC, header_crc(h, payload_offset));
    return h;
}

static int write_all(int fd, const void *bytes, uint64_t n)
{
    const unsigned char *p = bytes;
    while (n > 0) {
        ssize_t k = write(fd, p, n > (1u << 30) ? (1u << 30) : (size_t)n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (uint64_t)k;
    }
    return 0;
}

static int write_body(int fd, const unsigned char *head, uint64_t head_size,
                      const mv_tensor *const *by_spec, int ns)
{
    if (write_all(fd, head, head_size) != 0) return -1;
    for (int s = 0; s < ns; s++) {
        uint64_t nbytes = tensor_floats(by_spec[s]) * sizeof(float);
        if (write_all(fd, by_spec[s]->data, nbytes) != 0 ||
            write_all(fd, zeros, round_up(nbytes, ALIGN) - nbytes) != 0)
            return -1;
    }
    return 0; /* atomic_file_commit syncs it */
}

/* Through a temporary file beside path, written, synced and renamed over it
 * (atomic_file.h): path holds either its old content or the complete new file. */
static int write_atomically(const report *r, const char *path, const unsigned char *head,
                            uint64_t head_size, const mv_tensor *const *by_spec, int ns)
{
    size_t tmplen = strlen(path) + ATOMIC_FILE_TMP_EXTRA;
    char *tmp = malloc(tmplen);
    if (!tmp) return refuse(r, MV_WEIGHTS_ERR_NOMEM, "out of memory");
    int fd = atomic_file_open(path, tmp, tmplen, r->err, r->errlen);
    if (fd < 0) {
        free(tmp);
        return MV_WEIGHTS_ERR_IO;
    }
    int ok = write_body(fd, head, head_size, by_spec, ns) == 0, e = errno;
    if (close(fd) != 0 && ok) ok = 0, e = errno;
    int rc = MV_WEIGHTS_OK;
    if (!ok) {
        atomic_file_abort(tmp);
        rc = refuse(r, MV_WEIGHTS_ERR_IO, "cannot write: %s", strerror(e));
    } else if (atomic_file_commit(tmp, path, r->err, r->errlen) != 0) {
        rc = MV_WEIGHTS_ERR_IO;
    }
    free(tmp);
    return rc;
}

int weights_write(const char *path, const mv_hparams *hp, const mv_tensor *tensors,
                  size_t n_tensors, const mv_meta *meta, size_t n_meta, char *err, size_t errlen)
{
    const report r = {path, err, errlen};
    const mv_tensor *by_spec[MV_MAX_TENSORS];
    int ns = 0;
    uint64_t meta_size = 0;
    int rc = check_write_tensors(&r, hp, tensors, n_tensors, by_spec, &ns);
    if (!rc) rc = check_write_meta(&r, meta, n_meta, &meta_size);
    if (rc) return rc;
    uint64_t table_end = HEADER_SIZE + (uint64_t)ns * ENTRY_SIZE;
    if (meta_size > SIZE_MAX - table_end - ALIGN)
        return refuse(&r, MV_WEIGHTS_ERR_SIZE, "metadata of %llu bytes is too large",
                    (unsigned long long)meta_size);
    uint64_t payload_offset = round_up(table_end + meta_size, ALIGN);
    unsigned char *head = build_head(hp, by_spec, ns, meta, n_meta, meta_size, payload_offset);
    if (!head) return refuse(&r, MV_WEIGHTS_ERR_NOMEM, "out of memory");
    rc = write_atomically(&r, path, head, payload_offset, by_spec, ns);
    free(head);
    if (!rc && err && errlen) err[0] = 0;
    return rc;
}
