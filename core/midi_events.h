/* A MIDI file as plain data: what extraction needs, independent of the parser
 * that produced it (midi/midi_read.c fills it). Times are
 * absolute ticks; ticks_per_quarter is the file's division. */
#ifndef MV_MIDI_EVENTS_H
#define MV_MIDI_EVENTS_H

#include <stdint.h>

#define MV_MIDI_DRUM_CHANNEL 9 /* "channel 10" counted from 1 */
#define MV_MIDI_NAME_MAX 64

typedef struct mv_midi_note {
    int64_t start; /* ticks */
    int64_t end;   /* ticks, >= start (zero-length notes happen in real files) */
    uint16_t track;
    uint8_t channel; /* 0..15 */
    uint8_t pitch;
    uint8_t velocity;
} mv_midi_note;

typedef struct mv_midi_tempo {
    int64_t tick;
    uint32_t us_per_quarter;
} mv_midi_tempo;

typedef struct mv_midi_meter {
    int64_t tick;
    uint8_t numerator;
    uint8_t denominator; /* the note value itself: 4 = quarter (not the file's power of 2) */
} mv_midi_meter;

typedef struct mv_midi_track {
    char name[MV_MIDI_NAME_MAX]; /* first track-name meta event, "" if none */
} mv_midi_track;

typedef struct mv_midi_file {
    uint32_t ticks_per_quarter;
    uint32_t n_tracks, n_notes, n_tempos, n_meters;
    uint32_t cap_notes, cap_tempos, cap_meters;
    mv_midi_track *tracks;
    mv_midi_note *notes;   /* sorted by start, then track, then pitch (midi_file_finish) */
    mv_midi_tempo *tempos; /* sorted by tick */
    mv_midi_meter *meters; /* sorted by tick */
    int64_t end_tick;      /* last event of any track */
} mv_midi_file;

/* Building (0 ok, -1 out of memory). */
int midi_file_init(mv_midi_file *f, uint32_t ticks_per_quarter, uint32_t n_tracks);
int midi_file_add_note(mv_midi_file *f, const mv_midi_note *n);
int midi_file_add_tempo(mv_midi_file *f, int64_t tick, uint32_t us_per_quarter);
int midi_file_add_meter(mv_midi_file *f, int64_t tick, int numerator, int denominator);
/* Sorts notes, tempos and meters into the order documented above. */
void midi_file_finish(mv_midi_file *f);
void midi_file_free(mv_midi_file *f);

#endif
