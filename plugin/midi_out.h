/* The plugin's MIDI output and the notes it owes a note-off. Room for every
 * note-off is kept by construction: a note-on is written only when the
 * block's buffer can still take it, its own note-off and the note-off of
 * every note already sounding, and no event is written in part. A note-off
 * that finds no room (a buffer below one event, or one the host shrank) stays
 * owed and is written first thing in the next block. Audio thread only. */
#ifndef MV_MIDI_OUT_H
#define MV_MIDI_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/forge.h>

/* Notes owed a note-off at once: every pitch of a piano roll (128), and as
 * many again on another channel after a channel change while they sound. */
#define MV_MAX_SOUNDING 256
#define MV_OFF_OVERDUE INT64_MIN  /* off_step of a note whose note-off is late */
#define MV_OFF_OPEN INT64_MAX     /* off_step of a melody note: until the next token */

/* A note the plugin sent a note-on for and owes a note-off. */
typedef struct mv_sounding {
    uint8_t channel, pitch;
    int64_t off_step; /* the step it ends at, MV_OFF_OPEN or MV_OFF_OVERDUE */
    uint64_t holders[2]; /* roll notes: bit p for each model pitch p that holds it */
} mv_sounding;

typedef struct mv_midi_out {
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame seq;
    LV2_URID midi_Event;
    mv_sounding sounding[MV_MAX_SOUNDING];
    int n_sounding;
} mv_midi_out;

void midi_out_init(mv_midi_out *o, LV2_URID_Map *map);
/* Starts the block's sequence in port (capacity: its atom.size) and writes
 * the overdue note-offs at frame 0. A NULL port writes nothing. */
void midi_out_begin(mv_midi_out *o, LV2_Atom_Sequence *port);
void midi_out_end(mv_midi_out *o);

/* A note-on at frame; false (nothing written) when its note-off could not
 * be kept a place, or when MV_MAX_SOUNDING notes already sound. A note of the
 * same channel and pitch already sounding is ended first. */
bool midi_out_note_on(mv_midi_out *o, int64_t frame, uint8_t channel, uint8_t pitch,
                      uint8_t velocity, int64_t off_step);
/* Note-offs at frame for the notes ending at or before step. */
void midi_out_end_due(mv_midi_out *o, int64_t step, int64_t frame);
/* Note-offs at frame for the open (melody) notes; for every note. */
void midi_out_end_open(mv_midi_out *o, int64_t frame);
void midi_out_end_all(mv_midi_out *o, int64_t frame);

/* Piano-roll notes (open notes, ended by the roll or by the calls above): an
 * output note sounds for the model pitches that hold it, so that two model
 * pitches a transposition or a scale snap sends to one output pitch share one
 * note, which ends (note-off) when the last of them lets go. A note whose
 * note-off is overdue holds no pitch any more. */
/* The model pitches holding a note (bit p: model pitch p). */
void midi_out_roll_held(const mv_midi_out *o, uint64_t held[2]);
/* Model pitch p lets go of its note: a note-off at frame when no pitch holds
 * it any more. */
void midi_out_roll_release(mv_midi_out *o, int p, int64_t frame);
/* Model pitch p sounds as (channel, pitch): it joins the note of that pitch
 * when one sounds and strike is false (returns 1); otherwise a note-on at
 * frame (the note of that pitch sounding is ended first and its holders
 * carried over; returns 2). 0 (p holds nothing) when no note-on could be
 * written. */
int midi_out_roll_strike(mv_midi_out *o, int64_t frame, uint8_t channel, uint8_t pitch,
                         uint8_t velocity, int p, bool strike);

#endif
