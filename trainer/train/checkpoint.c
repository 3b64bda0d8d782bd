#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"

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

int checkpoint_load_header(const char *path, ckpt_header *h, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the checkpoint: %s", path, strerror(errno));
        return -1;
    }
    size_t got = fread(h, 1, sizeof *h, f);
    fclose(f);
    char why[200];
    if (got != sizeof *h || memcmp(h->magic, CKPT_MAGIC, 8) != 0) {
        snprintf(err, errlen, "%s: not a morphvae training checkpoint", path);
        return -1;
    }
    if (h->real_size != sizeof(real)) {
        snprintf(err, errlen, "%s: written with %u-byte numbers, this build uses %zu", path,
                 h->real_size, sizeof(real));
        return -1;
    }
    if (hparams_check(&h->hp, why, sizeof why)) {
        snprintf(err, errlen, "%s: bad hyperparameters: %s", path, why);
        return -1;
    }
    return 0;
}

int checkpoint_load_data(const char *path, const ckpt_header *h, real *params, real *adam_m,
                         real *adam_v, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the checkpoint: %s", path, strerror(errno));
        return -1;
    }
    ckpt_header again;
    void *parts[4] = {&again, params, adam_m, adam_v};
    const size_t sizes[4] = {sizeof again, h->n_params * sizeof(real),
                             h->n_params * sizeof(real), h->n_params * sizeof(real)};
    uint64_t sum = FNV_START, stored = 0;
    int ok = 1;
    for (int i = 0; i < 4 && ok; i++) {
        ok = fread(parts[i], 1, sizes[i], f) == sizes[i];
        sum = fnv1a(sum, parts[i], sizes[i]);
    }
    ok = ok && fread(&stored, sizeof stored, 1, f) == 1;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s: the checkpoint is truncated", path);
        return -1;
    }
    if (stored != sum || memcmp(&again, h, sizeof again) != 0) {
        snprintf(err, errlen, "%s: the checkpoint's checksum does not match (damaged file)",
                 path);
        return -1;
    }
    return 0;
}
