/* Phrase statistics: phrase_stats on hand-made phrases with hand-counted
 * figures; `morphvae stats` gives the same figures for them as a corpus split
 * and as a folder of MIDI files (written by the real MIDI writer, extracted as
 * `morphvae data` extracts them); its --prior row equals the statistics of the
 * files `morphvae sample` writes with the same seed and temperature, and
 * --chain strings prior phrases as the plugin does; its errors name the
 * source. With a groove shape, a hand-played drum MIDI file's row reports
 * the feel of its hits (velocities, offsets from the grid) as counted by
 * hand, equal to the same window's as a corpus split; melody and drum rows
 * have no feel. onset_f1's convention. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "corpus.h"
#include "gen_fixture.h"
#include "groove.h"
#include "midi_write.h"
#include "phrase_stats.h"
#include "sequence_io.h"

#define SEQ 32
#define MEL(p) (2 + (p) - 21)
#define KICK 1
#define SNARE 2
#define HAT 4

static const char *exe;
static int32_t melody[5][SEQ], drums[4][SEQ];

static void onsets(int32_t *w, int pitch, int from, int to, int every)
{
    for (int t = from; t <= to; t += every) w[t] = MEL(pitch);
}

/* A: C E G C' | - G E: 6 notes, 4 pitches, range 12, no repeats.
 * B: D x6 (a run of 6) E | F: 8 notes, 3 pitches, range 3, 5 repeats: monotonous.
 * C: G A G A | G A: 6 notes, 2 pitches: monotonous, range 2, no repeats.
 * E: C x5 | D E: 7 notes, 3 pitches, range 4, 4 repeats, a run of 5 only.
 * D: empty (last; not a MIDI phrase). */
static void make_melodies(void)
{
    int32_t *a = melody[0], *b = melody[1], *c = melody[2], *e = melody[3];
    a[0] = MEL(60), a[4] = MEL(64), a[8] = MEL(67), a[12] = MEL(72), a[16] = MV_MELODY_NOTE_OFF;
    a[20] = MEL(67), a[24] = MEL(64), a[28] = MV_MELODY_NOTE_OFF;
    onsets(b, 62, 0, 10, 2);
    b[12] = MEL(64), b[16] = MEL(65);
    for (int t = 0; t < 24; t += 4) c[t] = MEL(t % 8 ? 69 : 67);
    onsets(e, 60, 0, 8, 2);
    e[16] = MEL(62), e[20] = MEL(64);
}

/* P: kick 1 and 3, snare 2 and 4, hats on 8ths, bar 2 = bar 1: 12 hits a bar.
 * Q: hat, snare on 2 | kick on 1, snare on 2 and 4: 5 hits, 14 of 16 steps repeat.
 * R: one hat a bar on the same step: 2 hits, 16 repeat. S: empty (last). */
static void make_drums(void)
{
    for (int bar = 0; bar < 2; bar++) {
        int32_t *p = drums[0] + bar * 16;
        for (int t = 0; t < 16; t += 2) p[t] = HAT;
        p[0] |= KICK, p[8] |= KICK, p[4] |= SNARE, p[12] |= SNARE;
    }
    int32_t *q = drums[1], *r = drums[2];
    q[0] = HAT, q[4] = SNARE, q[16] = KICK, q[20] = SNARE, q[28] = SNARE;
    r[2] = HAT, r[18] = HAT;
}

static void test_figures(void)
{
    mv_hparams mel, drm;
    hparams_preset("mel_2bar", &mel);
    hparams_preset("drums_2bar", &drm);
    phrase_stats s = {0};
    for (int i = 0; i < 5; i++) phrase_stats_add(&s, &mel, melody[i]);
    phrase_figures f = phrase_stats_figures(&s);
    CHECK(s.phrases == 5 && s.empty == 1 && s.notes == 27);
    CHECK_CLOSE(f.notes_per_phrase, 27.0 / 5, 1e-9);
    CHECK_CLOSE(f.monotonous, 2.0 / 5, 1e-9);        /* B by its run, C by its pitches */
    CHECK_CLOSE(f.repeated_intervals, 9.0 / 23, 1e-9); /* (0 + 5 + 0 + 4) / (5 + 7 + 5 + 6) */
    CHECK_CLOSE(f.distinct, 3.0, 1e-9);              /* (4 + 3 + 2 + 3) / 4 */
    CHECK_CLOSE(f.range, 21.0 / 4, 1e-9);            /* 12 + 3 + 2 + 4 */
    CHECK_CLOSE(f.empty, 1.0 / 5, 1e-9);
    CHECK(isnan(f.hits_per_bar));
    /* no second bar has the first's note-on steps; bar mean pitches A 65.75 /
     * 65.5, B 436/7 / 65, C 68 / 68, E 60 / 63 */
    CHECK_CLOSE(f.bar_echoes, 0.0, 1e-9);
    CHECK_CLOSE(f.rhythm_echoes, 0.0, 1e-9);
    CHECK_CLOSE(f.contour, (0.25 + 19.0 / 7 + 0 + 3) / 4, 1e-9);

    phrase_stats d = {0};
    for (int i = 0; i < 4; i++) phrase_stats_add(&d, &drm, drums[i]);
    f = phrase_stats_figures(&d);
    CHECK_CLOSE(f.hits_per_bar, 31.0 / 8, 1e-9);     /* 24 + 5 + 2 over 8 bars */
    CHECK_CLOSE(f.kick_one, 2.0 / 4, 1e-9);          /* P, Q (bar 2) */
    CHECK_CLOSE(f.snare_two_four, 2.0 / 4, 1e-9);    /* P, Q (bar 2) */
    CHECK_CLOSE(f.bar_repetition, 62.0 / 64, 1e-9);  /* 16 + 14 + 16 + 16 */
    CHECK_CLOSE(f.empty, 1.0 / 4, 1e-9);
    CHECK(f.monotonous == 0 && s.hits == 0);

    phrase_stats none = {0};
    f = phrase_stats_figures(&none);
    CHECK(isnan(f.notes_per_phrase) && isnan(f.distinct) && isnan(f.kick_one));
}

/* Structure of 4-bar phrases:
 * P: C E G on 1, 2, 3 | the same a tone up (echo) | C' B on steps 0 and 6 |
 *    the same again (echo): 2 of 3 later bars echo; bar means 191/3, 197/3,
 *    71.5, 71.5: contour span 71.5 - 191/3.
 * Q: C D on 1 and 3 | empty | F G on 1 and 3 (bar 1 a fourth up: echo) |
 *    C C on 1 and 3 (bar 1's rhythm, not its melody): 1 of 2 later bars
 *    with notes echo, 2 of 2 echo a rhythm; means 61, 66, 60. */
static void test_structure(void)
{
    mv_hparams hp;
    hparams_preset("mel_4bar", &hp);
    int32_t p[64] = {0}, q[64] = {0};
    const int p_pitches[2][3] = {{60, 64, 67}, {62, 66, 69}};
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 3; i++) p[16 * b + 4 * i] = MEL(p_pitches[b][i]);
    for (int b = 2; b < 4; b++) p[16 * b] = MEL(72), p[16 * b + 6] = MEL(71);
    q[0] = MEL(60), q[8] = MEL(62), q[32] = MEL(65), q[40] = MEL(67);
    onsets(q, 60, 48, 56, 8);
    phrase_stats s = {0};
    phrase_stats_add(&s, &hp, p);
    phrase_stats_add(&s, &hp, q);
    const phrase_figures f = phrase_stats_figures(&s);
    CHECK_MSG(s.later_bars == 5 && s.echo_bars == 3, "later bars %ld, echoes %ld",
              s.later_bars, s.echo_bars);
    CHECK_CLOSE(f.bar_echoes, 3.0 / 5, 1e-9);
    CHECK_CLOSE(f.rhythm_echoes, 4.0 / 5, 1e-9);
    CHECK_CLOSE(f.contour, ((71.5 - 191.0 / 3) + 6) / 2, 1e-9);
}

/* The n-th line of out (0-based), NULL if it has fewer; *end: its newline
 * (NULL on the last line). */
static const char *nth_line(const char *out, int line, const char **end)
{
    for (int i = 0; i < line && out; i++) {
        out = strchr(out, '\n');
        if (out) out++;
    }
    *end = out ? strchr(out, '\n') : NULL;
    return out;
}

/* The number after "key": in the n-th JSON line of out (0-based); NAN if absent. */
static double json_value(const char *out, int line, const char *key)
{
    const char *end;
    if (!(out = nth_line(out, line, &end))) return NAN;
    char pattern[96];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(out, pattern);
    if (!p || (end && p > end)) return NAN;
    return strtod(p + strlen(pattern), NULL);
}

static int write_corpus(const char *path, const mv_hparams *hp, const int32_t (*w)[SEQ], int n)
{
    char err[512];
    mv_corpus_writer *c = corpus_writer_open(path, hp->repr, hp->n_classes, hp->min_pitch,
                                             hp->n_bars, hp->steps_per_bar, err, sizeof err);
    if (!c) return -1;
    for (int i = 0; i < n; i++) corpus_writer_add(c, MV_SPLIT_TEST, w[i], "x.mid", 0, 0);
    return corpus_writer_close(c, err, sizeof err);
}

/* Each of the first n phrases as dir/phrase_I.mid. */
static int write_midi_folder(const char *dir, const mv_hparams *hp, const int32_t (*w)[SEQ],
                             int n)
{
    char path[600], err[512];
    if (mkdir(dir, 0777)) return -1;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/phrase_%d.mid", dir, i);
        if (sequence_write_midi(path, hp, w[i], 1, NULL, 120, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    return 0;
}

static void check_same_row(const char *out, int a, int b, const char *const *keys)
{
    for (int k = 0; keys[k]; k++)
        CHECK_MSG(json_value(out, a, keys[k]) == json_value(out, b, keys[k]), "%s: %g vs %g",
                  keys[k], json_value(out, a, keys[k]), json_value(out, b, keys[k]));
}

static const char *const melody_keys[] = {"phrases", "empty", "notes_per_phrase", "monotonous",
                                          "repeated_intervals", "distinct_pitches", "range", NULL};
static const char *const drum_keys[] = {"phrases", "empty", "hits_per_bar", "kick_on_one",
                                        "snare_on_two_and_four", "bar_repetition", NULL};

static void test_cli_sources(void)
{
    mv_hparams mel, drm;
    hparams_preset("mel_2bar", &mel);
    hparams_preset("drums_2bar", &drm);
    const char *mel_corpus = fixture_path("mel.bin"), *mel_dir = fixture_path("mel_midi");
    const char *drum_corpus = fixture_path("drums.bin"), *drum_dir = fixture_path("drum_midi");
    CHECK(write_corpus(mel_corpus, &mel, (const int32_t(*)[SEQ])melody, 4) == 0);
    CHECK(write_midi_folder(mel_dir, &mel, (const int32_t(*)[SEQ])melody, 4) == 0);
    CHECK(write_corpus(drum_corpus, &drm, (const int32_t(*)[SEQ])drums, 3) == 0);
    CHECK(write_midi_folder(drum_dir, &drm, (const int32_t(*)[SEQ])drums, 3) == 0);

    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "stats '%s:test' '%s' --json",
                          mel_corpus, mel_dir) == 0, "%s", err);
    CHECK_CLOSE(json_value(out, 0, "phrases"), 4, 0);
    CHECK_CLOSE(json_value(out, 0, "notes_per_phrase"), 27.0 / 4, 1e-5);
    CHECK_CLOSE(json_value(out, 0, "monotonous"), 0.5, 1e-5);
    CHECK_CLOSE(json_value(out, 0, "repeated_intervals"), 9.0 / 23, 1e-5);
    CHECK_CLOSE(json_value(out, 0, "range"), 21.0 / 4, 1e-5);
    check_same_row(out, 0, 1, melody_keys);
    CHECK_MSG(!strstr(out, "\"feel\"") && !strstr(out, "velocity"), "%s", out); /* no feel */

    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats '%s:test' '%s' --config drums_2bar --json", drum_corpus,
                          drum_dir) == 0, "%s", err);
    CHECK_CLOSE(json_value(out, 0, "hits_per_bar"), 31.0 / 6, 1e-5);
    CHECK_CLOSE(json_value(out, 0, "kick_on_one"), 2.0 / 3, 1e-5);
    CHECK_CLOSE(json_value(out, 0, "bar_repetition"), 46.0 / 48, 1e-5);
    check_same_row(out, 0, 1, drum_keys);
    CHECK_MSG(!strstr(out, "\"feel\"") && !strstr(out, "velocity"), "%s", out);
    /* the text table names the sources */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "stats '%s:test' '%s'", drum_corpus,
                      drum_dir) == 0);
    CHECK_MSG(strstr(out, "kick on") && strstr(out, "(3 MIDI files)"), "%s", out);
    CHECK_MSG(!strstr(out, "|offset|"), "%s", out);

    /* errors name the source */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "stats '%s:test' '%s:test'",
                      mel_corpus, drum_corpus) == 1);
    CHECK_MSG(strstr(err, drum_corpus), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "stats '%s/none'", mel_dir) == 1);
    CHECK_MSG(strstr(err, "none: no such file"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "stats --prior 3") == 2);
    CHECK_MSG(strstr(err, "need --model"), "%s", err);
}

/* The number after "key": inside member "object":{...} of the n-th JSON line
 * (the first object of that name on the line, up to its first '}'); NAN if absent. */
static double json_member(const char *out, int line, const char *object, const char *key)
{
    const char *end;
    if (!(out = nth_line(out, line, &end))) return NAN;
    char pattern[96];
    snprintf(pattern, sizeof pattern, "\"%s\":{", object);
    const char *o = strstr(out, pattern);
    if (!o || (end && o > end)) return NAN;
    const char *close = strchr(o, '}');
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(o, pattern);
    if (!p || p > close) return NAN;
    if (!strncmp(p + strlen(pattern), "null", 4)) return INFINITY; /* null: no hits */
    return strtod(p + strlen(pattern), NULL);
}

/* The hand-played groove: 2 bars of 16ths (groove_2bar), written at 480
 * ticks a quarter (120 a step) and 100 bpm (the grid is on ticks: tempo does
 * not move it); shifts of 15 ticks are 1/8 step, 16 offset units, exactly.
 *   kick  (36) steps 0, 8, 16, 24  velocity 100, 80, 100, 80  shift 0, +15, 0, -15
 *   snare (38) steps 4, 12, 20, 28 velocity 120, 110, 120, 110 shift +30 each
 *   hat   (42) steps 2, 10, 18, 26 velocity 60 on the grid;
 *              steps 6, 14, 22, 30 velocity 60 shift -30 */
#define GROOVE_HITS 16
static const struct { int step, pitch, voice, velocity, shift; } groove_hits[GROOVE_HITS] = {
    {0, 36, 0, 100, 0},    {2, 42, 2, 60, 0},    {4, 38, 1, 120, 30},  {6, 42, 2, 60, -30},
    {8, 36, 0, 80, 15},    {10, 42, 2, 60, 0},   {12, 38, 1, 110, 30}, {14, 42, 2, 60, -30},
    {16, 36, 0, 100, 0},   {18, 42, 2, 60, 0},   {20, 38, 1, 120, 30}, {22, 42, 2, 60, -30},
    {24, 36, 0, 80, -15},  {26, 42, 2, 60, 0},   {28, 38, 1, 110, 30}, {30, 42, 2, 60, -30},
};

static int write_groove_midi(const char *path)
{
    mv_note notes[GROOVE_HITS];
    int shift[GROOVE_HITS], length[GROOVE_HITS];
    for (int i = 0; i < GROOVE_HITS; i++) {
        notes[i] = (mv_note){groove_hits[i].step, 1, (uint8_t)groove_hits[i].pitch,
                             (uint8_t)groove_hits[i].velocity};
        shift[i] = groove_hits[i].shift;
        length[i] = 60;
    }
    const mv_midi_part part = {.notes = notes, .n_notes = GROOVE_HITS, .channel = 9,
                               .program = -1, .name = "drums"};
    const mv_midi_timing timing = {shift, length};
    char err[512];
    if (midi_write_parts_timed(path, &part, &timing, 1, 16, 32, 100, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* The same hits as a groove window: offset units = shift x 128 / 120. */
static int write_groove_corpus(const char *path, const mv_hparams *hp)
{
    static uint8_t w[32 * MV_GROOVE_STEP_BYTES];
    for (int i = 0; i < GROOVE_HITS; i++) {
        uint8_t *step = w + groove_hits[i].step * MV_GROOVE_STEP_BYTES;
        const int v = groove_hits[i].voice;
        step[MV_GROOVE_HIT + v] = 1;
        step[MV_GROOVE_VELOCITY + v] = (uint8_t)groove_hits[i].velocity;
        step[MV_GROOVE_OFFSET + v] = (uint8_t)(int8_t)(groove_hits[i].shift * 128 / 120);
    }
    char err[512];
    mv_corpus_writer *c = corpus_writer_open(path, hp->repr, hp->n_classes, hp->min_pitch,
                                             hp->n_bars, hp->steps_per_bar, err, sizeof err);
    if (!c) return -1;
    corpus_writer_add(c, MV_SPLIT_TEST, w, "groove.mid", 0, 0);
    return corpus_writer_close(c, err, sizeof err);
}

static const char *const feel_keys[] = {"velocity_mean", "velocity_sd", "offset_mean",
                                        "offset_sd", "abs_offset_mean", "on_grid", NULL};

/* Hand count (standard deviations over the hits, dividing by their number,
 * as groove_feel_of; offsets in steps):
 *   kick  4 hits: velocity mean 90, sd 10; offsets 0, 1/8, 0, -1/8: mean 0,
 *         sd sqrt(2/64 / 4) = sqrt(1/128), |offset| 1/16, on grid 2/4
 *   snare 4 hits: velocity 115, sd 5; offsets 1/4 x 4: mean 1/4, sd 0,
 *         |offset| 1/4, on grid 0
 *   hat   8 hits: velocity 60, sd 0; offsets 0 x 4, -1/4 x 4: mean -1/8,
 *         sd 1/8, |offset| 1/8, on grid 4/8
 *   all  16 hits: velocity sum 360 + 460 + 480 = 1300, mean 81.25; squares
 *         32800 + 53000 + 28800 = 114600: sd sqrt(114600/16 - 81.25^2) =
 *         sqrt(560.9375); offsets sum 0 + 1 - 1 = 0, squares 1/32 + 1/4 + 1/4
 *         = 17/32: sd sqrt(17/512); |offset| (1/4 + 1 + 1) / 16 = 9/64;
 *         on grid (2 + 0 + 4) / 16 = 3/8. */
static void test_groove_feel(void)
{
    mv_hparams hp;
    CHECK(hparams_preset("groove_2bar", &hp) == 0);
    const char *dir = fixture_path("groove_midi"), *corpus = fixture_path("groove.bin");
    const char *model = fixture_path("groove.mvae");
    char file[600];
    CHECK(mkdir(dir, 0777) == 0);
    snprintf(file, sizeof file, "%s/played.mid", dir);
    CHECK(write_groove_midi(file) == 0);
    CHECK(write_groove_corpus(corpus, &hp) == 0);

    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats '%s' '%s:test' --config groove_2bar --json", dir, corpus) == 0,
              "%s", err);
    CHECK_CLOSE(json_value(out, 0, "phrases"), 1, 0);
    CHECK_CLOSE(json_value(out, 0, "hits_per_bar"), 8, 1e-9);
    CHECK_CLOSE(json_value(out, 0, "hits"), 16, 0); /* the first "hits": the feel's */
    CHECK_CLOSE(json_value(out, 0, "velocity_mean"), 81.25, 1e-4);
    CHECK_CLOSE(json_value(out, 0, "velocity_sd"), sqrt(560.9375), 1e-4);
    CHECK_CLOSE(json_value(out, 0, "offset_mean"), 0, 1e-6);
    CHECK_CLOSE(json_value(out, 0, "offset_sd"), sqrt(17.0 / 512), 1e-5);
    CHECK_CLOSE(json_value(out, 0, "abs_offset_mean"), 9.0 / 64, 1e-5);
    CHECK_CLOSE(json_value(out, 0, "on_grid"), 3.0 / 8, 1e-6);
    /* per instrument */
    CHECK_CLOSE(json_member(out, 0, "kick", "hits"), 4, 0);
    CHECK_CLOSE(json_member(out, 0, "kick", "velocity_mean"), 90, 1e-4);
    CHECK_CLOSE(json_member(out, 0, "kick", "velocity_sd"), 10, 1e-4);
    CHECK_CLOSE(json_member(out, 0, "kick", "offset_mean"), 0, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "kick", "offset_sd"), sqrt(1.0 / 128), 1e-5);
    CHECK_CLOSE(json_member(out, 0, "kick", "abs_offset_mean"), 1.0 / 16, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "kick", "on_grid"), 0.5, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "snare", "hits"), 4, 0);
    CHECK_CLOSE(json_member(out, 0, "snare", "velocity_mean"), 115, 1e-4);
    CHECK_CLOSE(json_member(out, 0, "snare", "velocity_sd"), 5, 1e-4);
    CHECK_CLOSE(json_member(out, 0, "snare", "offset_mean"), 0.25, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "snare", "offset_sd"), 0, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "snare", "on_grid"), 0, 0);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "hits"), 8, 0);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "velocity_mean"), 60, 1e-4);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "velocity_sd"), 0, 1e-4);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "offset_mean"), -0.125, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "offset_sd"), 0.125, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "abs_offset_mean"), 0.125, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "closed_hat", "on_grid"), 0.5, 1e-6);
    CHECK_CLOSE(json_member(out, 0, "ride", "hits"), 0, 0); /* not played: no figures */
    CHECK(json_member(out, 0, "ride", "velocity_mean") == INFINITY);
    /* the file read as `morphvae data --repr groove` reads it: the window as a corpus */
    check_same_row(out, 0, 1, feel_keys);
    check_same_row(out, 0, 1, drum_keys);

    /* the text table: feel columns after the drum columns */
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "stats '%s' --config groove_2bar",
                          dir) == 0, "%s", err);
    CHECK_MSG(strstr(out, "|offset|") && strstr(out, "0.141") && strstr(out, "0.375"), "%s",
              out);

    /* a groove model's prior and reconstructions have their feel too (one
     * "hits" per hit in the feel as in the drum columns) */
    CHECK(fixture_random_model(model, "groove_2bar", 7) == 0);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats '%s' --model '%s' --prior 8 --temperature 1 --recon '%s:test' "
                          "--json", dir, model, corpus) == 0, "%s", err);
    CHECK_CLOSE(json_value(out, 0, "velocity_mean"), 81.25, 1e-4);
    for (int row = 1; row < 3; row++) {
        const double hits = json_value(out, row, "hits");
        CHECK_MSG(!isnan(hits) && strstr(out, "\"instruments\""), "%s", out);
        CHECK_CLOSE(hits, json_value(out, row, "hits_per_bar") * 2 * json_value(out, row, "phrases"),
                    1e-3);
    }
}

/* A random model's samples at temperature 1 sound on every step (no silent
 * bar), so every sample is a phrase of its MIDI file too. */
static void test_prior_matches_sample(void)
{
    const char *model = fixture_path("tiny.mvae"), *dir = fixture_path("samples");
    const char *corpus = fixture_path("mel.bin");
    CHECK(fixture_random_model(model, "tiny", 5) == 0);
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "sample '%s' -n 70 --temperature 1 --seed 4 -o '%s'", model, dir) == 0,
              "%s", err);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats '%s' --model '%s' --prior 70 --temperature 1,0 --seed 4 "
                          "--recon '%s:test' --json", dir, model, corpus) == 0, "%s", err);
    CHECK_CLOSE(json_value(out, 0, "phrases"), 70, 0);
    check_same_row(out, 0, 2, melody_keys);
    CHECK_CLOSE(json_value(out, 1, "phrases"), 4, 0);  /* recon of the 4 test windows */
    CHECK_CLOSE(json_value(out, 3, "temperature"), 0, 0);
}

/* --chain K: prior phrases K model phrases long, all from one z, each under
 * its own seed (the plugin's phrase length beyond the model's). Greedy, the
 * K phrases are one phrase K times: every bar after the first chain link is
 * an echo, so at least half the later bars with a note-on are echoes; K = 1
 * is the plain prior. */
static void test_chain(void)
{
    const char *model = fixture_path("tiny.mvae"), *corpus = fixture_path("mel.bin");
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats --model '%s' --prior 40 --temperature 0 --chain 2 --json",
                          model) == 0, "%s", err);
    CHECK_CLOSE(json_value(out, 0, "phrases"), 40, 0);
    CHECK_CLOSE(json_value(out, 0, "chain"), 2, 0);
    CHECK_MSG(json_value(out, 0, "echoed_bars") >= 0.5, "greedy chain echoes %g",
              json_value(out, 0, "echoed_bars"));
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats --model '%s' --prior 40 --temperature 0 --chain 2", model) == 0,
              "%s", err);
    CHECK_MSG(strstr(out, "phrases of 4 bars") && strstr(out, "chained x2"), "%s", out);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "stats --model '%s' --prior 30 --temperature 1 --seed 3 --chain 1 --json",
                          model) == 0, "%s", err);
    static char plain[16384];
    CHECK_MSG(fixture_run(exe, plain, sizeof plain, err, sizeof err,
                          "stats --model '%s' --prior 30 --temperature 1 --seed 3 --json",
                          model) == 0, "%s", err);
    CHECK_MSG(!strcmp(out, plain), "--chain 1:\n%s\nplain:\n%s", out, plain);
    /* a 2-bar corpus does not fit chains of 4 bars; --chain needs --prior, not --recon */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "stats '%s:test' --model '%s' --prior 5 --chain 2", corpus, model) == 1);
    CHECK_MSG(strstr(err, "4 bars"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "stats --model '%s' --chain 2",
                      model) == 2);
    CHECK_MSG(strstr(err, "--prior"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "stats --model '%s' --prior 5 --chain 2 --recon '%s:test'", model,
                      corpus) == 2);
    CHECK_MSG(strstr(err, "--recon"), "%s", err);
}

/* onset_f1, the one F1 of the project (anchors, train's CSV, eval): nothing
 * true and nothing predicted is exact (1, never NaN); otherwise
 * 2 hits / (2 hits + misses + false alarms). */
static void test_onset_f1(void)
{
    CHECK(onset_f1(0, 0, 0) == 1.0);
    CHECK(onset_f1(0, 3, 0) == 0.0);
    CHECK(onset_f1(0, 0, 2) == 0.0);
    CHECK(onset_f1(5, 0, 0) == 1.0);
    CHECK_CLOSE(onset_f1(12, 4, 3), 24.0 / 31, 1e-15);
    /* as train's CSV had it from totals: 2 both / (true + predicted) */
    CHECK(onset_f1(7, 11 - 7, 9 - 7) == 2.0 * 7 / (11 + 9));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MORPHVAE\n", argv[0]);
        return 2;
    }
    exe = argv[1];
    test_onset_f1();
    make_melodies();
    make_drums();
    test_figures();
    test_structure();
    test_cli_sources();
    test_prior_matches_sample();
    test_chain();
    test_groove_feel();
    fixture_cleanup();
    return check_report();
}
