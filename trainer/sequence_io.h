/* Token sequences of a model <-> MIDI files: decoded sequences written as
 * notes (melody on channel 1, drums on channel 10), and the window of a MIDI
 * file that a model encodes. */
#ifndef MV_SEQUENCE_IO_H
#define MV_SEQUENCE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "hparams.h"
#include "tokens.h"

#define SEQUENCE_VELOCITY 100 /* the tokens carry no dynamics */

/* Notes of one sequence of hparams_seq_len(hp) tokens; returns the count (<= max). */
int sequence_notes(const mv_hparams *hp, const int32_t *tokens, mv_note *out, int max);

/* Writes n_seqs sequences [n_seqs, seq_len] one after another, each in its own
 * track (named names[i] when names is not NULL), at bpm. Returns 0, or -1 with
 * a message naming path in err. */
int sequence_write_midi(const char *path, const mv_hparams *hp, const int32_t *tokens,
                        int n_seqs, const char *const *names, double bpm, char *err,
                        size_t errlen);

/* The first window of the model's length (hp) in the MIDI file at path that
 * starts at bar first_bar (0-based) or later, extracted the way training data
 * is (core/extract.h; track: only tracks of that name, NULL for all). Fills
 * tokens [seq_len] and *bar. Returns 0, or -1 with a message naming the file and
 * why no window was usable in err. */
int sequence_read_window(const char *path, const mv_hparams *hp, int first_bar,
                         const char *track, int32_t *tokens, int *bar, char *err,
                         size_t errlen);

#endif
