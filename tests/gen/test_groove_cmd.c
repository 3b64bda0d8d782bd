/* `morphvae groove` and `morphvae drumify` (issue 21) with the shipped groove
 * model, on hand-made MIDI files written with the project's writers and read
 * back with its reader:
 * - groove on a quantised 5-bar pattern (3 windows, the last partial; every
 *   hit at velocity 100): the same drum hits (pitch and step) come out, each
 *   within half a step of its step, not all on it, at velocities that are not
 *   all equal, each note as long as it was; the other notes (a piano note, a
 *   channel-10 pitch the model does not know) unchanged; tempo and meter
 *   kept, at 480 and at 96 ticks a quarter in 3/4; at temperature 0 the seed
 *   changes nothing, at 1 it does and a seed repeats; the shipped model is
 *   found without --model;
 * - drumify on a two-track rhythm (off-grid, loud and soft onsets): every
 *   hit at an onset step of the named track, every such step hit, each hit
 *   at its onset's own tick on channel 10, the loud onsets' hits louder;
 *   without --track the onsets of both tracks;
 * - refusals, exit 1, the file named, nothing written: a model that is not
 *   a groove model, a file without notes, groove on a file without drums,
 *   drumify --track of a name no track has.
 * usage: test_groove_cmd MORPHVAE MODELS_DIR */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "gen_fixture.h"
#include "midi_copy.h"
#include "midi_read.h"
#include "midi_write.h"
#include "tokens.h"

static const char *morphvae, *models;
static char out[65536], err[65536];

#define TPS 120 /* ticks per step of midi_write's 480 per quarter */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int read_midi(const char *path, mv_midi_file *f)
{
    char e[512];
    if (midi_read_file(path, f, e, sizeof e)) {
        fprintf(stderr, "%s\n", e);
        return -1;
    }
    return 0;
}

/* ---- groove ---- */

#define BARS 5
#define UNKNOWN_DRUM 90 /* a channel-10 pitch in no drum class */

/* The pattern: kick on 1 and 3, snare on 2 and 4, closed hat on every 8th,
 * the 4th bar's hats doubled by pedal hats (44, the same class); one note
 * of each kind a 16th long but the kicks (an 8th). */
static int pattern(mv_note *notes)
{
    int n = 0;
    for (int bar = 0; bar < BARS; bar++)
        for (int s = 0; s < 16; s++) {
            const int t = bar * 16 + s;
            if (s == 0 || s == 8) notes[n++] = (mv_note){t, 2, 36, 100};
            if (s == 4 || s == 12) notes[n++] = (mv_note){t, 1, 38, 100};
            if (s % 2 == 0) notes[n++] = (mv_note){t, 1, 42, 100};
            if (bar == 3 && s % 2 == 0) notes[n++] = (mv_note){t, 1, 44, 100};
        }
    notes[n++] = (mv_note){6, 1, UNKNOWN_DRUM, 90};
    return n;
}

static int write_pattern(const char *path, double bpm)
{
    mv_note drums[400], piano[1] = {{3, 4, 60, 77}};
    int n = pattern(drums);
    mv_midi_part parts[2] = {{drums, n, 0, 9, -1, "kit", NULL, 0},
                             {piano, 1, 0, 0, 0, "keys", NULL, 0}};
    char e[512];
    if (midi_write_parts(path, parts, 2, 16, BARS * 16, bpm, e, sizeof e)) {
        fprintf(stderr, "%s\n", e);
        return -1;
    }
    return 0;
}

static int cmp_pitch_step(const void *pa, const void *pb)
{
    const int *a = pa, *b = pb;
    return a[0] != b[0] ? a[0] - b[0] : a[1] - b[1];
}

typedef struct {
    int same_hits, within_half, off_grid, velocities, lengths_kept, others_kept;
} groove_check;

/* Compares a groove output with its input (both read back); tps: ticks a step. */
static groove_check compare(const mv_midi_file *in, const mv_midi_file *o, int tps)
{
    groove_check c = {1, 1, 0, 0, 1, 1};
    int a[512][2], b[512][2], na = 0, nb = 0, first_velocity = -1;
    if (in->n_notes != o->n_notes) c.same_hits = 0;
    for (uint32_t k = 0; k < in->n_notes && na < 512; k++) {
        const mv_midi_note *m = &in->notes[k];
        if (m->channel == 9 && drum_class_of_pitch(m->pitch) >= 0)
            a[na][0] = m->pitch, a[na++][1] = (int)((m->start + tps / 2) / tps);
    }
    for (uint32_t k = 0; k < o->n_notes && nb < 512; k++) {
        const mv_midi_note *m = &o->notes[k];
        if (!(m->channel == 9 && drum_class_of_pitch(m->pitch) >= 0)) {
            /* unchanged: the same note is in the input */
            int found = 0;
            for (uint32_t j = 0; j < in->n_notes; j++)
                found |= in->notes[j].start == m->start && in->notes[j].end == m->end &&
                         in->notes[j].pitch == m->pitch && in->notes[j].channel == m->channel &&
                         in->notes[j].velocity == m->velocity;
            c.others_kept &= found;
            continue;
        }
        const int step = (int)((m->start + tps / 2) / tps);
        const int64_t off = m->start - (int64_t)step * tps;
        c.within_half &= off >= -tps / 2 && off <= tps / 2;
        c.off_grid += off != 0;
        c.lengths_kept &= m->end - m->start == (m->pitch == 36 ? 2 * tps : tps);
        if (first_velocity < 0) first_velocity = m->velocity;
        c.velocities += m->velocity != first_velocity;
        b[nb][0] = m->pitch, b[nb++][1] = step;
    }
    qsort(a, (size_t)na, sizeof a[0], cmp_pitch_step);
    qsort(b, (size_t)nb, sizeof b[0], cmp_pitch_step);
    c.same_hits &= na == nb && na > 0 && !memcmp(a, b, sizeof a[0] * (size_t)na);
    return c;
}

static void check_groove_output(const char *in_path, const char *out_path, int tps,
                                const char *what)
{
    mv_midi_file in, o;
    if (read_midi(in_path, &in)) {
        CHECK(0);
        return;
    }
    if (read_midi(out_path, &o)) {
        CHECK(0);
        midi_file_free(&in);
        return;
    }
    groove_check c = compare(&in, &o, tps);
    CHECK_MSG(c.same_hits, "%s: the drum hits (pitch, step) changed", what);
    CHECK_MSG(c.within_half, "%s: a hit moved more than half a step", what);
    CHECK_MSG(c.off_grid > 10, "%s: only %d hits off the grid", what, c.off_grid);
    CHECK_MSG(c.velocities > 10, "%s: only %d velocities differ from the first", what,
              c.velocities);
    CHECK_MSG(c.lengths_kept, "%s: a note's length changed", what);
    CHECK_MSG(c.others_kept, "%s: a note that is no known drum hit changed", what);
    CHECK_MSG(in.n_tempos == o.n_tempos && in.n_tempos > 0 &&
                  in.tempos[0].us_per_quarter == o.tempos[0].us_per_quarter,
              "%s: tempo not kept", what);
    CHECK_MSG(in.n_meters == o.n_meters && in.n_meters > 0 &&
                  in.meters[0].numerator == o.meters[0].numerator &&
                  in.meters[0].denominator == o.meters[0].denominator,
              "%s: meter not kept", what);
    CHECK_MSG(in.ticks_per_quarter == o.ticks_per_quarter, "%s: resolution changed", what);
    midi_file_free(&in);
    midi_file_free(&o);
}

static void test_groove(void)
{
    const char *in = fixture_path("pattern.mid");
    CHECK(write_pattern(in, 93) == 0);
    char model[2048];
    snprintf(model, sizeof model, "%s/groove_2bar.mvae", models);
    int rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                         "groove '%s' -o '%s' --model '%s' --temperature 0", in,
                         fixture_path("g0.mid"), model);
    CHECK_MSG(rc == 0, "groove failed: %s", err);
    CHECK_MSG(strstr(err, "3 windows") && strstr(err, "mean |offset|") &&
                  strstr(err, "velocity sd"),
              "summary: %s", err);
    check_groove_output(in, fixture_path("g0.mid"), TPS, "groove T 0");

    /* temperature 0: the seed changes nothing */
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "groove '%s' -o '%s' --model '%s' --temperature 0 --seed 7", in,
                     fixture_path("g0s7.mid"), model);
    CHECK(rc == 0 && fixture_same_bytes(fixture_path("g0.mid"), fixture_path("g0s7.mid")));
    /* temperature 1: it does, and a seed repeats */
    for (int s = 1; s <= 2; s++) {
        char name[32];
        snprintf(name, sizeof name, "g1s%d.mid", s);
        rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                         "groove '%s' -o '%s' --model '%s' --temperature 1 --seed %d", in,
                         fixture_path(name), model, s);
        CHECK_MSG(rc == 0, "groove T 1: %s", err);
        check_groove_output(in, fixture_path(name), TPS, "groove T 1");
    }
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "groove '%s' -o '%s' --model '%s' --temperature 1 --seed 1", in,
                     fixture_path("g1s1b.mid"), model);
    CHECK(rc == 0 && fixture_same_bytes(fixture_path("g1s1.mid"), fixture_path("g1s1b.mid")));
    CHECK(!fixture_same_bytes(fixture_path("g1s1.mid"), fixture_path("g1s2.mid")));
    CHECK(!fixture_same_bytes(fixture_path("g0.mid"), fixture_path("g1s1.mid")));

    /* the shipped model without --model, from the checkout's root, at the
     * default temperature (1, seed 1) */
    char here[4096], root[4096];
    snprintf(root, sizeof root, "%s/..", models);
    CHECK(getcwd(here, sizeof here) && chdir(root) == 0);
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err, "groove '%s' -o '%s'", in,
                     fixture_path("gdefault.mid"));
    CHECK(chdir(here) == 0);
    CHECK_MSG(rc == 0 && strstr(out, "models/groove_2bar.mvae") &&
                  fixture_same_bytes(fixture_path("g1s1.mid"), fixture_path("gdefault.mid")),
              "groove without --model: %s", err);

    /* 96 ticks a quarter, 3/4 at 100 bpm: written by midi_copy_write */
    mv_midi_file f;
    CHECK(midi_file_init(&f, 96, 1) == 0);
    snprintf(f.tracks[0].name, sizeof f.tracks[0].name, "drums");
    CHECK(midi_file_add_tempo(&f, 0, 600000) == 0);
    CHECK(midi_file_add_meter(&f, 0, 3, 4) == 0);
    for (int s = 0; s < 48; s++) { /* 4 bars of 3/4 */
        const int pitch = s % 12 == 0 ? 36 : s % 4 == 0 ? 38 : 42;
        const mv_midi_note n = {s * 24, s * 24 + 12, 0, 9, (uint8_t)pitch, 90};
        CHECK(midi_file_add_note(&f, &n) == 0);
    }
    midi_file_finish(&f);
    char e[512];
    CHECK(midi_copy_write(fixture_path("waltz.mid"), &f, e, sizeof e) == 0);
    midi_file_free(&f);
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "groove '%s' -o '%s' --model '%s'", fixture_path("waltz.mid"),
                     fixture_path("gwaltz.mid"), model);
    CHECK_MSG(rc == 0, "groove 3/4: %s", err);
    /* compare() wants kicks two steps long: here every note is half a step */
    mv_midi_file in2, o2;
    if (!read_midi(fixture_path("waltz.mid"), &in2) && !read_midi(fixture_path("gwaltz.mid"), &o2)) {
        CHECK(in2.n_notes == o2.n_notes && o2.ticks_per_quarter == 96);
        CHECK(o2.n_meters == 1 && o2.meters[0].numerator == 3 && o2.meters[0].denominator == 4);
        CHECK(o2.n_tempos == 1 && o2.tempos[0].us_per_quarter == 600000);
        groove_check c = compare(&in2, &o2, 24);
        CHECK(c.same_hits && c.within_half && c.off_grid > 5 && c.velocities > 5);
        midi_file_free(&in2);
        midi_file_free(&o2);
    } else {
        CHECK(0);
    }
}

/* ---- drumify ---- */

/* Track "lead": an onset every 3 steps for 4 bars, every other one 10 ticks
 * late, loud (120) and soft (40) in turn; track "bass": an onset every 8
 * steps, 2 steps after the bar lines. */
static int write_rhythm(const char *path)
{
    mv_midi_file f;
    if (midi_file_init(&f, 480, 2)) return -1;
    snprintf(f.tracks[0].name, sizeof f.tracks[0].name, "lead");
    snprintf(f.tracks[1].name, sizeof f.tracks[1].name, "bass");
    int rc = midi_file_add_tempo(&f, 0, 500000) | midi_file_add_meter(&f, 0, 4, 4);
    for (int i = 0; i * 3 < 64; i++) {
        const int64_t on = (int64_t)i * 3 * TPS + (i % 2 ? 10 : 0);
        const mv_midi_note n = {on, on + 2 * TPS, 0, 0, (uint8_t)(60 + i % 7),
                                (uint8_t)(i % 2 ? 40 : 120)};
        rc |= midi_file_add_note(&f, &n);
    }
    for (int s = 2; s < 64; s += 8) {
        const mv_midi_note n = {(int64_t)s * TPS, (int64_t)(s + 4) * TPS, 1, 1, 40, 90};
        rc |= midi_file_add_note(&f, &n);
    }
    midi_file_finish(&f);
    char e[512];
    if (!rc) rc = midi_copy_write(path, &f, e, sizeof e);
    midi_file_free(&f);
    return rc ? -1 : 0;
}

/* Checks drumify's output against the onsets of the tracks named in mask
 * (bit 0 lead, bit 1 bass) of the rhythm file. */
static void check_drums(const char *rhythm_path, const char *drums_path, int mask,
                        const char *what)
{
    mv_midi_file r, d;
    if (read_midi(rhythm_path, &r)) {
        CHECK(0);
        return;
    }
    if (read_midi(drums_path, &d)) {
        CHECK(0);
        midi_file_free(&r);
        return;
    }
    int64_t onset_tick[64];
    int onset_velocity[64] = {0};
    for (uint32_t k = 0; k < r.n_notes; k++) {
        const mv_midi_note *m = &r.notes[k];
        const char *name = m->track < r.n_tracks ? r.tracks[m->track].name : "";
        if (!((mask & 1 && !strcmp(name, "lead")) || (mask & 2 && !strcmp(name, "bass"))))
            continue;
        const int s = (int)((m->start + TPS / 2) / TPS);
        if (!onset_velocity[s]) onset_tick[s] = m->start;
        onset_velocity[s] = m->velocity;
    }
    int hit[64] = {0}, off_onset = 0, wrong_tick = 0, not_drums = 0;
    double loud = 0, soft = 0;
    int n_loud = 0, n_soft = 0;
    for (uint32_t k = 0; k < d.n_notes; k++) {
        const mv_midi_note *m = &d.notes[k];
        const int s = (int)((m->start + TPS / 2) / TPS);
        not_drums += m->channel != 9 || drum_class_of_pitch(m->pitch) < 0;
        if (s >= 64 || !onset_velocity[s]) {
            off_onset++;
            continue;
        }
        hit[s]++;
        wrong_tick += m->start != onset_tick[s];
        if (onset_velocity[s] == 120) loud += m->velocity, n_loud++;
        if (onset_velocity[s] == 40) soft += m->velocity, n_soft++;
    }
    int missed = 0, onsets = 0;
    for (int s = 0; s < 64; s++) onsets += onset_velocity[s] > 0, missed += onset_velocity[s] && !hit[s];
    CHECK_MSG(d.n_notes > 0 && off_onset == 0, "%s: %d of %u hits off the rhythm's onsets", what,
              off_onset, d.n_notes);
    CHECK_MSG(missed == 0, "%s: %d of %d onset steps without a hit", what, missed, onsets);
    CHECK_MSG(wrong_tick == 0, "%s: %d hits not at their onset's tick", what, wrong_tick);
    CHECK_MSG(not_drums == 0, "%s: %d notes are no drum hits on channel 10", what, not_drums);
    if (n_loud && n_soft)
        CHECK_MSG(loud / n_loud > 1.5 * soft / n_soft,
                  "%s: loud onsets' hits %.1f, soft %.1f: not scaled", what, loud / n_loud,
                  soft / n_soft);
    CHECK(d.n_tempos == 1 && d.tempos[0].us_per_quarter == 500000);
    midi_file_free(&r);
    midi_file_free(&d);
}

static void test_drumify(void)
{
    const char *in = fixture_path("rhythm.mid");
    CHECK(write_rhythm(in) == 0);
    char model[2048];
    snprintf(model, sizeof model, "%s/groove_2bar.mvae", models);
    int rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                         "drumify '%s' --track lead -o '%s' --model '%s'", in,
                         fixture_path("d_lead.mid"), model);
    CHECK_MSG(rc == 0, "drumify --track lead: %s", err);
    CHECK_MSG(strstr(err, "2 windows") && strstr(err, "22 onset steps") && strstr(err, "onset F1"),
              "summary: %s", err);
    check_drums(in, fixture_path("d_lead.mid"), 1, "drumify --track lead");
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "drumify '%s' -o '%s' --model '%s' --candidates 1 --seed 5", in,
                     fixture_path("d_all.mid"), model);
    CHECK_MSG(rc == 0, "drumify: %s", err);
    check_drums(in, fixture_path("d_all.mid"), 3, "drumify (both tracks)");
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "drumify '%s' --track bass -o '%s' --model '%s' --temperature 1", in,
                     fixture_path("d_bass.mid"), model);
    CHECK_MSG(rc == 0, "drumify --track bass --temperature 1: %s", err);
    check_drums(in, fixture_path("d_bass.mid"), 2, "drumify --track bass, T 1");
}

/* ---- refusals ---- */

/* morphvae ARGS exits 1, says what (and the file's name) on stderr, and
 * leaves no output. */
static void refused(const char *what, const char *said, const char *named, const char *output,
                    const char *args)
{
    int rc = fixture_run(morphvae, out, sizeof out, err, sizeof err, "%s", args);
    CHECK_MSG(rc == 1, "%s: exit status %d", what, rc);
    CHECK_MSG(strstr(err, said) && strstr(err, named), "%s: said '%s'", what, err);
    CHECK_MSG(!exists(output), "%s: %s was written", what, output);
}

static void test_refusals(void)
{
    char args[8192], model[2048], melody[2048];
    snprintf(model, sizeof model, "%s/groove_2bar.mvae", models);
    snprintf(melody, sizeof melody, "%s/mel_2bar.mvae", models);
    const char *pattern_mid = fixture_path("pattern.mid"), *rhythm_mid = fixture_path("rhythm.mid");
    const char *no_out = fixture_path("refused.mid");

    snprintf(args, sizeof args, "groove '%s' -o '%s' --model '%s'", pattern_mid, no_out, melody);
    refused("groove, melody model", "is a melody model, not a groove model", melody, no_out, args);
    snprintf(args, sizeof args, "drumify '%s' -o '%s' --model '%s'", rhythm_mid, no_out, melody);
    refused("drumify, melody model", "is a melody model, not a groove model", melody, no_out, args);

    char e[512];
    const char *empty = fixture_path("empty.mid");
    CHECK(midi_write_notes(empty, NULL, 0, 16, 32, 120, 9, e, sizeof e) == 0);
    snprintf(args, sizeof args, "groove '%s' -o '%s' --model '%s'", empty, no_out, model);
    refused("groove, no notes", "the file has no notes", empty, no_out, args);
    snprintf(args, sizeof args, "drumify '%s' -o '%s' --model '%s'", empty, no_out, model);
    refused("drumify, no notes", "the file has no notes", empty, no_out, args);

    snprintf(args, sizeof args, "groove '%s' -o '%s' --model '%s'", rhythm_mid, no_out, model);
    refused("groove, no drums", "no drum hits to humanize", rhythm_mid, no_out, args);
    snprintf(args, sizeof args, "drumify '%s' --track vocals -o '%s' --model '%s'", rhythm_mid,
             no_out, model);
    refused("drumify, no such track", "no track is named vocals (the file's tracks: 'lead', 'bass')",
            rhythm_mid, no_out, args);
    /* an output that was there stays as it was */
    CHECK(write_pattern(no_out, 120) == 0);
    snprintf(args, sizeof args, "groove '%s' -o '%s' --model '%s'", rhythm_mid, no_out, model);
    int rc = fixture_run(morphvae, out, sizeof out, err, sizeof err, "%s", args);
    CHECK(rc == 1 && fixture_same_bytes(no_out, pattern_mid) == 0);
    mv_midi_file kept;
    if (!read_midi(no_out, &kept)) {
        CHECK(kept.n_tempos == 1 && kept.tempos[0].us_per_quarter == 500000); /* 120 bpm */
        midi_file_free(&kept);
    }
    /* usage errors: exit 2 */
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "groove '%s'", pattern_mid) == 2);
    CHECK(strstr(err, "morphvae groove: -o OUT.mid is required") != NULL);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "drumify -o x.mid") == 2);
    CHECK(strstr(err, "morphvae drumify: IN.mid is required") != NULL);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "drumify '%s' -o x.mid --candidates 0", rhythm_mid) == 2);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_groove_cmd MORPHVAE MODELS_DIR\n");
        return 2;
    }
    static char exe[4096], dir[4096];
    if (!realpath(argv[1], exe) || !realpath(argv[2], dir)) {
        fprintf(stderr, "test_groove_cmd: %s or %s is not there\n", argv[1], argv[2]);
        return 2;
    }
    morphvae = exe;
    models = dir;
    test_groove();
    test_drumify();
    test_refusals();
    fixture_cleanup();
    return check_report();
}
