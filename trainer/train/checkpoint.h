/* Training checkpoints: everything a run needs to continue bit-exactly —
 * model, Adam moments, RNG, data position, step, options — in one file written
 * atomically (temporary file, fsync, rename, fsync of the folder).
 *
 * Layout (little-endian, this machine's float): the header struct below (a
 * format-5 file: the same without dropout; format 4: also without
 * latent_dropout and latent_from; format 3: also without
 * chord_dropout and with the 12 hyperparameter fields of a model without chord
 * input; format 2: also without lr_decay and lr_min; all read as well), then
 * params, adam_m, adam_v (n_params floats each), then a 64-bit FNV-1a of all
 * bytes before it, and nothing after. Private to the trainer; the shipped model
 * is a weights file. */
#ifndef MV_TRAIN_CHECKPOINT_H
#define MV_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "hparams.h"
#include "rng.h"

#define CKPT_MAGIC "MVCKPT06"
/* The format before dropout. */
#define CKPT_MAGIC_V5 "MVCKPT05"
/* The format before latent_dropout. */
#define CKPT_MAGIC_V4 "MVCKPT04"
/* The format before chord input (hparams' chords, chord_dropout). */
#define CKPT_MAGIC_V3 "MVCKPT03"
/* The format before the learning-rate schedule was an option: read, with
 * Magenta's schedule (decay 0.9999 a step to 1e-5) filled in. */
#define CKPT_MAGIC_V2 "MVCKPT02"

/* The options that decide the numbers a run computes (resume keeps them). */
typedef struct train_numerics {
    double beta, free_bits, lr, beta_rate, sampling_rate;
    int64_t batch;
    uint64_t seed;
    int64_t sampling_start; /* first step of scheduled sampling */
    double sampling_max;    /* its highest probability (1: Magenta's) */
    double word_dropout;    /* probability that a decoder input becomes the zero input */
    double lr_decay;        /* the learning rate decays by this factor a step ... */
    double lr_min;          /* ... towards this floor (schedule.h) */
    double chord_dropout;   /* probability that a window's chords are all withheld */
    double latent_dropout;  /* probability that a window with chords decodes another z ... */
    int64_t latent_from;    /* ... VAE_Z_PRIOR or VAE_Z_WINDOW (vae.h) */
    double dropout;         /* between the decoder's layers (vae.h) */
} train_numerics;

typedef struct train_state {
    int64_t step;    /* optimizer steps done */
    int64_t epoch;   /* current pass over the training split */
    int64_t pos;     /* next window in this epoch's order */
    mv_rng rng;      /* eps and scheduled-sampling draws */
    double seconds;  /* training time so far */
    int64_t total_steps;
} train_state;

typedef struct ckpt_header {
    char magic[8];
    uint32_t real_size; /* sizeof(real) of the build that wrote it */
    uint32_t pad;
    mv_hparams hp;
    train_numerics num;
    train_state st;
    uint64_t n_params;
} ckpt_header;

/* Returns 0, or -1 with a message naming path in err. */
int checkpoint_save(const char *path, const ckpt_header *h, const real *params,
                    const real *adam_m, const real *adam_v, char *err, size_t errlen);

/* Reads path's header and checks the whole file before anything goes into a
 * model's buffers: magic, number size, hyperparameters, n_params against the
 * hyperparameters, the options and state, the file's length (truncated, or
 * trailing bytes) and the checksum of every byte. Returns 0, or -1 with err
 * naming the file and the field. */
int checkpoint_load_header(const char *path, ckpt_header *h, char *err, size_t errlen);
/* Then reads the payload into buffers of n_params reals each (the model's),
 * refusing a header h whose n_params differs, or a file changed since. */
int checkpoint_load_data(const char *path, const ckpt_header *h, uint64_t n_params,
                         real *params, real *adam_m, real *adam_v, char *err, size_t errlen);

#endif
