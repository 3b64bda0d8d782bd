/* Windows of a model <-> MIDI files: decoded windows written as notes (melody
 * and piano roll on channel 1 with a piano program, drums and groove on
 * channel 10; groove hits with their velocities and off the grid by their
 * offsets, trainer/groove_notes.h), and the window of a MIDI file that a model
 * encodes. A window is hparams_seq_len(hp) int32 tokens (melody, drums), a
 * piano roll of seq_len steps x n_classes bytes 0/1 (roll, core/tokens.h) or
 * seq_len groove steps of n_classes = 27 bytes (groove, core/groove.h). */
#ifndef MV_SEQUENCE_IO_H
#define MV_SEQUENCE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "extract.h"
#include "hparams.h"
#include "tokens.h"

#define SEQUENCE_VELOCITY 100 /* the tokens carry no dynamics (groove's steps do) */

/* Bytes of one window of a hp-shaped model. */
size_t sequence_window_bytes(const mv_hparams *hp);
/* The most notes one window can hold (every step a new note of every pitch). */
int sequence_max_notes(const mv_hparams *hp);

/* Notes of one window, in onset order (groove: its hits on the grid, with
 * their velocities); returns the count (<= max). */
int sequence_notes(const mv_hparams *hp, const void *window, mv_note *out, int max);

/* Writes n_seqs windows [n_seqs] one after another, each in its own track
 * (named names[i] when names is not NULL), at bpm. Returns 0, or -1 with a
 * message naming path in err. */
int sequence_write_midi(const char *path, const mv_hparams *hp, const void *windows,
                        int n_seqs, const char *const *names, double bpm, char *err,
                        size_t errlen);
/* The same with the chords the windows were decoded under ([n_seqs, seq_len]
 * chord ids, core/chord.h; NULL: none) as a track of its own, "chords":
 * each chord held as a block chord from its root at C3-B3 on channel 2 (a
 * string pad, quieter than the melody) from the step it starts, and named
 * there by a marker event (POP909's notation: "C:maj", "A:min", "N" for no
 * chord, which sounds nothing). */
int sequence_write_midi_chords(const char *path, const mv_hparams *hp, const void *windows,
                               int n_seqs, const char *const *names, const uint8_t *chords,
                               double bpm, char *err, size_t errlen);

/* How `morphvae data` extracts a hp-shaped model's windows from MIDI files,
 * untransposed (track: tracks of these comma-separated names, NULL for all). */
mv_extract_config sequence_extract_config(const mv_hparams *hp, const char *track);

/* The first window of the model's length (hp) in the MIDI file at path that
 * starts at bar first_bar (0-based) or later, extracted the way training data
 * is (sequence_extract_config); with first_bar < 0 the first varied window
 * (core/phrase_variety.h), else the first: the plugin's rule for a MIDI-file
 * anchor. Fills window and *bar. Returns 0, or -1 with a message naming the
 * file and why no window was usable in err. */
int sequence_read_window(const char *path, const mv_hparams *hp, int first_bar,
                         const char *track, void *window, int *bar, char *err, size_t errlen);

/* The file's track names, quoted and comma-separated ('DRUMS', 'BASS'), into
 * out; empty when no track has a name. */
void sequence_track_names(const mv_midi_file *f, char *out, size_t n);

#endif
