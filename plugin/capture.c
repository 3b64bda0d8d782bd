#include "capture.h"

#include <math.h>
#include <string.h>

#include "groove.h"

/* A phrase counts as played to its end when the transport is this close to
 * its last step's end (the rounding of a note-on). */
#define END_TOLERANCE 0.5

/* Position pos on the grid: the nearest step (clamped far inside int64). */
static int64_t nearest_step(double pos)
{
    if (!(pos > -1e15)) return (int64_t)-1e15;
    if (pos > 1e15) return (int64_t)1e15;
    return (int64_t)floor(pos + 0.5);
}

void capture_reset(mv_capture *c, int target, int phrase_steps)
{
    c->target = target;
    c->phrase_steps = phrase_steps;
    c->started = false;
    c->phrase_start = 0;
    c->expect_known = false;
    c->expected_step = 0;
    c->dropped = 0;
    c->n = 0;
}

bool capture_active(const mv_capture *c)
{
    return c->target != 0 && c->phrase_steps > 0;
}

/* The held note of channel and pitch, or NULL. */
static mv_capture_note *held(mv_capture *c, uint8_t channel, uint8_t pitch)
{
    for (int i = c->n - 1; i >= 0; i--) {
        mv_capture_note *n = &c->notes[i];
        if (n->length == 0 && n->channel == channel && n->pitch == pitch) return n;
    }
    return NULL;
}

static void end_note(mv_capture_note *n, int64_t off)
{
    n->length = off > n->step ? off - n->step : 1;
}

void capture_note_on(mv_capture *c, double pos, uint8_t channel, uint8_t pitch,
                     uint8_t velocity)
{
    if (!capture_active(c)) return;
    int64_t step = nearest_step(pos);
    mv_capture_note *again = held(c, channel, pitch);
    if (again) end_note(again, step);
    if (c->n == MV_CAPTURE_MAX_NOTES) {
        c->dropped++;
        return;
    }
    /* how far from its step it was played (kept for a groove model) */
    int8_t offset = pos > -1e15 && pos < 1e15 ? groove_offset_byte(pos - (double)step) : 0;
    c->notes[c->n++] = (mv_capture_note){step, 0, channel, pitch, velocity, offset};
}

void capture_note_off(mv_capture *c, double pos, uint8_t channel, uint8_t pitch)
{
    if (!capture_active(c)) return;
    mv_capture_note *n = held(c, channel, pitch);
    if (n) end_note(n, nearest_step(pos));
}

/* Keeps the notes that start at or after from (moved by shift steps). */
static void keep_from(mv_capture *c, int64_t from, int64_t shift)
{
    int k = 0;
    for (int i = 0; i < c->n; i++) {
        if (c->notes[i].step < from) continue;
        c->notes[k] = c->notes[i];
        c->notes[k++].step += shift;
    }
    c->n = k;
}

/* The phrase [phrase_start, + phrase_steps) into *out; false when it holds
 * no note. Held notes are cut at its end. */
static bool write_phrase(mv_capture *c, mv_msg_capture *out)
{
    int64_t start = c->phrase_start, end = start + c->phrase_steps;
    uint32_t count = 0;
    for (int i = 0; i < c->n; i++) {
        const mv_capture_note *n = &c->notes[i];
        if (n->step < start || n->step >= end) continue;
        int64_t length = n->length == 0 || n->step + n->length > end ? end - n->step : n->length;
        out->notes[count++] = (mv_capture_msg_note){(uint16_t)(n->step - start), (uint16_t)length,
                                                    n->pitch, n->velocity, n->offset, 0};
    }
    if (!count) return false;
    out->head = (mv_msg_head){.type = MSG_CAPTURE};
    out->which = c->target - 1;
    out->phrase_steps = (uint32_t)c->phrase_steps;
    out->dropped = c->dropped;
    out->n_notes = count;
    c->dropped = 0;
    return true;
}

/* Drops the partial phrase and every note. */
static void drop_all(mv_capture *c)
{
    c->started = false;
    c->expect_known = false;
    c->dropped = 0;
    c->n = 0;
}

bool capture_step(mv_capture *c, int64_t step, bool bar_line, mv_msg_capture *out)
{
    if (!capture_active(c)) return false;
    if (c->expect_known && step != c->expected_step) drop_all(c); /* steps were skipped */
    c->expect_known = true;
    c->expected_step = step + 1;
    if (!bar_line) return false;
    bool ready = false;
    if (c->started && step >= c->phrase_start + c->phrase_steps) ready = write_phrase(c, out);
    if (!c->started || step >= c->phrase_start + c->phrase_steps) {
        c->started = true;
        c->phrase_start = step;
        keep_from(c, step, 0);
    }
    return ready;
}

bool capture_interrupt(mv_capture *c, double pos, bool resume, int64_t resume_step,
                       mv_msg_capture *out)
{
    if (!capture_active(c)) return false;
    int64_t end = c->phrase_start + c->phrase_steps;
    bool complete = c->started && pos >= (double)end - END_TOLERANCE;
    bool ready = complete && write_phrase(c, out);
    if (complete && resume) {
        /* A loop: notes already played for the phrase after the end (a
         * little early) go with the transport to where it goes on. */
        keep_from(c, end, resume_step - end);
        c->phrase_start = resume_step;
        c->expect_known = true;
        c->expected_step = resume_step;
    } else {
        drop_all(c);
    }
    return ready;
}
