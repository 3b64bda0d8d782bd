/* Chords = Follow input in the real plugin, through lilv, with a small random
 * melody model with chord input (random_model tiny_chords; chords change what
 * it plays): every note the plugin plays is checked against core's decode of
 * the model with the chords it must have been decoded with.
 *  - follow: C held from the start, G from step 6 of bar 2 (at the step's
 *    frame, and 2000 frames early): bar 1 and the first steps of bar 2 play
 *    the decode under C, the rest of bar 2 the decode under C up to the
 *    first step the change could still reach and G after it (the prefix
 *    heard is kept note for note), bars 3-4 the decode under G. The latency
 *    (steps from the change to that first step) is measured and printed;
 *    it must be 0 with the worker inside schedule_work() (Ardour's export)
 *    and for a chord played a block early, at most 1 after run(), 2 in a
 *    thread. Zero allocations in run() and in work() throughout.
 *  - off: Chords off plays the decode without chords whatever is held; a
 *    model without chord input plays the same with Chords on and Chord pull
 *    0, and at the default pull core's decode steered to the chord held.
 * Core's decodes are steered as Chord pull's default (0.5) steers.
 *  - transpose: D held with Transpose +2 plays C's decode, 2 semitones up.
 *  - memory and state: A minor held for a beat is followed until another
 *    chord (a single note does not replace it); the state stores "A:min" and
 *    a fresh instance given it plays the A minor decode with nothing held.
 *  - capture: while Chords follows, Capture records nothing; off, it does.
 *  - stress: random chord changes, morph automation, relocations and block
 *    sizes: every note paired, none sounding after the stop, no allocation.
 * MODE: after-run runs everything; in-schedule and thread the follow test
 * and the stress run.
 * usage: test_plugin_chords MODE BUNDLE_DIR CHORD_MODEL PLAIN_MODEL */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_counter.h"
#include "check.h"
#include "decoder.h"
#include "chord_steer.h"
#include "latent.h"
#include "midi_feed.h"
#include "model.h"
#include "rng.h"
#include "session.h"
#include "tokens.h"
#include "weights.h"
#include "window.h"

#define RATE 48000.0
#define FPS 6000 /* frames a 16th at 120 BPM */
#define FPB (16 * FPS)
#define STEPS 32 /* the model's window: 2 bars of 16ths */
#define MIN_PITCH 21
#define DEFAULT_PULL_STEER (CHORD_PULL_DEFAULT * CHORD_PULL_MAX_STEER)

static const char *mode, *bundle, *chord_model, *plain_model;
static long works_counted;
static bool count_works;

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

static void count_work(bool in_work)
{
    if (!__atomic_load_n(&count_works, __ATOMIC_RELAXED)) return;
    alloc_counting(in_work);
    if (in_work) __atomic_add_fetch(&works_counted, 1, __ATOMIC_RELAXED);
}

static mv_host *open_host(const char *model, const char *host_mode)
{
    mv_host *h = session_open_host(bundle, RATE, 4096, host_mode, count_run);
    if (!h) exit(2);
    host_set_work_hook(h, count_work);
    /* A real worker answers a decode within a few ms of real time, that is
     * of audio; the test host runs audio faster than real time, so its worker
     * thread is made to answer within 1024 frames of audio (21 ms), not the
     * 16th session.h allows: an answer later than a step plays steps from the
     * decodes in between (docs/plugin.md). */
    if (!strcmp(host_mode, "thread")) host_set_worker_lag(h, 1024);
    if (model) host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    session_settle(h, 2);
    return h;
}

/* ------------------------------------------------------------ core's decode */

typedef struct reference {
    mv_weights *w;
    mv_model m;
    mv_decoder *d;
    float z[MV_MAX_SIZE];
} reference;

/* The model at Morph `morph` between its default anchors, as the plugin's engine
 * makes it (engine.c latent_for). */
static void reference_open(reference *r, const char *path, float morph)
{
    char err[512];
    if (weights_read(path, &r->w, err, sizeof err) || model_bind_weights(&r->m, r->w, err, sizeof err) ||
        !(r->d = decoder_create(&r->m, 1))) {
        fprintf(stderr, "%s: %s\n", path, err);
        exit(2);
    }
    int n = (int)r->m.hp.z_size;
    const mv_meta *a = weights_meta(r->w, "anchor.a.z"), *b = weights_meta(r->w, "anchor.b.z");
    if (!a || !b) {
        fprintf(stderr, "%s: no default anchors\n", path);
        exit(2);
    }
    latent_slerp(a->data, b->data, morph, n, r->z);
}

static void reference_close(reference *r)
{
    decoder_free(r->d);
    weights_free(r->w);
}

/* The greedy decode of the window under chords [STEPS] (NULL: none), steered
 * to them as Chord pull's default steers (engine.h): the onset pitch of each
 * step (-1: none). */
static void reference_onsets(reference *r, const uint8_t *chords, int *onset)
{
    int32_t tokens[STEPS];
    decoder_set_chords(r->d, chords, 1);
    decoder_set_chord_steer(r->d, chords ? DEFAULT_PULL_STEER : 0);
    decoder_decode(r->d, r->z, 1, 0.0f, NULL, window_for(MV_REPR_MELODY, tokens));
    for (int t = 0; t < STEPS; t++) onset[t] = tokens[t] >= 2 ? MIN_PITCH + tokens[t] - 2 : -1;
}

static void chords_fill(uint8_t *chords, uint8_t a, int switch_at, uint8_t b)
{
    for (int t = 0; t < STEPS; t++) chords[t] = t < switch_at ? a : b;
}

/* ------------------------------------------------------------ playing */


/* A chord's notes on (off) at frame: root position from the given MIDI notes. */
static void chord_notes(int64_t frame, const int *notes, bool on, uint8_t channel)
{
    for (int i = 0; notes[i]; i++)
        add_event(frame, (uint8_t)((on ? 0x90 : 0x80) | channel), (uint8_t)notes[i], on ? 80 : 0);
}

static const int C_MAJ[] = {60, 64, 67, 0}, G_MAJ[] = {55, 59, 62, 0}, A_MIN[] = {57, 60, 64, 0},
                 D_MAJ[] = {62, 66, 69, 0}, F_MAJ[] = {53, 57, 60, 0};
/* Chord ids (core/chord.h: 1 + root * 15 + quality, maj 0, min 1). */
#define ID_C 1
#define ID_G (1 + 7 * 15)
#define ID_A_MIN (1 + 9 * 15 + 1)


static void reset_feed(void)
{
    n_events = next_event = 0;
}


/* Stopped at bar 1 with `hold` (a chord, or NULL) held on the input since
 * then: the worker has decoded the first bars for it. */
static void prepare(mv_host *h, const int *hold)
{
    host_send_position(h, 0, 0, 0, 120, 0);
    for (int i = 0; hold && hold[i]; i++) {
        const uint8_t on[3] = {0x90, (uint8_t)hold[i], 80};
        host_send_midi(h, 0, on, 3);
    }
    session_settle(h, 6);
}

static void stop(session *s)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    session_block(s, 64);
    char why[256] = "";
    int sounding = session_sounding(s, why, sizeof why);
    CHECK_MSG(sounding == 0, "%d notes sounding after the stop (%s)", sounding, why);
    CHECK(s->bad_blocks == 0);
}

/* The onset pitch the plugin played at each step from step `from` (-1: none),
 * from the session's note-ons (every one on its step's frame). */
static void played_onsets(const session *s, int64_t origin, int from, int n, int *onset)
{
    for (int i = 0; i < n; i++) onset[i] = -1;
    for (int i = 0; i < s->n; i++) {
        if (!is_note_on(&s->ev[i])) continue;
        int64_t f = s->ev[i].frame - origin;
        CHECK_MSG(f % FPS == 0, "a note-on off the grid at frame %lld", (long long)f);
        int64_t step = f / FPS - from;
        if (step >= 0 && step < n) onset[step] = s->ev[i].pitch;
    }
}

static int mismatches(const int *played, const int *want, int from, int to)
{
    int bad = 0;
    for (int t = from; t < to; t++) bad += played[t] != want[t];
    return bad;
}

static void print_onsets(const char *what, const int *o, int n)
{
    fprintf(stderr, "  %-10s", what);
    for (int t = 0; t < n; t++) fprintf(stderr, " %3d", o[t]);
    fputc('\n', stderr);
}

/* ------------------------------------------------------------ tests */

/* C from the start, G from song step 22 (bar 2, step 6), `early` frames
 * before that step's frame. Returns the latency measured (steps from step 22
 * to the first step played under G), or -1. */
static int test_follow(const char *host_mode, int early, int max_latency)
{
    reference r;
    reference_open(&r, chord_model, 0.0f);
    uint8_t chords[STEPS];
    int under_c[STEPS], under_g[STEPS], switched[8][STEPS];
    chords_fill(chords, ID_C, STEPS, ID_C);
    reference_onsets(&r, chords, under_c);
    chords_fill(chords, ID_G, STEPS, ID_G);
    reference_onsets(&r, chords, under_g);
    for (int l = 0; l < 8; l++) {
        chords_fill(chords, ID_C, 22 + l, ID_G);
        reference_onsets(&r, chords, switched[l]);
    }
    CHECK_MSG(mismatches(under_c, under_g, 0, STEPS) > 0,
              "the chord model plays the same under C and G: the test proves nothing");

    mv_host *h = open_host(chord_model, host_mode);
    host_set_control(h, "chords", 1);
    host_set_control(h, "exactEnds", 0);
    prepare(h, C_MAJ);
    reset_feed();
    const int64_t change = 22 * FPS - early;
    chord_notes(change, C_MAJ, false, 0);
    chord_notes(change, G_MAJ, true, 1); /* any channel */
    chord_notes(4 * FPB - 1000, G_MAJ, false, 1);
    start_feed();
    session s = {.host = h};
    mv_rng rng;
    rng_seed(&rng, 7 + (uint64_t)early);
    long allocs = alloc_count(), works = works_counted;
    __atomic_store_n(&count_works, true, __ATOMIC_RELAXED);
    host_send_position(h, 0, 0, 0, 120, 1);
    feed_until(&s, 4 * FPB, &rng);
    stop(&s);
    __atomic_store_n(&count_works, false, __ATOMIC_RELAXED);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run() and work()", alloc_count() - allocs);
    CHECK_MSG(works_counted - works >= 3, "only %ld work() calls counted", works_counted - works);

    int played[2 * STEPS];
    played_onsets(&s, 0, 0, 2 * STEPS, played);
    int bad_first = mismatches(played, under_c, 0, 22);
    CHECK_MSG(bad_first == 0, "%s: the steps before the change are not C's decode (%d differ)",
              host_mode, bad_first);
    /* The latencies that explain the rest of bar 2 (the steps before the
     * first one under G were played from the bar decoded under C). */
    int latency = -1;
    char fits[64] = "";
    for (int l = 0; l < 8; l++) {
        int want[STEPS];
        for (int t = 0; t < STEPS; t++) want[t] = t < 22 + l ? under_c[t] : switched[l][t];
        if (mismatches(played, want, 22, STEPS) == 0) {
            if (latency < 0) latency = l;
            snprintf(fits + strlen(fits), sizeof fits - strlen(fits), " %d", l);
        }
    }
    int bad_after = mismatches(played + STEPS, under_g, 0, STEPS);
    CHECK_MSG(bad_after == 0, "%s: bars 3-4 are not G's decode (%d steps differ)", host_mode,
              bad_after);
    printf("chord change %d frames before its step, worker %s: latency %d steps (fits:%s)\n",
           early, host_mode, latency, fits);
    CHECK_MSG(latency >= 0 && latency <= max_latency, "%s, %d frames early: latency %d (max %d)",
              host_mode, early, latency, max_latency);
    if (latency < 0) {
        print_onsets("played", played, STEPS);
        print_onsets("under C", under_c, STEPS);
        print_onsets("switch 22", switched[0], STEPS);
        print_onsets("switch 23", switched[1], STEPS);
    }
    session_free(&s);
    host_close(h);
    reference_close(&r);
    return latency;
}

/* Plays 2 bars from bar 1 with `hold` held from before and the events
 * added; returns the onsets. */
static void play_two_bars(mv_host *h, const int *hold, int *played, uint64_t seed)
{
    prepare(h, hold);
    session s = {.host = h};
    mv_rng rng;
    rng_seed(&rng, seed);
    start_feed();
    host_send_position(h, 0, 0, 0, 120, 1);
    feed_until(&s, 2 * FPB, &rng);
    stop(&s);
    played_onsets(&s, 0, 0, STEPS, played);
    session_free(&s);
}

static void test_off_and_plain(void)
{
    reference r;
    reference_open(&r, chord_model, 0.0f);
    int none[STEPS], played[STEPS];
    reference_onsets(&r, NULL, none);
    /* Chords off: chords held and changed on the input change nothing. */
    mv_host *h = open_host(chord_model, "after-run");
    host_set_control(h, "exactEnds", 0);
    reset_feed();
    chord_notes(FPB, C_MAJ, false, 0);
    chord_notes(FPB, G_MAJ, true, 0);
    play_two_bars(h, C_MAJ, played, 3);
    CHECK_MSG(mismatches(played, none, 0, STEPS) == 0, "Chords off: not the decode without chords");
    host_close(h);
    reference_close(&r);

    /* A model without chord input follows by Chord pull alone: at 0 it plays
     * as with Chords off; at the default, core's decode steered to A minor. */
    reference plain;
    reference_open(&plain, plain_model, 0.0f);
    uint8_t chords[STEPS];
    chords_fill(chords, ID_A_MIN, STEPS, ID_A_MIN);
    int plain_none[STEPS], plain_steered[STEPS];
    reference_onsets(&plain, NULL, plain_none);
    reference_onsets(&plain, chords, plain_steered);
    CHECK_MSG(mismatches(plain_none, plain_steered, 0, STEPS) > 0,
              "steering to A minor changes nothing: the test proves nothing");
    const struct {
        float chords, pull;
        const int *want;
        const char *what;
    } runs[] = {{0, 0.5f, plain_none, "Chords off"},
                {1, 0, plain_none, "Chords on, Chord pull 0"},
                {1, 0.5f, plain_steered, "Chords on, Chord pull 0.5"}};
    for (int i = 0; i < 3; i++) {
        h = open_host(plain_model, "after-run");
        host_set_control(h, "chords", runs[i].chords);
        host_set_control(h, "chord_pull", runs[i].pull);
        host_set_control(h, "exactEnds", 0);
        reset_feed();
        play_two_bars(h, A_MIN, played, 4);
        CHECK_MSG(mismatches(played, runs[i].want, 0, STEPS) == 0,
                  "a model without chord input, %s: not core's decode", runs[i].what);
        host_close(h);
    }
    reference_close(&plain);
}

static void test_transpose(void)
{
    reference r;
    reference_open(&r, chord_model, 0.0f);
    uint8_t chords[STEPS];
    int under_c[STEPS], played[STEPS];
    chords_fill(chords, ID_C, STEPS, ID_C);
    reference_onsets(&r, chords, under_c);
    for (int t = 0; t < STEPS; t++)
        if (under_c[t] >= 0) under_c[t] += 2;
    mv_host *h = open_host(chord_model, "after-run");
    host_set_control(h, "chords", 1);
    host_set_control(h, "exactEnds", 0);
    host_set_control(h, "transpose", 2);
    reset_feed();
    play_two_bars(h, D_MAJ, played, 5);
    CHECK_MSG(mismatches(played, under_c, 0, STEPS) == 0,
              "D held, transposed +2: not C's decode 2 semitones up");
    host_close(h);
    reference_close(&r);
}

static void test_memory_and_state(void)
{
    reference r;
    reference_open(&r, chord_model, 0.0f);
    uint8_t chords[STEPS];
    int under_am[STEPS], none[STEPS], played[STEPS];
    chords_fill(chords, ID_A_MIN, STEPS, ID_A_MIN);
    reference_onsets(&r, chords, under_am);
    reference_onsets(&r, NULL, none);

    /* A minor for a beat, then one note (E) in bar 2: A minor all along. */
    mv_host *h = open_host(chord_model, "after-run");
    host_set_control(h, "chords", 1);
    host_set_control(h, "exactEnds", 0);
    reset_feed();
    chord_notes(4 * FPS, A_MIN, false, 0);
    add_event(FPB + 3 * FPS, 0x90, 64, 80);
    add_event(FPB + 9 * FPS, 0x80, 64, 0);
    play_two_bars(h, A_MIN, played, 6);
    CHECK_MSG(mismatches(played, under_am, 0, STEPS) == 0,
              "A minor released (and one note held): not followed on");

    void *state = host_save_state(h);
    char *text = state ? host_state_string(h, state) : NULL;
    CHECK_MSG(text && strstr(text, "\"A:min\""), "the state does not hold the chord: %s",
              text ? text : "(none)");
    free(text);

    /* A fresh instance given the state, nothing held: A minor. */
    mv_host *first = h;
    h = open_host(NULL, "after-run");
    host_restore_state(h, state);
    session_settle(h, 2);
    CHECK(host_get_control(h, "chords") == 1.0f);
    reset_feed();
    play_two_bars(h, NULL, played, 7);
    CHECK_MSG(mismatches(played, under_am, 0, STEPS) == 0, "restored: not A minor's decode");
    /* Chords off forgets the chord (and the state says so). */
    host_set_control(h, "chords", 0);
    reset_feed();
    play_two_bars(h, NULL, played, 8);
    CHECK_MSG(mismatches(played, none, 0, STEPS) == 0, "Chords off: not the decode without chords");
    void *off_state = host_save_state(h);
    text = off_state ? host_state_string(h, off_state) : NULL;
    CHECK_MSG(text && strstr(text, "\"N\""), "Chords off: the state keeps a chord: %s",
              text ? text : "(none)");
    /* Switched on again with nothing held: no chord until one is held. */
    host_set_control(h, "chords", 1);
    reset_feed();
    play_two_bars(h, NULL, played, 9);
    CHECK_MSG(mismatches(played, none, 0, STEPS) == 0, "Chords on again: a chord remembered");
    free(text);
    host_free_state(off_state);
    host_free_state(state);
    host_close(h);
    host_close(first);
    reference_close(&r);
}

/* While Chords follows the input, Capture records nothing; off, it does. */
static void test_capture(void)
{
    static const int riff[][3] = {{0, 3, 60}, {4, 2, 62}, {6, 2, 64}, {8, 4, 67},
                                  {16, 4, 64}, {20, 2, 62}, {24, 2, 60}, {28, 4, 55}};
    mv_host *h = open_host(chord_model, "after-run");
    host_set_control(h, "chords", 1);
    host_set_control(h, "capture", 1);
    reset_feed();
    for (int pass = 0; pass < 4; pass++)
        for (int i = 0; i < 8; i++) {
            int64_t at = (int64_t)pass * 2 * FPB + (int64_t)riff[i][0] * FPS;
            add_event(at, 0x90, (uint8_t)riff[i][2], 90);
            add_event(at + (int64_t)riff[i][1] * FPS - 100, 0x80, (uint8_t)riff[i][2], 0);
        }
    start_feed();
    session s = {.host = h};
    mv_rng rng;
    rng_seed(&rng, 11);
    host_send_position(h, 0, 0, 0, 120, 1);
    feed_until(&s, 4 * FPB, &rng);
    host_wait_worker(h);
    CHECK_MSG(strstr(host_log(h), "captured") == NULL, "captured while following chords: %s",
              host_log(h));
    CHECK(host_reported(h, MV_PLUGIN_NS "captureStatus") == NULL);
    host_set_control(h, "chords", 0);
    feed_until(&s, 8 * FPB + FPS, &rng);
    host_wait_worker(h);
    CHECK_MSG(strstr(host_log(h), "captured 8 notes -> anchor A") != NULL,
              "Chords off: the riff was not captured: %s", host_log(h));
    stop(&s);
    session_free(&s);
    host_close(h);
}

/* Random chord changes (any channel, early, late, legato, released), morph
 * automation, relocations and block sizes. */
static void test_stress(const char *host_mode)
{
    static const int *const progression[] = {C_MAJ, G_MAJ, A_MIN, F_MAJ, D_MAJ};
    mv_host *h = open_host(chord_model, host_mode);
    host_set_control(h, "chords", 1);
    mv_rng rng;
    rng_seed(&rng, 99);
    reset_feed();
    const int *held = NULL;
    for (int64_t at = 0; at < 16 * FPB; at += 1000 + rng_u32(&rng) % (2 * FPB)) {
        if (held) chord_notes(at, held, false, (uint8_t)(rng_u32(&rng) % 16));
        held = rng_u32(&rng) % 4 ? progression[rng_u32(&rng) % 5] : NULL;
        if (held) chord_notes(at + rng_u32(&rng) % 50, held, true, (uint8_t)(rng_u32(&rng) % 16));
    }
    add_event(8 * FPB, 0xB0, 123, 0); /* all notes off */
    start_feed();
    session s = {.host = h};
    long allocs = alloc_count();
    __atomic_store_n(&count_works, true, __ATOMIC_RELAXED);
    host_send_position(h, 0, 0, 0, 120, 1);
    for (int part = 0; part < 4; part++) {
        host_set_control(h, "morph", (float)part / 4.0f);
        host_set_control(h, "temperature", part == 2 ? 0.7f : 0.0f);
        feed_until(&s, (int64_t)(part + 1) * 4 * FPB, &rng);
        if (part == 1) host_send_position(h, 0, 1, 2.5, 120, 1); /* a relocation */
    }
    __atomic_store_n(&count_works, false, __ATOMIC_RELAXED);
    stop(&s);
    CHECK_MSG(alloc_count() == allocs, "%s: %ld allocations in run() and work()", host_mode,
              alloc_count() - allocs);
    CHECK_MSG(session_count_on(&s, 0, s.frame) > 16, "%s: hardly a note", host_mode);
    session_free(&s);
    host_close(h);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODE BUNDLE_DIR CHORD_MODEL PLAIN_MODEL\n", argv[0]);
        return 2;
    }
    static char paths[3][PATH_MAX];
    mode = argv[1];
    bundle = realpath(argv[2], paths[0]);
    chord_model = realpath(argv[3], paths[1]);
    plain_model = realpath(argv[4], paths[2]);
    if (!bundle || !chord_model || !plain_model) {
        fprintf(stderr, "%s: a bundle or model path does not exist\n", argv[0]);
        return 2;
    }
    if (!strcmp(mode, "after-run")) {
        test_follow("after-run", 0, 1);
        test_follow("after-run", 2000, 0); /* a block early (blocks are at most 1231 frames) */
        test_off_and_plain();
        test_transpose();
        test_memory_and_state();
        test_capture();
        test_stress("after-run");
    } else if (!strcmp(mode, "in-schedule")) {
        test_follow("in-schedule", 0, 0);
        test_stress("in-schedule");
    } else if (!strcmp(mode, "thread")) {
        test_follow("thread", 0, 2);
        test_follow("thread", 2000, 2);
        test_stress("thread");
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return check_report();
}
