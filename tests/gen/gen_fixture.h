/* Helpers of the generation tests: a scratch folder, a model with random
 * (untrained) weights, running the morphvae binary, reading PNG files back. */
#ifndef MV_GEN_FIXTURE_H
#define MV_GEN_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "midi_events.h"

/* A fresh folder under /tmp (removed by fixture_cleanup); returns its path. */
const char *fixture_dir(void);
void fixture_cleanup(void);
/* fixture_dir()/name in one of FIXTURE_PATHS static buffers, used in turn. */
#define FIXTURE_PATHS 16
const char *fixture_path(const char *name);

/* Latent (and LSTM) width of the "small_roll" fixture preset. */
#define FIXTURE_SMALL_ROLL_Z 64

/* Writes a model of a preset ("tiny", "mel_2bar", ..., or "small_roll") with weights from
 * model_init_params(seed) and one metadata entry "provenance". 0 or -1. */
int fixture_random_model(const char *path, const char *preset, uint64_t seed);

/* Runs "morphvae ARGS" (argv[1] of the test is the binary) through the shell;
 * returns its exit status, with its stdout and stderr in the buffers (may be NULL). */
int fixture_run(const char *morphvae, char *out, size_t outlen, char *errbuf, size_t errlen,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Decodes an 8-bit RGB PNG with libpng into a malloc'ed buffer. 0 or -1. */
int fixture_read_png(const char *path, uint8_t **rgb, int *w, int *h);

/* Whether two files have the same bytes. */
int fixture_same_bytes(const char *a, const char *b);

/* Whether two MIDI files hold the same notes (pitch, start, end, channel). */
int fixture_same_notes(const mv_midi_file *a, const mv_midi_file *b);

#endif
