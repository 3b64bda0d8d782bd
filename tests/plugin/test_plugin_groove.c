/* The real morphvae.lv2 playing a groove model (issue 21: core/groove.h's
 * hits, velocities and offsets) in an offline lilv host, with the Feel
 * control:
 *  - a MIDI file written here (a drum part with hits ahead of and behind the
 *    grid, one half a step ahead, one ahead of a bar line) as anchor A, played
 *    with Exact ends at Morph 0: every note-on lands at its step's frame +
 *    offset x Feel x frames a step (+-1 frame) with velocity
 *    (1 - Feel) x Velocity + Feel x its own, at Feel 1, 0.5 and 0 (0: on the
 *    grid at the Velocity control's), blocks cut so that early hits sound in
 *    the block before their step's, and a bar's first step's early hit in
 *    the bar before;
 *  - the model decoding between two prior anchors (greedy): the note-ons
 *    are core's decode of the same latent, at the same frames;
 *  - a relocation and a stop between an early hit's queueing (the step
 *    before) and its frame: note-offs for every note sounding at that frame,
 *    the queued hit never sounds, the new position plays on;
 *  - the state keeps the groove anchor's window and vector: a restored
 *    instance plays the same hits;
 *  - a phrase captured from the MIDI input keeps its velocities and offsets;
 *  - every note-on paired with its note-off, zero allocations in run().
 * MODE: after-run, or in-schedule (the worker inside schedule_work(), as
 * Ardour runs it exporting).
 * usage: test_plugin_groove MODE BUNDLE_DIR GROOVE_MODEL TMP_DIR */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc_counter.h"
#include "check.h"
#include "decoder.h"
#include "extract.h"
#include "groove.h"
#include "latent.h"
#include "midi_read.h"
#include "model.h"
#include "rng.h"
#include "session.h"
#include "tokens.h"
#include "weights.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* 120 BPM, 4 steps a beat, 48 kHz */
#define STEPS_PER_BAR 16
#define FRAMES_PER_BAR (STEPS_PER_BAR * FRAMES_PER_STEP)
#define MAX_BLOCK 8192
#define MAX_HITS 4096
#define TICKS_PER_STEP 120 /* the anchor file's: 480 a quarter */

static const char *mode, *bundle, *model_path, *tmp_dir;
static char anchor_path[PATH_MAX];
static mv_hparams hp;
static int T;                 /* steps in the model's window */
static uint8_t *anchor_steps; /* the anchor file's window, as core cuts it */

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

/* ------------------------------------------------------------ the anchor file */

typedef struct file_hit {
    int cls, step, ticks, velocity; /* ticks from the step's tick */
} file_hit;

static void put_vlq(FILE *f, uint32_t v)
{
    uint8_t b[5];
    int n = 0;
    b[n++] = v & 0x7F;
    while (v >>= 7) b[n++] = 0x80 | (v & 0x7F);
    while (n) fputc(b[--n], f);
}

typedef struct smf_event {
    int64_t tick;
    uint8_t msg[3];
} smf_event;

static int cmp_smf(const void *pa, const void *pb)
{
    const smf_event *a = pa, *b = pb;
    if (a->tick != b->tick) return a->tick < b->tick ? -1 : 1;
    return (a->msg[0] & 0xF0) == 0x80 ? -1 : (b->msg[0] & 0xF0) == 0x80 ? 1 : 0;
}

/* A format-0 file of the hits on channel 10 (each 60 ticks long), 4/4 at
 * 120 BPM. */
static int write_drum_file(const char *path, const file_hit *hits, int n)
{
    smf_event ev[256];
    int m = 0;
    for (int i = 0; i < n; i++) {
        int64_t on = (int64_t)hits[i].step * TICKS_PER_STEP + hits[i].ticks;
        uint8_t pitch = (uint8_t)drum_pitch_of_class(hits[i].cls);
        ev[m++] = (smf_event){on, {0x99, pitch, (uint8_t)hits[i].velocity}};
        ev[m++] = (smf_event){on + 60, {0x89, pitch, 0}};
    }
    qsort(ev, (size_t)m, sizeof *ev, cmp_smf);
    FILE *track = tmpfile();
    if (!track) return -1;
    const uint8_t meter[] = {0x00, 0xFF, 0x58, 0x04, 0x04, 0x02, 0x18, 0x08};
    const uint8_t tempo[] = {0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20};
    fwrite(meter, 1, sizeof meter, track);
    fwrite(tempo, 1, sizeof tempo, track);
    int64_t at = 0;
    for (int i = 0; i < m; i++) {
        put_vlq(track, (uint32_t)(ev[i].tick - at));
        at = ev[i].tick;
        fwrite(ev[i].msg, 1, 3, track);
    }
    const uint8_t end[] = {0x00, 0xFF, 0x2F, 0x00};
    fwrite(end, 1, sizeof end, track);
    long len = ftell(track);
    rewind(track);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fclose(track);
        return -1;
    }
    const uint8_t head[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 480 >> 8, 480 & 0xFF,
                            'M', 'T', 'r', 'k', (uint8_t)(len >> 24), (uint8_t)(len >> 16),
                            (uint8_t)(len >> 8), (uint8_t)len};
    fwrite(head, 1, sizeof head, f);
    for (int c; (c = fgetc(track)) != EOF;) fputc(c, f);
    fclose(track);
    return fclose(f);
}

static int take_first(void *ctx, const void *steps, uint32_t bar, int32_t transpose)
{
    (void)bar, (void)transpose;
    memcpy(ctx, steps, (size_t)T * MV_GROOVE_STEP_BYTES);
    return 1;
}

/* Writes the anchor file and cuts its window as the plugin must. */
static int make_anchor(void)
{
    file_hit hits[128];
    int n = 0;
    /* kick: on 1; late; ahead of bar 2's line (in bar 1); half a step ahead */
    hits[n++] = (file_hit){0, 0, 0, 110};
    hits[n++] = (file_hit){0, 8, 10, 100};
    hits[n++] = (file_hit){0, 16, -30, 90};
    hits[n++] = (file_hit){0, 24, -60, 105};
    /* snare: late, far ahead, on, a little ahead */
    hits[n++] = (file_hit){1, 4, 36, 70};
    hits[n++] = (file_hit){1, 12, -54, 120};
    hits[n++] = (file_hit){1, 20, 0, 80};
    hits[n++] = (file_hit){1, 28, -12, 100};
    /* closed hat on the 8ths, pushed and pulled */
    for (int s = 0; s < 32; s += 2) hits[n++] = (file_hit){2, s, s % 4 ? -12 : 12, 40 + 2 * s};
    /* a tom late on the last step: it sounds before the phrase repeats */
    hits[n++] = (file_hit){4, 31, 55, 64};
    snprintf(anchor_path, sizeof anchor_path, "%s/groove_anchor.mid", tmp_dir);
    if (write_drum_file(anchor_path, hits, n)) {
        fprintf(stderr, "cannot write %s\n", anchor_path);
        return -1;
    }
    mv_midi_file f;
    char err[512];
    if (midi_read_file(anchor_path, &f, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    mv_extract_config cfg = {.repr = MV_REPR_GROOVE, .n_bars = (int)hp.n_bars,
                             .steps_per_bar = (int)hp.steps_per_bar};
    mv_extract_stats st = {0};
    int rc = extract_windows(&f, &cfg, take_first, anchor_steps, &st, err, sizeof err);
    midi_file_free(&f);
    if (rc != 1) {
        fprintf(stderr, "%s: no groove window (%s)\n", anchor_path, err);
        return -1;
    }
    /* the window holds what was written */
    const uint8_t *k16 = anchor_steps + 16 * MV_GROOVE_STEP_BYTES;
    const uint8_t *k24 = anchor_steps + 24 * MV_GROOVE_STEP_BYTES;
    CHECK(k16[MV_GROOVE_HIT] && (int8_t)k16[MV_GROOVE_OFFSET] == -32 &&
          k16[MV_GROOVE_VELOCITY] == 90);
    CHECK(k24[MV_GROOVE_HIT] && (int8_t)k24[MV_GROOVE_OFFSET] == -64);
    return 0;
}

/* ------------------------------------------------------------ expected hits */

typedef struct hit {
    int64_t frame, step_frame;
    int pitch, velocity;
    bool early;
    bool found;
} hit;

/* The hits of song steps [first, last) of a phrase `window` (T steps,
 * repeating) played from frame `base` for song step `first`, at feel and
 * velocity control vel; a hit ahead of the grid of step `first` sounds on
 * it (the transport arrives there). Appends to out. */
static int expect_hits(const uint8_t *window, int64_t first, int64_t last, int64_t base,
                       float feel, float vel, hit *out, int n)
{
    for (int64_t t = first; t < last; t++) {
        const uint8_t *st = window + (size_t)(t % T) * MV_GROOVE_STEP_BYTES;
        int64_t step_frame = base + (t - first) * FRAMES_PER_STEP;
        for (int i = 0; i < MV_GROOVE_VOICES && n < MAX_HITS; i++) {
            if (!st[MV_GROOVE_HIT + i]) continue;
            double off = groove_offset_steps(st, i);
            bool early = off < 0;
            if (t == first && early) off = 0;
            double exact = (double)step_frame + feel * off * FRAMES_PER_STEP;
            long v = lrintf((1.0f - feel) * vel + feel * st[MV_GROOVE_VELOCITY + i]);
            out[n++] = (hit){(int64_t)ceil(exact - 1e-6), step_frame, drum_pitch_of_class(i),
                             (int)v, early && feel > 0 && t != first, false};
        }
    }
    return n;
}

/* Matches the session's note-ons in [from, to) to the expected hits (same
 * pitch, within +-1 frame); returns the misses and extras, the largest
 * frame error in *max_err and velocity mismatches in *bad_velocity. */
static int match_hits(const session *s, int64_t from, int64_t to, hit *exp, int n,
                      int *max_err, int *bad_velocity, const char *what)
{
    int wrong = 0;
    *max_err = 0;
    *bad_velocity = 0;
    for (int i = 0; i < n; i++) exp[i].found = false;
    for (int e = 0; e < s->n; e++) {
        const rec_event *ev = &s->ev[e];
        if (!is_note_on(ev) || ev->frame < from || ev->frame >= to) continue;
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (exp[i].found || exp[i].pitch != ev->pitch || llabs(exp[i].frame - ev->frame) > 1)
                continue;
            if (best < 0 || llabs(exp[i].frame - ev->frame) < llabs(exp[best].frame - ev->frame))
                best = i;
        }
        if (best < 0) {
            if (wrong++ < 5)
                fprintf(stderr, "%s: unexpected note-on %d at frame %lld (vel %d)\n", what,
                        ev->pitch, (long long)ev->frame, ev->velocity);
            continue;
        }
        exp[best].found = true;
        int err = (int)llabs(exp[best].frame - ev->frame);
        if (err > *max_err) *max_err = err;
        if (ev->velocity != exp[best].velocity || (ev->status & 0x0F) != 9) {
            if ((*bad_velocity)++ < 5)
                fprintf(stderr, "%s: note %d at %lld velocity %d (channel %d), expected %d\n",
                        what, ev->pitch, (long long)ev->frame, ev->velocity,
                        (ev->status & 0x0F) + 1, exp[best].velocity);
        }
    }
    for (int i = 0; i < n; i++) {
        if (exp[i].found || exp[i].frame < from || exp[i].frame >= to) continue;
        if (wrong++ < 10)
            fprintf(stderr, "%s: missing note-on %d at frame %lld (step frame %lld)\n", what,
                    exp[i].pitch, (long long)exp[i].frame, (long long)exp[i].step_frame);
    }
    return wrong;
}

/* ------------------------------------------------------------ playing */

/* Block ends forced at these frames (sorted), else random sizes. */
static int64_t cuts[MAX_HITS];
static int n_cuts;

static void play_to(session *s, int64_t end, mv_rng *r)
{
    int c = 0;
    while (s->frame < end) {
        uint32_t n = rng_u32(r) % 3 ? 64 + rng_u32(r) % 2048 : 1 + rng_u32(r) % MAX_BLOCK;
        if (s->frame + n > end) n = (uint32_t)(end - s->frame);
        while (c < n_cuts && cuts[c] <= s->frame) c++;
        if (c < n_cuts && cuts[c] < s->frame + n) n = (uint32_t)(cuts[c] - s->frame);
        session_block(s, n);
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A block boundary between each early hit and its step's frame. */
static void cut_early_hits(const hit *exp, int n)
{
    n_cuts = 0;
    for (int i = 0; i < n && n_cuts < MAX_HITS; i++)
        if (exp[i].early && exp[i].frame + 1 < exp[i].step_frame)
            cuts[n_cuts++] = (exp[i].frame + exp[i].step_frame) / 2;
    qsort(cuts, (size_t)n_cuts, sizeof *cuts, cmp_i64);
}

/* Early hits that sounded in a block before their step's (a cut between),
 * and those of a bar's first step that sounded in the bar before. */
static void count_early(const hit *exp, int n, int *across_block, int *across_bar)
{
    *across_block = *across_bar = 0;
    for (int i = 0; i < n; i++) {
        if (!exp[i].found || !exp[i].early) continue;
        for (int c = 0; c < n_cuts; c++)
            if (cuts[c] > exp[i].frame && cuts[c] <= exp[i].step_frame) {
                ++*across_block;
                break;
            }
        if (exp[i].step_frame % FRAMES_PER_BAR == 0 && exp[i].frame < exp[i].step_frame)
            ++*across_bar;
    }
}

/* The transport stopped at bar 0 while the worker decodes the bars for the
 * controls; then the session starts afresh, rolling from bar 0 at frame 0. */
static void restart(session *s)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    for (int i = 0; i < 40; i++) {
        session_block(s, 1024);
        host_wait_worker(s->host);
    }
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, 0, 0, 120, 1);
}

static void check_paired(const session *s, const char *what)
{
    char why[256] = "";
    int sounding = session_sounding(s, why, sizeof why);
    CHECK_MSG(sounding == 0, "%s: %d notes still sounding (%s)", what, sounding, why);
}

/* Stops at the session's frame; every note ends there. */
static void stop(session *s)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    session_block(s, 64);
}

static mv_host *open_groove_host(void)
{
    mv_host *h = session_open_host(bundle, RATE, MAX_BLOCK, mode, count_run);
    if (!h) return NULL;
    host_send_path(h, 0, MV_PLUGIN_NS "model", model_path);
    session s = {.host = h};
    session_block(&s, 64);
    host_wait_worker(h);
    session_free(&s);
    const char *log = host_log(h);
    CHECK_MSG(strstr(log, "loaded") && !strstr(log, "not changed"), "model load: %s", log);
    return h;
}

/* ------------------------------------------------------------ tests */

static hit expected[MAX_HITS];

/* Exact ends at Morph 0 play the anchor file's window at Feel 1, 0.5, 0. */
static void test_anchor_feel(mv_host *h)
{
    host_clear_log(h);
    host_send_path(h, 0, MV_PLUGIN_NS "anchorAFile", anchor_path);
    session s = {.host = h};
    session_block(&s, 64);
    host_wait_worker(h);
    session_free(&s);
    CHECK_MSG(strstr(host_log(h), "anchor A is now"), "anchor: %s", host_log(h));
    host_set_control(h, "morph", 0.0f);
    host_set_control(h, "exactEnds", 1.0f);
    const float feels[] = {1.0f, 0.5f, 0.0f};
    const float vels[] = {100.0f, 60.0f, 77.0f};
    for (int f = 0; f < 3; f++) {
        char what[64];
        snprintf(what, sizeof what, "anchor, feel %.1f", feels[f]);
        host_set_control(h, "feel", feels[f]);
        host_set_control(h, "velocity", vels[f]);
        restart(&s);
        const int bars = 4;
        /* (the step after the last too: its early hits sound before the end) */
        int n = expect_hits(anchor_steps, 0, bars * STEPS_PER_BAR + 1, 0, feels[f], vels[f],
                            expected, 0);
        cut_early_hits(expected, n);
        mv_rng r;
        rng_seed(&r, 100 + (uint64_t)f);
        play_to(&s, (int64_t)bars * FRAMES_PER_BAR, &r);
        int64_t end = s.frame; /* hits queued past the end are checked no further */
        stop(&s);
        int max_err, bad_vel;
        int wrong = match_hits(&s, 0, end, expected, n, &max_err, &bad_vel, what);
        int across_block, across_bar;
        count_early(expected, n, &across_block, &across_bar);
        printf("%s: %d hits, %d wrong, max frame error %d, %d velocities wrong, %d early hits "
               "across a block boundary, %d across a bar line\n",
               what, n, wrong, max_err, bad_vel, across_block, across_bar);
        CHECK_MSG(wrong == 0 && bad_vel == 0, "%s: %d hits wrong, %d velocities", what, wrong,
                  bad_vel);
        if (feels[f] > 0) {
            CHECK_MSG(across_block >= 4 && across_bar >= 2,
                      "%s: %d early hits across a block, %d across a bar", what, across_block,
                      across_bar);
        } else {
            int off_grid = 0;
            for (int e = 0; e < s.n; e++)
                off_grid += is_note_on(&s.ev[e]) && s.ev[e].frame % FRAMES_PER_STEP != 0;
            CHECK_MSG(off_grid == 0, "feel 0: %d note-ons off the grid", off_grid);
        }
        check_paired(&s, what);
    }
    session_free(&s);
    host_set_control(h, "feel", 1.0f);
    host_set_control(h, "velocity", 100.0f);
}

/* The state keeps the groove anchor (its window, packed: anchorATokens) and
 * the model: a fresh instance restored from it plays the same hits, at
 * Morph 0 (the window itself) and 0.5 (the refined vector). */
static void test_state(mv_host *h)
{
    void *state = host_save_state(h);
    CHECK(state != NULL);
    if (!state) return;
    char *text = host_state_string(h, state);
    CHECK_MSG(text && strstr(text, "anchorATokens") && strstr(text, "groove_2bar.mvae"),
              "the state has no groove window or model");
    free(text);
    mv_host *g = session_open_host(bundle, RATE, MAX_BLOCK, mode, count_run);
    if (!g) {
        CHECK(false);
        host_free_state(state);
        return;
    }
    CHECK(host_restore_state(g, state) == 0);
    session t = {.host = g};
    session_block(&t, 64);
    host_wait_worker(g);
    void *again = host_save_state(g);
    CHECK_MSG(again && host_states_equal(g, state, again),
              "the restored instance saves another state");
    session_free(&t);
    for (int k = 0; k < 2; k++) {
        session s = {.host = h};
        t = (session){.host = g};
        for (int i = 0; i < 2; i++) {
            mv_host *x = i ? g : h;
            host_set_control(x, "morph", k ? 0.5f : 0.0f);
            host_set_control(x, "feel", 1.0f);
            host_set_control(x, "velocity", 100.0f);
            host_set_control(x, "exactEnds", 1.0f);
        }
        restart(&s);
        restart(&t);
        n_cuts = 0;
        mv_rng r1, r2;
        rng_seed(&r1, 21);
        rng_seed(&r2, 21);
        play_to(&s, 2 * FRAMES_PER_BAR, &r1);
        play_to(&t, 2 * FRAMES_PER_BAR, &r2);
        int same_velocity = s.n == t.n;
        for (int e = 0; same_velocity && e < s.n; e++)
            same_velocity = s.ev[e].velocity == t.ev[e].velocity;
        CHECK_MSG(session_count_on(&s, 0, s.frame) > 0 && session_same_notes(&s, &t, 0, s.frame) &&
                      same_velocity,
                  "morph %.1f: the restored instance plays other hits (%d and %d note-ons)",
                  k ? 0.5 : 0.0, session_count_on(&s, 0, s.frame), session_count_on(&t, 0, t.frame));
        stop(&s);
        stop(&t);
        check_paired(&t, "restored");
        session_free(&s);
        session_free(&t);
    }
    host_free_state(state);
    host_free_state(again);
    host_close(g);
    host_set_control(h, "morph", 0.0f);
}

/* A relocation (back to bar 0) and then a stop, each between an early
 * hit's step before and its frame: note-offs there, the queued hit dropped. */
static void test_relocate_stop(mv_host *h)
{
    session s = {.host = h};
    restart(&s);
    /* the snare of step 12 is 0.45 of a step early: queued at step 11's
     * start (66000), due at about 69300 */
    const int64_t jump = 11 * FRAMES_PER_STEP + 2000;
    int n = expect_hits(anchor_steps, 0, 12, 0, 1.0f, 100, expected, 0);
    int before = n;
    /* from the jump: bar 0 again; stop half-way through step 27, whose next
     * step's snare is queued (0.1 early: due at about 27.9) */
    const int64_t stop_at = jump + 27 * FRAMES_PER_STEP + FRAMES_PER_STEP / 2;
    n = expect_hits(anchor_steps, 0, 28, jump, 1.0f, 100, expected, n);
    int dropped_before = 0;
    for (int i = 0; i < before; i++) dropped_before += expected[i].frame >= jump;
    CHECK(dropped_before == 0);
    n_cuts = 0;
    mv_rng r;
    rng_seed(&r, 7);
    cuts[n_cuts++] = jump;
    cuts[n_cuts++] = stop_at;
    play_to(&s, jump, &r);
    host_send_position(h, 0, 0, 0, 120, 1);
    play_to(&s, stop_at, &r);
    host_send_position(h, 0, 0, 0, 120, 0);
    for (int i = 0; i < 8; i++) session_block(&s, 4096); /* stopped: nothing more */
    int max_err, bad_vel;
    int wrong = match_hits(&s, 0, s.frame, expected, n, &max_err, &bad_vel, "relocate, stop");
    CHECK_MSG(wrong == 0 && bad_vel == 0, "relocate, stop: %d hits wrong, %d velocities", wrong,
              bad_vel);
    /* the snare queued before the jump, and the one queued before the stop */
    int snare = drum_pitch_of_class(1), late_ons = 0;
    for (int e = 0; e < s.n; e++) {
        const rec_event *ev = &s.ev[e];
        if (!is_note_on(ev)) continue;
        CHECK_MSG(!(ev->pitch == snare && ev->frame > jump && ev->frame < jump + 2000),
                  "a dropped snare sounded at %lld", (long long)ev->frame);
        late_ons += ev->frame > stop_at;
    }
    CHECK_MSG(late_ons == 0, "%d note-ons after the stop", late_ons);
    /* every note sounding at the jump and at the stop ended there */
    int64_t at[2] = {jump, stop_at};
    for (int k = 0; k < 2; k++) {
        session upto = {0};
        session_copy_range(&s, 0, at[k], &upto);
        /* and the note-offs at the frame itself */
        for (int e = 0; e < s.n; e++) {
            if (s.ev[e].frame != at[k] || !is_note_off(&s.ev[e])) continue;
            if (upto.n == upto.cap) {
                upto.cap = upto.cap ? 2 * upto.cap : 256;
                upto.ev = realloc(upto.ev, (size_t)upto.cap * sizeof *upto.ev);
            }
            upto.ev[upto.n++] = s.ev[e];
        }
        char why[256] = "";
        int sounding = session_sounding(&upto, why, sizeof why);
        CHECK_MSG(sounding == 0, "%s: %d notes still sounding (%s)", k ? "stop" : "relocation",
                  sounding, why);
        session_free(&upto);
    }
    check_paired(&s, "relocate, stop");
    printf("relocate, stop: %d hits, %d wrong, max frame error %d\n", n, wrong, max_err);
    session_free(&s);
}

/* The model's own decode between two anchors drawn from the prior: core decodes the same
 * latent here, and the plugin's hits land where its steps say. */
static void test_decoded(mv_host *h)
{
    mv_weights *w = NULL;
    mv_model m;
    char err[512];
    if (weights_read(model_path, &w, err, sizeof err) != MV_WEIGHTS_OK ||
        model_bind_weights(&m, w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        CHECK(false);
        weights_free(w);
        return;
    }
    mv_decoder *d = decoder_create(&m, 1);
    const int Z = (int)hp.z_size;
    float *a = calloc((size_t)Z, sizeof(float)), *b = calloc((size_t)Z, sizeof(float)),
          *z = calloc((size_t)Z, sizeof(float));
    uint8_t *window = calloc((size_t)T, MV_GROOVE_STEP_BYTES);
    /* anchors drawn from the prior with seeds 3 and 4, as the plugin draws them */
    mv_rng r;
    for (int k = 0; k < 2; k++) {
        rng_seed(&r, 3u + (uint64_t)k);
        for (int i = 0; i < Z; i++) (k ? b : a)[i] = rng_normal(&r);
    }
    latent_slerp(a, b, 0.5f, Z, z);
    decoder_conduct(d, z, 1);
    const int spb = (int)hp.steps_per_bar;
    for (int bar = 0; bar < (int)hp.n_bars; bar++) {
        uint8_t *out = window + (size_t)bar * spb * MV_GROOVE_STEP_BYTES;
        decoder_decode_bar(d, 1, bar, window_groove(bar ? out - MV_GROOVE_STEP_BYTES : NULL),
                           0.0f, &r, window_groove(out));
    }
    session s = {.host = h};
    host_send_int(h, 0, MV_PLUGIN_NS "anchorASeed", 3);
    host_send_int(h, 0, MV_PLUGIN_NS "anchorBSeed", 4);
    host_set_control(h, "morph", 0.5f);
    host_set_control(h, "feel", 1.0f);
    host_set_control(h, "velocity", 100.0f);
    restart(&s);
    const int bars = 6;
    int n = expect_hits(window, 0, bars * STEPS_PER_BAR + 1, 0, 1.0f, 100, expected, 0);
    cut_early_hits(expected, n);
    rng_seed(&r, 11);
    play_to(&s, (int64_t)bars * FRAMES_PER_BAR, &r);
    int64_t end = s.frame;
    /* the inline display draws the hits (on their steps) */
    int width = 0, height = 0, stride = 0;
    const uint32_t *px = host_render_inline(h, 200, 100, &width, &height, &stride);
    CHECK_MSG(px && width == 200 && height > 0, "no inline display picture");
    stop(&s);
    int max_err, bad_vel;
    int wrong = match_hits(&s, 0, end, expected, n, &max_err, &bad_vel, "decoded");
    int across_block, across_bar, early = 0, off_grid = 0;
    count_early(expected, n, &across_block, &across_bar);
    for (int i = 0; i < n; i++) {
        early += expected[i].early;
        off_grid += expected[i].frame != expected[i].step_frame;
    }
    printf("decoded (morph 0.5, greedy): %d hits, %d off the grid, %d early, %d wrong, max "
           "frame error %d, %d velocities wrong, %d early across a block boundary, %d across a "
           "bar line\n",
           n, off_grid, early, wrong, max_err, bad_vel, across_block, across_bar);
    CHECK_MSG(n > 0 && off_grid > 0, "the decoded phrase has %d hits, %d off the grid", n,
              off_grid);
    CHECK_MSG(wrong == 0 && bad_vel == 0, "decoded: %d hits wrong, %d velocities", wrong, bad_vel);
    check_paired(&s, "decoded");
    session_free(&s);
    free(a), free(b), free(z), free(window);
    decoder_free(d);
    weights_free(w);
}

/* Velocity sd of the note-ons of s. */
static double velocity_sd(const session *s, int *n)
{
    double sum = 0, sq = 0;
    *n = 0;
    for (int e = 0; e < s->n; e++) {
        if (!is_note_on(&s->ev[e])) continue;
        const double v = s->ev[e].velocity;
        sum += v, sq += v * v, ++*n;
    }
    const double mean = *n ? sum / *n : 0, var = *n ? sq / *n - mean * mean : 0;
    return var > 0 ? sqrt(var) : 0;
}

/* The model's stored spread (morphvae spread) reaches the plugin: above
 * Temperature 0 the same morph plays its hits' velocities spread as a
 * drummer's (shipped model: velocity sd about 30 against 16 for its means). */
static void test_spread(mv_host *h)
{
    mv_weights *w = NULL;
    char err[512];
    const float *sd = NULL;
    CHECK(weights_read(model_path, &w, err, sizeof err) == MV_WEIGHTS_OK &&
          weights_output_sd(w, model_path, &sd, err, sizeof err) == 0);
    CHECK_MSG(sd, "%s stores no spread (morphvae spread)", model_path);
    weights_free(w);
    double got[2];
    const float temperature[2] = {0.0f, 1.0f};
    mv_rng r;
    for (int k = 0; k < 2; k++) {
        session s = {.host = h};
        host_send_int(h, 0, MV_PLUGIN_NS "anchorASeed", 3);
        host_send_int(h, 0, MV_PLUGIN_NS "anchorBSeed", 4);
        host_set_control(h, "morph", 0.5f);
        host_set_control(h, "feel", 1.0f);
        host_set_control(h, "temperature", temperature[k]);
        restart(&s);
        n_cuts = 0;
        rng_seed(&r, 5);
        play_to(&s, 16 * (int64_t)FRAMES_PER_BAR, &r);
        stop(&s);
        int n;
        got[k] = velocity_sd(&s, &n);
        CHECK_MSG(n > 100, "temperature %g: %d note-ons in 16 bars", temperature[k], n);
        check_paired(&s, "spread");
        session_free(&s);
    }
    host_set_control(h, "temperature", 0.0f);
    printf("spread: velocity sd %.1f at temperature 0, %.1f at 1\n", got[0], got[1]);
    CHECK_MSG(got[1] > got[0] + 5, "velocity sd %.1f at temperature 1, %.1f at 0", got[1],
              got[0]);
}

/* A phrase played into the MIDI input with Capture = B keeps its feel: anchor
 * B plays it back (Exact ends, Morph 1) with the offsets and velocities it
 * was played with (to the 1/128 of a step the window keeps). */
static void test_capture(mv_host *h)
{
    session s = {.host = h};
    host_set_control(h, "morph", 1.0f);
    host_set_control(h, "feel", 1.0f);
    host_set_control(h, "capture", 2.0f);
    restart(&s);
    /* bar 0 starts the phrase at once (a bar line): bars 0-1, handed over at bar 2 */
    typedef struct played_hit {
        int step, frames, cls, velocity;
    } played_hit;
    const played_hit in[] = {
        {0, 0, 0, 100},    {4, 1500, 1, 60},   {8, -900, 2, 45},  {12, -2400, 1, 110},
        {16, -1200, 0, 90}, {20, 700, 1, 75},  {24, 0, 2, 30},    {28, -600, 1, 127},
    };
    const int n_in = (int)(sizeof in / sizeof in[0]);
    host_clear_log(h);
    int next = 0;
    mv_rng r;
    rng_seed(&r, 5);
    int64_t end = 2 * FRAMES_PER_BAR + 4096;
    while (s.frame < end) {
        uint32_t n = 256 + rng_u32(&r) % 1024;
        if (s.frame + n > end) n = (uint32_t)(end - s.frame);
        for (; next < 2 * n_in; next++) {
            const played_hit *p = &in[next / 2];
            int64_t on = (int64_t)p->step * FRAMES_PER_STEP + p->frames;
            int64_t at = next % 2 ? on + 2000 : on;
            if (at >= s.frame + (int64_t)n) break;
            uint8_t msg[3] = {(uint8_t)(next % 2 ? 0x89 : 0x99),
                              (uint8_t)drum_pitch_of_class(p->cls),
                              (uint8_t)(next % 2 ? 0 : p->velocity)};
            host_send_midi(h, (uint32_t)(at - s.frame), msg, 3);
        }
        session_block(&s, n);
        host_wait_worker(h);
    }
    host_set_control(h, "capture", 0.0f);
    CHECK_MSG(strstr(host_log(h), "-> anchor B"), "capture: %s", host_log(h));
    /* the window played back: each hit at its frame, its velocity */
    uint8_t *window = calloc((size_t)T, MV_GROOVE_STEP_BYTES);
    for (int i = 0; i < n_in; i++) {
        uint8_t *st = window + (size_t)in[i].step * MV_GROOVE_STEP_BYTES;
        st[MV_GROOVE_HIT + in[i].cls] = 1;
        st[MV_GROOVE_VELOCITY + in[i].cls] = (uint8_t)in[i].velocity;
        st[MV_GROOVE_OFFSET + in[i].cls] =
            (uint8_t)groove_offset_byte((double)in[i].frames / FRAMES_PER_STEP);
    }
    restart(&s);
    int n = expect_hits(window, 0, 2 * STEPS_PER_BAR + 4, 0, 1.0f, 100, expected, 0);
    n_cuts = 0;
    play_to(&s, 2 * FRAMES_PER_BAR + 4 * FRAMES_PER_STEP, &r);
    end = s.frame;
    stop(&s);
    int max_err, bad_vel;
    int wrong = match_hits(&s, 0, end, expected, n, &max_err, &bad_vel, "captured");
    printf("captured phrase played back: %d hits, %d wrong, max frame error %d, %d velocities "
           "wrong\n",
           n, wrong, max_err, bad_vel);
    CHECK_MSG(wrong == 0 && bad_vel == 0, "captured: %d hits wrong, %d velocities", wrong,
              bad_vel);
    check_paired(&s, "captured");
    free(window);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODE BUNDLE GROOVE_MODEL TMP_DIR\n", argv[0]);
        return 2;
    }
    static char paths[2][PATH_MAX];
    mode = argv[1];
    bundle = realpath(argv[2], paths[0]);
    model_path = realpath(argv[3], paths[1]);
    tmp_dir = argv[4];
    if (!bundle || !model_path) {
        fprintf(stderr, "%s: %s or %s does not exist\n", argv[0], argv[2], argv[3]);
        return 2;
    }
    if (mkdir(tmp_dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "cannot make %s\n", tmp_dir);
        return 2;
    }
    mv_weights *w = NULL;
    char err[512];
    if (weights_read(model_path, &w, err, sizeof err) != MV_WEIGHTS_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    hp = *weights_hparams(w);
    weights_free(w);
    if (hp.repr != MV_REPR_GROOVE || hp.steps_per_bar != STEPS_PER_BAR) {
        fprintf(stderr, "%s: not a 16-step groove model\n", model_path);
        return 2;
    }
    T = (int)hparams_seq_len(&hp);
    anchor_steps = calloc((size_t)T, MV_GROOVE_STEP_BYTES);
    if (make_anchor()) return 1;

    CHECK_MSG(alloc_counter_counts(), "the allocation counter missed malloc/free");
    const long before = alloc_count();

    mv_host *h = open_groove_host();
    if (!h) return 1;
    test_anchor_feel(h);
    test_state(h);
    test_relocate_stop(h);
    test_decoded(h);
    test_capture(h);
    test_spread(h);
    long allocs = alloc_count() - before;
    printf("allocations in run() and work_response(): %ld\n", allocs);
    CHECK_MSG(allocs == 0, "%ld allocations in run()", allocs);
    host_close(h);
    free(anchor_steps);
    return check_report();
}
