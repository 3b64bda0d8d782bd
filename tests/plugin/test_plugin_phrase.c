/* A 4-bar model through the real plugin: at the Phrase length control's
 * default (0, the model's own length) the four bars of the model's phrase
 * play and then repeat; at 2 the phrase is the model's first two bars; a
 * relocation into the middle of a phrase plays the model's bar there.
 * Greedy decoding (temperature 0), so equal bars are equal note for note.
 * usage: test_plugin_phrase MODE BUNDLE_DIR MODEL_4BAR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0
#define MAX_BLOCK 4096
#define FRAMES_PER_BAR 96000 /* 4/4 at 120 BPM */

static const char *mode, *bundle, *model;

/* The plugin with the 4-bar model, greedy, the given phrase length, its
 * first bars decoded while stopped. */
static mv_host *open_phrase_host(float phrase_bars)
{
    mv_host *h = session_open_host(bundle, RATE, MAX_BLOCK, mode, NULL);
    if (!h) return NULL;
    host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    host_set_control(h, "temperature", 0.0f);
    host_set_control(h, "phrase_bars", phrase_bars);
    host_send_position(h, 0, 0, 0, 120, 0);
    mv_host_midi_event out[64];
    int n_out = 0;
    for (int i = 0; i < 24; i++) { /* a stale bar is asked again once a 16th */
        host_run(h, 1024, out, 64, &n_out);
        host_wait_worker(h);
    }
    return h;
}

/* Rolls from `bar` for `bars` bars in 512-frame blocks, recording from frame 0. */
static void roll(session *s, double bar, int bars)
{
    host_send_position(s->host, 0, bar, 0, 120, 1);
    int64_t end = s->frame + (int64_t)bars * FRAMES_PER_BAR;
    while (s->frame < end) session_block(s, 512);
}

/* Whether bars [a, a+n) of x play the note-ons of bars [b, b+n) of y. */
static bool same_bars(const session *x, int64_t a, const session *y, int64_t b, int n)
{
    session xa = {0}, yb = {0};
    session_copy_range(x, a * FRAMES_PER_BAR, (a + n) * FRAMES_PER_BAR, &xa);
    session_copy_range(y, b * FRAMES_PER_BAR, (b + n) * FRAMES_PER_BAR, &yb);
    bool same = session_same_notes(&xa, &yb, 0, (int64_t)n * FRAMES_PER_BAR);
    session_free(&xa);
    session_free(&yb);
    return same;
}

static void test_model_length(void)
{
    session s = {.host = open_phrase_host(0.0f)};
    CHECK(s.host != NULL);
    if (!s.host) return;
    roll(&s, 0, 8);
    CHECK_MSG(session_count_on(&s, 0, 4 * FRAMES_PER_BAR) > 0, "silent");
    CHECK_MSG(same_bars(&s, 4, &s, 0, 4), "the 4-bar phrase does not repeat after 4 bars");
    CHECK_MSG(!same_bars(&s, 2, &s, 0, 2),
              "bars 3-4 play bars 1-2 again: the phrase is not the model's 4 bars");

    /* relocated to bar 7 (index 6): model bar 3 there; its second bar is
     * model bar 4 (the first may start with a bar decoded for before) */
    session jump = {.host = s.host};
    roll(&jump, 6, 2);
    CHECK_MSG(same_bars(&jump, 1, &s, 3, 1), "after relocating into the phrase, bar 8 is not "
                                              "the model's bar 4");
    char why[256] = "";
    CHECK_MSG(session_sounding(&s, why, sizeof why) >= 0, "pairing: %s", why);
    host_close(s.host);
    session_free(&s);
    session_free(&jump);
}

static void test_shorter_phrase(void)
{
    session s = {.host = open_phrase_host(2.0f)};
    CHECK(s.host != NULL);
    if (!s.host) return;
    roll(&s, 0, 4);
    CHECK_MSG(session_count_on(&s, 0, 2 * FRAMES_PER_BAR) > 0, "silent");
    CHECK_MSG(same_bars(&s, 2, &s, 0, 2), "phrase length 2 does not repeat the first 2 bars");
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_plugin_phrase MODE BUNDLE_DIR MODEL_4BAR\n");
        return 2;
    }
    mode = argv[1];
    bundle = argv[2];
    model = argv[3];
    test_model_length();
    test_shorter_phrase();
    return check_report();
}
