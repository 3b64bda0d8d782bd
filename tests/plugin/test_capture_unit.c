/* The capture recorder (plugin/capture.c) on its own: rounding to the grid,
 * phrases from bar lines, held and re-struck notes, skipped steps, a
 * relocation in the middle of a phrase, a host loop, a meter whose bar is not
 * the model's, a full buffer. The plugin tests (test_plugin_capture) play the
 * same through the real plugin. */
#include <string.h>

#include "capture.h"
#include "check.h"

static mv_msg m;

/* Steps [from, to) with bar lines every bar steps; the number of phrases
 * handed over (the last in m). */
static int run_steps(mv_capture *c, int64_t from, int64_t to, int bar)
{
    int n = 0;
    for (int64_t s = from; s < to; s++)
        n += capture_step(c, s, s % bar == 0, &m.capture);
    return n;
}

static const mv_capture_msg_note *note_at(int step)
{
    for (uint32_t i = 0; i < m.capture.n_notes; i++)
        if (m.capture.notes[i].step == step) return &m.capture.notes[i];
    return NULL;
}

int main(void)
{
    static mv_capture c;

    /* Off: nothing recorded. */
    capture_reset(&c, 0, 32);
    capture_note_on(&c, 0.0, 0, 60, 100);
    CHECK(c.n == 0 && run_steps(&c, 0, 64, 16) == 0);

    /* Rounding, a held note cut at the end, a re-struck pitch, a note-off
     * on its note-on's step (one step long), a note-off of a note from
     * before capture (ignored). */
    capture_reset(&c, 1, 32);
    CHECK(run_steps(&c, 5, 16, 16) == 0); /* switched on mid-bar: waits for bar 1 */
    capture_note_off(&c, 15.9, 0, 50);    /* held from before capture */
    capture_note_on(&c, 15.6, 0, 60, 90); /* early for bar 1: step 16 */
    capture_note_off(&c, 17.4, 0, 60);    /* 1 step */
    capture_note_on(&c, 20.3, 0, 62, 90);
    capture_note_on(&c, 23.8, 0, 62, 91); /* re-struck: the first ends at 24 */
    capture_note_on(&c, 30.1, 0, 64, 92);
    capture_note_off(&c, 30.2, 0, 64);    /* same step: 1 step long */
    capture_note_on(&c, 44.0, 0, 65, 93); /* held past the end (48) */
    CHECK(run_steps(&c, 16, 48, 16) == 0);
    CHECK(run_steps(&c, 48, 49, 16) == 1);
    CHECK_MSG(m.capture.n_notes == 5 && m.capture.which == 0 && m.capture.phrase_steps == 32,
              "%u notes", m.capture.n_notes);
    const mv_capture_msg_note *n = note_at(0);
    CHECK(n && n->pitch == 60 && n->length == 1 && n->velocity == 90);
    CHECK((n = note_at(4)) && n->pitch == 62 && n->length == 4);
    CHECK((n = note_at(8)) && n->pitch == 62 && n->length == 24); /* held to the end */
    CHECK((n = note_at(14)) && n->pitch == 64 && n->length == 1);
    CHECK((n = note_at(28)) && n->pitch == 65 && n->length == 4);
    /* The held 65 does not start the next phrase; its note-off is ignored. */
    capture_note_off(&c, 50.0, 0, 65);
    CHECK(run_steps(&c, 49, 81, 16) == 0); /* an empty phrase is not handed over */

    /* A relocation in the middle of a phrase drops it; the next phrase
     * starts at the next bar line. */
    capture_reset(&c, 2, 32);
    run_steps(&c, 0, 10, 16);
    capture_note_on(&c, 2.0, 0, 70, 100);
    CHECK(!capture_interrupt(&c, 10.0, true, 160, &m.capture));
    capture_note_on(&c, 161.0, 0, 72, 100);
    CHECK(run_steps(&c, 160, 192, 16) == 0);
    CHECK(run_steps(&c, 192, 193, 16) == 1);
    CHECK(m.capture.which == 1 && m.capture.n_notes == 1 && note_at(1) && note_at(1)->pitch == 72);

    /* Skipped steps (a run() too long to play) drop the phrase. */
    capture_reset(&c, 1, 32);
    run_steps(&c, 0, 20, 16);
    capture_note_on(&c, 3.0, 0, 70, 100);
    CHECK(run_steps(&c, 30, 48, 16) == 0); /* 20..29 skipped; starts again at 32 */
    capture_note_on(&c, 33.0, 0, 71, 100);
    CHECK(run_steps(&c, 48, 65, 16) == 1 && m.capture.n_notes == 1 && note_at(1));

    /* A host loop of 2 bars: handed over at the jump; a note early for the
     * loop's start goes with it. */
    capture_reset(&c, 1, 32);
    run_steps(&c, 0, 32, 16);
    capture_note_on(&c, 4.0, 0, 60, 100);
    capture_note_on(&c, 31.7, 0, 67, 100); /* step 32: the next pass's step 0 */
    CHECK(capture_interrupt(&c, 31.99, true, 0, &m.capture));
    CHECK(m.capture.n_notes == 1 && note_at(4));
    CHECK(run_steps(&c, 0, 32, 16) == 0);
    CHECK(capture_interrupt(&c, 32.0, true, 0, &m.capture));
    CHECK(m.capture.n_notes == 1 && note_at(0) && note_at(0)->pitch == 67);
    /* Stopped short of the end: dropped. */
    run_steps(&c, 0, 20, 16);
    capture_note_on(&c, 5.0, 0, 60, 100);
    CHECK(!capture_interrupt(&c, 31.4, false, 0, &m.capture));
    CHECK(c.n == 0 && !c.started);

    /* 3/4 (12-step bars) with a 32-step model: the phrase is its first 32
     * steps, handed over at the bar line at 36; notes at 32..35 are not in
     * it nor in the next phrase. */
    capture_reset(&c, 1, 32);
    run_steps(&c, 0, 1, 12);
    capture_note_on(&c, 31.0, 0, 60, 100);
    capture_note_on(&c, 33.0, 0, 62, 100);
    CHECK(run_steps(&c, 1, 36, 12) == 0);
    CHECK(run_steps(&c, 36, 37, 12) == 1);
    CHECK(m.capture.n_notes == 1 && note_at(31) && note_at(31)->length == 1);
    CHECK(c.n == 0);

    /* A full buffer: further note-ons dropped, counted once with the phrase. */
    capture_reset(&c, 1, 32);
    run_steps(&c, 0, 1, 16);
    for (int i = 0; i < MV_CAPTURE_MAX_NOTES + 10; i++) {
        capture_note_on(&c, (double)(i % 32), 0, (uint8_t)(40 + i / 32), 100);
        capture_note_off(&c, (double)(i % 32) + 0.4, 0, (uint8_t)(40 + i / 32));
    }
    CHECK(run_steps(&c, 1, 33, 16) == 1);
    CHECK(m.capture.n_notes == MV_CAPTURE_MAX_NOTES && m.capture.dropped == 10);
    /* (8 bytes a note with its offset: 2072 bytes, below the largest
     * message, a bar of 64 roll steps, 2160: messages.h) */
    CHECK(msg_size(&m) <= 2160 && msg_check(&m, msg_size(&m)) == &m);
    CHECK(run_steps(&c, 33, 65, 16) == 0 && c.dropped == 0);
    return check_report();
}
