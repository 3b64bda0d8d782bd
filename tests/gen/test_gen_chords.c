/* Chords in the generation commands (trainer/gen_chords.c): `interpolate`,
 * `decode` and `sample` with --chords / --chords-from on a chord model with
 * random weights:
 * - the chord list repeats over the phrase, one chord a bar, and goes into the
 *   MIDI file as a "chords" track of block chords, each named by a marker;
 *   a list shorter than the phrase starts again (within a 4-bar sequence, and
 *   across samples: sample 1 goes on where sample 0 ended); --chords-from
 *   repeats a file's chords, per beat, after its last bar;
 * - without --chords a chord model's files hold no chord track;
 * - the chords reach the decoder: the same z under C and under F# decodes to
 *   other notes, while "N" (no chord) decodes exactly as without --chords;
 * - bad symbols, a model without chord input and both options at once are
 *   refused (exit 2) naming what is wrong; --chords-from reads a real file.
 * usage: test_gen_chords MORPHVAE SHARED_DATA */
#include <smf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "gen_fixture.h"
#include "midi_read.h"
#include "midi_write.h"

static const char *exe;
static char song_a[1024], song_b[1024];

/* The notes of the file's track named name (NULL: channel 1, the melody). */
static int notes_of(const char *path, const char *name, mv_midi_note *out, int max)
{
    mv_midi_file f;
    char err[1200];
    if (midi_read_file(path, &f, err, sizeof err)) {
        printf("%s\n", err);
        return -1;
    }
    int n = 0;
    for (uint32_t i = 0; i < f.n_notes && n < max; i++) {
        const mv_midi_note *x = &f.notes[i];
        int mine = name ? x->track < f.n_tracks && !strcmp(f.tracks[x->track].name, name)
                        : x->channel == 0;
        if (mine) out[n++] = *x;
    }
    midi_file_free(&f);
    return n;
}

static int same_notes(const mv_midi_note *a, int na, const mv_midi_note *b, int nb)
{
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i].start != b[i].start || a[i].pitch != b[i].pitch || a[i].end != b[i].end) return 0;
    return 1;
}

/* The chord track of a 2-step morph of a 2-bar model under "C G Am F": one
 * block chord a bar, the list once through, at C3-B3. */
static void test_chord_track(const char *model)
{
    static char out[8192], err[8192];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "interpolate '%s' --start '%s' --end '%s' --track MELODY --steps 2 "
                          "--no-refine --chords 'C G Am F' -o '%s'",
                          model, song_a, song_b, fixture_path("morph")) == 0, "%s", err);
    mv_midi_note n[64];
    const char *morph = fixture_path("morph/morph.mid");
    int count = notes_of(morph, "chords", n, 64);
    CHECK_MSG(count == 12, "%d chord notes, expected 4 triads", count);
    const uint8_t want[4] = {chord_id(0, MV_CHORD_MAJ), chord_id(7, MV_CHORD_MAJ),
                             chord_id(9, MV_CHORD_MIN), chord_id(5, MV_CHORD_MAJ)};
    for (int bar = 0; bar < 4 && count == 12; bar++) {
        uint16_t pcs = 0;
        for (int k = 0; k < 3; k++) {
            const mv_midi_note *x = &n[bar * 3 + k];
            CHECK(x->start == (int64_t)bar * 4 * 480 && x->end == (int64_t)(bar + 1) * 4 * 480);
            CHECK(x->pitch >= 48 && x->pitch < 72);
            pcs |= (uint16_t)(1u << (x->pitch % 12));
        }
        CHECK_MSG(pcs == chord_pitch_classes(want[bar]), "bar %d holds the wrong chord", bar + 1);
    }
    /* each step's own file holds its two bars' chords: step 1 has Am and F */
    count = notes_of(fixture_path("morph/step_01.mid"), "chords", n, 64);
    CHECK(count == 6 && n[0].pitch % 12 == 9 && n[0].start == 0);
}

/* decode: C vs F# changes the notes; N is no chord at all. */
static void test_chords_reach_decoder(const char *model)
{
    static char out[8192], err[8192];
    const char *z = fixture_path("z.bin");
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY -o '%s'", model, song_a, z) == 0);
    const char *chords[4] = {"C", "F#", "N", NULL};
    mv_midi_note notes[4][64];
    int count[4];
    for (int k = 0; k < 4; k++) {
        char name[32], opt[32] = "";
        snprintf(name, sizeof name, "d%d.mid", k);
        if (chords[k]) snprintf(opt, sizeof opt, "--chords '%s'", chords[k]);
        const char *path = fixture_path(name);
        CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "decode '%s' '%s' %s -o '%s'",
                              model, z, opt, path) == 0, "%s", err);
        count[k] = notes_of(path, NULL, notes[k], 64);
        CHECK(count[k] > 0);
    }
    CHECK_MSG(!same_notes(notes[0], count[0], notes[1], count[1]),
              "C and F# decoded to the same notes: the chords do not reach the decoder");
    CHECK_MSG(same_notes(notes[2], count[2], notes[3], count[3]),
              "'N' (no chord) decoded differently from no --chords");
}

/* The marker events of a file as "NAME@STEP NAME@STEP ..." (16th steps) into
 * out; returns the number of tracks, or -1. */
static int marks_of(const char *path, char *out, size_t outlen)
{
    smf_t *smf = smf_load(path);
    out[0] = 0;
    if (!smf) return -1;
    size_t len = 0;
    smf_event_t *e;
    while ((e = smf_get_next_event(smf))) {
        if (e->midi_buffer[0] != 0xFF || e->midi_buffer[1] != 0x06) continue;
        char *text = smf_event_extract_text(e);
        int k = snprintf(out + len, outlen - len, "%s%s@%d", len ? " " : "", text ? text : "?",
                         (int)(e->time_pulses / midi_ticks_per_step(16)));
        free(text);
        if (k > 0 && (size_t)k < outlen - len) len += (size_t)k;
    }
    int tracks = smf->number_of_tracks;
    smf_delete(smf);
    return tracks;
}

static void check_marks(const char *path, const char *want)
{
    char got[1024];
    marks_of(path, got, sizeof got);
    CHECK_MSG(!strcmp(got, want), "%s: chords '%s', expected '%s'", path, got, want);
}

/* A 3-chord list over two 2-bar samples: C G | Am C, named by markers; the
 * same samples without --chords have no chord track. */
static void test_list_repeats_over_samples(const char *model)
{
    static char out[8192], err[8192];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "sample '%s' -n 2 --chords 'C G Am' -o '%s'", model,
                          fixture_path("rep")) == 0, "%s", err);
    check_marks(fixture_path("rep/sample_000.mid"), "C:maj@0 G:maj@16");
    check_marks(fixture_path("rep/sample_001.mid"), "A:min@0 C:maj@16");
    CHECK_MSG(strstr(out, "chords C:maj G:maj A:min"), "%s", out);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "sample '%s' -n 2 -o '%s'", model,
                      fixture_path("plain")) == 0);
    char marks[64];
    CHECK_MSG(marks_of(fixture_path("plain/sample_001.mid"), marks, sizeof marks) == 2 &&
                  !marks[0], "a sample without --chords has a chord track");
}

/* decode on a 4-bar chord model with 2 chords: C F C F, one a bar. */
static void test_list_repeats_in_a_sequence(void)
{
    static char out[8192], err[8192];
    const char *model = fixture_path("chords4.mvae"), *z = fixture_path("z4.bin");
    const char *mid = fixture_path("d4.mid");
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "init --config mel_4bar --chords --seed 5 -o '%s'", model) == 0);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "encode '%s' '%s' --track MELODY -o '%s'", model, song_a, z) == 0,
              "%s", err);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "decode '%s' '%s' --chords 'C:maj F:maj' -o '%s'", model, z, mid) == 0,
              "%s", err);
    check_marks(mid, "C:maj@0 F:maj@16 C:maj@32 F:maj@48");
    mv_midi_note n[64];
    CHECK(notes_of(mid, "chords", n, 64) == 12);
}

/* --chords-from a 1-bar file, C for two beats then F: the chords follow the
 * file beat by beat and start again after its bar (2 samples = 4 bars). */
static void test_file_chords_repeat(const char *model)
{
    static char out[8192], err[8192];
    const char *src = fixture_path("cf.mid");
    mv_note notes[] = {{0, 8, 48, 80}, {0, 8, 52, 80}, {0, 8, 55, 80},
                       {8, 8, 53, 80}, {8, 8, 57, 80}, {8, 8, 60, 80}};
    char why[512];
    CHECK_MSG(midi_write_notes(src, notes, 6, 16, 16, 120, 0, why, sizeof why) == 0, "%s", why);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "sample '%s' -n 2 --chords-from '%s' -o '%s'", model, src,
                          fixture_path("cf")) == 0, "%s", err);
    check_marks(fixture_path("cf/sample_000.mid"), "C:maj@0 F:maj@8 C:maj@16 F:maj@24");
    check_marks(fixture_path("cf/sample_001.mid"), "C:maj@0 F:maj@8 C:maj@16 F:maj@24");
}

static void test_refusals(const char *model, const char *plain)
{
    static char out[8192], err[8192];
    const char *o = fixture_path("refused");
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 2 --chords 'C Gx Am' -o '%s'", model, o) == 2);
    CHECK_MSG(strstr(err, "'Gx' is not a chord"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 2 --chord-pull 0.5 -o '%s'", plain, o) == 2);
    CHECK_MSG(strstr(err, "--chord-pull needs --chords"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 2 --chords C --chord-pull 1.5 -o '%s'", plain, o) == 2);
    CHECK_MSG(strstr(err, "--chord-pull wants a number from 0 to 1"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' --chords C --chords-from '%s' -o '%s'", model, song_a, o) == 2);
    CHECK_MSG(strstr(err, "give one of them"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "decode '%s' z.bin --chords -o x.mid", model) == 2);
    CHECK_MSG(strstr(err, "--chords needs a value"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' --chords-from '%s' -o '%s'", model, fixture_path("none.mid"),
                      o) == 1);
    CHECK_MSG(strstr(err, "none.mid"), "%s", err);
    FILE *f = fopen(o, "r");
    CHECK_MSG(f == NULL, "a refused run left %s", o);
    if (f) fclose(f);
}

/* Chord pull on a model without chord input: sampled over C, the share of its
 * note-ons on C, E or G grows from pull 0 (the model alone) to 1 (nearly
 * only chord tones). */
static double c_major_share(const char *plain, double pull)
{
    static char out[8192], err[8192];
    char dir[32];
    snprintf(dir, sizeof dir, "pull%g", pull);
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "sample '%s' -n 8 --temperature 1 --chords C --chord-pull %g -o '%s'",
                          plain, pull, fixture_path(dir)) == 0, "%s", err);
    int on = 0, all = 0;
    for (int i = 0; i < 8; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s/sample_%03d.mid", dir, i);
        mv_midi_note n[64];
        int count = notes_of(fixture_path(name), NULL, n, 64);
        for (int k = 0; k < count; k++, all++) on += (chord_pitch_classes(1) >> (n[k].pitch % 12)) & 1;
    }
    CHECK_MSG(all >= 16, "pull %g: only %d notes in 8 samples", pull, all);
    return all ? (double)on / all : 0;
}

static void test_pull(const char *plain)
{
    double none = c_major_share(plain, 0), full = c_major_share(plain, 1);
    printf("chord tones over C, a model without chord input: pull 0 %.2f, pull 1 %.2f\n", none,
           full);
    CHECK_MSG(none < 0.5, "pull 0: %.2f of the notes on C major tones, chance is 3/12", none);
    CHECK_MSG(full > 0.9, "pull 1: only %.2f of the notes on C major tones", full);
}

static void test_chords_from(const char *model)
{
    static char out[8192], err[8192];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "sample '%s' -n 2 --chords-from '%s' -o '%s'", model, song_a,
                          fixture_path("from")) == 0, "%s", err);
    mv_midi_note n[256];
    CHECK(notes_of(fixture_path("from/sample_001.mid"), "chords", n, 256) >= 3);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_gen_chords MORPHVAE SHARED_DATA\n");
        return 2;
    }
    exe = argv[1];
    snprintf(song_a, sizeof song_a, "%s/pop909/002/002.mid", argv[2]);
    snprintf(song_b, sizeof song_b, "%s/pop909/003/003.mid", argv[2]);
    /* copies: fixture_path's buffers are reused */
    static char model[1024], plain[1024];
    snprintf(model, sizeof model, "%s", fixture_path("chords.mvae"));
    snprintf(plain, sizeof plain, "%s", fixture_path("plain.mvae"));
    static char out[4096], err[4096];
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "init --config mel_2bar --chords --seed 3 -o '%s'", model) == 0);
    CHECK(fixture_random_model(plain, "mel_2bar", 3) == 0);
    test_chord_track(model);
    test_chords_reach_decoder(model);
    test_refusals(model, plain);
    test_pull(plain);
    test_chords_from(model);
    test_list_repeats_over_samples(model);
    test_list_repeats_in_a_sequence();
    test_file_chords_repeat(model);
    fixture_cleanup();
    return check_report();
}
