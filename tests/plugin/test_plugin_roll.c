/* The real morphvae.lv2 playing a piano-roll model (issue #12) in an offline
 * lilv host: chords on the 16th grid, every note-on paired with its note-off
 * (at the end of its duration, on stop, relocation and model change), Exact
 * ends playing a MIDI file anchor's own roll note for note, transpose and
 * scale snap on every chord note (two model pitches snapped to one output
 * pitch leave no hanging note), morph and attribute controls changing the
 * notes, a state round trip keeping the roll anchor, a roll window given by a
 * patch message (as the presets are made), a file anchor refined as core
 * refines it, chords captured from the
 * MIDI input into an anchor, and zero allocations in run() throughout.
 * MODE: after-run (every test) or thread (the worker in a second thread: the
 * stress run only, also in the ThreadSanitizer build).
 * usage: test_plugin_roll MODE BUNDLE_DIR ROLL_MODEL MELODY_MODEL DRUM_MODEL ANCHOR_MID */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_counter.h"
#include "check.h"
#include "extract.h"
#include "midi_read.h"
#include "notes.h"
#include "phrase_variety.h"
#include "refine.h"
#include "rng.h"
#include "session.h"
#include "tokens.h"
#include "weights.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* 120 BPM, 4 steps a beat, 48 kHz */
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)
#define MAX_BLOCK 8192
#define MAX_NOTES 4096

static const char *mode, *bundle, *roll_model, *melody_model, *drum_model, *anchor_mid;
static mv_hparams hp;         /* the roll model's */
static uint8_t *window;       /* anchor_mid's first roll window, as the plugin cuts it */
static mv_note expected[MAX_NOTES];
static int n_expected;

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

static mv_host *open_roll_host(void)
{
    mv_host *h = session_open_host(bundle, RATE, MAX_BLOCK, mode, count_run);
    if (!h) return NULL;
    host_send_path(h, 0, MV_PLUGIN_NS "model", roll_model);
    mv_host_midi_event out[64];
    int n_out = 0;
    host_run(h, 64, out, 64, &n_out);
    host_wait_worker(h);
    return h;
}

static uint32_t window_bar; /* where the anchor's window starts, from 0 */

/* The first varied window (core/phrase_variety.h), else the first. */
static int take_anchor_window(void *ctx, const void *roll, uint32_t bar, int32_t transpose)
{
    (void)transpose;
    const bool varied = phrase_is_varied(&hp, roll);
    if (varied || window_bar == UINT32_MAX) {
        memcpy(ctx, roll, hparams_seq_len(&hp) * hp.n_classes);
        window_bar = bar;
    }
    return varied;
}

/* The window the plugin must take from anchor_mid (a POP909 song): the first
 * varied one of its PIANO track, the accompaniment. */
static int load_window(void)
{
    mv_weights *w = NULL;
    char err[512];
    if (weights_read(roll_model, &w, err, sizeof err) != MV_WEIGHTS_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    hp = *weights_hparams(w);
    weights_free(w);
    window = calloc(hparams_seq_len(&hp) * hp.n_classes, 1);
    mv_midi_file f;
    if (midi_read_file(anchor_mid, &f, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    mv_extract_config cfg = {.repr = MV_REPR_ROLL,
                             .n_bars = (int)hp.n_bars,
                             .steps_per_bar = (int)hp.steps_per_bar,
                             .min_pitch = (int)hp.min_pitch,
                             .n_pitches = (int)hp.n_classes / 2,
                             .track_name = "PIANO"};
    mv_extract_stats st = {0};
    window_bar = UINT32_MAX;
    int rc = extract_windows(&f, &cfg, take_anchor_window, window, &st, err, sizeof err);
    midi_file_free(&f);
    if (rc < 0 || window_bar == UINT32_MAX) {
        fprintf(stderr, "%s: no roll window (%s)\n", anchor_mid, err);
        return -1;
    }
    n_expected = roll_to_notes(window, (int)hparams_seq_len(&hp), (int)hp.min_pitch,
                               (int)hp.n_classes / 2, 100, expected, MAX_NOTES);
    return 0;
}

/* Plays until frame `end`, random block sizes; a session at frame 0 starts
 * at bar 0 at 120 BPM after the worker has had stopped blocks to decode the
 * first bars for the current controls (what they play is dropped). */
static void play(session *s, uint64_t seed, int64_t end)
{
    mv_rng r;
    rng_seed(&r, seed);
    if (s->frame == 0) {
        host_send_position(s->host, 0, 0, 0, 120, 0);
        for (int i = 0; i < 24; i++) { /* a stale bar is asked again once a 16th */
            session_block(s, 1024);
            host_wait_worker(s->host);
        }
        session_free(s);
        s->frame = 0;
        host_send_position(s->host, 0, 0, 0, 120, 1);
    }
    while (s->frame < end) {
        uint32_t n = rng_u32(&r) % 3 ? 64 + rng_u32(&r) % 1024 : 1 + rng_u32(&r) % MAX_BLOCK;
        if (s->frame + n > end) n = (uint32_t)(end - s->frame);
        session_block(s, n);
    }
}

static void stop(session *s)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    session_block(s, 64);
}

/* A note played: its note-on and the frame of its note-off (-1: none yet). */
typedef struct played {
    int64_t on, off;
    int pitch, channel;
} played;

static int pair_notes(const session *s, played *out, int max)
{
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        const rec_event *e = &s->ev[i];
        if (is_note_on(e) && n < max) {
            out[n++] = (played){e->frame, -1, e->pitch, e->status & 0x0F};
        } else if (is_note_off(e)) {
            for (int k = n - 1; k >= 0; k--)
                if (out[k].off < 0 && out[k].pitch == e->pitch &&
                    out[k].channel == (e->status & 0x0F)) {
                    out[k].off = e->frame;
                    break;
                }
        }
    }
    return n;
}

/* Frames where at least two note-ons fall (a chord). */
static int count_chords(const session *s)
{
    int chords = 0;
    for (int i = 0; i < s->n;) {
        int j = i, ons = 0;
        while (j < s->n && s->ev[j].frame == s->ev[i].frame) ons += is_note_on(&s->ev[j++]);
        chords += ons >= 2;
        i = j;
    }
    return chords;
}

static int count_off_grid(const session *s)
{
    int bad = 0;
    for (int i = 0; i < s->n; i++) bad += s->ev[i].frame % FRAMES_PER_STEP != 0;
    return bad;
}

static void check_paired(const session *s, const char *what)
{
    char why[256] = "";
    int sounding = session_sounding(s, why, sizeof why);
    CHECK_MSG(sounding == 0, "%s: %d notes still sounding (%s)", what, sounding, why);
}

/* Exact ends with a MIDI file anchor: morph 0 plays the file's roll window, note
 * for note (onset, pitch, length), chords on the grid; transpose and scale snap
 * act on every note of a chord. */
static void test_exact_roll(void)
{
    static played notes[MAX_NOTES];
    session s = {.host = open_roll_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_path(s.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    session_block(&s, 64);
    host_wait_worker(s.host);
    CHECK_MSG(strstr(host_log(s.host), "anchor A is now"), "log: %s", host_log(s.host));
    session_free(&s);
    s.frame = 0;
    long allocs = alloc_count();
    const int T = (int)hparams_seq_len(&hp);
    play(&s, 3, (int64_t)T * FRAMES_PER_STEP); /* the window once */
    stop(&s);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    CHECK(s.bad_blocks == 0);
    check_paired(&s, "exact ends");
    CHECK_MSG(count_off_grid(&s) == 0, "%d events off the grid", count_off_grid(&s));
    int chords = count_chords(&s);
    CHECK_MSG(chords >= 4, "only %d chords in the anchor's window", chords);
    int n = pair_notes(&s, notes, MAX_NOTES);
    CHECK_MSG(n == n_expected, "%d notes played, the window has %d", n, n_expected);
    int wrong = 0;
    for (int i = 0; i < n && i < n_expected; i++) {
        int64_t on = (int64_t)expected[i].step * FRAMES_PER_STEP;
        int64_t off = on + (int64_t)expected[i].duration * FRAMES_PER_STEP;
        if (notes[i].on != on || notes[i].pitch != expected[i].pitch || notes[i].off != off) {
            if (wrong++ < 5)
                fprintf(stderr, "note %d: played %d at %lld-%lld, the window has %d at %lld-%lld\n",
                        i, notes[i].pitch, (long long)notes[i].on, (long long)notes[i].off,
                        expected[i].pitch, (long long)on, (long long)off);
        }
    }
    CHECK_MSG(wrong == 0, "%d of %d notes differ from the anchor's roll", wrong, n);
    printf("exact ends: %d notes, %d chords in %d steps, as the window\n", n, chords, T);

    host_close(s.host);
    session_free(&s);
}

/* Transposed, then snapped to a scale (collisions: two model pitches on one
 * output pitch), with the channel changed: each step's note-ons are the
 * shaped pitches of the unshaped run's note-ons at that step, once each, and
 * every note is paired. On the anchor's window (exact ends) and on what the
 * model decodes (dense chords: many collisions). */
static void test_shapes(bool exact)
{
    session ref = {.host = open_roll_host()};
    if (!ref.host) {
        CHECK(false);
        return;
    }
    const int T = (int)hparams_seq_len(&hp);
    host_send_path(ref.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    if (!exact) {
        host_set_control(ref.host, "exactEnds", 0);
        host_set_control(ref.host, "morph", 0.3f);
    }
    play(&ref, 9, (int64_t)T * FRAMES_PER_STEP);
    stop(&ref);
    const struct { int transpose, key, scale, channel; } shapes[] = {
        {5, 0, SCALE_CHROMATIC, 2}, {-7, 2, SCALE_MAJOR_PENTATONIC, 1}, {0, 9, SCALE_MINOR, 16}};
    for (int k = 0; k < 3; k++) {
        session t = {.host = ref.host};
        host_set_control(ref.host, "transpose", (float)shapes[k].transpose);
        host_set_control(ref.host, "key", (float)shapes[k].key);
        host_set_control(ref.host, "scale", (float)shapes[k].scale);
        host_set_control(ref.host, "channel", (float)shapes[k].channel);
        long allocs = alloc_count();
        play(&t, 10 + (uint64_t)k, (int64_t)T * FRAMES_PER_STEP);
        stop(&t);
        CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
        char what[64];
        snprintf(what, sizeof what, "%s, shape %d", exact ? "exact" : "decoded", k);
        check_paired(&t, what);
        int bad = 0, merged = 0, ons = 0;
        for (int step = 0; step < T; step++) {
            bool want[128] = {false}, got[128] = {false};
            int64_t at = (int64_t)step * FRAMES_PER_STEP;
            for (int i = 0; i < ref.n; i++)
                if (is_note_on(&ref.ev[i]) && ref.ev[i].frame == at) {
                    int q = notes_shape_pitch(ref.ev[i].pitch, shapes[k].transpose,
                                              shapes[k].key, shapes[k].scale);
                    merged += want[q];
                    want[q] = true;
                }
            for (int i = 0; i < t.n; i++)
                if (is_note_on(&t.ev[i]) && t.ev[i].frame == at) {
                    bad += got[t.ev[i].pitch] || (t.ev[i].status & 0x0F) != shapes[k].channel - 1;
                    got[t.ev[i].pitch] = true;
                    ons++;
                }
            for (int q = 0; q < 128; q++) bad += want[q] != got[q];
        }
        CHECK_MSG(bad == 0, "%s: %d note-ons differ from the shaped reference", what, bad);
        CHECK_MSG(ons > 0, "%s: silent", what);
        if (k == 1 && !exact)
            CHECK_MSG(merged > 0, "the scale snap merged no pitches: shows nothing");
        printf("%s: %d note-ons, %d model pitches merged into others\n", what, ons, merged);
        session_free(&t);
    }
    host_close(ref.host);
    session_free(&ref);
}

/* Morph and attributes change what a roll model plays. */
static void test_controls_change_notes(void)
{
    const char *what[4] = {"morph 0", "morph 1", "register +3", "density +3"};
    session s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (session){.host = open_roll_host()};
        if (!s[i].host) {
            CHECK(false);
            return;
        }
        host_set_control(s[i].host, "exactEnds", 0);
        if (i == 1) host_set_control(s[i].host, "morph", 1.0f);
        if (i == 2) host_set_control(s[i].host, "register", 3.0f);
        if (i == 3) host_set_control(s[i].host, "density", 3.0f);
        long allocs = alloc_count();
        play(&s[i], 5, 4 * FRAMES_PER_BAR);
        stop(&s[i]);
        CHECK_MSG(alloc_count() == allocs, "%s: %ld allocations in run()", what[i],
                  alloc_count() - allocs);
        check_paired(&s[i], what[i]);
        CHECK_MSG(count_off_grid(&s[i]) == 0, "%s: events off the grid", what[i]);
        CHECK_MSG(session_count_on(&s[i], 0, s[i].frame) > 0, "%s: silent", what[i]);
        printf("%s: %d notes, %d chords in 4 bars\n", what[i], session_count_on(&s[i], 0, s[i].frame),
               count_chords(&s[i]));
    }
    for (int i = 1; i < 4; i++)
        CHECK_MSG(!session_same_notes(&s[0], &s[i], 0, 4 * FRAMES_PER_BAR),
                  "%s plays what morph 0 plays", what[i]);
    for (int i = 0; i < 4; i++) {
        host_close(s[i].host);
        session_free(&s[i]);
    }
}

/* Note-offs: a relocation and a model change in the middle of held chords end
 * every note at that frame; stop ends the rest. */
static void test_note_offs(void)
{
    session s = {.host = open_roll_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_path(s.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    session_block(&s, 64);
    host_wait_worker(s.host);
    session_free(&s);
    s.frame = 0;
    char why[256] = "";
    /* Relocation half a step into the first step where the window holds two
     * notes or more, to bar 3 step 4 (on the grid: its notes start at the
     * relocation's frame). */
    int busy = 1;
    for (int most = 0; busy < (int)hparams_seq_len(&hp) - 1; busy++) {
        most = 0;
        for (int i = 0; i < n_expected; i++)
            most += expected[i].step < busy && busy < expected[i].step + expected[i].duration;
        if (most >= 2) break;
    }
    play(&s, 21, (int64_t)busy * FRAMES_PER_STEP + FRAMES_PER_STEP / 2);
    session before = {0};
    session_copy_range(&s, 0, s.frame, &before);
    int held = session_sounding(&before, why, sizeof why);
    session_free(&before);
    CHECK_MSG(held >= 2, "only %d notes held before the relocation: shows nothing", held);
    int64_t reloc = s.frame + 100;
    host_send_position(s.host, 100, 2, 1.0, 120, 1);
    session_block(&s, 256);
    session upto = {0};
    session_copy_range(&s, 0, reloc + 1, &upto);
    int after = session_sounding(&upto, why, sizeof why);
    int struck = session_count_on(&s, reloc, reloc + 1);
    CHECK_MSG(after == struck, "%d notes sound at the relocation's frame, %d were struck there (%s)",
              after, struck, why);
    session_free(&upto);

    /* A model change while a chord is held: the melody model sounds one note
     * at most once it plays. */
    play(&s, 22, s.frame + 3 * FRAMES_PER_STEP + FRAMES_PER_STEP / 3);
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", melody_model);
    int64_t change = s.frame;
    play(&s, 23, s.frame + 2 * FRAMES_PER_BAR);
    CHECK_MSG(strstr(host_log(s.host), "loaded") != NULL, "log: %s", host_log(s.host));
    session upto_change = {0};
    session_copy_range(&s, 0, s.frame, &upto_change);
    int melody_sounding = session_sounding(&upto_change, why, sizeof why);
    CHECK_MSG(melody_sounding >= 0 && melody_sounding <= 1,
              "%d notes sound 2 bars after the change to a melody model (%s)", melody_sounding,
              why);
    session_free(&upto_change);
    (void)change;
    /* And back to the roll model, then stop. */
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", roll_model);
    play(&s, 24, s.frame + FRAMES_PER_BAR + 7 * FRAMES_PER_STEP);
    stop(&s);
    check_paired(&s, "relocation, model change, stop");
    CHECK(s.bad_blocks == 0);
    host_close(s.host);
    session_free(&s);
}

/* The state keeps a roll anchor's window: a fresh instance given the state
 * plays the file's notes at morph 0 without the file. */
static void test_state(void)
{
    session a = {.host = open_roll_host()}, b = {.host = open_roll_host()};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    host_send_path(a.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    host_send_int(a.host, 0, MV_PLUGIN_NS "anchorBSeed", 7);
    session_block(&a, 64);
    host_wait_worker(a.host);
    void *state = host_save_state(a.host);
    CHECK(state != NULL);
    char *text = state ? host_state_string(a.host, state) : NULL;
    CHECK_MSG(text && strstr(text, "anchorATokens"), "the state has no roll window");
    free(text);
    if (state) CHECK(host_restore_state(b.host, state) == 0);
    session_block(&b, 64);
    host_wait_worker(b.host);
    void *again = host_save_state(b.host);
    CHECK_MSG(state && again && host_states_equal(b.host, state, again),
              "the restored instance saves another state");
    session_free(&a);
    session_free(&b);
    a.frame = b.frame = 0;
    play(&a, 31, 2 * FRAMES_PER_BAR);
    play(&b, 32, 2 * FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&a, 0, a.frame) == n_expected, "%d notes, the window has %d",
              session_count_on(&a, 0, a.frame), n_expected);
    CHECK_MSG(session_same_notes(&a, &b, 0, a.frame),
              "the restored roll anchor plays other notes");
    /* Morph 1 (the seed anchor) differs: the window is anchor A's only. */
    host_free_state(state);
    host_free_state(again);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* Anchor A from anchor_mid, then the state saved: returned with its Turtle
 * text (NULL when there is none). */
static char *state_with_file_anchor(session *s, void **state)
{
    host_send_path(s->host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    session_block(s, 64);
    host_wait_worker(s->host);
    *state = host_save_state(s->host);
    return *state ? host_state_string(s->host, *state) : NULL;
}

/* A roll window given by patch:Set anchorATokens, as make_presets gives the
 * presets theirs (352 tokens, 1408 characters for this 88-pitch model: more
 * than a path message holds), with a vector anchor: Exact ends plays it note
 * for note, as the file anchor it was saved from. */
static void test_window_message(void)
{
    session a = {.host = open_roll_host()}, b = {.host = open_roll_host()};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    void *state;
    char *text = state_with_file_anchor(&a, &state);
    const char *key = text ? strstr(text, "anchorATokens> \"") : NULL;
    static char window_text[4 * 1024 + 1];
    size_t length = key ? strcspn(key + 16, "\"") : 0;
    CHECK_MSG(length > 1023 && length < sizeof window_text,
              "the saved roll window has %zu characters, expected more than 1023", length);
    if (key && length < sizeof window_text) memcpy(window_text, key + 16, length);
    window_text[length < sizeof window_text ? length : 0] = '\0';
    static float z[512];
    for (uint32_t i = 0; i < hp.z_size && i < 512; i++) z[i] = 0.25f * (float)(i % 5) - 0.5f;
    host_send_vector(b.host, 0, MV_PLUGIN_NS "anchorAZ", z, hp.z_size);
    host_send_string(b.host, 0, MV_PLUGIN_NS "anchorATokens", window_text);
    session_block(&b, 64);
    host_wait_worker(b.host);
    CHECK_MSG(!strstr(host_log(b.host), "not changed"), "the window was refused: %s",
              host_log(b.host));
    session_free(&a);
    session_free(&b);
    a.frame = b.frame = 0;
    play(&a, 51, 2 * FRAMES_PER_BAR);
    play(&b, 52, 2 * FRAMES_PER_BAR);
    CHECK_MSG(session_count_on(&b, 0, b.frame) == n_expected &&
                  session_same_notes(&a, &b, 0, a.frame),
              "the window given by a patch message plays %d notes, the file's %d",
              session_count_on(&b, 0, b.frame), n_expected);
    free(text);
    host_free_state(state);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* A MIDI file anchor of a roll model is refined in the worker exactly as core's
 * refine_window refines the file's window (the saved vector, bit for bit). */
static void test_file_anchor_refined(void)
{
    session s = {.host = open_roll_host()};
    mv_weights *w = NULL;
    mv_model m;
    char err[512];
    if (!s.host || weights_read(roll_model, &w, err, sizeof err) ||
        model_bind_weights(&m, w, err, sizeof err)) {
        CHECK(false);
        return;
    }
    void *state;
    char *text = state_with_file_anchor(&s, &state);
    const char *hex = text ? strstr(text, "anchorAZ> \"") : NULL;
    static float saved[512], want[512];
    const int Z = (int)hp.z_size;
    int n = 0;
    for (hex = hex ? hex + 11 : NULL; hex && n < Z && n < 512; n++, hex += 8) {
        uint32_t bits = 0;
        if (sscanf(hex, "%8x", &bits) != 1) break;
        memcpy(&saved[n], &bits, sizeof bits);
    }
    mv_decoder *d = decoder_create(&m, 1);
    mv_refine *r = d ? refine_create(d) : NULL;
    mv_refine_report rep;
    const mv_refine_options o = refine_defaults();
    CHECK(r && refine_window(r, window_roll(window), &o, want, NULL, &rep) == 0);
    CHECK_MSG(n == Z && !memcmp(saved, want, sizeof(float) * (size_t)Z),
              "the plugin's roll anchor is not core's refined z (%d floats read)", n);
    CHECK_MSG(rep.correct >= rep.correct_start, "refinement decoded worse than mu");
    char label[PATH_MAX];
    snprintf(label, sizeof label, "%s, bar %u\"", strrchr(anchor_mid, '/') + 1, window_bar + 1);
    CHECK_MSG(text && strstr(text, label), "the saved anchor label is not %s", label);
    printf("file anchor refined: greedy %d -> %d of %d roll bits right in %d steps\n",
           rep.correct_start, rep.correct, (int)hparams_seq_len(&hp) * (int)hp.n_classes,
           rep.steps);
    refine_free(r);
    decoder_free(d);
    free(text);
    host_free_state(state);
    weights_free(w);
    host_close(s.host);
    session_free(&s);
}

/* MIDI capture (issue #11) with a roll model: chords played into anchor A on
 * the grid become its window; with capture off, exact ends play them back. */
static void test_capture(void)
{
    static const struct { int step, length, pitch; } riff[] = {
        {0, 16, 48}, {0, 4, 60},  {0, 4, 64},  {0, 4, 67},  {4, 4, 62},  {4, 4, 65},
        {4, 4, 69},  {8, 8, 64},  {8, 8, 67},  {8, 8, 71},  {16, 16, 43}, {16, 8, 65},
        {16, 8, 69}, {16, 8, 72}, {24, 8, 67}, {24, 8, 71}, {24, 8, 74},
    };
    const int n_riff = (int)(sizeof riff / sizeof riff[0]);
    session s = {.host = open_roll_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_position(s.host, 0, 0, 0, 120, 0);
    session_block(&s, 256);
    host_wait_worker(s.host);
    host_set_control(s.host, "capture", 1.0f);
    host_send_position(s.host, 0, 0, 0, 120, 1);
    long allocs = alloc_count();
    const uint32_t block = 500; /* divides a step */
    for (int64_t frame = 0; frame < 2 * FRAMES_PER_BAR + 2 * block; frame += block) {
        for (int i = 0; i < n_riff; i++) {
            int64_t off = (int64_t)(riff[i].step + riff[i].length) * FRAMES_PER_STEP - 1;
            uint8_t msg[3] = {0, (uint8_t)riff[i].pitch, 90};
            if (off >= frame && off < frame + block) {
                msg[0] = 0x80;
                host_send_midi(s.host, (uint32_t)(off - frame), msg, 3);
            }
        }
        for (int i = 0; i < n_riff; i++) {
            int64_t on = (int64_t)riff[i].step * FRAMES_PER_STEP;
            uint8_t msg[3] = {0x90, (uint8_t)riff[i].pitch, 90};
            if (on >= frame && on < frame + block) host_send_midi(s.host, (uint32_t)(on - frame), msg, 3);
        }
        session_block(&s, block);
    }
    host_set_control(s.host, "capture", 0.0f);
    session_block(&s, block);
    host_wait_worker(s.host);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run() while capturing",
              alloc_count() - allocs);
    CHECK_MSG(strstr(host_log(s.host), "captured 17 notes -> anchor A"), "log: %s",
              host_log(s.host));
    session_free(&s);
    s.frame = 0;
    host_set_control(s.host, "morph", 0.0f);
    play(&s, 51, 2 * FRAMES_PER_BAR);
    stop(&s);
    check_paired(&s, "captured chords");
    static played notes[MAX_NOTES];
    int n = pair_notes(&s, notes, MAX_NOTES), wrong = 0;
    for (int i = 0; i < n_riff; i++) {
        bool found = false;
        for (int k = 0; k < n; k++)
            found |= notes[k].pitch == riff[i].pitch &&
                     notes[k].on == (int64_t)riff[i].step * FRAMES_PER_STEP &&
                     notes[k].off == (int64_t)(riff[i].step + riff[i].length) * FRAMES_PER_STEP;
        wrong += !found;
    }
    CHECK_MSG(n == n_riff && wrong == 0, "%d notes played, %d of the %d captured are missing", n,
              wrong, n_riff);
    host_close(s.host);
    session_free(&s);
}

/* Transport, model, anchor and control changes at random with the roll model
 * among melody and drum models: every note paired, on the grid, no allocation. */
static void test_stress(int n_blocks, uint64_t seed)
{
    session s = {.host = open_roll_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    mv_rng r;
    rng_seed(&r, seed);
    const char *models[] = {roll_model, roll_model, melody_model, drum_model};
    host_send_position(s.host, 0, 0, 0, 120, 1);
    long allocs = alloc_count();
    bool rolling = true;
    for (int b = 0; b < n_blocks; b++) {
        uint32_t n = 64 + rng_u32(&r) % 1024;
        uint32_t at = rng_u32(&r) % n;
        switch (rng_u32(&r) % 30) {
        case 0:
            rolling = !rolling;
            host_send_position(s.host, at, (double)(rng_u32(&r) % 64), 0, 120, rolling);
            break;
        case 1: /* relocate to a step */
            host_send_position(s.host, at, (double)(rng_u32(&r) % 64),
                               (double)(rng_u32(&r) % 16) / 4.0, 120, rolling);
            break;
        case 2:
            host_send_path(s.host, at, MV_PLUGIN_NS "model", models[rng_u32(&r) % 4]);
            break;
        case 3:
            host_send_path(s.host, at, MV_PLUGIN_NS "anchorAFile", anchor_mid);
            break;
        case 4: host_set_control(s.host, "transpose", (float)((int)(rng_u32(&r) % 25) - 12)); break;
        case 5: host_set_control(s.host, "scale", (float)(rng_u32(&r) % 7)); break;
        case 6: host_set_control(s.host, "channel", (float)(1 + rng_u32(&r) % 16)); break;
        case 7: host_set_control(s.host, "temperature", rng_uniform(&r)); break;
        case 8: host_set_control(s.host, "phrase_bars", (float)(1 + rng_u32(&r) % 5)); break;
        case 9: host_set_control(s.host, "register", rng_uniform(&r) * 4 - 2); break;
        case 10: host_set_control(s.host, "exactEnds", (float)(rng_u32(&r) % 2)); break;
        case 11:
            host_deactivate(s.host);
            host_activate(s.host);
            break;
        default: host_set_control(s.host, "morph", rng_u32(&r) % 3 ? rng_uniform(&r) : 0.0f); break;
        }
        session_block(&s, n);
    }
    stop(&s);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations or frees in run()", alloc_count() - allocs);
    CHECK(s.bad_blocks == 0);
    check_paired(&s, "stress");
    CHECK_MSG(count_chords(&s) > 0, "no chord in the stress run");
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s MODE BUNDLE ROLL_MODEL MELODY_MODEL DRUM_MODEL ANCHOR_MID\n",
                argv[0]);
        return 2;
    }
    mode = argv[1];
    static char paths[5][PATH_MAX];
    const char **args[5] = {&bundle, &roll_model, &melody_model, &drum_model, &anchor_mid};
    for (int i = 0; i < 5; i++) {
        *args[i] = realpath(argv[i + 2], paths[i]);
        if (!*args[i]) {
            fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[i + 2]);
            return 2;
        }
    }
    if (load_window()) return 1;
    CHECK_MSG(alloc_counter_counts(), "the allocation counter missed malloc/free");
    if (!strcmp(mode, "thread")) {
        test_stress(1500, 41);
    } else {
        test_exact_roll();
        test_shapes(true);
        test_shapes(false);
        test_controls_change_notes();
        test_note_offs();
        test_state();
        test_window_message();
        test_file_anchor_refined();
        test_capture();
        test_stress(2500, 42);
    }
    free(window);
    return check_report();
}
