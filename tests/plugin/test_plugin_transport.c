/* The real plugin follows the host transport: a stopped transport (speed 0)
 * is silence and ends the sounding notes at that frame, rolling plays, a
 * position that only says speed (what jalv sends without a timebase master)
 * stops and restarts in place; the plugin free-runs at 120 BPM only while no
 * time:Position has ever arrived (not after a re-activation, once a host has
 * sent one).
 * usage: test_plugin_transport BUNDLE_DIR */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)

static const char *bundle;

static bool open_session(session *s)
{
    char err[1024];
    memset(s, 0, sizeof *s);
    s->host = host_open(bundle, RATE, 4096, err, sizeof err);
    if (!s->host) fprintf(stderr, "host_open: %s\n", err);
    CHECK(s->host != NULL);
    return s->host != NULL;
}

static void close_session(session *s)
{
    host_close(s->host);
    session_free(s);
}

static void play(session *s, int64_t frames)
{
    int64_t end = s->frame + frames;
    while (s->frame < end) session_block(s, (uint32_t)(end - s->frame < 1000 ? end - s->frame : 1000));
}

static int sounding(const session *s)
{
    char why[256] = "";
    int n = session_sounding(s, why, sizeof why);
    if (n < 0) fprintf(stderr, "pairing: %s\n", why);
    return n;
}

/* A host that never sends a position: the plugin free-runs at 120 BPM. */
static void test_free_running(void)
{
    session s;
    if (!open_session(&s)) return;
    play(&s, 2 * FRAMES_PER_BAR);
    int notes = session_count_on(&s, 0, s.frame), off_grid = 0;
    for (int i = 0; i < s.n; i++) off_grid += s.ev[i].frame % FRAMES_PER_STEP != 0;
    CHECK_MSG(notes > 0 && off_grid == 0, "free-running: %d notes, %d off the grid", notes,
              off_grid);
    close_session(&s);
}

/* Stopped from the first block: silence; rolling: notes; stopped again in
 * the middle of a block: the sounding notes end at that frame, then silence. */
static void test_stop_start(void)
{
    session s;
    if (!open_session(&s)) return;
    host_send_position(s.host, 0, 0, 0, 120, 0);
    play(&s, 2 * FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&s, 0, s.frame) == 0, "%d notes while stopped",
              session_count_on(&s, 0, s.frame));
    int64_t start = s.frame;
    host_send_position(s.host, 0, 0, 0, 120, 1);
    play(&s, 2 * FRAMES_PER_BAR + 3 * FRAMES_PER_STEP + 500);
    CHECK_MSG(session_count_on(&s, start, s.frame) > 0, "no notes while rolling");
    int first_on = -1;
    for (int i = 0; i < s.n && first_on < 0; i++)
        if (is_note_on(&s.ev[i])) first_on = i;
    CHECK_MSG(first_on >= 0 && s.ev[first_on].frame % FRAMES_PER_STEP == 0,
              "the first note is off the grid after the start");
    int sounding_before = sounding(&s);
    int64_t stop = s.frame + 123;
    host_send_position(s.host, 123, 2, 3.25, 120, 0);
    session_block(&s, 1000);
    int n_at_stop = 0;
    for (int i = 0; i < s.n; i++) n_at_stop += s.ev[i].frame == stop;
    CHECK_MSG(sounding(&s) == 0, "%d notes sounding after the stop", sounding(&s));
    CHECK_MSG(sounding_before == 0 || n_at_stop >= sounding_before,
              "%d notes were sounding, %d events at the stop frame", sounding_before, n_at_stop);
    int64_t stopped = s.frame;
    play(&s, 2 * FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&s, stopped, s.frame) == 0, "notes after the stop");
    close_session(&s);
}

/* Once a position has arrived, re-activation does not start free-running:
 * the transport stays where the host left it (stopped here). */
static void test_reactivation_keeps_transport(void)
{
    session s;
    if (!open_session(&s)) return;
    host_send_position(s.host, 0, 0, 0, 120, 0);
    play(&s, FRAMES_PER_BAR);
    host_deactivate(s.host);
    host_activate(s.host);
    int64_t from = s.frame;
    play(&s, 2 * FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&s, from, s.frame) == 0,
              "%d notes after re-activation with the transport stopped",
              session_count_on(&s, from, s.frame));
    close_session(&s);
}

/* jalv without a timebase master sends only frame and speed: speed 0 stops,
 * speed 1 rolls on from where the plugin was. */
static void test_speed_only(void)
{
    session s;
    if (!open_session(&s)) return;
    host_send_position(s.host, 0, 0, 0, 120, 1);
    play(&s, FRAMES_PER_BAR);
    mv_position stop = {NAN, NAN, NAN, NAN, NAN, 0.0, false};
    mv_position roll = {NAN, NAN, NAN, NAN, NAN, 1.0, false};
    host_send_position_fields(s.host, 0, &stop);
    int64_t stopped = s.frame;
    play(&s, FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&s, stopped, s.frame) == 0 && sounding(&s) == 0,
              "speed 0 without a bar position did not stop the notes");
    host_send_position_fields(s.host, 0, &roll);
    int64_t rolled = s.frame;
    play(&s, 2 * FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&s, rolled, s.frame) > 0, "speed 1 did not roll on");
    /* It rolls on from bar 1: the first note-on is a whole number of steps
     * after the restart. */
    for (int i = 0; i < s.n; i++)
        if (is_note_on(&s.ev[i]) && s.ev[i].frame >= rolled) {
            CHECK_MSG((s.ev[i].frame - rolled) % FRAMES_PER_STEP == 0,
                      "off the grid after rolling on: frame %lld",
                      (long long)(s.ev[i].frame - rolled));
            break;
        }
    close_session(&s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s BUNDLE\n", argv[0]);
        return 2;
    }
    static char path[PATH_MAX];
    bundle = realpath(argv[1], path);
    if (!bundle) {
        fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[1]);
        return 2;
    }
    test_free_running();
    test_stop_start();
    test_reactivation_keeps_transport();
    test_speed_only();
    return check_report();
}
