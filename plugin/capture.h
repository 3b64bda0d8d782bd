/* MIDI capture: the notes arriving on the plugin's MIDI input recorded on the
 * host's 16th grid, cut into phrases of the model's length that start on a
 * bar line, each handed to the worker (mv_msg_capture) to become anchor A or
 * B. Audio thread only; pure arithmetic on a fixed buffer (no allocation).
 *
 * Rules:
 *  - A note-on is put on the nearest step (a note played a little early for
 *    a bar line belongs to the bar it anticipates), keeping how far from it
 *    it was played (a groove model's anchor keeps it); its note-off on the
 *    nearest step too, at least one step after it. A note-on on a pitch
 *    that is still held ends the held note there.
 *  - A phrase starts at the first bar line after capture is switched on,
 *    and is handed over at the first bar line at or after its last step
 *    (phrase_steps after its start), if it holds at least one note; the next
 *    phrase starts at that bar line. Notes still held at the phrase's end are
 *    cut there; a note held into a phrase (it started before) is not part of
 *    it; note-offs of notes that began before capture began are ignored.
 *  - A stop, a relocation or a skipped step drop the partial phrase, except
 *    that a phrase whose last step has (within half a step) passed is handed
 *    over first, and a relocation from there onto a bar line (a host's loop)
 *    carries on with the next phrase from that bar line.
 *  - At most MV_CAPTURE_MAX_NOTES notes are held: further note-ons are
 *    dropped and counted (reported with the phrase). */
#ifndef MV_CAPTURE_H
#define MV_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"

typedef struct mv_capture_note {
    int64_t step;   /* absolute step of the note-on */
    int64_t length; /* steps; 0 while the note is held */
    uint8_t channel, pitch, velocity;
    int8_t offset;  /* where the note-on was from its step, in 1/128 step (core/groove.h) */
} mv_capture_note;

typedef struct mv_capture {
    int target;          /* 0 off, 1 anchor A, 2 anchor B */
    int phrase_steps;    /* the model's window in steps; 0: nothing to capture into */
    bool started;        /* a phrase began at phrase_start (a bar line) */
    int64_t phrase_start;
    bool expect_known;   /* expected_step is the next step the grid must reach */
    int64_t expected_step;
    uint32_t dropped;    /* note-ons dropped since the last phrase was handed over */
    int n;
    mv_capture_note notes[MV_CAPTURE_MAX_NOTES];
} mv_capture;

/* Drops everything and captures into target (0: off) phrases of phrase_steps. */
void capture_reset(mv_capture *c, int target, int phrase_steps);
bool capture_active(const mv_capture *c);

/* Notes at position pos (in steps, where the transport is at the event). */
void capture_note_on(mv_capture *c, double pos, uint8_t channel, uint8_t pitch,
                     uint8_t velocity);
void capture_note_off(mv_capture *c, double pos, uint8_t channel, uint8_t pitch);

/* The grid reaches step (bar_line: it starts a host bar). Returns true when a
 * phrase was completed and written to *out (which then anchor: m->which). */
bool capture_step(mv_capture *c, int64_t step, bool bar_line, mv_msg_capture *out);

/* The transport stops or jumps away from pos (where it was, in steps).
 * Returns true when the phrase had reached its end and was written to *out.
 * resume: the transport rolls on from resume_step, a bar line; the next
 * phrase starts there (only when the phrase was complete). Otherwise the
 * partial phrase and every note are dropped. */
bool capture_interrupt(mv_capture *c, double pos, bool resume, int64_t resume_step,
                       mv_msg_capture *out);

#endif
