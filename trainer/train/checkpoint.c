#include "checkpoint.h"
#include "vae.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "model.h"
#include "regular_file.h"

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#define FNV_START 0xcbf29ce484222325ull

/* The formats before MVCKPT04 hold the 12 hyperparameter fields of a model
 * without chord input. */
typedef struct hparams_v3 {
    uint32_t field[MV_HPARAMS_FIELDS];
} hparams_v3;

/* The header of format MVCKPT02: train_numerics without lr_decay, lr_min and
 * chord_dropout. */
typedef struct train_numerics_v2 {
    double beta, free_bits, lr, beta_rate, sampling_rate;
    int64_t batch;
    uint64_t seed;
    int64_t sampling_start;
    double sampling_max;
    double word_dropout;
} train_numerics_v2;

typedef struct ckpt_header_v2 {
    char magic[8];
    uint32_t real_size;
    uint32_t pad;
    hparams_v3 hp;
    train_numerics_v2 num;
    train_state st;
    uint64_t n_params;
} ckpt_header_v2;

/* MVCKPT03: train_numerics without chord_dropout. */
typedef struct train_numerics_v3 {
    train_numerics_v2 v2;
    double lr_decay, lr_min;
} train_numerics_v3;

typedef struct ckpt_header_v3 {
    char magic[8];
    uint32_t real_size;
    uint32_t pad;
    hparams_v3 hp;
    train_numerics_v3 num;
    train_state st;
    uint64_t n_params;
} ckpt_header_v3;

/* Reads the rest of a format-4 or format-5 header after its magic: today's
 * header with only the first num_size bytes of train_numerics (each format
 * appended fields; those after keep their defaults: no latent or decoder
 * dropout). Returns its size in the file, or 0 if the file is shorter. */
static size_t read_prefix_header(FILE *f, ckpt_header *h, size_t num_size)
{
    char magic[8];
    memcpy(magic, h->magic, 8);
    memset(h, 0, sizeof *h); /* padding too: a header read twice compares equal */
    memcpy(h->magic, magic, 8);
    h->num.latent_from = VAE_Z_PRIOR;
    const size_t before = offsetof(ckpt_header, num) - 8; /* real_size, pad, hp */
    void *parts[4] = {(char *)h + 8, &h->num, &h->st, &h->n_params};
    const size_t sizes[4] = {before, num_size, sizeof h->st, sizeof h->n_params};
    for (int i = 0; i < 4; i++)
        if (fread(parts[i], sizes[i], 1, f) != 1) return 0;
    return 8 + before + num_size + sizeof h->st + sizeof h->n_params;
}

/* Reads the rest of an older header after its magic, and converts it: the
 * model has no chord input, format 2 had Magenta's schedule. Returns its size
 * in the file, or 0 if the file is shorter. */
static size_t read_old_header(FILE *f, ckpt_header *h)
{
    ckpt_header_v3 old;
    const int v2 = memcmp(h->magic, CKPT_MAGIC_V2, 8) == 0;
    const size_t size = v2 ? sizeof(ckpt_header_v2) : sizeof old;
    char magic[8];
    memcpy(magic, h->magic, 8);
    memset(h, 0, sizeof *h);
    memcpy(h->magic, magic, 8);
    if (v2) {
        ckpt_header_v2 o;
        if (fread((char *)&o + 8, sizeof o - 8, 1, f) != 1) return 0;
        old = (ckpt_header_v3){.real_size = o.real_size, .pad = o.pad, .hp = o.hp,
                               .num = {o.num, 0.9999, 1e-5}, .st = o.st, .n_params = o.n_params};
    } else if (fread((char *)&old + 8, sizeof old - 8, 1, f) != 1) {
        return 0;
    }
    h->real_size = old.real_size;
    h->pad = old.pad;
    memcpy(&h->hp, &old.hp, sizeof old.hp);
    memcpy(&h->num, &old.num, sizeof old.num);
    h->num.latent_from = VAE_Z_PRIOR;
    h->st = old.st;
    h->n_params = old.n_params;
    return size;
}

/* Reads the header at the start of f into h (an older format converted).
 * Returns its size in the file, or 0 if the file is shorter than the header
 * its magic names. */
static size_t read_header(FILE *f, ckpt_header *h)
{
    if (fread(h->magic, 1, 8, f) != 8) return 0;
    if (!memcmp(h->magic, CKPT_MAGIC_V2, 8) || !memcmp(h->magic, CKPT_MAGIC_V3, 8))
        return read_old_header(f, h);
    if (!memcmp(h->magic, CKPT_MAGIC_V4, 8))
        return read_prefix_header(f, h, offsetof(train_numerics, latent_dropout));
    if (!memcmp(h->magic, CKPT_MAGIC_V5, 8))
        return read_prefix_header(f, h, offsetof(train_numerics, dropout));
    return fread((char *)h + 8, sizeof *h - 8, 1, f) == 1 ? sizeof *h : 0;
}

int checkpoint_save(const char *path, const ckpt_header *h, const real *params,
                    const real *adam_m, const real *adam_v, char *err, size_t errlen)
{
    char tmp[4096];
    if (atomic_file_begin(path, tmp, sizeof tmp, err, errlen)) return -1;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write the checkpoint: %s", path, strerror(errno));
        atomic_file_abort(tmp);
        return -1;
    }
    const void *parts[4] = {h, params, adam_m, adam_v};
    const size_t sizes[4] = {sizeof *h, h->n_params * sizeof(real), h->n_params * sizeof(real),
                             h->n_params * sizeof(real)};
    uint64_t sum = FNV_START;
    int ok = 1;
    for (int i = 0; i < 4 && ok; i++) {
        ok = fwrite(parts[i], 1, sizes[i], f) == sizes[i];
        sum = fnv1a(sum, parts[i], sizes[i]);
    }
    ok = ok && fwrite(&sum, sizeof sum, 1, f) == 1;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        snprintf(err, errlen, "%s: writing the checkpoint failed (disk full?)", path);
        atomic_file_abort(tmp);
        return -1;
    }
    return atomic_file_commit(tmp, path, err, errlen);
}

/* The first option or state field of h outside its range, or NULL. */
static const char *bad_numerics_field(const ckpt_header *h)
{
    const train_numerics *n = &h->num;
    const train_state *st = &h->st;
    if (!(n->beta >= 0 && isfinite(n->beta))) return "num.beta";
    if (!(n->free_bits >= 0 && isfinite(n->free_bits))) return "num.free_bits";
    if (!(n->lr > 0 && isfinite(n->lr))) return "num.lr";
    if (!(n->beta_rate >= 0 && n->beta_rate < 1)) return "num.beta_rate";
    if (!(n->sampling_rate >= 0 && isfinite(n->sampling_rate))) return "num.sampling_rate";
    if (n->batch < 1 || n->batch > 1 << 20) return "num.batch";
    if (n->sampling_start < 0) return "num.sampling_start";
    if (!(n->sampling_max >= 0 && n->sampling_max <= 1)) return "num.sampling_max";
    if (!(n->word_dropout >= 0 && n->word_dropout < 1)) return "num.word_dropout";
    if (!(n->lr_decay > 0 && n->lr_decay <= 1)) return "num.lr_decay";
    if (!(n->lr_min >= 0 && isfinite(n->lr_min))) return "num.lr_min";
    if (!(n->chord_dropout >= 0 && n->chord_dropout <= 1)) return "num.chord_dropout";
    if (!(n->latent_dropout >= 0 && n->latent_dropout < 1)) return "num.latent_dropout";
    if (n->latent_from != VAE_Z_PRIOR && n->latent_from != VAE_Z_WINDOW) return "num.latent_from";
    if (!(n->dropout >= 0 && n->dropout < 1)) return "num.dropout";
    if (st->step < 0) return "st.step";
    if (st->epoch < 0) return "st.epoch";
    if (st->pos < 0) return "st.pos";
    if (!(st->seconds >= 0 && isfinite(st->seconds))) return "st.seconds";
    if (st->total_steps < 0) return "st.total_steps";
    return NULL;
}

/* Every check that needs the header only. */
static int check_header(const char *path, const ckpt_header *h, char *err, size_t errlen)
{
    char why[200];
    static const char *const known[] = {CKPT_MAGIC, CKPT_MAGIC_V5, CKPT_MAGIC_V4, CKPT_MAGIC_V3,
                                        CKPT_MAGIC_V2};
    int format_known = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        format_known |= memcmp(h->magic, known[i], 8) == 0;
    if (!format_known) {
        if (memcmp(h->magic, CKPT_MAGIC, 6) == 0)
            snprintf(err, errlen,
                     "%s: checkpoint format %.8s; this build reads %s, %s, %s, %s and %s", path,
                     h->magic, CKPT_MAGIC, CKPT_MAGIC_V5, CKPT_MAGIC_V4, CKPT_MAGIC_V3,
                     CKPT_MAGIC_V2);
        else
            snprintf(err, errlen, "%s: bad magic: not a morphvae training checkpoint (%s)",
                     path, CKPT_MAGIC);
        return -1;
    }
    if (h->real_size != sizeof(real)) {
        snprintf(err, errlen, "%s: field real_size: written with %u-byte numbers, this build "
                 "uses %zu", path, h->real_size, sizeof(real));
        return -1;
    }
    if (hparams_check(&h->hp, why, sizeof why)) {
        snprintf(err, errlen, "%s: field hp: bad hyperparameters: %s", path, why);
        return -1;
    }
    uint64_t want = model_block_floats(&h->hp);
    if (h->n_params != want) {
        snprintf(err, errlen, "%s: field n_params is %llu, but its hyperparameters make a "
                 "model of %llu", path, (unsigned long long)h->n_params,
                 (unsigned long long)want);
        return -1;
    }
    const char *field = bad_numerics_field(h);
    if (field) {
        snprintf(err, errlen, "%s: field %s is out of range", path, field);
        return -1;
    }
    return 0;
}

/* The checksum of the file's first n bytes against the 8 that follow them. */
static int check_sum(const char *path, FILE *f, uint64_t n, char *err, size_t errlen)
{
    unsigned char buf[1 << 16];
    uint64_t sum = FNV_START, stored;
    rewind(f);
    while (n) {
        size_t want = n < sizeof buf ? (size_t)n : sizeof buf;
        if (fread(buf, 1, want, f) != want) {
            snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
            return -1;
        }
        sum = fnv1a(sum, buf, want);
        n -= want;
    }
    if (fread(&stored, sizeof stored, 1, f) != 1 || stored != sum) {
        snprintf(err, errlen, "%s: checksum mismatch: the checkpoint is damaged", path);
        return -1;
    }
    return 0;
}

int checkpoint_load_header(const char *path, ckpt_header *h, char *err, size_t errlen)
{
    FILE *f = regular_file_fopen(path, err, errlen);
    struct stat info;
    if (!f || fstat(fileno(f), &info) != 0) {
        if (f) snprintf(err, errlen, "%s: cannot read the checkpoint: %s", path, strerror(errno));
        if (f) fclose(f);
        return -1;
    }
    const uint64_t size = (uint64_t)info.st_size;
    int status = -1;
    const size_t header_size = read_header(f, h);
    if (!header_size) {
        snprintf(err, errlen, "%s: truncated header: %llu bytes, a checkpoint's header has %zu",
                 path, (unsigned long long)size, sizeof *h);
    } else if (check_header(path, h, err, errlen) == 0) {
        const uint64_t body = header_size + 3 * h->n_params * sizeof(real);
        if (size < body + 8)
            snprintf(err, errlen, "%s: truncated payload: %llu bytes, a checkpoint of %llu "
                     "parameters has %llu", path, (unsigned long long)size,
                     (unsigned long long)h->n_params, (unsigned long long)(body + 8));
        else if (size > body + 8)
            snprintf(err, errlen, "%s: %llu trailing bytes after the checksum", path,
                     (unsigned long long)(size - body - 8));
        else
            status = check_sum(path, f, body, err, errlen);
    }
    fclose(f);
    return status;
}

int checkpoint_load_data(const char *path, const ckpt_header *h, uint64_t n_params,
                         real *params, real *adam_m, real *adam_v, char *err, size_t errlen)
{
    if (h->n_params != n_params) {
        snprintf(err, errlen, "%s: field n_params is %llu, the model has %llu", path,
                 (unsigned long long)h->n_params, (unsigned long long)n_params);
        return -1;
    }
    FILE *f = regular_file_fopen(path, err, errlen);
    if (!f) return -1;
    /* the checksum covers the header as the file holds it */
    ckpt_header again;
    unsigned char raw[sizeof again + sizeof(ckpt_header_v3)];
    const size_t header_size = read_header(f, &again);
    int ok = header_size && memcmp(&again, h, sizeof again) == 0;
    if (ok) {
        rewind(f);
        ok = fread(raw, 1, header_size, f) == header_size;
    }
    void *parts[4] = {raw, params, adam_m, adam_v};
    const size_t sizes[4] = {header_size, n_params * sizeof(real), n_params * sizeof(real),
                             n_params * sizeof(real)};
    uint64_t sum = FNV_START, stored = 0;
    for (int i = 0; i < 4 && ok; i++) {
        ok = i == 0 || fread(parts[i], 1, sizes[i], f) == sizes[i];
        sum = fnv1a(sum, parts[i], sizes[i]);
    }
    ok = ok && fread(&stored, sizeof stored, 1, f) == 1 && stored == sum && fgetc(f) == EOF;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s: the checkpoint changed while it was being read", path);
        return -1;
    }
    return 0;
}
