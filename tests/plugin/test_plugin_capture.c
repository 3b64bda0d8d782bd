/* MIDI capture in the real plugin, through lilv: a riff played into the
 * plugin's MIDI input (a little early or late on the 16th grid, as a person
 * plays) while the transport rolls becomes anchor A (melody) or B (drums):
 * the state holds the riff's window, and with capture off morph 0 (1) with
 * exact ends plays the riff's notes on its steps, also in a fresh instance
 * given the saved state. Also: a note held from before capture began, a stop
 * in the middle of a phrase (the partial phrase is dropped), a host's loop
 * (the phrase is handed over at the jump back, and a note played early for
 * the loop's start comes along), capture switched off right at a phrase's
 * end, a full capture buffer (notes dropped and counted), phrases without a
 * usable window (a silent bar, notes outside the model's pitches: nothing
 * changes, the log says why), and a model change (the captured notes are
 * encoded again with a model of the same window; a drum model falls back
 * to its default). run() is counted for allocations all along: none.
 * MODE after-run runs everything; thread (the worker in a thread of its own,
 * also built with ThreadSanitizer: suite "threads") the melody capture only.
 * usage: test_plugin_capture MODE BUNDLE_DIR MELODY_MODEL OTHER_MELODY_MODEL DRUM_MODEL */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_counter.h"
#include "check.h"
#include "midi_feed.h"
#include "rng.h"
#include "session.h"
#include "tokens.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* a 16th at 120 BPM */
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)
#define PHRASE 32            /* the test models' window: 2 bars of 16 steps */
#define MIN_PITCH 21

static const char *mode, *bundle, *mel_model, *other_model, *drum_model;
static bool threaded;

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

static mv_host *open_host(const char *model)
{
    mv_host *h = session_open_host(bundle, RATE, 4096, mode, count_run);
    if (h && model) host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    return h;
}

/* ------------------------------------------------------------ riffs */

typedef struct riff_note {
    int step, length, pitch;
} riff_note;

/* Two bars of melody, one voice; the last note ends on the phrase's end. */
static const riff_note melody_riff[] = {
    {0, 3, 60},  {4, 2, 62},  {6, 2, 64},  {8, 4, 67},  {14, 2, 65},
    {16, 4, 64}, {20, 2, 62}, {24, 2, 60}, {28, 4, 55},
};
#define N_MELODY (int)(sizeof melody_riff / sizeof melody_riff[0])

/* Two bars of drums: kick, snare, closed hi-hat (notes a step long). */
static riff_note drum_riff[48];
static int n_drums;

static void make_drum_riff(void)
{
    for (int s = 0; s < PHRASE; s += 2) {
        if (s % 8 == 0) drum_riff[n_drums++] = (riff_note){s, 1, 36};
        if (s % 8 == 4) drum_riff[n_drums++] = (riff_note){s, 1, 38};
        drum_riff[n_drums++] = (riff_note){s, 1, 42};
    }
}

/* The window extraction makes of the melody riff: a token at each onset, a
 * note-off where a note ends before the next one starts. */
static void melody_tokens(const riff_note *r, int n, int32_t *tokens)
{
    memset(tokens, 0, PHRASE * sizeof *tokens);
    for (int i = 0; i < n; i++) tokens[r[i].step] = 2 + r[i].pitch - MIN_PITCH;
    for (int i = 0; i < n; i++) {
        int end = r[i].step + r[i].length, next = i + 1 < n ? r[i + 1].step : PHRASE;
        if (end < next) tokens[end] = MV_MELODY_NOTE_OFF;
    }
}

static void drum_tokens(const riff_note *r, int n, int32_t *tokens)
{
    memset(tokens, 0, PHRASE * sizeof *tokens);
    for (int i = 0; i < n; i++) tokens[r[i].step] |= 1 << drum_class_of_pitch(r[i].pitch);
}


/* The riff from frame `from` (its step 0), as a person plays it: each
 * note-on up to 2000 frames (a third of a step) early or late, the first
 * of each pass 2500 frames early, note-offs up to 2000 frames off. */
static void add_riff(const riff_note *r, int n, int64_t from, uint8_t channel, mv_rng *rng)
{
    for (int i = 0; i < n; i++) {
        int64_t on = from + (int64_t)r[i].step * FRAMES_PER_STEP +
                     (i == 0 ? -2500 : (int64_t)(rng_u32(rng) % 4001) - 2000);
        int64_t off = from + (int64_t)(r[i].step + r[i].length) * FRAMES_PER_STEP +
                      (int64_t)(rng_u32(rng) % 4001) - 2000;
        if (on < 0) on = 0;
        if (off <= on) off = on + 1000;
        add_event(on, (uint8_t)(0x90 | channel), (uint8_t)r[i].pitch, 90);
        add_event(off, (uint8_t)(0x80 | channel), (uint8_t)r[i].pitch, 0);
    }
}


/* ------------------------------------------------------------ state */

typedef struct saved {
    uint32_t key_kind[2], key_tokens[2], key_z[2], key_label[2];
    int32_t kind[2];
    int n_tokens[2];
    int32_t tokens[2][PHRASE];
    char z[2][8192];
    char label[2][256];
} saved;

static LV2_State_Status store(LV2_State_Handle handle, uint32_t key, const void *value,
                              size_t size, uint32_t type, uint32_t flags)
{
    (void)type;
    (void)flags;
    saved *s = handle;
    for (int w = 0; w < 2; w++) {
        if (key == s->key_kind[w] && size == 4) memcpy(&s->kind[w], value, 4);
        if (key == s->key_z[w] && size < sizeof s->z[w]) memcpy(s->z[w], value, size);
        if (key == s->key_label[w] && size < sizeof s->label[w]) memcpy(s->label[w], value, size);
        if (key == s->key_tokens[w]) {
            size_t length = strnlen(value, size);
            s->n_tokens[w] = (int)(length / 4);
            for (int i = 0; i < s->n_tokens[w] && i < PHRASE; i++) {
                char word[5];
                memcpy(word, (const char *)value + 4 * i, 4);
                word[4] = '\0';
                s->tokens[w][i] = (int32_t)strtol(word, NULL, 16);
            }
        }
    }
    return LV2_STATE_SUCCESS;
}

static void save_anchors(mv_host *h, saved *s)
{
    memset(s, 0, sizeof *s);
    const char *names[2] = {"A", "B"};
    for (int w = 0; w < 2; w++) {
        char uri[256];
        snprintf(uri, sizeof uri, MV_PLUGIN_NS "anchor%sKind", names[w]);
        s->key_kind[w] = host_map(h, uri);
        snprintf(uri, sizeof uri, MV_PLUGIN_NS "anchor%sTokens", names[w]);
        s->key_tokens[w] = host_map(h, uri);
        snprintf(uri, sizeof uri, MV_PLUGIN_NS "anchor%sZ", names[w]);
        s->key_z[w] = host_map(h, uri);
        snprintf(uri, sizeof uri, MV_PLUGIN_NS "anchor%sLabel", names[w]);
        s->key_label[w] = host_map(h, uri);
    }
    host_wait_worker(h);
    CHECK(host_call_save(h, store, s) == 0);
}

static bool same_tokens(const saved *s, int which, const int32_t *want)
{
    return s->n_tokens[which] == PHRASE &&
           !memcmp(s->tokens[which], want, PHRASE * sizeof *want);
}

static void print_tokens(const char *what, const int32_t *t)
{
    fprintf(stderr, "%s:", what);
    for (int i = 0; i < PHRASE; i++) fprintf(stderr, " %x", (unsigned)t[i]);
    fputc('\n', stderr);
}

static int count_in_log(mv_host *h, const char *text)
{
    int n = 0;
    for (const char *l = host_log(h); (l = strstr(l, text)); l++) n++;
    return n;
}

/* ------------------------------------------------------------ playing */

/* Plays the window from bar 0 at morph (exact ends on, capture off) and
 * writes what starts on each step: the pitch (melody: the last note-on of
 * the step, -1 none) or the drum classes (bit mask). */
static void play_steps(session *s, float morph, bool drums, int32_t *played)
{
    host_set_control(s->host, "capture", 0.0f);
    host_set_control(s->host, "morph", morph);
    host_set_control(s->host, "exactEnds", 1.0f);
    host_send_position(s->host, 0, 0, 0, 120, 0);
    for (int i = 0; i < 8; i++) session_block(s, 512);
    host_wait_worker(s->host);
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, 0, 0, 120, 1);
    while (s->frame < (int64_t)PHRASE * FRAMES_PER_STEP) session_block(s, 500);
    for (int i = 0; i < PHRASE; i++) played[i] = drums ? 0 : -1;
    for (int i = 0; i < s->n; i++) {
        const rec_event *e = &s->ev[i];
        int64_t step = e->frame / FRAMES_PER_STEP;
        if (!is_note_on(e) || step >= PHRASE) continue;
        if (e->frame % FRAMES_PER_STEP) played[step] = -2; /* off the grid */
        else if (drums) played[step] |= 1 << drum_class_of_pitch(e->pitch);
        else played[step] = e->pitch;
    }
}

/* What the window's tokens play at exact ends. */
static void expected_steps(const int32_t *tokens, bool drums, int32_t *want)
{
    for (int i = 0; i < PHRASE; i++)
        want[i] = drums ? tokens[i] : tokens[i] >= 2 ? MIN_PITCH + tokens[i] - 2 : -1;
}

static bool plays_window(session *s, float morph, bool drums, const int32_t *tokens)
{
    int32_t played[PHRASE], want[PHRASE];
    play_steps(s, morph, drums, played);
    expected_steps(tokens, drums, want);
    if (!memcmp(played, want, sizeof want)) return true;
    print_tokens("played", played);
    print_tokens("wanted", want);
    return false;
}

/* Stopped at bar 0 with the model loaded and capture set, then rolling. */
static void roll_from_start(session *s, int capture)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    session_block(s, 256);
    host_wait_worker(s->host);
    host_set_control(s->host, "capture", (float)capture);
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, 0, 0, 120, 1);
}

/* ------------------------------------------------------------ tests */

/* The riff over 4 bars into anchor A; capture switched off right at the end
 * of the second phrase hands it over too. */
static void test_melody(void)
{
    session s = {.host = open_host(mel_model)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    int32_t want[PHRASE];
    melody_tokens(melody_riff, N_MELODY, want);
    saved before, after;
    mv_rng rng;
    rng_seed(&rng, 5);
    long allocs = alloc_count();
    roll_from_start(&s, 1);
    save_anchors(s.host, &before);
    n_events = 0;
    for (int pass = 0; pass < 2; pass++)
        add_riff(melody_riff, N_MELODY, (int64_t)pass * 2 * FRAMES_PER_BAR, 0, &rng);
    start_feed();
    feed_until(&s, 4 * FRAMES_PER_BAR, &rng);
    host_wait_worker(s.host);
    CHECK_MSG(count_in_log(s.host, "captured 9 notes -> anchor A") == 1,
              "after the first phrase: %s", host_log(s.host));
    host_set_control(s.host, "capture", 0.0f);
    session_block(&s, 256);
    host_wait_worker(s.host);
    CHECK_MSG(count_in_log(s.host, "captured 9 notes -> anchor A") == 2,
              "capture switched off at the second phrase's end: %s", host_log(s.host));
    session_block(&s, 64); /* the report goes out in the next run */
    const char *status = host_reported(s.host, MV_PLUGIN_NS "captureStatus");
    CHECK_MSG(status && !strcmp(status, "captured 9 notes -> anchor A"), "reported: %s",
              status ? status : "nothing");
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run() while capturing",
              alloc_count() - allocs);
    CHECK(s.bad_blocks == 0);
    char why[256] = "";
    CHECK_MSG(session_count_on(&s, 0, s.frame) > 0, "silent while capturing");
    CHECK_MSG(session_sounding(&s, why, sizeof why) >= 0, "%s", why);

    save_anchors(s.host, &after);
    CHECK_MSG(after.kind[0] == 4, "anchor A kind %d", after.kind[0]);
    CHECK_MSG(!strcmp(after.label[0], "captured phrase (9 notes)"), "label %s", after.label[0]);
    CHECK_MSG(same_tokens(&after, 0, want), "the state does not hold the riff (%d tokens)",
              after.n_tokens[0]);
    if (!same_tokens(&after, 0, want)) {
        print_tokens("state", after.tokens[0]);
        print_tokens("riff ", want);
    }
    CHECK_MSG(strcmp(before.z[0], after.z[0]), "anchor A's vector did not change");
    CHECK_MSG(!strcmp(before.z[1], after.z[1]), "anchor B changed");
    CHECK_MSG(plays_window(&s, 0.0f, false, want), "morph 0 does not play the riff");

    /* A fresh instance given the state plays it (no capture there). */
    void *state = host_save_state(s.host);
    session r = {.host = open_host(NULL)};
    CHECK(state && r.host && host_restore_state(r.host, state) == 0);
    if (r.host) {
        CHECK_MSG(plays_window(&r, 0.0f, false, want), "restored: morph 0 does not play the riff");
        host_close(r.host);
    }
    host_free_state(state);
    session_free(&r);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    host_close(s.host);
    session_free(&s);
}

/* Drums into anchor B, played at morph 1 on channel 10. */
static void test_drums(void)
{
    session s = {.host = open_host(drum_model)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    make_drum_riff();
    int32_t want[PHRASE];
    drum_tokens(drum_riff, n_drums, want);
    mv_rng rng;
    rng_seed(&rng, 6);
    long allocs = alloc_count();
    roll_from_start(&s, 2);
    n_events = 0;
    add_riff(drum_riff, n_drums, 0, 9, &rng);
    add_riff(drum_riff, n_drums, 2 * FRAMES_PER_BAR, 0, &rng); /* any channel will do */
    start_feed();
    feed_until(&s, 4 * FRAMES_PER_BAR + 1000, &rng);
    host_wait_worker(s.host);
    char line[64];
    snprintf(line, sizeof line, "captured %d notes -> anchor B", n_drums);
    CHECK_MSG(count_in_log(s.host, line) == 2, "log: %s", host_log(s.host));
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    saved st;
    save_anchors(s.host, &st);
    CHECK_MSG(st.kind[1] == 4 && same_tokens(&st, 1, want), "anchor B: kind %d, %d tokens",
              st.kind[1], st.n_tokens[1]);
    CHECK_MSG(plays_window(&s, 1.0f, true, want), "morph 1 does not play the drum riff");
    int on_ten = 0, ons = 0;
    for (int i = 0; i < s.n; i++)
        if (is_note_on(&s.ev[i])) ons++, on_ten += (s.ev[i].status & 0x0F) == 9;
    CHECK_MSG(ons > 0 && on_ten == ons, "%d of %d note-ons on channel 10", on_ten, ons);
    host_close(s.host);
    session_free(&s);
}

/* A held note from before capture began, a stop in the middle of a phrase,
 * then the riff: only the riff is captured. */
static void test_held_and_stop(void)
{
    session s = {.host = open_host(mel_model)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    int32_t want[PHRASE];
    melody_tokens(melody_riff, N_MELODY, want);
    mv_rng rng;
    rng_seed(&rng, 7);
    long allocs = alloc_count();
    roll_from_start(&s, 0);
    /* 70 held from step 10 to step 40, capture on at step 12. */
    n_events = 0;
    add_event(10 * FRAMES_PER_STEP, 0x90, 70, 100);
    add_event(40 * FRAMES_PER_STEP, 0x80, 70, 0);
    /* Wrong notes from bar 1 until a stop at bar 2.5. */
    for (int st = 16; st < 40; st += 2) {
        add_event((int64_t)st * FRAMES_PER_STEP, 0x90, 72, 100);
        add_event((int64_t)(st + 1) * FRAMES_PER_STEP, 0x80, 72, 0);
    }
    start_feed();
    feed_until(&s, 12 * FRAMES_PER_STEP, &rng);
    host_set_control(s.host, "capture", 1.0f);
    feed_until(&s, 40 * FRAMES_PER_STEP + 3000, &rng);
    host_send_position(s.host, 0, 2, 2.5, 120, 0); /* stop */
    feed_until(&s, 48 * FRAMES_PER_STEP, &rng);
    /* Relocated to bar 10, rolling: the riff from there. */
    int64_t from = s.frame;
    host_send_position(s.host, 0, 10, 0, 120, 1);
    n_events = 0;
    add_riff(melody_riff, N_MELODY, from, 0, &rng);
    events[0].frame = from; /* not early: nothing before the relocation */
    start_feed();
    feed_until(&s, from + 2 * FRAMES_PER_BAR + 2000, &rng);
    host_wait_worker(s.host);
    CHECK_MSG(count_in_log(s.host, "captured") == 1, "log: %s", host_log(s.host));
    saved st;
    save_anchors(s.host, &st);
    CHECK_MSG(same_tokens(&st, 0, want), "the stop did not drop the partial phrase");
    if (!same_tokens(&st, 0, want)) print_tokens("state", st.tokens[0]);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    host_close(s.host);
    session_free(&s);
}

/* The host loops bars 1-2 (relocating to bar 0 at the loop's end, as Ardour
 * does): each pass is a phrase, handed over at the jump back; the first note
 * of a pass, played early, lands before the jump and is carried over. */
static void test_loop(void)
{
    session s = {.host = open_host(mel_model)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    int32_t want[PHRASE];
    melody_tokens(melody_riff, N_MELODY, want);
    mv_rng rng;
    rng_seed(&rng, 8);
    roll_from_start(&s, 1);
    n_events = 0;
    for (int pass = 0; pass < 3; pass++)
        add_riff(melody_riff, N_MELODY, (int64_t)pass * 2 * FRAMES_PER_BAR, 0, &rng);
    start_feed();
    for (int pass = 1; pass <= 2; pass++) {
        feed_until(&s, (int64_t)pass * 2 * FRAMES_PER_BAR, &rng);
        host_send_position(s.host, 0, 0, 0, 120, 1); /* back to bar 0 */
    }
    feed_until(&s, 5 * FRAMES_PER_BAR, &rng); /* half of a third pass */
    host_wait_worker(s.host);
    CHECK_MSG(count_in_log(s.host, "captured 9 notes -> anchor A") == 2, "log: %s",
              host_log(s.host));
    saved st;
    save_anchors(s.host, &st);
    CHECK_MSG(same_tokens(&st, 0, want), "the second pass lost its early first note");
    if (!same_tokens(&st, 0, want)) print_tokens("state", st.tokens[0]);
    host_close(s.host);
    session_free(&s);
}

/* Ten notes a step (350 in a phrase): the buffer keeps 256, counts the rest;
 * the window is what the kept notes make (the highest note wins a step). */
static void test_overflow(void)
{
    session s = {.host = open_host(mel_model)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    mv_rng rng;
    rng_seed(&rng, 9);
    long allocs = alloc_count();
    roll_from_start(&s, 1);
    n_events = 0;
    for (int st = 0; st < 35; st++)
        for (int p = 0; p < 10; p++) {
            add_event((int64_t)st * FRAMES_PER_STEP + 100, 0x90, (uint8_t)(60 + p), 80);
            add_event((int64_t)st * FRAMES_PER_STEP + 3000, 0x80, (uint8_t)(60 + p), 0);
        }
    start_feed();
    feed_until(&s, 2 * FRAMES_PER_BAR + 1000, &rng);
    host_wait_worker(s.host);
    CHECK_MSG(strstr(host_log(s.host), "captured 256 notes (64 more dropped"), "log: %s",
              host_log(s.host));
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    host_close(s.host);
    session_free(&s);
}

/* Phrases without a usable window change nothing: a silent bar, notes
 * outside the model's pitches. */
static void test_no_window(void)
{
    static const riff_note gap[] = {{0, 1, 60}, {20, 4, 62}, {24, 4, 64}, {28, 4, 65}};
    static const riff_note too_low[] = {{0, 8, 10}, {8, 8, 12}, {16, 8, 10}, {24, 8, 12}};
    for (int k = 0; k < 2; k++) {
        session s = {.host = open_host(mel_model)};
        if (!s.host) {
            CHECK(false);
            return;
        }
        saved before, after;
        mv_rng rng;
        rng_seed(&rng, 10 + (uint64_t)k);
        roll_from_start(&s, 2);
        save_anchors(s.host, &before);
        n_events = 0;
        add_riff(k ? too_low : gap, 4, 0, 0, &rng);
        start_feed();
        feed_until(&s, 2 * FRAMES_PER_BAR + 1000, &rng);
        host_wait_worker(s.host);
        const char *why = k ? "none of its 4 notes is within the model's pitches"
                            : "16 steps in a row without a sounding note";
        CHECK_MSG(strstr(host_log(s.host), "capture: anchor B not changed: the captured phrase "
                                           "has no usable 2-bar melody window") &&
                      strstr(host_log(s.host), why),
                  "log: %s", host_log(s.host));
        session_block(&s, 64);
        const char *status = host_reported(s.host, MV_PLUGIN_NS "captureStatus");
        CHECK_MSG(status && strstr(status, "anchor B not changed") && strstr(status, why),
                  "reported: %s", status ? status : "nothing");
        save_anchors(s.host, &after);
        CHECK_MSG(after.kind[1] == before.kind[1] && !strcmp(after.z[1], before.z[1]) &&
                      after.n_tokens[1] == before.n_tokens[1],
                  "a phrase without a window changed anchor B");
        host_close(s.host);
        session_free(&s);
    }
}

/* Another melody model encodes the captured notes again (exact ends still
 * plays them, the vector is the new model's); a drum model cannot: anchor A
 * becomes its default, with a warning. */
static void test_model_change(void)
{
    session s = {.host = open_host(mel_model)};
    if (!s.host) {
        CHECK(false);
        return;
    }
    int32_t want[PHRASE];
    melody_tokens(melody_riff, N_MELODY, want);
    mv_rng rng;
    rng_seed(&rng, 12);
    roll_from_start(&s, 1);
    n_events = 0;
    add_riff(melody_riff, N_MELODY, 0, 0, &rng);
    start_feed();
    feed_until(&s, 2 * FRAMES_PER_BAR + 1000, &rng);
    host_set_control(s.host, "capture", 0.0f);
    saved first, other;
    save_anchors(s.host, &first);
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", other_model);
    session_block(&s, 256);
    save_anchors(s.host, &other);
    CHECK_MSG(other.kind[0] == 4 && same_tokens(&other, 0, want) && strcmp(first.z[0], other.z[0]),
              "another model: kind %d, %d tokens, vector %s", other.kind[0], other.n_tokens[0],
              strcmp(first.z[0], other.z[0]) ? "new" : "the old model's");
    CHECK_MSG(plays_window(&s, 0.0f, false, want), "another model: morph 0 does not play the riff");
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", drum_model);
    session_block(&s, 256);
    save_anchors(s.host, &other);
    CHECK_MSG(other.kind[0] == 0 && strstr(host_log(s.host), "captured phrase does not fit"),
              "drum model: kind %d, log %s", other.kind[0], host_log(s.host));
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s MODE BUNDLE MELODY_MODEL OTHER_MELODY_MODEL DRUM_MODEL\n",
                argv[0]);
        return 2;
    }
    mode = argv[1];
    threaded = !strcmp(mode, "thread");
    static char paths[4][PATH_MAX];
    const char **args[4] = {&bundle, &mel_model, &other_model, &drum_model};
    for (int i = 0; i < 4; i++) {
        *args[i] = realpath(argv[i + 2], paths[i]);
        if (!*args[i]) {
            fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[i + 2]);
            return 2;
        }
    }
    test_melody();
    if (!threaded) {
        test_drums();
        test_held_and_stop();
        test_loop();
        test_overflow();
        test_no_window();
        test_model_change();
    }
    return check_report();
}
