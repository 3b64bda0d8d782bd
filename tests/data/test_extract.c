/* Window extraction (core/extract.c) on MIDI files built in memory: grid,
 * highest-wins, the bar-of-silence rule, meter segments, transposition, drum
 * classes, groove steps (velocity and offset), roll onsets and the track
 * choice. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extract.h"
#include "groove.h"
#include "hparams.h"
#include "midi_events.h"
#include "tokens.h"

#define TPQ 96 /* ticks per quarter: one 16th step = 24 ticks */
#define STEP 24
#define MAX_WINDOWS 64
#define MAX_WINDOW_BYTES (64 * 176)

typedef struct collected {
    int n;
    uint8_t data[MAX_WINDOWS][MAX_WINDOW_BYTES];
    uint32_t bar[MAX_WINDOWS];
    int32_t transpose[MAX_WINDOWS];
    size_t bytes;
} collected;

static int collect(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    collected *c = ctx;
    if (c->n == MAX_WINDOWS) return 1;
    memcpy(c->data[c->n], tokens, c->bytes);
    c->bar[c->n] = bar;
    c->transpose[c->n++] = transpose;
    return 0;
}

static void add_note(mv_midi_file *f, int track, int channel, int pitch, int step, int steps)
{
    mv_midi_note n = {(int64_t)step * STEP, (int64_t)(step + steps) * STEP, (uint16_t)track,
                      (uint8_t)channel, (uint8_t)pitch, 100};
    CHECK(midi_file_add_note(f, &n) == 0);
}

static mv_extract_config melody_config(int bars)
{
    mv_extract_config c = {.repr = MV_REPR_MELODY, .n_bars = bars, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    return c;
}

static int run(const mv_midi_file *f, const mv_extract_config *cfg, collected *c,
               mv_extract_stats *st)
{
    char err[200];
    int steps = cfg->n_bars * cfg->steps_per_bar;
    c->n = 0;
    c->bytes = cfg->repr == MV_REPR_ROLL     ? (size_t)steps * 2 * cfg->n_pitches
               : cfg->repr == MV_REPR_GROOVE ? (size_t)steps * MV_GROOVE_STEP_BYTES
                                             : (size_t)steps * sizeof(int32_t);
    memset(st, 0, sizeof *st);
    int rc = extract_windows(f, cfg, collect, c, st, err, sizeof err);
    CHECK_MSG(rc == 0, "extract_windows: %s", err);
    return c->n;
}

static const int32_t *tokens_of(const collected *c, int i) { return (const int32_t *)c->data[i]; }

static void test_meter_steps(void)
{
    CHECK(meter_steps(4, 4) == 16 && meter_steps(3, 4) == 12 && meter_steps(2, 2) == 16);
    CHECK(meter_steps(6, 8) == 12 && meter_steps(7, 8) == 14 && meter_steps(2, 4) == 8);
    CHECK(meter_steps(3, 32) == 0 && meter_steps(0, 4) == 0 && meter_steps(4, 0) == 0);
}

static void test_melody_window(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    add_note(&f, 0, 0, 60, 0, 4);  /* chord: 67 wins */
    add_note(&f, 0, 0, 67, 0, 6);
    add_note(&f, 0, 0, 64, 0, 4);
    add_note(&f, 0, 0, 72, 8, 2);  /* note-off at 10 */
    add_note(&f, 0, 0, 71, 12, 8); /* into bar 2 */
    add_note(&f, 0, 0, 69, 20, 12);
    f.notes[4].start += 5; /* 5 ticks late: still quantised to step 12 */
    midi_file_finish(&f);
    mv_extract_config cfg = melody_config(2);
    mv_extract_stats st;
    CHECK(run(&f, &cfg, c, &st) == 1);
    int32_t want[32] = {0};
    want[0] = 2 + 67 - 21;
    want[6] = MV_MELODY_NOTE_OFF;
    want[8] = 2 + 72 - 21;
    want[10] = MV_MELODY_NOTE_OFF;
    want[12] = 2 + 71 - 21;
    want[20] = 2 + 69 - 21;
    for (int s = 0; s < 32; s++)
        CHECK_MSG(tokens_of(c, 0)[s] == want[s], "step %d: %d, expected %d", s,
                  tokens_of(c, 0)[s], want[s]);
    CHECK(c->bar[0] == 0 && c->transpose[0] == 0);
    CHECK(st.notes == 6 && st.notes_polyphonic == 2 && st.voices == 1);

    /* Tempo changes do not move the grid (it is in beats). */
    CHECK(midi_file_add_tempo(&f, 0, 500000) == 0);
    CHECK(midi_file_add_tempo(&f, 7 * STEP, 300000) == 0);
    midi_file_finish(&f);
    CHECK(run(&f, &cfg, c, &st) == 1);
    CHECK(memcmp(tokens_of(c, 0), want, sizeof want) == 0);
    midi_file_free(&f);
}

static void test_silent_bar_ends_melody(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    add_note(&f, 0, 0, 60, 0, 16);  /* bar 0 sounds */
    add_note(&f, 0, 0, 62, 36, 4);  /* bar 1 silent, bar 2 has a note from step 36.. */
    add_note(&f, 0, 0, 64, 44, 20); /* ..through bar 3 */
    midi_file_finish(&f);
    mv_extract_config cfg = melody_config(2);
    mv_extract_stats st;
    /* windows [0,1] and [1,2] hold the silent bar 1 (steps 16..35); [2,3] starts
     * with 4 silent steps only. */
    CHECK(run(&f, &cfg, c, &st) == 1);
    CHECK(c->bar[0] == 2);
    CHECK(st.windows_gap == 2);
    CHECK(tokens_of(c, 0)[4] == 2 + 62 - 21);
    midi_file_free(&f);
}

static void test_meter_segments(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    CHECK(midi_file_add_meter(&f, 0, 4, 4) == 0);
    CHECK(midi_file_add_meter(&f, 32 * STEP, 3, 4) == 0); /* after two 4/4 bars */
    for (int s = 0; s < 32 + 36; s += 2) add_note(&f, 0, 0, 60 + s % 12, s, 2);
    midi_file_finish(&f);
    mv_extract_config cfg = melody_config(1);
    mv_extract_stats st;
    CHECK(run(&f, &cfg, c, &st) == 2); /* the two 4/4 bars */
    CHECK(c->bar[0] == 0 && c->bar[1] == 1);
    CHECK(st.segments == 1 && st.segments_bad_meter == 1 && st.windows_bad_meter == 3);

    cfg.steps_per_bar = 12; /* now the three 3/4 bars fit and 4/4 does not */
    CHECK(run(&f, &cfg, c, &st) == 3);
    CHECK(c->bar[0] == 32 / 12 && tokens_of(c, 0)[0] == 2 + 60 + 32 % 12 - 21);
    CHECK(st.segments_bad_meter == 1);

    /* A measure that divides the bar: 2/4 measures, two per 16-step bar. */
    cfg.steps_per_bar = 16;
    cfg.meter_steps = 8;
    CHECK(run(&f, &cfg, c, &st) == 5); /* 68 steps -> 5 bars; the last is 12 steps silent */
    CHECK(st.segments_bad_meter == 0);
    midi_file_free(&f);
}

static void test_transposition(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    for (int s = 0; s < 32; s += 4) add_note(&f, 0, 0, s < 16 ? 105 : 30, s, 4);
    midi_file_finish(&f);
    mv_extract_config cfg = melody_config(2);
    cfg.max_transpose = 5;
    mv_extract_stats st;
    /* 105 + 4 leaves 21..108; 30 - 9 would leave it but -5 does not */
    CHECK(run(&f, &cfg, c, &st) == 1 + 5 + 3);
    CHECK(st.windows_transpose_out_of_range == 2);
    for (int i = 0; i < c->n; i++) {
        int t = c->transpose[i];
        CHECK(tokens_of(c, i)[0] == 2 + 105 + t - 21);
        CHECK(tokens_of(c, i)[16] == 2 + 30 + t - 21);
        CHECK(t >= -5 && t <= 3);
    }
    midi_file_free(&f);
}

static void test_drums(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    for (int s = 0; s < 32; s += 2) add_note(&f, 0, MV_MIDI_DRUM_CHANNEL, 42, s, 1);
    for (int s = 0; s < 32; s += 8) add_note(&f, 0, MV_MIDI_DRUM_CHANNEL, 36, s, 1);
    add_note(&f, 0, MV_MIDI_DRUM_CHANNEL, 40, 4, 1);  /* snare alias */
    add_note(&f, 0, MV_MIDI_DRUM_CHANNEL, 21, 6, 1);  /* in no class */
    add_note(&f, 0, 0, 38, 12, 1);                     /* not channel 10: ignored */
    midi_file_finish(&f);
    mv_extract_config cfg = {.repr = MV_REPR_DRUMS, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 0, .n_pitches = 0, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    mv_extract_stats st;
    CHECK(run(&f, &cfg, c, &st) == 1);
    const int32_t *t = tokens_of(c, 0);
    CHECK(t[0] == (1 << 0 | 1 << 2)); /* kick + closed hat */
    CHECK(t[2] == 1 << 2);
    CHECK(t[4] == (1 << 1 | 1 << 2)); /* snare + hat */
    CHECK(t[6] == 1 << 2);
    CHECK(t[12] == 1 << 2);
    CHECK(t[1] == 0);
    CHECK(st.notes == 16 + 4 + 2 && st.notes_out_of_range == 1);
    midi_file_free(&f);
}

/* A drum note at a tick with a velocity (the groove test's finer grid). */
static void add_hit(mv_midi_file *f, int channel, int pitch, int64_t tick, int velocity)
{
    mv_midi_note n = {tick, tick + 10, 0, (uint8_t)channel, (uint8_t)pitch, (uint8_t)velocity};
    CHECK(midi_file_add_note(f, &n) == 0);
}

/* Groove steps, byte for byte: a kick on the grid, a snare 30 ticks late, a
 * hat an eighth of a step early (at 480 ticks a quarter, a step is 120
 * ticks: 1/128 step is 0.9375 tick), a note half a step late going to the
 * next step as an early one, two kicks on one step (the louder kept). The
 * hits are the drum window's. */
static void test_groove(collected *c)
{
    enum { Q = 480, S = 120 };
    mv_midi_file f;
    CHECK(midi_file_init(&f, Q, 1) == 0);
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 36, 0, 100);          /* kick, step 0, on the grid */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 38, 4 * S + 30, 80);  /* snare, step 4, +30 ticks */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 42, 2 * S - 15, 50);  /* closed hat, step 2, -1/8 */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 46, 6 * S + 60, 127); /* open hat, 6.5 -> step 7, -1/2 */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 51, 9 * S + 59, 1);   /* ride, step 9, +59/120 */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 36, 8 * S + 10, 40);  /* two kicks on step 8: */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 35, 8 * S - 20, 90);  /* the louder, early one wins */
    add_hit(&f, MV_MIDI_DRUM_CHANNEL, 40, 12 * S - 1, 64);  /* snare alias, step 12, -1 tick */
    add_hit(&f, 0, 38, 3 * S, 100);                          /* not channel 10: ignored */
    midi_file_finish(&f);
    mv_extract_config cfg = {.repr = MV_REPR_GROOVE, .n_bars = 1, .steps_per_bar = 16};
    mv_extract_stats st;
    CHECK(run(&f, &cfg, c, &st) == 1);
    static const struct {
        int step, voice, velocity, offset;
    } want[] = {
        {0, 0, 100, 0},   {4, 1, 80, 32},   {2, 2, 50, -16}, {7, 3, 127, -64},
        {9, 8, 1, 63},    {8, 0, 90, -21},  {12, 1, 64, -1},
    };
    uint8_t expect[16 * MV_GROOVE_STEP_BYTES] = {0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint8_t *step = expect + want[i].step * MV_GROOVE_STEP_BYTES;
        step[MV_GROOVE_HIT + want[i].voice] = 1;
        step[MV_GROOVE_VELOCITY + want[i].voice] = (uint8_t)want[i].velocity;
        step[MV_GROOVE_OFFSET + want[i].voice] = (uint8_t)(int8_t)want[i].offset;
    }
    for (int s = 0; s < 16; s++) {
        const uint8_t *got = c->data[0] + s * MV_GROOVE_STEP_BYTES;
        CHECK_MSG(!memcmp(got, expect + s * MV_GROOVE_STEP_BYTES, MV_GROOVE_STEP_BYTES),
                  "groove step %d differs", s);
        CHECK(groove_step_valid(got));
    }
    CHECK(st.notes == 8 && st.notes_doubled == 1 && st.notes_out_of_range == 0);
    /* the drum window of the same file holds the same hits */
    uint8_t groove[16 * MV_GROOVE_STEP_BYTES];
    memcpy(groove, c->data[0], sizeof groove);
    cfg.repr = MV_REPR_DRUMS;
    CHECK(run(&f, &cfg, c, &st) == 1);
    for (int s = 0; s < 16; s++) {
        int32_t bits = 0;
        for (int i = 0; i < MV_GROOVE_VOICES; i++)
            bits |= (int32_t)groove[s * MV_GROOVE_STEP_BYTES + MV_GROOVE_HIT + i] << i;
        CHECK_MSG(tokens_of(c, 0)[s] == bits, "step %d: drums %d, groove hits %d", s,
                  tokens_of(c, 0)[s], bits);
    }
    CHECK(st.notes_doubled == 0); /* counted for groove only */
    midi_file_free(&f);
}

static void test_roll_onsets(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    add_note(&f, 0, 0, 60, 0, 4); /* held 4 steps */
    add_note(&f, 0, 0, 64, 0, 2); /* repeated: 2 + 2 steps */
    add_note(&f, 0, 0, 64, 2, 2);
    for (int s = 4; s < 16; s += 4) add_note(&f, 0, 0, 67, s, 4);
    add_note(&f, 0, MV_MIDI_DRUM_CHANNEL, 36, 0, 1); /* drums stay out of the roll */
    midi_file_finish(&f);
    mv_extract_config cfg = {.repr = MV_REPR_ROLL, .n_bars = 1, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    mv_extract_stats st;
    CHECK(run(&f, &cfg, c, &st) == 1);
    const uint8_t *r = c->data[0];
    int w = 176, on = 88;
    CHECK(r[0 * w + 60 - 21] && r[3 * w + 60 - 21] && !r[4 * w + 60 - 21]);
    CHECK(r[0 * w + on + 60 - 21] && !r[2 * w + on + 60 - 21]); /* held: one onset */
    CHECK(r[2 * w + 64 - 21] && r[2 * w + on + 64 - 21]);        /* repeated: a second */
    CHECK(!r[0 * w + 36 - 21] && !r[0 * w + on + 36 - 21]);
    int active = 0;
    for (int i = 0; i < 16 * w; i++) active += r[i];
    CHECK(active == 4 + 4 + 12 + 6); /* active steps of 60, 64, 67 x3, then 1 + 2 + 3 onsets */
    midi_file_free(&f);
}

static void test_track_choice(collected *c)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 2) == 0);
    strcpy(f.tracks[0].name, "PIANO");
    strcpy(f.tracks[1].name, "Melody");
    for (int s = 0; s < 32; s += 4) {
        add_note(&f, 0, 0, 48, s, 4);
        add_note(&f, 1, 1, 72, s, 2);
    }
    midi_file_finish(&f);
    mv_extract_config cfg = melody_config(2);
    mv_extract_stats st;
    CHECK(run(&f, &cfg, c, &st) == 2); /* every track is a melody of its own */
    CHECK(st.voices == 2);
    cfg.track_name = "MELODY"; /* any case */
    CHECK(run(&f, &cfg, c, &st) == 1);
    CHECK(tokens_of(c, 0)[0] == 2 + 72 - 21 && tokens_of(c, 0)[2] == MV_MELODY_NOTE_OFF);
    cfg.track_name = "BASS";
    CHECK(run(&f, &cfg, c, &st) == 0 && st.notes == 0);
    cfg.track_name = "Bass,melody"; /* a list: any of the names */
    CHECK(run(&f, &cfg, c, &st) == 1);
    cfg.track_name = "PIAN,MELODYX"; /* whole names only */
    CHECK(run(&f, &cfg, c, &st) == 0);
    cfg.track_name = "melody,piano";
    CHECK(run(&f, &cfg, c, &st) == 2);
    midi_file_free(&f);
}

static void test_bad_config(void)
{
    mv_midi_file f;
    CHECK(midi_file_init(&f, TPQ, 1) == 0);
    mv_extract_config cfg = melody_config(0);
    mv_extract_stats st = {0};
    char err[200] = "";
    CHECK(extract_windows(&f, &cfg, collect, NULL, &st, err, sizeof err) == -1);
    CHECK(strstr(err, "bars") != NULL);
    cfg = melody_config(2);
    cfg.min_pitch = 100; /* 100 + 88 > 128 */
    CHECK(extract_config_check(&cfg, err, sizeof err) == -1);
    midi_file_free(&f);
}

int main(void)
{
    collected *c = malloc(sizeof *c);
    test_meter_steps();
    test_melody_window(c);
    test_silent_bar_ends_melody(c);
    test_meter_segments(c);
    test_transposition(c);
    test_drums(c);
    test_groove(c);
    test_roll_onsets(c);
    test_track_choice(c);
    test_bad_config();
    free(c);
    return check_report();
}
