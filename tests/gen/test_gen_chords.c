/* Chords in the generation commands (trainer/gen_chords.c): `interpolate`,
 * `decode` and `sample` with --chords / --chords-from on a chord model with
 * random weights:
 * - the chord list repeats over the phrase, one chord a bar, and goes into the
 *   MIDI file as a "chords" track of block chords;
 * - the chords reach the decoder: the same z under C and under F# decodes to
 *   other notes, while "N" (no chord) decodes exactly as without --chords;
 * - bad symbols, a model without chord input and both options at once are
 *   refused (exit 2) naming what is wrong; --chords-from reads a real file.
 * usage: test_gen_chords MORPHVAE SHARED_DATA */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "gen_fixture.h"
#include "midi_read.h"

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

static void test_refusals(const char *model, const char *plain)
{
    static char out[8192], err[8192];
    const char *o = fixture_path("refused");
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 2 --chords 'C Gx Am' -o '%s'", model, o) == 2);
    CHECK_MSG(strstr(err, "'Gx' is not a chord"), "%s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 2 --chords 'C G' -o '%s'", plain, o) == 2);
    CHECK_MSG(strstr(err, "has no chord input"), "%s", err);
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
    const char *model = fixture_path("chords.mvae"), *plain = fixture_path("plain.mvae");
    static char out[4096], err[4096];
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "init --config mel_2bar --chords --seed 3 -o '%s'", model) == 0);
    CHECK(fixture_random_model(plain, "mel_2bar", 3) == 0);
    test_chord_track(model);
    test_chords_reach_decoder(model);
    test_refusals(model, plain);
    test_chords_from(model);
    fixture_cleanup();
    return check_report();
}
