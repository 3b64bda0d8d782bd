/* The generation commands end to end, through the morphvae binary, on a model
 * of random weights and real POP909 melodies: sampling is deterministic in the
 * seed (and independent of -n), encode prints core's mu and sigma (and with
 * --refine core's refined z) of the file's first varied window (of the first
 * from bar N with --bar N), decode and the interpolation's end steps
 * reproduce the greedy decodes of the anchors (refined by default, mu with
 * --no-refine), morph.mid holds every step in turn, and errors name the file. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "midi_read.h"
#include "decoder.h"
#include "gen_fixture.h"
#include "midi_write.h"
#include "model.h"
#include "refine.h"
#include "sequence_io.h"
#include "weights.h"

static const char *morphvae;
static char a_mid[1024], b_mid[1024], drums_mid[1024];
static char out[65536], err[8192];

typedef struct {
    mv_weights *w;
    mv_model m;
    mv_decoder *d;
    mv_hparams hp;
    int Z, L;
} model;

static int open_model(const char *path, model *m)
{
    char e[512];
    if (weights_read(path, &m->w, e, sizeof e) || model_bind_weights(&m->m, m->w, e, sizeof e))
        return -1;
    m->hp = *weights_hparams(m->w);
    m->d = decoder_create(&m->m, 1);
    m->Z = (int)m->hp.z_size;
    m->L = (int)hparams_seq_len(&m->hp);
    return m->d ? 0 : -1;
}

static void close_model(model *m)
{
    decoder_free(m->d);
    weights_free(m->w);
}

/* The notes of a greedy decode of z, as a MIDI description in the writer's ticks. */
static void decode_notes(model *m, const float *z, mv_midi_file *f)
{
    int32_t *tokens = malloc(sizeof *tokens * m->L);
    mv_note *notes = malloc(sizeof *notes * m->L * 9);
    decoder_decode(m->d, z, 1, 0, NULL, window_tokens(tokens));
    int n = sequence_notes(&m->hp, tokens, notes, m->L * 9);
    int tps = midi_ticks_per_step((int)m->hp.steps_per_bar);
    midi_file_init(f, MIDI_WRITE_PPQN, 1);
    for (int i = 0; i < n; i++) {
        mv_midi_note note = {(int64_t)notes[i].step * tps,
                             (int64_t)(notes[i].step + notes[i].duration) * tps, 0,
                             m->hp.repr == MV_REPR_DRUMS ? 9 : 0, notes[i].pitch, notes[i].velocity};
        midi_file_add_note(f, &note);
    }
    midi_file_finish(f);
    free(tokens);
    free(notes);
}

static int same_notes_as_file(const mv_midi_file *want, const char *path)
{
    mv_midi_file got;
    char e[512];
    if (midi_read_file(path, &got, e, sizeof e)) {
        fprintf(stderr, "%s\n", e);
        return 0;
    }
    int same = fixture_same_notes(want, &got);
    midi_file_free(&got);
    return same;
}

static void test_sample(const char *tiny, const char *drums)
{
    const char *d1 = fixture_path("s1"), *d2 = fixture_path("s2"), *d3 = fixture_path("s3"),
               *d4 = fixture_path("s4");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 4 --seed 7 --temperature 0.8 -o '%s'", tiny, d1) == 0);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 4 --seed 7 --temperature 0.8 -o '%s'", tiny, d2) == 0);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 2 --seed 7 --temperature 0.8 -o '%s'", tiny, d3) == 0);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 4 --seed 8 --temperature 0.8 -o '%s'", tiny, d4) == 0);
    int differs = 0;
    for (int i = 0; i < 4; i++) {
        char p1[1024], p2[1024], p3[1024], p4[1024];
        snprintf(p1, sizeof p1, "%s/sample_%03d.mid", d1, i);
        snprintf(p2, sizeof p2, "%s/sample_%03d.mid", d2, i);
        snprintf(p3, sizeof p3, "%s/sample_%03d.mid", d3, i);
        snprintf(p4, sizeof p4, "%s/sample_%03d.mid", d4, i);
        CHECK_MSG(fixture_same_bytes(p1, p2), "%s", p1);
        if (i < 2) CHECK_MSG(fixture_same_bytes(p1, p3), "%s vs %s", p1, p3);
        differs += !fixture_same_bytes(p1, p4);
        mv_midi_file f;
        char e[512];
        CHECK_MSG(midi_read_file(p1, &f, e, sizeof e) == 0, "%s", e);
        CHECK(f.end_tick == 32 * midi_ticks_per_step(16)); /* two bars */
        for (uint32_t k = 0; k < f.n_notes; k++) CHECK(f.notes[k].channel == 0);
        midi_file_free(&f);
    }
    CHECK_MSG(differs > 0, "seed 8 gave the same samples as seed 7");

    const char *dd = fixture_path("sd");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "sample '%s' -n 1 --seed 1 --temperature 1 -o '%s'", drums, dd) == 0);
    char p[1024];
    snprintf(p, sizeof p, "%s/sample_000.mid", dd);
    mv_midi_file f;
    char e[512];
    CHECK_MSG(midi_read_file(p, &f, e, sizeof e) == 0, "%s", e);
    CHECK(f.n_notes > 0);
    for (uint32_t k = 0; k < f.n_notes; k++) CHECK(f.notes[k].channel == 9);
    midi_file_free(&f);
}

/* mu and sigma of the melody window the commands take of path by default (the
 * first varied one), by the test itself. */
static void reference_encoding(model *m, const char *path, float *mu, float *sigma)
{
    int32_t *tokens = malloc(sizeof *tokens * m->L);
    int bar;
    char e[1024];
    CHECK_MSG(sequence_read_window(path, &m->hp, -1, "MELODY", tokens, &bar, e, sizeof e) == 0,
              "%s", e);
    decoder_encode(m->d, window_tokens(tokens), 1, mu, sigma);
    free(tokens);
}

/* The commands take a file's first varied window by default (the plugin's
 * rule), the first window from bar N with --bar N; for a_mid they differ. */
static void check_default_window(model *m, const char *tiny, const char *path)
{
    int32_t *tokens = malloc(sizeof *tokens * m->L);
    int varied_bar = -1, first_bar = -1;
    char e[1024], want[64];
    CHECK(sequence_read_window(path, &m->hp, -1, "MELODY", tokens, &varied_bar, e, sizeof e) == 0);
    CHECK(sequence_read_window(path, &m->hp, 0, "MELODY", tokens, &first_bar, e, sizeof e) == 0);
    CHECK_MSG(varied_bar > first_bar, "%s: its first window (bar %d) is varied: the test shows "
              "nothing", path, first_bar + 1);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY", tiny, path) == 0);
    snprintf(want, sizeof want, "window from bar %d:", varied_bar + 1);
    CHECK_MSG(strstr(out, want), "encode took another window than bar %d", varied_bar + 1);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY --bar 1", tiny, path) == 0);
    snprintf(want, sizeof want, "window from bar %d:", first_bar + 1);
    CHECK_MSG(strstr(out, want), "encode --bar 1 took another window than bar %d", first_bar + 1);
    free(tokens);
}

/* The anchor the commands make of that window by default: mu refined by core
 * with the default options. */
static void reference_refined(model *m, const char *path, float *z)
{
    int32_t *tokens = malloc(sizeof *tokens * m->L);
    int bar;
    char e[1024];
    CHECK_MSG(sequence_read_window(path, &m->hp, -1, "MELODY", tokens, &bar, e, sizeof e) == 0,
              "%s", e);
    mv_refine *r = refine_create(m->d);
    mv_refine_options o = refine_defaults();
    CHECK(r && refine_window(r, window_tokens(tokens), &o, z, NULL, NULL) == 0);
    refine_free(r);
    free(tokens);
}

/* encode --refine: 'index z mu sigma' lines with core's refined z, and -o
 * writes z alone, which decode turns into the refined anchor's notes. */
static void test_encode_refined(model *m, const char *tiny, const float *mu_a,
                                const mv_midi_file *want)
{
    float *z = malloc(sizeof(float) * m->Z);
    reference_refined(m, a_mid, z);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY --refine", tiny, a_mid) == 0);
    CHECK_MSG(strstr(out, "refined: greedy decoding") != NULL, "%s", out);
    int lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int i;
        float zi, mu, sigma;
        if (line[0] == '#' || sscanf(line, "%d %g %g %g", &i, &zi, &mu, &sigma) != 4) continue;
        CHECK(i == lines && zi == z[i] && mu == mu_a[i]);
        lines++;
    }
    CHECK_MSG(lines == m->Z, "%d lines", lines);
    const char *zr = fixture_path("zr.bin"), *dr = fixture_path("dr.mid");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY --refine %d -o '%s'", tiny, a_mid,
                      MV_REFINE_DEFAULT_STEPS, zr) == 0);
    struct stat st;
    CHECK(stat(zr, &st) == 0 && st.st_size == (off_t)(sizeof(float) * m->Z));
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "decode '%s' '%s' -o '%s'", tiny,
                      zr, dr) == 0);
    CHECK(same_notes_as_file(want, dr));
    /* what it wrote, one line (issue 26) */
    char wrote[2048];
    snprintf(wrote, sizeof wrote, "wrote %s: decoded from %s\n", dr, zr);
    CHECK_MSG(!strcmp(out, wrote), "decode said '%s', not '%s'", out, wrote);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --refine 0", tiny, a_mid) == 2);
    CHECK_MSG(strstr(err, "--refine") != NULL, "%s", err);
    free(z);
}

static void test_encode_decode_interpolate(const char *tiny)
{
    model m;
    CHECK(open_model(tiny, &m) == 0);
    float *mu_a = malloc(sizeof(float) * m.Z), *sig_a = malloc(sizeof(float) * m.Z);
    float *mu_b = malloc(sizeof(float) * m.Z), *sig_b = malloc(sizeof(float) * m.Z);
    reference_encoding(&m, a_mid, mu_a, sig_a);
    reference_encoding(&m, b_mid, mu_b, sig_b);

    /* Text output: one "index mu sigma" line per dimension, core's exact values. */
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY", tiny, a_mid) == 0);
    int lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int i;
        float mu, sigma;
        if (line[0] == '#' || sscanf(line, "%d %g %g", &i, &mu, &sigma) != 3) continue;
        CHECK(i == lines && mu == mu_a[i] && sigma == sig_a[i]);
        lines++;
    }
    CHECK_MSG(lines == m.Z, "%d lines", lines);
    check_default_window(&m, tiny, a_mid);

    /* Binary output: mu then sigma; decode of it = greedy decode of mu. */
    const char *za = fixture_path("za.bin"), *da = fixture_path("da.mid");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "encode '%s' '%s' --track MELODY -o '%s'", tiny, a_mid, za) == 0);
    CHECK_MSG(!strncmp(out, "wrote ", 6) && strstr(out, za), "encode said '%s'", out);
    FILE *f = fopen(za, "rb");
    float *both = malloc(sizeof(float) * 2 * m.Z);
    CHECK(f && fread(both, sizeof(float), 2 * m.Z, f) == (size_t)(2 * m.Z) && fgetc(f) == EOF);
    if (f) fclose(f);
    CHECK(!memcmp(both, mu_a, sizeof(float) * m.Z) && !memcmp(both + m.Z, sig_a, sizeof(float) * m.Z));
    free(both);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "decode '%s' '%s' -o '%s'", tiny,
                      za, da) == 0);
    mv_midi_file want_a, want_b, mu_notes_a, mu_notes_b;
    decode_notes(&m, mu_a, &mu_notes_a);
    decode_notes(&m, mu_b, &mu_notes_b);
    CHECK(same_notes_as_file(&mu_notes_a, da));
    float *z_a = malloc(sizeof(float) * m.Z), *z_b = malloc(sizeof(float) * m.Z);
    reference_refined(&m, a_mid, z_a);
    reference_refined(&m, b_mid, z_b);
    decode_notes(&m, z_a, &want_a);
    decode_notes(&m, z_b, &want_b);
    /* otherwise the checks below could not tell refined anchors from mu */
    CHECK(!fixture_same_notes(&want_a, &mu_notes_a) && !fixture_same_notes(&want_b, &mu_notes_b));
    test_encode_refined(&m, tiny, mu_a, &want_a);

    /* Interpolation: the end steps are the refined anchors' decodes; morph.mid
     * holds the steps in turn. */
    const char *dir = fixture_path("morph");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "interpolate '%s' --start '%s' --end '%s' --steps 5 --track MELODY -o '%s'",
                      tiny, a_mid, b_mid, dir) == 0);
    char p0[1024], p4[1024], pm[1024];
    snprintf(p0, sizeof p0, "%s/step_00.mid", dir);
    snprintf(p4, sizeof p4, "%s/step_04.mid", dir);
    snprintf(pm, sizeof pm, "%s/morph.mid", dir);
    CHECK(same_notes_as_file(&want_a, p0));
    CHECK(same_notes_as_file(&want_b, p4));
    mv_midi_file morph, step;
    char e[512];
    CHECK(midi_read_file(pm, &morph, e, sizeof e) == 0);
    CHECK(morph.end_tick == 5 * 32 * midi_ticks_per_step(16));
    uint32_t total = 0;
    for (int i = 0; i < 5; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/step_%02d.mid", dir, i);
        CHECK(midi_read_file(p, &step, e, sizeof e) == 0);
        int64_t shift = (int64_t)i * 32 * midi_ticks_per_step(16);
        for (uint32_t k = 0; k < step.n_notes; k++) {
            int found = 0;
            for (uint32_t j = 0; j < morph.n_notes && !found; j++)
                found = morph.notes[j].start == step.notes[k].start + shift &&
                        morph.notes[j].end == step.notes[k].end + shift &&
                        morph.notes[j].pitch == step.notes[k].pitch;
            CHECK_MSG(found, "step %d note %u missing from morph.mid", i, k);
        }
        total += step.n_notes;
        midi_file_free(&step);
    }
    CHECK(morph.n_notes == total);
    midi_file_free(&morph);

    const char *lerp_dir = fixture_path("lerp");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "interpolate '%s' --start '%s' --end '%s' --steps 3 --lerp --track MELODY "
                      "-o '%s'", tiny, a_mid, b_mid, lerp_dir) == 0);
    snprintf(p4, sizeof p4, "%s/step_02.mid", lerp_dir);
    CHECK(same_notes_as_file(&want_b, p4));

    /* --no-refine: the ends are the decodes of mu */
    const char *mu_dir = fixture_path("mu_morph");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "interpolate '%s' --start '%s' --end '%s' --steps 3 --no-refine "
                      "--track MELODY -o '%s'", tiny, a_mid, b_mid, mu_dir) == 0);
    snprintf(p0, sizeof p0, "%s/step_00.mid", mu_dir);
    snprintf(p4, sizeof p4, "%s/step_02.mid", mu_dir);
    CHECK(same_notes_as_file(&mu_notes_a, p0));
    CHECK(same_notes_as_file(&mu_notes_b, p4));

    midi_file_free(&want_a);
    midi_file_free(&want_b);
    midi_file_free(&mu_notes_a);
    midi_file_free(&mu_notes_b);
    free(z_a);
    free(z_b);
    free(mu_a);
    free(sig_a);
    free(mu_b);
    free(sig_b);
    close_model(&m);
}

static void test_errors(const char *tiny)
{
    /* A drum file has no melody window: the message names it. */
    const char *dir = fixture_path("bad");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "interpolate '%s' --start '%s' --end '%s' -o '%s'", tiny, drums_mid, a_mid,
                      dir) == 1);
    CHECK_MSG(strstr(err, drums_mid) && strstr(err, "no usable"), "%s", err);
    const char *missing = fixture_path("missing.mid");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "encode '%s' '%s'", tiny,
                      missing) == 1);
    CHECK_MSG(strstr(err, missing) != NULL, "%s", err);
    const char *short_z = fixture_path("short.bin");
    FILE *f = fopen(short_z, "wb");
    fputs("1234", f);
    fclose(f);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "decode '%s' '%s' -o '%s'",
                      tiny, short_z, fixture_path("x.mid")) == 1);
    CHECK_MSG(strstr(err, short_z) != NULL, "%s", err);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "sample '%s' -o '%s'", short_z,
                      fixture_path("s")) == 1);
    CHECK_MSG(strstr(err, short_z) != NULL, "%s", err);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "sample '%s'", tiny) == 2);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "sample '%s' -n many -o '%s'", tiny, fixture_path("s")) == 2);
    CHECK_MSG(strstr(err, "many") != NULL, "%s", err);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_generate MORPHVAE SHARED_DATA\n");
        return 2;
    }
    morphvae = argv[1];
    snprintf(a_mid, sizeof a_mid, "%s/pop909/006/006.mid", argv[2]);
    snprintf(b_mid, sizeof b_mid, "%s/pop909/002/002.mid", argv[2]);
    snprintf(drums_mid, sizeof drums_mid, "%s/midi-edge/synthetic/drums_ch10_2bars.mid", argv[2]);
    const char *tiny = fixture_path("tiny.mvae"), *drums = fixture_path("drums.mvae");
    CHECK(fixture_random_model(tiny, "tiny", 11) == 0);
    CHECK(fixture_random_model(drums, "drums_2bar", 12) == 0);
    test_sample(tiny, drums);
    test_encode_decode_interpolate(tiny);
    test_errors(tiny);
    fixture_cleanup();
    return check_report();
}
