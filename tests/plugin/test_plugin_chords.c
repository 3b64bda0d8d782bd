/* Chord following in the real plugin, through lilv (issue 20): chords held
 * on the MIDI input condition a chord model when Chords is "Follow input".
 * - Off plays exactly what it plays without any input; a model without
 *   chord input plays the same with Follow on (no effect);
 * - a held chord changes what is played, and releasing the keys keeps it;
 * - a chord change in the middle of a bar is heard from the next step on:
 *   from there the notes are those of a run that held the new chord all
 *   along (the latency printed, in steps);
 * - while Capture is on the input is captured, not followed;
 * - the Chords value survives a saved state;
 * - run() and the worker's decoding allocate nothing, chords held and changed.
 * With a fifth argument (a trained chord model), also the measurement of
 * issue 20: a looped C, G, Am, F (a bar each) held on the input, the share of
 * the plugin's note-ons on a tone of the chord held at that moment, with
 * Chords on and off (printed); on must reach 0.60.
 * usage: test_plugin_chords MODE BUNDLE_DIR CHORD_MODEL PLAIN_MODEL [TRAINED] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_counter.h"
#include "check.h"
#include "chord.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* a 16th at 120 BPM */
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)
#define BLOCK 500

static const char *mode, *bundle;

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

/* Greedy decoding for the mechanics; the measurement plays at the plugin's
 * default temperature, as a musician hears it. */
static bool greedy = true;

static mv_host *open_host(const char *model, float chords)
{
    mv_host *h = session_open_host(bundle, RATE, 4096, mode, count_run);
    if (!h) return NULL;
    host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    host_set_control(h, "chords", chords);
    host_set_control(h, "exactEnds", 0.0f);
    if (greedy) host_set_control(h, "temperature", 0.0f);
    if (getenv("MV_T")) host_set_control(h, "temperature", (float)atof(getenv("MV_T")));
    if (getenv("MV_MORPH")) host_set_control(h, "morph", (float)atof(getenv("MV_MORPH")));
    return h;
}

/* The notes of a chord, from C3 upwards from its root. */
static int chord_pitches(uint8_t chord, int *pitches)
{
    int n = 0, root = chord_root(chord);
    uint16_t pcs = chord_pitch_classes(chord);
    for (int i = 0; root >= 0 && i < 12; i++)
        if (pcs >> ((root + i) % 12) & 1u) pitches[n++] = 48 + root + i;
    return n;
}

static void send_chord(mv_host *h, uint32_t frame, uint8_t chord, bool on)
{
    int p[12], n = chord_pitches(chord, p);
    for (int i = 0; i < n; i++) {
        const uint8_t msg[3] = {(uint8_t)(on ? 0x90 : 0x80), (uint8_t)p[i], on ? 90 : 0};
        host_send_midi(h, frame, msg, 3);
    }
}

/* A progression: chord k holds from frame at[k] (the last to the end). */
typedef struct progression {
    int n;
    int64_t at[64];
    uint8_t chord[64];
    bool release_after_strike; /* lift the keys one step after each chord */
} progression;

static uint8_t chord_at(const progression *p, int64_t frame)
{
    uint8_t c = MV_CHORD_NONE;
    for (int k = 0; k < p->n && p->at[k] <= frame; k++) c = p->chord[k];
    return c;
}

/* Stopped at bar 0, settled, then `bars` bars rolling from frame 0 with the
 * progression sent on the input (a chord at frame 0 is held before the
 * transport starts). */
static void play(session *s, const progression *p, int bars)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    if (p && p->n && p->at[0] == 0) send_chord(s->host, 0, p->chord[0], true);
    for (int i = 0; i < 8; i++) session_block(s, 512);
    host_wait_worker(s->host);
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, 0, 0, 120, 1);
    uint8_t held = p && p->n && p->at[0] == 0 ? p->chord[0] : MV_CHORD_NONE;
    int64_t release_at = -1;
    while (s->frame < (int64_t)bars * FRAMES_PER_BAR) {
        for (int k = 0; p && k < p->n; k++)
            if (p->at[k] > 0 && p->at[k] >= s->frame && p->at[k] < s->frame + BLOCK) {
                uint32_t at = (uint32_t)(p->at[k] - s->frame);
                if (held) send_chord(s->host, at, held, false);
                send_chord(s->host, at, p->chord[k], true);
                held = p->chord[k];
                if (p->release_after_strike) release_at = p->at[k] + FRAMES_PER_STEP;
            }
        if (release_at >= s->frame && release_at < s->frame + BLOCK && held) {
            send_chord(s->host, (uint32_t)(release_at - s->frame), held, false);
            held = MV_CHORD_NONE;
        }
        session_block(s, BLOCK);
    }
}

static session run_with(const char *model, float chords, const progression *p, int bars)
{
    session s = {.host = open_host(model, chords)};
    if (s.host) play(&s, p, bars);
    return s;
}

static void close_session(session *s)
{
    if (s->host) host_close(s->host);
    session_free(s);
}

static const progression hold_c = {1, {0}, {1 + 0 * MV_CHORD_QUALITIES + MV_CHORD_MAJ}, false};

static void test_off_and_no_effect(const char *chord_model, const char *plain_model)
{
    session quiet = run_with(chord_model, 0, NULL, 2), off = run_with(chord_model, 0, &hold_c, 2);
    CHECK_MSG(session_count_on(&quiet, 0, 2 * FRAMES_PER_BAR) > 0, "the chord model played nothing");
    CHECK_MSG(session_same_notes(&quiet, &off, 0, 2 * FRAMES_PER_BAR),
              "Chords off: a chord on the input changed the notes");
    session plain_quiet = run_with(plain_model, 0, NULL, 2),
            plain_follow = run_with(plain_model, 1, &hold_c, 2);
    CHECK_MSG(session_same_notes(&plain_quiet, &plain_follow, 0, 2 * FRAMES_PER_BAR),
              "a model without chord input played other notes with Follow on");
    close_session(&quiet);
    close_session(&off);
    close_session(&plain_quiet);
    close_session(&plain_follow);
}

static void test_follow(const char *chord_model)
{
    const progression hold_fs = {1, {0}, {chord_id(6, MV_CHORD_MAJ)}, false};
    progression struck_c = hold_c;
    struck_c.release_after_strike = true;
    session c = run_with(chord_model, 1, &hold_c, 2), fs = run_with(chord_model, 1, &hold_fs, 2),
            released = run_with(chord_model, 1, &struck_c, 2),
            none = run_with(chord_model, 0, NULL, 2);
    CHECK_MSG(!session_same_notes(&c, &fs, 0, 2 * FRAMES_PER_BAR),
              "C and F# held: the same notes (the chord does not reach the decoder)");
    CHECK_MSG(!session_same_notes(&c, &none, 0, 2 * FRAMES_PER_BAR),
              "C held with Follow on played as Chords off");
    /* struck at frame 0 (stopped), released one step after: the chord holds */
    CHECK_MSG(session_same_notes(&c, &released, 0, 2 * FRAMES_PER_BAR),
              "releasing the keys changed the chord");
    char why[256];
    CHECK_MSG(session_sounding(&c, why, sizeof why) >= 0 && c.bad_blocks == 0, "%s", why);

    /* C held, F# from step 5 of bar 1 (frame 5 * FRAMES_PER_STEP + 250, inside
     * the step): from which step on are the notes those of F# held all along? */
    const int change_step = 5;
    progression change = {2, {0, change_step * FRAMES_PER_STEP + 250},
                          {hold_c.chord[0], hold_fs.chord[0]}, false};
    session ch = run_with(chord_model, 1, &change, 2);
    int latency = -1;
    for (int s = change_step; s < 32 && latency < 0; s++)
        if (session_same_notes(&ch, &fs, (int64_t)s * FRAMES_PER_STEP, 2 * FRAMES_PER_BAR))
            latency = s - change_step;
    printf("%s: a chord change in step %d is heard from step %d on (latency %d step%s)\n", mode,
           change_step, change_step + latency, latency, latency == 1 ? "" : "s");
    /* the worker answers after the block (after-run): the next step; in the
     * thread mode within a 16th of audio, at random, and a request already in
     * flight is answered before the new one: up to two answers late */
    const int most = strcmp(mode, "thread") ? 1 : 3;
    CHECK_MSG(latency >= 0 && latency <= most, "latency %d steps (at most %d)", latency, most);
    CHECK(session_same_notes(&ch, &c, 0, change_step * FRAMES_PER_STEP));
    close_session(&ch);
    close_session(&c);
    close_session(&fs);
    close_session(&released);
    close_session(&none);
}

/* Capture on: the input is a phrase to capture, not chords (first phrase:
 * before it becomes anchor A at bar 3). */
static void test_capture_takes_input(const char *chord_model)
{
    session none = run_with(chord_model, 0, NULL, 2);
    session cap = {.host = open_host(chord_model, 1)};
    if (!cap.host) return;
    host_set_control(cap.host, "capture", 1.0f);
    play(&cap, &hold_c, 2);
    CHECK_MSG(session_same_notes(&none, &cap, 0, 2 * FRAMES_PER_BAR),
              "with Capture on, the held chord was followed");
    close_session(&none);
    close_session(&cap);
}

static void test_state(const char *chord_model)
{
    session a = run_with(chord_model, 1, &hold_c, 2);
    void *state = a.host ? host_save_state(a.host) : NULL;
    session b = {.host = open_host(chord_model, 0)};
    CHECK(state && b.host && host_restore_state(b.host, state) == 0);
    if (b.host) {
        host_wait_worker(b.host);
        CHECK_MSG(host_get_control(b.host, "chords") == 1.0f, "Chords did not come back");
        session_free(&b);
        play(&b, &hold_c, 2);
        CHECK_MSG(session_same_notes(&a, &b, 0, 2 * FRAMES_PER_BAR),
                  "the restored instance does not follow the held chord as the saved one did");
    }
    if (state) host_free_state(state);
    close_session(&a);
    close_session(&b);
}

/* Looped C, G, Am, F, a bar each: note-ons on a tone of the chord held. */
static double chord_tone_share(const char *model, float chords, int bars, int *n_on)
{
    progression p = {0};
    const uint8_t loop[4] = {chord_id(0, MV_CHORD_MAJ), chord_id(7, MV_CHORD_MAJ),
                             chord_id(9, MV_CHORD_MIN), chord_id(5, MV_CHORD_MAJ)};
    for (int b = 0; b < bars && b < 64; b++) {
        p.at[p.n] = (int64_t)b * FRAMES_PER_BAR;
        p.chord[p.n++] = loop[b % 4];
    }
    session s = run_with(model, chords, &p, bars);
    if (getenv("MV_CHORDS_LOG") && s.host) printf("%s\n", host_log(s.host));
    long on = 0, tones = 0;
    for (int i = 0; i < s.n; i++) {
        if (!is_note_on(&s.ev[i])) continue;
        on++;
        tones += chord_pitch_classes(chord_at(&p, s.ev[i].frame)) >> (s.ev[i].pitch % 12) & 1u;
    }
    close_session(&s);
    *n_on = (int)on;
    return on ? (double)tones / (double)on : 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: test_plugin_chords MODE BUNDLE_DIR CHORD_MODEL PLAIN_MODEL "
                        "[TRAINED]\n");
        return 2;
    }
    mode = argv[1];
    bundle = argv[2];
    test_off_and_no_effect(argv[3], argv[4]);
    test_follow(argv[3]);
    test_capture_takes_input(argv[3]);
    test_state(argv[3]);
    printf("run() and the worker: %ld allocations\n", alloc_count());
    CHECK(alloc_count() == 0);
    if (argc == 6) {
        greedy = false;
        int n_on, n_off;
        double on = chord_tone_share(argv[5], 1, 32, &n_on);
        double off = chord_tone_share(argv[5], 0, 32, &n_off);
        printf("C G Am F looped, 32 bars: %.3f of %d note-ons on a tone of the held chord with "
               "Chords on, %.3f of %d with Chords off\n", on, n_on, off, n_off);
        CHECK_MSG(on >= 0.60, "chord tones with Chords on: %.3f (target 0.60)", on);
    }
    return check_report();
}
