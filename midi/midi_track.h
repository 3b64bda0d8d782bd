/* One track chunk's events -> notes, tempo changes, time signatures and the
 * track's name in an mv_midi_file (core/midi_events.h). Internal to the reader
 * (midi_read.c finds the chunks; this decodes what is inside one). */
#ifndef MV_MIDI_TRACK_H
#define MV_MIDI_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "midi_events.h"

/* Longest track, in ticks: the largest delta time a MIDI file can hold
 * (2^28 - 1), so that tick arithmetic stays far from overflow. */
#define MV_MIDI_MAX_TRACK_TICKS 0x0fffffff

/* Notes in progress on one track: one per channel and pitch. Reused from track
 * to track (about 20 KiB, so allocated once per file). */
typedef struct midi_open_notes {
    int64_t start[16][128];
    uint8_t velocity[16][128];
    uint8_t on[16][128];
} midi_open_notes;

/* Decodes track `track` (0-based; its chunk's bytes p[0, len)) into f, whose
 * tracks array already holds it. Returns 0, or -1 with the reason (naming the
 * track, counted from 1, and the byte offset in the chunk) in err. */
int midi_track_read(const uint8_t *p, size_t len, int track, mv_midi_file *f, midi_open_notes *o,
                    char *err, size_t errlen);

#endif
