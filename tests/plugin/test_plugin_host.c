/* The real morphvae.lv2 in an offline lilv host: a 16-bar morph sweep with
 * random block sizes on the grid, determinism, a randomised stress run with
 * transport changes, model and anchor changes (a corrupt model among them) and
 * an allocation counter around run(), deactivation, MIDI file anchors, bars
 * before bar 1 (every mode).
 * MODE is how the host runs the worker (session.h): after-run, in-schedule
 * (Ardour's export), thread (a second thread with random delays, answering
 * within a 16th: not deterministic, so the sweep's determinism and the
 * timing tests are left out) or failing (every 4th schedule_work and 3rd
 * respond refused). Modes other than after-run run the sweep, the latency
 * test and a shorter stress run only.
 * usage: test_plugin_host MODE BUNDLE_DIR ALT_MODEL DRUM_MODEL CORRUPT_MODEL
 *                         ANCHOR_MID NO_WINDOW_MID */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "alloc_counter.h"
#include "check.h"
#include "rng.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* 120 BPM, 4 steps a beat, 48 kHz */
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)
#define MAX_BLOCK 8192

static const char *mode, *bundle, *alt_model, *drum_model, *corrupt_model, *anchor_mid,
    *no_window_mid;
static bool threaded; /* the thread mode: timing is not reproducible */

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

static mv_host *open_host(double rate)
{
    return session_open_host(bundle, rate, MAX_BLOCK, mode, count_run);
}

static uint32_t random_block(mv_rng *r)
{
    /* Mostly musical sizes, sometimes tiny or huge ones. */
    switch (rng_u32(r) % 4) {
    case 0: return 1 + rng_u32(r) % 16;
    case 1: return 1 + rng_u32(r) % MAX_BLOCK;
    default: return 64 + rng_u32(r) % 1024;
    }
}

/* Plays n_bars from bar 0 at 120 BPM; morph follows the position from
 * morph_from to morph_to (a sweep), recomputed every block. */
static void play_sweep(session *s, uint64_t seed, int n_bars, float morph_from, float morph_to)
{
    mv_rng r;
    rng_seed(&r, seed);
    host_send_position(s->host, 0, 0, 0, 120, 1);
    int64_t end = (int64_t)n_bars * FRAMES_PER_BAR;
    while (s->frame < end) {
        uint32_t n = random_block(&r);
        if (s->frame + n > end) n = (uint32_t)(end - s->frame);
        float t = (float)s->frame / (float)end;
        host_set_control(s->host, "morph", morph_from + t * (morph_to - morph_from));
        session_block(s, n);
    }
}

static void stop_transport(session *s)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    session_block(s, 64);
}

static void test_sweep(void)
{
    session a = {.host = open_host(RATE)}, b = {.host = open_host(RATE)};
    CHECK(a.host && b.host);
    if (!a.host || !b.host) return;
    long allocs = alloc_count();
    play_sweep(&a, 7, 16, 0.0f, 1.0f);
    if (!threaded) play_sweep(&b, 7, 16, 0.0f, 1.0f); /* the same again: determinism */
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    CHECK(a.bad_blocks == 0);

    int notes = session_count_on(&a, 0, a.frame);
    CHECK_MSG(notes >= 16, "only %d notes in 16 bars", notes);
    int off_grid = 0;
    for (int i = 0; i < a.n; i++)
        if (a.ev[i].frame % FRAMES_PER_STEP) off_grid++;
    CHECK_MSG(off_grid == 0, "%d of %d events off the 16th grid", off_grid, a.n);

    char why[256] = "";
    stop_transport(&a);
    int sounding = session_sounding(&a, why, sizeof why);
    CHECK_MSG(sounding == 0, "%d notes sounding after stop (%s)", sounding, why);

    if (!threaded)
        CHECK_MSG(session_same_notes(&a, &b, 0, a.frame), "the same input played differently");
    /* Every bar sounds (a worker reply lost or mishandled silences the rest). */
    for (int bar = 1; bar < 16; bar++) {
        int in_bar = session_count_on(&a, (int64_t)bar * FRAMES_PER_BAR,
                                      (int64_t)(bar + 1) * FRAMES_PER_BAR);
        CHECK_MSG(in_bar > 0, "bar %d of the sweep is silent (%s)", bar + 1, mode);
    }
    /* The morph is heard: the first two bars (morph ~0) differ from the last two. */
    session first = {0}, last = {0};
    session_copy_range(&a, 0, 2 * FRAMES_PER_BAR, &first);
    session_copy_range(&a, 14 * FRAMES_PER_BAR, 16 * FRAMES_PER_BAR, &last);
    CHECK_MSG(!session_same_notes(&first, &last, 0, 2 * FRAMES_PER_BAR),
              "bars 15-16 (morph near 1) play what bars 1-2 (morph near 0) played");
    session_free(&first);
    session_free(&last);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* Fixed morph, whole bars: morph 0 and morph 1 must not play the same. */
static void test_morph_changes_output(void)
{
    session a = {.host = open_host(RATE)}, b = {.host = open_host(RATE)};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    play_sweep(&a, 3, 4, 0.0f, 0.0f);
    play_sweep(&b, 3, 4, 1.0f, 1.0f);
    CHECK(session_count_on(&a, 0, a.frame) > 0);
    CHECK(!session_same_notes(&a, &b, FRAMES_PER_BAR, a.frame));
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* A morph move is heard at the next step: moved at the start of a step, the
 * notes from the following step on are those of the new morph value. */
static void test_morph_latency(void)
{
    session fixed = {.host = open_host(RATE)}, moved = {.host = open_host(RATE)};
    if (!fixed.host || !moved.host) {
        CHECK(false);
        return;
    }
    const uint32_t block = 250; /* divides a step (6000 frames) */
    const int64_t change = 2 * FRAMES_PER_BAR + 5 * FRAMES_PER_STEP, end = 4 * FRAMES_PER_BAR;
    /* Anchor B a real melody, so that morph 1 has notes to hear with any model. */
    host_send_path(fixed.host, 0, MV_PLUGIN_NS "anchorBFile", anchor_mid);
    host_send_path(moved.host, 0, MV_PLUGIN_NS "anchorBFile", anchor_mid);
    session_block(&fixed, block);
    session_block(&moved, block);
    session_free(&fixed);
    session_free(&moved);
    fixed.frame = moved.frame = 0;
    host_set_control(fixed.host, "morph", 1.0f);
    host_send_position(fixed.host, 0, 0, 0, 120, 1);
    host_send_position(moved.host, 0, 0, 0, 120, 1);
    while (fixed.frame < end) session_block(&fixed, block);
    while (moved.frame < end) {
        if (moved.frame == change) host_set_control(moved.host, "morph", 1.0f);
        session_block(&moved, block);
    }
    CHECK_MSG(session_count_on(&fixed, change, end) > 0, "no notes after the move");
    CHECK_MSG(!session_same_notes(&fixed, &moved, 0, change),
              "morph 0 and 1 play the same before the move: the test shows nothing");
    CHECK_MSG(session_same_notes(&fixed, &moved, change + FRAMES_PER_STEP, end),
              "the morph move is not heard from the next step on");
    host_close(fixed.host);
    host_close(moved.host);
    session_free(&fixed);
    session_free(&moved);
}

/* The host's own transport, to check the plugin against: position (steps) at
 * frame = pos0 + (frame - frame0) * steps_per_frame while rolling. */
typedef struct transport {
    int64_t frame0;
    double pos0, bpm, steps_per_frame;
    bool rolling;
} transport;

#define MAX_SEGMENTS 20000

static transport segments[MAX_SEGMENTS];
static int n_segments;

static void add_segment(int64_t frame, double pos, float bpm, bool rolling, double rate)
{
    if (n_segments == MAX_SEGMENTS) return;
    /* The plugin sees bpm as a float: so does the check. */
    double spf = rolling ? (double)bpm / 60.0 * 4.0 / rate : 0.0;
    segments[n_segments++] = (transport){frame, pos, bpm, spf, rolling};
}

static double position_at(const transport *t, int64_t frame)
{
    return t->pos0 + (double)(frame - t->frame0) * t->steps_per_frame;
}

/* Each note-on lies on the first frame at or after its step's exact time. */
static int count_off_grid(const session *s)
{
    int bad = 0, seg = 0;
    for (int i = 0; i < s->n; i++) {
        const rec_event *e = &s->ev[i];
        if (!is_note_on(e)) continue;
        while (seg + 1 < n_segments && segments[seg + 1].frame0 <= e->frame) seg++;
        const transport *t = &segments[seg];
        if (!t->rolling) {
            bad++;
            continue;
        }
        double pos = position_at(t, e->frame);
        double step = ceil(position_at(t, e->frame - 1) + 1e-9);
        double exact = (double)t->frame0 + (step - t->pos0) / t->steps_per_frame;
        if (!(fabs(pos - step) <= t->steps_per_frame * (1.0 + 1e-3)) ||
            !((double)e->frame >= exact - 1e-3 && (double)e->frame < exact + 1.0 + 1e-3)) {
            if (bad < 5)
                fprintf(stderr, "note-on at frame %lld: step %.0f is due at frame %.3f "
                        "(transport from frame %lld at step %.4f, %.6f steps a frame)\n",
                        (long long)e->frame, step, exact, (long long)t->frame0, t->pos0,
                        t->steps_per_frame);
            bad++;
        }
    }
    return bad;
}

/* Sends a position at frame `at` of the next block and starts a transport
 * segment there at the position the plugin reads (barBeat is a float). */
static void send_position(session *s, uint32_t at, double pos, float bpm, bool rolling,
                          double rate)
{
    double bar = floor(pos / 16);
    float bar_beat = (float)((pos - bar * 16) / 4);
    host_send_position(s->host, at, bar, bar_beat, bpm, rolling);
    add_segment(s->frame + at, bar * 16 + (double)bar_beat * 4, bpm, rolling, rate);
}

static void test_stress(double rate, int n_blocks, uint64_t seed)
{
    session s = {.host = open_host(rate)};
    CHECK(s.host != NULL);
    if (!s.host) return;
    mv_rng r;
    rng_seed(&r, seed);
    n_segments = 0;
    const char *models[] = {alt_model, drum_model, corrupt_model, "/nonexistent/model.mvae",
                            NULL /* the default */};
    char default_model[4096];
    snprintf(default_model, sizeof default_model, "%s/model.mvae", bundle);
    float bpm = 120.0f;
    bool rolling = true;
    /* It starts on a small model: what is tested here is timing and the
     * worker's traffic, not the music (and a sanitizer build decodes the
     * shipped model some 50 times slower). The changes below load the
     * shipped one now and then. */
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", alt_model);
    host_send_position(s.host, 0, 0, 0, bpm, 1);
    add_segment(0, 0.0, bpm, true, rate);
    long allocs = alloc_count();
    int corrupt_loads = 0;
    for (int b = 0; b < n_blocks; b++) {
        uint32_t n = random_block(&r);
        uint32_t at = rng_u32(&r) % n;
        int64_t now = s.frame + at;
        double pos = position_at(&segments[n_segments - 1], now);
        switch (rng_u32(&r) % 40) {
        case 0: /* stop or start */
            rolling = !rolling;
            send_position(&s, at, pos, bpm, rolling, rate);
            break;
        case 1: /* relocate, on or off the grid */
            send_position(&s, at, (double)(rng_u32(&r) % 4000) / 4.0, bpm, rolling, rate);
            break;
        case 2: /* tempo change */
            bpm = (float)(60 + rng_u32(&r) % 141);
            send_position(&s, at, pos, bpm, rolling, rate);
            break;
        case 3: { /* model change */
            const char *m = models[rng_u32(&r) % 5];
            if (m == corrupt_model) corrupt_loads++;
            host_send_path(s.host, at, MV_PLUGIN_NS "model", m ? m : default_model);
            break;
        }
        case 4: /* anchor seed */
            host_send_int(s.host, at, rng_u32(&r) % 2 ? MV_PLUGIN_NS "anchorBSeed"
                                                       : MV_PLUGIN_NS "anchorASeed",
                          (int32_t)(rng_u32(&r) % 1000));
            break;
        case 5: host_set_control(s.host, "temperature", rng_uniform(&r) * 1.5f); break;
        case 6: host_set_control(s.host, "variation", (float)(rng_u32(&r) % 50)); break;
        case 7: host_set_control(s.host, "phrase_bars", (float)(1 + rng_u32(&r) % 8)); break;
        case 8: host_set_control(s.host, "transpose", (float)((int)(rng_u32(&r) % 25) - 12)); break;
        case 9: host_set_control(s.host, "channel", (float)(1 + rng_u32(&r) % 16)); break;
        case 10: host_set_control(s.host, "scale", (float)(rng_u32(&r) % 7)); break;
        case 11: host_set_control(s.host, "density", rng_uniform(&r) * 6 - 3); break;
        case 12: host_set_control(s.host, "register", rng_uniform(&r) * 6 - 3); break;
        case 13: host_set_control(s.host, "velocity", (float)(1 + rng_u32(&r) % 127)); break;
        default: host_set_control(s.host, "morph", rng_uniform(&r)); break;
        }
        session_block(&s, n);
    }
    CHECK_MSG(alloc_count() == allocs, "%ld allocations or frees in run()",
              alloc_count() - allocs);
    host_wait_worker(s.host);
    int refused = 0;
    for (const char *l = host_log(s.host); (l = strstr(l, "model not changed")); l++) refused++;
    CHECK(s.bad_blocks == 0);
    CHECK_MSG(refused >= corrupt_loads, "%d corrupt loads, %d refusals logged", corrupt_loads,
              refused);
    if (corrupt_loads)
        CHECK_MSG(strstr(host_log(s.host), "checksum") || strstr(host_log(s.host), "corrupt"),
                  "the refusal does not say what is wrong: %s", host_log(s.host));
    int off_grid = count_off_grid(&s);
    CHECK_MSG(off_grid == 0, "%d note-ons off the grid (rate %g)", off_grid, rate);
    CHECK_MSG(session_count_on(&s, 0, s.frame) > 0, "no notes at all in the stress run");

    /* Still alive after a corrupt model: load it now, keep playing. */
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", corrupt_model);
    host_send_position(s.host, 0, 0, 0, 120, 1);
    add_segment(s.frame, 0.0, 120.0f, true, rate);
    int64_t from = s.frame;
    for (int i = 0; i < 200; i++) session_block(&s, 512);
    host_wait_worker(s.host);
    CHECK_MSG(strstr(host_log(s.host), "model not changed"), "corrupt model not refused");
    CHECK_MSG(session_count_on(&s, from, s.frame) > 0, "silent after a refused model");

    stop_transport(&s);
    char why[256] = "";
    int sounding = session_sounding(&s, why, sizeof why);
    CHECK_MSG(sounding == 0, "%d notes sounding at the end (%s)", sounding, why);
    host_close(s.host);
    session_free(&s);
}

/* Deactivation ends the notes (at the start of the next run). */
static void test_deactivate(void)
{
    session s = {.host = open_host(RATE)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_position(s.host, 0, 0, 0, 120, 1);
    while (s.frame < 2 * FRAMES_PER_BAR + 100) session_block(&s, 1000);
    char why[256] = "";
    int before = session_sounding(&s, why, sizeof why);
    host_deactivate(s.host);
    host_activate(s.host);
    host_send_position(s.host, 0, 0, 0, 120, 0);
    session_block(&s, 256);
    int after = session_sounding(&s, why, sizeof why);
    CHECK_MSG(before >= 0 && after == 0, "sounding before %d, after re-activation %d (%s)",
              before, after, why);
    host_close(s.host);
    session_free(&s);
}

/* Stopped at bar (time:bar, 0 the first bar) until the worker has answered,
 * then rolling from there for n_bars; the session holds only the rolling
 * part, from frame 0. */
static void roll_from_bar(session *s, double bar, int n_bars)
{
    host_send_position(s->host, 0, bar, 0, 120, 0);
    for (int i = 0; i < 8; i++) session_block(s, 512);
    host_wait_worker(s->host);
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, bar, 0, 120, 1);
    while (s->frame < (int64_t)n_bars * FRAMES_PER_BAR) session_block(s, 500);
}

static int notes_in_bar(const session *s, int i)
{
    return session_count_on(s, (int64_t)i * FRAMES_PER_BAR, (int64_t)(i + 1) * FRAMES_PER_BAR);
}

/* Bars before bar 1 (a negative time:bar: a count-in, a pre-roll, a loop
 * that starts before bar 1) are decoded and played like any other: located
 * at bar -3, starting to roll there, and looping from bar -1 across bar 0,
 * every bar plays; where timing is reproducible, bars -3 and -2 play the
 * notes of bars 1 and 2 (the same places in the 2-bar phrase). */
static void test_negative_bars(void)
{
    session neg = {.host = open_host(RATE)}, pos = {.host = open_host(RATE)},
            start = {.host = open_host(RATE)}, loop = {.host = open_host(RATE)};
    if (!neg.host || !pos.host || !start.host || !loop.host) {
        CHECK(false);
        return;
    }
    roll_from_bar(&neg, -3, 6);
    roll_from_bar(&pos, 1, 2);
    for (int i = 0; i < 6; i++)
        CHECK_MSG(notes_in_bar(&neg, i) > 0, "located at bar -3 (%s): bar %d is silent", mode,
                  i - 3);
    if (!threaded && strcmp(mode, "failing"))
        CHECK_MSG(session_same_notes(&neg, &pos, 0, 2 * FRAMES_PER_BAR),
                  "bars -3 and -2 (%s) do not play the notes of bars 1 and 2", mode);
    /* Rolling from the first block: the first step may wait for its bar. */
    host_send_position(start.host, 0, -3, 0, 120, 1);
    while (start.frame < 4 * FRAMES_PER_BAR) session_block(&start, 500);
    for (int i = 1; i < 4; i++)
        CHECK_MSG(notes_in_bar(&start, i) > 0, "rolling from bar -3 (%s): bar %d is silent",
                  mode, i - 3);
    roll_from_bar(&loop, -1, 2);
    for (int pass = 0; pass < 3; pass++) {
        session_free(&loop);
        loop.frame = 0;
        host_send_position(loop.host, 0, -1, 0, 120, 1);
        while (loop.frame < 2 * FRAMES_PER_BAR) session_block(&loop, 500);
        CHECK_MSG(notes_in_bar(&loop, 0) > 0 && notes_in_bar(&loop, 1) > 0,
                  "loop from bar -1 (%s), pass %d: %d and %d notes", mode, pass + 2,
                  notes_in_bar(&loop, 0), notes_in_bar(&loop, 1));
    }
    char why[256] = "";
    CHECK_MSG(session_sounding(&neg, why, sizeof why) >= 0, "%s", why);
    host_close(neg.host);
    host_close(pos.host);
    host_close(start.host);
    host_close(loop.host);
    session_free(&neg);
    session_free(&pos);
    session_free(&start);
    session_free(&loop);
}

/* MIDI file anchors: a real melody changes what is played; a file without a
 * usable window is refused with a message and changes nothing. */
static void test_file_anchors(void)
{
    session plain = {.host = open_host(RATE)}, file = {.host = open_host(RATE)},
            refused = {.host = open_host(RATE)};
    if (!plain.host || !file.host || !refused.host) {
        CHECK(false);
        return;
    }
    host_send_path(file.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    host_send_path(refused.host, 0, MV_PLUGIN_NS "anchorAFile", no_window_mid);
    session_block(&file, 64);
    session_block(&refused, 64);
    CHECK_MSG(strstr(host_log(file.host), "anchor A is now"), "log: %s", host_log(file.host));
    CHECK_MSG(strstr(host_log(refused.host), "no usable"), "log: %s", host_log(refused.host));
    file.frame = refused.frame = 0;
    session_free(&file);
    session_free(&refused);
    play_sweep(&plain, 5, 4, 0.0f, 0.0f);
    play_sweep(&file, 5, 4, 0.0f, 0.0f);
    play_sweep(&refused, 5, 4, 0.0f, 0.0f);
    CHECK_MSG(!session_same_notes(&plain, &file, FRAMES_PER_BAR, plain.frame),
              "the MIDI anchor did not change the notes");
    CHECK_MSG(session_same_notes(&plain, &refused, FRAMES_PER_BAR, plain.frame),
              "a refused file changed the notes");
    host_close(plain.host);
    host_close(file.host);
    host_close(refused.host);
    session_free(&plain);
    session_free(&file);
    session_free(&refused);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: %s MODE BUNDLE ALT_MODEL DRUM_MODEL CORRUPT_MODEL ANCHOR_MID "
                        "NO_WINDOW_MID\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    threaded = !strcmp(mode, "thread");
    argv++;
    /* Absolute paths, as a host gives them. */
    static char paths[6][PATH_MAX];
    const char **args[6] = {&bundle, &alt_model, &drum_model, &corrupt_model, &anchor_mid,
                            &no_window_mid};
    for (int i = 0; i < 6; i++) {
        *args[i] = realpath(argv[i + 1], paths[i]);
        if (!*args[i]) {
            fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[i + 1]);
            return 2;
        }
    }

    /* The counter itself counts (or every zero below would mean nothing). */
    CHECK_MSG(alloc_counter_counts(), "the allocation counter missed malloc/free");
    mv_host *probe = open_host(RATE);
    if (!probe) return 2;
    host_close(probe);
    test_sweep();
    test_negative_bars();
    /* The features once (worker after run()); the other modes repeat what
     * depends on how the worker runs: the sweep, the latency, the stress. */
    if (!strcmp(mode, "after-run")) {
        test_morph_changes_output();
        test_deactivate();
        test_file_anchors();
    }
    if (!threaded) test_morph_latency();
    if (!strcmp(mode, "after-run")) {
        test_stress(44100.0, 3000, 11);
        test_stress(96000.0, 1500, 12);
        test_stress(22050.0, 1500, 13);
    } else {
        test_stress(44100.0, 1500, 21);
        test_stress(22050.0, 1000, 22);
    }
    return check_report();
}
