/* The chord of every 16th step of a MIDI file (issue 20): read from a
 * chord annotation beside it (POP909's chord_midi.txt: "start end symbol" a
 * line, times in seconds of the MIDI file, aligned to steps through its tempo
 * map), or recognised from the notes of its other tracks, per beat
 * (core/chord_recognise.h). Used by `morphvae data --chords` and the
 * generators' --chords-from. Steps count from the file's tick 0 on the grid of
 * core/extract.h (4 steps a quarter note). */
#ifndef MV_CHORD_TRACK_H
#define MV_CHORD_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "midi_events.h"

typedef struct mv_chord_track {
    uint8_t *chords; /* chord id (core/chord.h) per step, malloc'd */
    int64_t n_steps; /* steps covered (the song's length); later steps have none */
} mv_chord_track;

/* The step (16th) nearest to a time in seconds, through f's tempo map (120 BPM
 * before its first tempo event). */
int64_t chord_track_seconds_to_step(const mv_midi_file *f, double seconds);

/* Reads an annotation file: each line "start end symbol" (seconds, seconds,
 * a chord in POP909's notation or shorthand, N for none); a chord holds the
 * steps from its start's step up to its end's. Returns 0, or -1 with a
 * message naming the file, the line and the problem in err. */
int chord_track_read(const char *path, const mv_midi_file *f, mv_chord_track *out, char *err,
                     size_t errlen);

/* Recognises the chord of each beat (4 steps) from the notes outside channel
 * 10 whose track is not one of the comma-separated names in skip_tracks (the
 * melody: `--track`; NULL: every track): a pitch class is in the beat's chord
 * when it is struck in the beat or sounds for at least half of it; the lowest
 * such note is the bass. Returns 0, or -1 (out of memory, song too long) with
 * the reason in err. */
int chord_track_recognise(const mv_midi_file *f, const char *skip_tracks, mv_chord_track *out,
                          char *err, size_t errlen);

void chord_track_free(mv_chord_track *t);

#endif
