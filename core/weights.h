/* The weights file: one self-describing file per model (docs/weights-format.md).
 * One reader and one writer, used by the trainer, the CLI and the plugin.
 * Reading allocates (it runs in the CLI or the plugin's worker); nothing that
 * uses the result afterwards does. */
#ifndef MV_WEIGHTS_H
#define MV_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "hparams.h"
#include "model_layout.h"

/* Version 1: a model without chord input; version 2: the same layout, with
 * the chord input (hparams' chords) in the high half of the first
 * hyperparameter field, so that a reader of version 1 refuses it by its
 * version instead of misreading it. The writer writes 1 whenever it can. */
#define MV_WEIGHTS_VERSION 2
#define MV_WEIGHTS_VERSION_PLAIN 1
#define MV_META_KEY_MAX 128 /* including the terminating NUL */

/* Failure classes of weights_read; each has its own message. */
enum mv_weights_error {
    MV_WEIGHTS_OK = 0,
    MV_WEIGHTS_ERR_IO,          /* cannot open / read / write the file */
    MV_WEIGHTS_ERR_MAGIC,       /* not a morphvae weights file */
    MV_WEIGHTS_ERR_VERSION,     /* format version this build cannot read */
    MV_WEIGHTS_ERR_ENDIAN,      /* endianness marker wrong */
    MV_WEIGHTS_ERR_TRUNCATED,   /* a section runs past the end of the file */
    MV_WEIGHTS_ERR_HPARAMS,     /* hyperparameters out of range or inconsistent */
    MV_WEIGHTS_ERR_SIZE,        /* a count or size that is zero, absurd or would overflow */
    MV_WEIGHTS_ERR_OFFSET,      /* a tensor offset past the end of the payload */
    MV_WEIGHTS_ERR_ALIGN,       /* a tensor offset not 64-byte aligned */
    MV_WEIGHTS_ERR_OVERLAP,     /* two tensors share bytes */
    MV_WEIGHTS_ERR_NAME,        /* tensor or key name empty, unterminated or too long */
    MV_WEIGHTS_ERR_DUPLICATE,   /* the same tensor or metadata key twice */
    MV_WEIGHTS_ERR_UNKNOWN,     /* a tensor the hyperparameters do not call for */
    MV_WEIGHTS_ERR_MISSING,     /* a tensor the hyperparameters call for is absent */
    MV_WEIGHTS_ERR_SHAPE,       /* a tensor of the wrong shape */
    MV_WEIGHTS_ERR_NONFINITE,   /* NaN or Inf in a tensor or a float metadata value */
    MV_WEIGHTS_ERR_META,        /* malformed metadata entry (type, count) */
    MV_WEIGHTS_ERR_CHECKSUM,    /* payload checksum mismatch */
    MV_WEIGHTS_ERR_NOMEM,
    MV_WEIGHTS_ERR_COUNT_
};

/* A tensor: float32, row-major, data 64-byte aligned in memory. */
typedef struct mv_tensor {
    char name[MV_TENSOR_NAME_MAX];
    uint32_t ndim;    /* 1 or 2 */
    uint64_t dims[2];
    const float *data;
} mv_tensor;

enum mv_meta_type {
    MV_META_STR = 1, /* UTF-8 bytes, count = length, not NUL-terminated in the file */
    MV_META_F32 = 2, /* count float32 values */
    MV_META_I64 = 3, /* count int64 values */
};

/* A metadata entry. Conventional keys (docs/weights-format.md):
 *   attribute.<name>.vector  F32[z]   direction in latent space, unit-free
 *   attribute.<name>.stats   F32[4]   mean, std of the attribute; mean of z.v; the step
 *                                     along v per +1 sd of the attribute (knob unit)
 *   attribute.<name>.unit    STR      e.g. "notes/bar", "semitones"
 *   anchor.<name>.z          F32[z]   a default anchor (anchor.a.z, anchor.b.z)
 *   anchor.<name>.source     STR      where it came from (a MIDI path, "prior seed 7")
 *   train.corpus STR, train.steps I64, train.seconds F32[1], metric.<name> F32[1] */
typedef struct mv_meta {
    char key[MV_META_KEY_MAX];
    uint32_t type;  /* enum mv_meta_type */
    uint64_t count; /* elements */
    const void *data; /* for STR: count bytes followed by a NUL added by the reader */
} mv_meta;

typedef struct mv_weights mv_weights; /* opaque; owns the file's bytes */

/* The largest weights file weights_read() reads (1 GiB, some 80 times the
 * largest shipped model): a larger one is refused by its size alone. */
#define MV_WEIGHTS_MAX_FILE ((uint64_t)1 << 30)

/* Reads and validates path completely before returning anything: its size
 * and header first, its payload only when they hold. A path that is not a
 * regular file (a FIFO, a device, a folder) is refused without blocking. On failure
 * returns the error class, *out = NULL, and err holds one line naming the file
 * and the problem, e.g. "model.mvae: tensor decoder.l1.w_x has 1024x600 floats,
 * expected 1024x602". */
int weights_read(const char *path, mv_weights **out, char *err, size_t errlen);
/* Same, from bytes in memory (copied); name is used in messages. */
int weights_read_mem(const void *bytes, size_t n, const char *name, mv_weights **out,
                     char *err, size_t errlen);
void weights_free(mv_weights *w);

const mv_hparams *weights_hparams(const mv_weights *w);
size_t weights_tensor_count(const mv_weights *w);
const mv_tensor *weights_tensor_at(const mv_weights *w, size_t i);
const mv_tensor *weights_tensor(const mv_weights *w, const char *name); /* NULL if absent */
size_t weights_meta_count(const mv_weights *w);
const mv_meta *weights_meta_at(const mv_weights *w, size_t i);
const mv_meta *weights_meta(const mv_weights *w, const char *key); /* NULL if absent */
/* The metadata key of a model's output_sd (core/decoder.h,
 * decoder_set_output_sd): float32 [n_classes], the root-mean-square error of
 * each regression output on held-out windows teacher-forced, 0 for the others
 * (`morphvae spread` measures it). */
#define MV_META_OUTPUT_SD "output_sd"
/* The model's output_sd into *out: NULL
 * when the file has none. Returns 0, or -1 with a message naming the file in
 * err when the entry is not n_classes float32 values of at least 0. */
int weights_output_sd(const mv_weights *w, const char *path, const float **out, char *err,
                      size_t errlen);
uint64_t weights_checksum(const mv_weights *w); /* the payload checksum (verified) */

/* Writes atomically (temporary file in the same folder, fsync, rename, fsync dir).
 * tensors must be exactly the model_layout() of hp (any order); meta may be NULL.
 * Returns 0 or an error class with a message in err. */
int weights_write(const char *path, const mv_hparams *hp, const mv_tensor *tensors,
                  size_t n_tensors, const mv_meta *meta, size_t n_meta, char *err,
                  size_t errlen);

const char *weights_error_name(int code); /* "bad magic", "truncated", ... */

#endif
