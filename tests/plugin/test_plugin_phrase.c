/* A model of N bars (4 or 16) through the real plugin: at the Phrase length
 * control's default (0, the model's own length) the N bars of the model's
 * phrase play and then repeat; at 2 the phrase is the model's first two bars;
 * a relocation into the middle of a phrase plays the model's bar there.
 * Greedy decoding (temperature 0), so equal bars are equal note for note.
 * usage: test_plugin_phrase MODE BUNDLE_DIR MODEL N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0
#define MAX_BLOCK 4096
#define FRAMES_PER_BAR 96000 /* 4/4 at 120 BPM */

static const char *mode, *bundle, *model;
static int model_bars;

/* The plugin with the N-bar model, greedy, the given phrase length, its
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
    const int N = model_bars, half = N / 2;
    session s = {.host = open_phrase_host(0.0f)};
    CHECK(s.host != NULL);
    if (!s.host) return;
    roll(&s, 0, 2 * N);
    CHECK_MSG(session_count_on(&s, 0, (int64_t)N * FRAMES_PER_BAR) > 0, "silent");
    CHECK_MSG(same_bars(&s, N, &s, 0, N), "the %d-bar phrase does not repeat after %d bars", N, N);
    CHECK_MSG(!same_bars(&s, half, &s, 0, half),
              "bars %d-%d play bars 1-%d again: the phrase is not the model's %d bars", half + 1,
              N, half, N);

    /* relocated to bar index N + N/2, model bar N/2 there; its second bar is
     * model bar N/2 + 1 (the first may start with a bar decoded for before) */
    session jump = {.host = s.host};
    roll(&jump, N + half, 2);
    CHECK_MSG(same_bars(&jump, 1, &s, half + 1, 1),
              "after relocating into the phrase, bar %d is not the model's bar %d", N + half + 2,
              half + 2);
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
    if (argc != 5 || atoi(argv[4]) < 4) {
        fprintf(stderr, "usage: test_plugin_phrase MODE BUNDLE_DIR MODEL N (N >= 4 bars)\n");
        return 2;
    }
    mode = argv[1];
    bundle = argv[2];
    model = argv[3];
    model_bars = atoi(argv[4]);
    test_model_length();
    test_shorter_phrase();
    return check_report();
}
