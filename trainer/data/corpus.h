/* A corpus of training windows written by `morphvae data` and read (mmapped,
 * without parsing) by `morphvae train` and `morphvae eval`.
 * Format: docs/corpus-format.md. */
#ifndef MV_CORPUS_H
#define MV_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "hparams.h"

enum mv_split { MV_SPLIT_TRAIN = 0, MV_SPLIT_VALID = 1, MV_SPLIT_TEST = 2, MV_SPLITS = 3 };

typedef struct mv_corpus mv_corpus;

/* Maps and validates the file. Returns 0, or -1 with a one-line message naming
 * the file and the problem in err. */
int corpus_open(const char *path, mv_corpus **out, char *err, size_t errlen);
void corpus_close(mv_corpus *c);

uint32_t corpus_repr(const mv_corpus *c);          /* enum mv_repr */
uint32_t corpus_n_classes(const mv_corpus *c);     /* 90 melody, 512 drums, 27 groove */
uint32_t corpus_min_pitch(const mv_corpus *c);
uint32_t corpus_n_bars(const mv_corpus *c);
uint32_t corpus_steps_per_bar(const mv_corpus *c);
uint32_t corpus_seq_len(const mv_corpus *c);       /* n_bars * steps_per_bar */

/* Whether a model of hp reads c's windows: the same representation, classes
 * and lowest pitch, and either the same bars of the same steps or, for a flat
 * model (one conductor step: n_bars 1), one "bar" as long as the whole window
 * (docs/long-phrases.md). 1, or 0 with what differs in err (path named). */
int corpus_fits_model(const mv_corpus *c, const char *path, const mv_hparams *hp, char *err,
                      size_t errlen);

uint64_t corpus_count(const mv_corpus *c, int split);
/* Tokens of window i of a split: seq_len int32 class indices (melody, drums);
 * NULL for a corpus of byte windows (roll, groove). */
const int32_t *corpus_window(const mv_corpus *c, int split, uint64_t i);
/* Where window i came from: its source file (path as given to `morphvae data`)
 * and the bar it starts at in that file; also its transposition in semitones. */
const char *corpus_window_source(const mv_corpus *c, int split, uint64_t i,
                                 uint32_t *bar_offset, int32_t *transpose);

/* Chords of window i: seq_len chord ids (core/chord.h), the chord sounding at
 * each step (transposed with the window), NULL when the corpus has no chord
 * section (made without `data --chords`). */
const uint8_t *corpus_window_chords(const mv_corpus *c, int split, uint64_t i);

/* Roll corpora: window i as seq_len x n_classes bytes (0/1): per step the
 * active bits of n_classes/2 pitches, then their onset bits. */
const uint8_t *corpus_roll_window(const mv_corpus *c, int split, uint64_t i);

/* Byte windows (roll, groove): window i as seq_len x n_classes bytes, a
 * roll's steps as above or groove steps of MV_GROOVE_STEP_BYTES (core/groove.h:
 * hits, velocities, offsets of the 9 drum instruments, each step checked
 * valid at open); NULL for a token corpus. */
const uint8_t *corpus_byte_window(const mv_corpus *c, int split, uint64_t i);

/* Window i in the form of its representation's steps, whatever that is (int32
 * tokens or bytes): for window_for(corpus_repr(c), ...) (core/window.h). */
const void *corpus_window_steps(const mv_corpus *c, int split, uint64_t i);

/* Writing (used by `morphvae data`, and by tests that need exact corpora).
 * Windows are buffered; corpus_writer_close writes the file atomically
 * (temporary file, fsync, rename) and frees the writer. */
typedef struct mv_corpus_writer mv_corpus_writer;
mv_corpus_writer *corpus_writer_open(const char *path, uint32_t repr, uint32_t n_classes,
                                     uint32_t min_pitch, uint32_t n_bars,
                                     uint32_t steps_per_bar, char *err, size_t errlen);
/* tokens: seq_len int32 (melody, drums) or seq_len x n_classes bytes (roll,
 * groove). */
int corpus_writer_add(mv_corpus_writer *w, int split, const void *tokens, const char *source,
                      uint32_t bar_offset, int32_t transpose);
/* A corpus with a chord section (format version 2): call before the first
 * window (-1 after). Each window then takes seq_len chord ids; NULL (or an id
 * outside the vocabulary) stores "no chord" for the whole window. */
int corpus_writer_set_chords(mv_corpus_writer *w);
int corpus_writer_add_chords(mv_corpus_writer *w, int split, const void *tokens,
                             const uint8_t *chords, const char *source, uint32_t bar_offset,
                             int32_t transpose);
int corpus_writer_close(mv_corpus_writer *w, char *err, size_t errlen);
/* Frees the writer and removes its temporary file: nothing is written. */
void corpus_writer_discard(mv_corpus_writer *w);

#endif
