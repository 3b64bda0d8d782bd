/* Groove windows -> MIDI -> groove windows (issue 21): a window written the
 * way `morphvae sample`/`decode` write windows (sequence_write_midi: hits on
 * channel 10 at their instrument's pitch, with their velocity, moved off the
 * grid by their offset) and read back the way `encode`/`interpolate` read
 * one (sequence_read_window: extraction) comes back with the same hits and
 * velocities, and offsets within one 1/128 step (one tick of rounding each
 * way at 120 ticks a step); hits of one instrument closer than a 32nd do not
 * cut each other. usage: test_groove_midi SCRATCH_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "groove.h"
#include "groove_notes.h"
#include "hparams.h"
#include "phrase_variety.h"
#include "sequence_io.h"

#define T 32 /* groove_2bar */

static void set_hit(uint8_t *w, int step, int voice, int velocity, int offset)
{
    uint8_t *s = w + step * MV_GROOVE_STEP_BYTES;
    s[MV_GROOVE_HIT + voice] = 1;
    s[MV_GROOVE_VELOCITY + voice] = (uint8_t)velocity;
    s[MV_GROOVE_OFFSET + voice] = (uint8_t)(int8_t)offset;
}

/* Every instrument, every offset from -64 to 63 on some hit, velocities
 * 1..127; kick on the beats so that the window is varied enough to be the
 * file's anchor; a late hat right before an early one. Step 0 has no early
 * hit: it would start before the file. */
static void make_window(uint8_t *w)
{
    memset(w, 0, T * MV_GROOVE_STEP_BYTES);
    int offset = -64;
    for (int s = 0; s < T; s++) {
        if (s % 4 == 0) set_hit(w, s, 0, 90 + s, s ? -3 : 0);
        if (s % 8 == 4) set_hit(w, s, 1, 100 - s, 17);
        for (int v = 2; v < MV_GROOVE_VOICES && s > 0; v++) {
            if ((s + v) % 3) continue;
            set_hit(w, s, v, 1 + (s * 9 + v * 13) % 127, offset);
            offset = offset == 63 ? -64 : offset + 1;
        }
    }
    set_hit(w, 30, 2, 77, 63); /* late hat on 30, early hat on 31: a tick apart */
    set_hit(w, 31, 2, 66, -64);
}

static void test_round_trip(const char *dir)
{
    mv_hparams hp;
    CHECK(hparams_preset("groove_2bar", &hp) == 0);
    CHECK(sequence_window_bytes(&hp) == T * MV_GROOVE_STEP_BYTES);
    static uint8_t w[T * MV_GROOVE_STEP_BYTES], back[T * MV_GROOVE_STEP_BYTES];
    make_window(w);
    for (int s = 0; s < T; s++) CHECK(groove_step_valid(w + s * MV_GROOVE_STEP_BYTES));
    char path[1024], err[600];
    snprintf(path, sizeof path, "%s/groove_round_trip.mid", dir);
    CHECK_MSG(sequence_write_midi(path, &hp, w, 1, NULL, 120, err, sizeof err) == 0, "%s", err);
    int bar = -1;
    CHECK_MSG(sequence_read_window(path, &hp, 0, NULL, back, &bar, err, sizeof err) == 0, "%s",
              err);
    CHECK(bar == 0);
    int worst = 0;
    for (int s = 0; s < T; s++) {
        const uint8_t *a = w + s * MV_GROOVE_STEP_BYTES, *b = back + s * MV_GROOVE_STEP_BYTES;
        for (int v = 0; v < MV_GROOVE_VOICES; v++) {
            CHECK_MSG(a[MV_GROOVE_HIT + v] == b[MV_GROOVE_HIT + v] &&
                          a[MV_GROOVE_VELOCITY + v] == b[MV_GROOVE_VELOCITY + v],
                      "step %d, %s: hit %d velocity %d came back as %d %d", s,
                      drum_class_name(v), a[MV_GROOVE_HIT + v], a[MV_GROOVE_VELOCITY + v],
                      b[MV_GROOVE_HIT + v], b[MV_GROOVE_VELOCITY + v]);
            int d = (int8_t)a[MV_GROOVE_OFFSET + v] - (int8_t)b[MV_GROOVE_OFFSET + v];
            if (abs(d) > worst) worst = abs(d);
            CHECK_MSG(abs(d) <= 1, "step %d, %s: offset %d came back as %d", s,
                      drum_class_name(v), (int8_t)a[MV_GROOVE_OFFSET + v],
                      (int8_t)b[MV_GROOVE_OFFSET + v]);
        }
    }
    printf("groove MIDI round trip: offsets within %d/128 step\n", worst);
    /* as an anchor (the plugin's and `encode`'s first varied window): by its hits */
    CHECK(phrase_is_varied(&hp, w));
    memset(back, 0, sizeof back);
    CHECK_MSG(sequence_read_window(path, &hp, -1, NULL, back, &bar, err, sizeof err) == 0, "%s",
              err);
    CHECK(bar == 0 && back[MV_GROOVE_VELOCITY + 0] == 90);
    remove(path);
}

/* The notes the writer gets: pitch, velocity, shift in ticks, and lengths
 * of a 32nd cut at the instrument's next onset. */
static void test_notes(void)
{
    static uint8_t w[T * MV_GROOVE_STEP_BYTES];
    memset(w, 0, sizeof w);
    set_hit(w, 0, 0, 100, 0);
    set_hit(w, 4, 1, 80, 32);   /* +30 ticks at 120 a step */
    set_hit(w, 30, 2, 50, 63);  /* +59 ticks */
    set_hit(w, 31, 2, 60, -64); /* -60 ticks: one tick after the one before */
    mv_note notes[8];
    int shift[8], length[8];
    CHECK(groove_to_notes(w, T, 120, notes, shift, length, 8) == 4);
    CHECK(notes[0].step == 0 && notes[0].pitch == 36 && notes[0].velocity == 100);
    CHECK(shift[0] == 0 && length[0] == 60);
    CHECK(notes[1].step == 4 && notes[1].pitch == 38 && shift[1] == 30 && length[1] == 60);
    CHECK(notes[2].pitch == 42 && shift[2] == 59 && length[2] == 1);
    CHECK(notes[3].pitch == 42 && shift[3] == -60 && length[3] == 60);
    CHECK(groove_to_notes(w, T, 120, notes, shift, length, 2) == 2); /* at most max */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_groove_midi SCRATCH_DIR\n");
        return 2;
    }
    test_notes();
    test_round_trip(argv[1]);
    return check_report();
}
