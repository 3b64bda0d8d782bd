/* Piano-roll models in the CLI (issue 12), on a model of random weights (roll_2bar's
 * pitches and grid, 64 wide: fixture preset small_roll) and real Bach chorales:
 * - gen_decode (a roll model) does not depend on the batch size and seeds sequence i
 *   from (seed, i); a roll anchor is mu, or with refinement a z that decodes
 *   at least as close to the window (core's refine_window);
 * - a chorale's window read with a list of tracks is the four voices' roll,
 *   the one `morphvae data --repr roll` extracts, and roll -> MIDI -> window
 *   gives the same bytes back;
 * - sample writes chords, every note-on with its note-off, at the roll
 *   default temperature; encode and decode give core's mu and its greedy
 *   decode, encode --refine core's refined z; interpolate's ends are the
 *   decodes of the mu's (--no-refine) or of the refined z's;
 * - plot roll colours every pitch of a chord; render makes sound of it;
 * - anchors store mu (--no-refine) or the refined z (from files, or picked from
 *   a roll corpus by the harmony criterion); stats and info describe roll
 *   phrases and models. */
#include <smf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anchor_pick.h"
#include "check.h"
#include "corpus.h"
#include "decoder.h"
#include "gen_fixture.h"
#include "gen_model.h"
#include "midi_read.h"
#include "midi_write.h"
#include "plot.h"
#include "refine.h"
#include "sequence_io.h"
#include "weights.h"

#define SATB "Soprano,Alto,Tenor,Bass"
#define T 32  /* steps of a roll_2bar window */
#define Z FIXTURE_SMALL_ROLL_Z
#define P 88  /* its pitches, from 21 */
#define K 176 /* its classes */

static const char *morphvae;
static char chorale_a[1024], chorale_b[1024], chorale_c[1024];
static char out[65536], err[8192];

/* ---- helpers ---- */

static void sound(uint8_t *roll, int pitch, int from, int to)
{
    for (int t = from; t <= to; t++) roll[t * K + pitch - 21] = 1;
    roll[from * K + P + pitch - 21] = 1;
}

static void chord(uint8_t *roll, const int *pitches, int n, int from, int to)
{
    for (int i = 0; i < n; i++) sound(roll, pitches[i], from, to);
}

static int sounding_at(const uint8_t *roll, int t)
{
    int n = 0;
    for (int p = 0; p < P; p++) n += roll[t * K + p];
    return n;
}

static int same_notes(const char *a, const char *b)
{
    mv_midi_file fa, fb;
    char e[512];
    if (midi_read_file(a, &fa, e, sizeof e) || midi_read_file(b, &fb, e, sizeof e)) {
        fprintf(stderr, "%s\n", e);
        return 0;
    }
    int same = fixture_same_notes(&fa, &fb) && fa.n_notes > 0;
    midi_file_free(&fa);
    midi_file_free(&fb);
    return same;
}

static int64_t end_tick_of(const char *path)
{
    mv_midi_file f;
    char e[512];
    if (midi_read_file(path, &f, e, sizeof e)) return -1;
    int64_t end = f.end_tick;
    midi_file_free(&f);
    return end;
}

/* The raw events of a written file: every note-on is followed by its note-off
 * before the pitch starts again, all on channel 1 after a piano program
 * change. Returns the notes, with the most notes starting on one tick in
 * *chord_size; -1 when anything is unpaired. */
static int paired_notes(const char *path, int *chord_size)
{
    smf_t *smf = smf_load(path);
    if (!smf) return -1;
    uint8_t on[128] = {0};
    int n = 0, bad = 0, program = 0, tick = -1, at_tick = 0;
    *chord_size = 0;
    smf_event_t *e;
    while ((e = smf_get_next_event(smf))) {
        const uint8_t *b = e->midi_buffer;
        if (smf_event_is_metadata(e)) continue;
        const int status = b[0] & 0xF0;
        bad += (b[0] & 15) != 0;
        if (status == 0xC0) program = b[1] == 0;
        if (status == 0x90 && b[2] > 0) {
            bad += on[b[1]]++ != 0;
            at_tick = e->time_pulses == tick ? at_tick + 1 : 1;
            tick = e->time_pulses;
            if (at_tick > *chord_size) *chord_size = at_tick;
            n++;
        } else if (status == 0x80 || status == 0x90) {
            bad += on[b[1]]-- != 1;
        }
    }
    smf_delete(smf);
    for (int p = 0; p < 128; p++) bad += on[p] != 0;
    return bad || !program ? -1 : n;
}

/* Greedy decode of z, written as the CLI writes one window. */
static void write_decode(mv_gen_model *g, const float *z, const char *path)
{
    uint8_t *roll = malloc(g->window_bytes);
    char e[512];
    gen_decode(g, z, 1, 0, 0, roll);
    CHECK_MSG(sequence_write_midi(path, &g->hp, roll, 1, NULL, 120, e, sizeof e) == 0, "%s", e);
    free(roll);
}

/* mu of the SATB window of a chorale the commands take by default (the first
 * varied one), by the test itself. */
static void chorale_mu(mv_gen_model *g, const char *path, float *mu, float *sigma)
{
    uint8_t *roll = malloc(g->window_bytes);
    int bar;
    char e[1024];
    CHECK_MSG(sequence_read_window(path, &g->hp, -1, SATB, roll, &bar, e, sizeof e) == 0, "%s", e);
    gen_encode(g, roll, 1, mu, sigma);
    free(roll);
}

/* ---- the generation API ---- */

static void test_api(const char *model)
{
    mv_gen_model g1, g3;
    char e[512];
    CHECK_MSG(gen_model_open(&g1, model, 1, e, sizeof e) == 0, "%s", e);
    CHECK_MSG(gen_model_open(&g3, model, 3, e, sizeof e) == 0, "%s", e);
    CHECK(g1.window_bytes == T * K && g1.seq_len == T);
    CHECK(gen_default_temperature(&g1) == ROLL_DEFAULT_TEMPERATURE);
    enum { N = 5 };
    float z[N * Z], mu1[N * Z], mu3[N * Z];
    mv_rng r;
    rng_seed(&r, 42);
    for (int i = 0; i < N * Z; i++) z[i] = rng_normal(&r);
    static uint8_t a[N * T * K], b[N * T * K], c[N * T * K], one[T * K];
    gen_decode(&g1, z, N, 0.5f, 9, a);
    gen_decode(&g3, z, N, 0.5f, 9, b);
    CHECK_MSG(!memcmp(a, b, sizeof a), "sampled rolls depend on the batch size");
    for (int i = 0; i < N; i++) {
        rng_seed(&r, gen_sequence_seed(9, (uint64_t)i));
        decoder_decode(g1.decoder, z + i * Z, 1, 0.5f, &r, window_roll(one));
        CHECK_MSG(!memcmp(one, a + i * T * K, sizeof one), "sequence %d not seeded from (9, %d)",
                  i, i);
    }
    gen_decode(&g3, z, N, 0.5f, 10, c);
    CHECK_MSG(memcmp(a, c, sizeof a), "seed 10 gave the rolls of seed 9");
    gen_encode(&g1, a, N, mu1, NULL);
    gen_encode(&g3, a, N, mu3, NULL);
    for (int i = 0; i < N * Z; i++) CHECK_CLOSE(mu3[i], mu1[i], 1e-5);

    float anchor[Z], mu[Z];
    CHECK(gen_anchor(&g1, a, 0, anchor, mu, NULL, e, sizeof e) == 0);
    CHECK(!memcmp(anchor, mu1, sizeof anchor) && !memcmp(mu, mu1, sizeof mu));
    /* refined: core's refine_window from mu, never decoding worse */
    float refined[Z], core_z[Z];
    mv_refine_report rep, core_rep;
    CHECK(gen_anchor(&g1, a, 10, refined, mu, &rep, e, sizeof e) == 0);
    CHECK(!memcmp(mu, mu1, sizeof mu));
    mv_refine *core_refine = refine_create(g1.decoder);
    mv_refine_options o = refine_defaults();
    o.steps = 10;
    CHECK(core_refine &&
          refine_window(core_refine, window_roll(a), &o, core_z, NULL, &core_rep) == 0);
    CHECK(!memcmp(refined, core_z, sizeof refined) && rep.correct == core_rep.correct);
    CHECK(rep.correct >= rep.correct_start && rep.correct_start > 0);
    refine_free(core_refine);
    gen_model_close(&g1);
    gen_model_close(&g3);
}

/* ---- MIDI <-> roll ---- */

static void test_chorale_window(const mv_hparams *hp, uint8_t *satb)
{
    int bar;
    char e[1024];
    CHECK_MSG(sequence_read_window(chorale_a, hp, 0, SATB, satb, &bar, e, sizeof e) == 0, "%s", e);
    CHECK(bar == 0);
    int four = 0, at_most_four = 1;
    for (int t = 0; t < T; t++) {
        four += sounding_at(satb, t) == 4;
        at_most_four &= sounding_at(satb, t) <= 4;
    }
    CHECK_MSG(four >= T * 3 / 4 && at_most_four, "%d of %d steps sound 4 voices", four, T);
    /* the roll of the list is the union of the voices read one by one */
    static uint8_t voice[T * K], together[T * K];
    memset(together, 0, sizeof together);
    const char *voices[4] = {"Soprano", "Alto", "Tenor", "Bass"};
    for (int v = 0; v < 4; v++) {
        int vbar;
        CHECK_MSG(sequence_read_window(chorale_a, hp, 0, voices[v], voice, &vbar, e, sizeof e) == 0,
                  "%s", e);
        CHECK(vbar == 0);
        for (int i = 0; i < T * K; i++) together[i] |= voice[i];
    }
    for (int t = 0; t < T; t++)
        CHECK_MSG(!memcmp(together + t * K, satb + t * K, P), "step %d: voices differ", t);

    /* what `morphvae data --repr roll` keeps for the same file and tracks */
    const char *corpus = fixture_path("satb.bin");
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "data --repr roll --bars 2 --track %s --split 0,0,1 --quiet '%s' -o '%s'",
                          SATB, chorale_a, corpus) == 0, "%s", err);
    mv_corpus *c;
    CHECK_MSG(corpus_open(corpus, &c, e, sizeof e) == 0, "%s", e);
    int found = 0;
    for (uint64_t w = 0; w < corpus_count(c, MV_SPLIT_TEST) && !found; w++) {
        uint32_t wbar;
        int32_t transpose;
        corpus_window_source(c, MV_SPLIT_TEST, w, &wbar, &transpose);
        if (wbar != 0 || transpose) continue;
        found = 1;
        CHECK_MSG(!memcmp(corpus_roll_window(c, MV_SPLIT_TEST, w), satb, T * K),
                  "the window differs from the corpus's");
    }
    CHECK(found);
    corpus_close(c);
}

/* roll -> notes -> MIDI -> window: the same bytes */
static void round_trip(const mv_hparams *hp, const uint8_t *roll, const char *name)
{
    static uint8_t back[T * K];
    const char *mid = fixture_path(name);
    char e[1024];
    int bar;
    CHECK_MSG(sequence_write_midi(mid, hp, roll, 1, NULL, 100, e, sizeof e) == 0, "%s", e);
    CHECK_MSG(sequence_read_window(mid, hp, 0, NULL, back, &bar, e, sizeof e) == 0, "%s", e);
    CHECK_MSG(!memcmp(back, roll, T * K) && bar == 0, "%s: the roll changed", name);
}

static void test_sequence_io(const mv_hparams *hp)
{
    static uint8_t satb[T * K], made[T * K];
    CHECK(sequence_window_bytes(hp) == T * K && sequence_max_notes(hp) == T * P);
    test_chorale_window(hp, satb);
    round_trip(hp, satb, "satb_again.mid");
    /* chords, a repeated chord (onsets again on held pitches), one held note
     * across the bar line, and the lowest and highest pitches */
    const int c_major[3] = {60, 64, 67}, f_major[3] = {65, 69, 72};
    memset(made, 0, sizeof made);
    chord(made, c_major, 3, 0, 3);
    chord(made, c_major, 3, 4, 7);
    chord(made, f_major, 3, 8, 15);
    sound(made, 48, 0, 20);
    sound(made, 21, 16, 16);
    sound(made, 108, 20, 31);
    chord(made, c_major, 3, 24, 31);
    round_trip(hp, made, "made.mid");
    mv_note notes[T * P];
    CHECK(sequence_notes(hp, made, notes, T * P) == 15);
}

/* ---- the commands ---- */

static void test_sample(const char *model)
{
    const char *d1 = fixture_path("s1"), *d2 = fixture_path("s2");
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err, "sample '%s' -n 3 --seed 4 -o '%s'",
                          model, d1) == 0, "%s", err);
    CHECK_MSG(strstr(out, "temperature 0.5"), "%s", out);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "sample '%s' -n 1 --seed 4 -o '%s'",
                      model, d2) == 0);
    int chords = 0;
    for (int i = 0; i < 3; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/sample_%03d.mid", d1, i);
        int chord_size = 0, n = paired_notes(p, &chord_size);
        CHECK_MSG(n > 0, "%s: %d notes, or an unpaired note-on/off", p, n);
        chords += chord_size >= 2;
        CHECK(end_tick_of(p) == T * midi_ticks_per_step(16));
    }
    CHECK_MSG(chords == 3, "%d of 3 samples have notes starting together", chords);
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/sample_000.mid", d1);
    snprintf(p2, sizeof p2, "%s/sample_000.mid", d2);
    CHECK_MSG(fixture_same_bytes(p1, p2), "sample 0 depends on -n");
}

static void test_encode_decode(mv_gen_model *g, const char *model)
{
    float mu[Z], sigma[Z], both[2 * Z];
    chorale_mu(g, chorale_a, mu, sigma);
    const char *zb = fixture_path("z.bin"), *d = fixture_path("d.mid"),
               *want = fixture_path("want.mid");
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "encode '%s' '%s' --track %s -o '%s'", model, chorale_a, SATB, zb) == 0,
              "%s", err);
    FILE *f = fopen(zb, "rb");
    CHECK(f && fread(both, sizeof(float), 2 * Z, f) == 2 * Z && fgetc(f) == EOF);
    if (f) fclose(f);
    CHECK(!memcmp(both, mu, sizeof mu) && !memcmp(both + Z, sigma, sizeof sigma));
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "decode '%s' '%s' -o '%s'",
                      model, zb, d) == 0);
    write_decode(g, mu, want);
    CHECK_MSG(fixture_same_bytes(d, want), "decode is not the greedy decode of mu");
    CHECK(end_tick_of(d) == T * midi_ticks_per_step(16));
    /* sampling from z is deterministic in the seed */
    const char *s1 = fixture_path("d1.mid"), *s2 = fixture_path("d2.mid");
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "decode '%s' '%s' --temperature 0.5 --seed 3 -o '%s'", model, zb, s1) == 0);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "decode '%s' '%s' --temperature 0.5 --seed 3 -o '%s'", model, zb, s2) == 0);
    CHECK(fixture_same_bytes(s1, s2) && !fixture_same_bytes(s1, d));
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "encode '%s' '%s' --track %s --refine 5", model, chorale_a, SATB) == 0,
              "%s", err);
    CHECK_MSG(strstr(out, "refined: greedy decoding") && strstr(out, " roll bits right"), "%s",
              out);
}

static void test_interpolate(mv_gen_model *g, const char *model)
{
    float mu_a[Z], mu_b[Z];
    chorale_mu(g, chorale_a, mu_a, NULL);
    chorale_mu(g, chorale_b, mu_b, NULL);
    const char *dir = fixture_path("morph"), *want_a = fixture_path("want_a.mid"),
               *want_b = fixture_path("want_b.mid");
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "interpolate '%s' --start '%s' --end '%s' --steps 4 --track %s "
                          "--no-refine -o '%s'",
                          model, chorale_a, chorale_b, SATB, dir) == 0, "%s", err);
    CHECK_MSG(strstr(out, "(mu)"), "%s", out);
    write_decode(g, mu_a, want_a);
    write_decode(g, mu_b, want_b);
    char p[1024];
    snprintf(p, sizeof p, "%s/step_00.mid", dir);
    CHECK_MSG(same_notes(p, want_a), "step 0 is not the decode of a's mu");
    snprintf(p, sizeof p, "%s/step_03.mid", dir);
    CHECK_MSG(same_notes(p, want_b), "step 3 is not the decode of b's mu");
    snprintf(p, sizeof p, "%s/morph.mid", dir);
    CHECK(end_tick_of(p) == 4 * T * midi_ticks_per_step(16));
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "interpolate '%s' --start '%s' --end '%s' --refine 5 -o '%s'", model,
                          chorale_a, chorale_b, fixture_path("refined")) == 0, "%s", err);
    CHECK_MSG(strstr(out, "roll bits right"), "%s", out);
}

/* A chord's pitches are all coloured at one x, the pitch between them is not;
 * the file renders to sound. */
static void test_plot_and_render(const mv_hparams *hp)
{
    static uint8_t roll[T * K];
    const int c_major[3] = {60, 64, 67};
    memset(roll, 0, sizeof roll);
    chord(roll, c_major, 3, 0, 15);
    chord(roll, c_major, 3, 16, 31);
    const char *mid = fixture_path("chord.mid"), *png = fixture_path("chord.png"),
               *wav = fixture_path("chord.wav");
    char e[512];
    CHECK_MSG(sequence_write_midi(mid, hp, roll, 1, NULL, 120, e, sizeof e) == 0, "%s", e);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "plot roll '%s' -o '%s'", mid,
                      png) == 0);
    mv_roll_geometry geo;
    CHECK_MSG(plot_roll_midi(mid, fixture_path("geometry.png"), &geo, e, sizeof e) == 0, "%s", e);
    uint8_t *rgb;
    int w, h;
    CHECK(fixture_read_png(png, &rgb, &w, &h) == 0);
    const int x = roll_x(&geo, 4 * midi_ticks_per_step(16));
    for (int pitch = 60; pitch <= 67; pitch++) {
        const uint8_t *px = rgb + ((size_t)(roll_y(&geo, pitch) + 1) * w + x) * 3;
        const int coloured = px[0] != px[1] || px[1] != px[2];
        const int in_chord = pitch == 60 || pitch == 64 || pitch == 67;
        CHECK_MSG(coloured == in_chord, "pitch %d at x %d: coloured %d", pitch, x, coloured);
    }
    free(rgb);
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err, "render '%s' -o '%s'", mid,
                          wav) == 0, "%s", err);
    struct stat st;
    CHECK(stat(wav, &st) == 0 && st.st_size > 44100 * 4); /* over a second of stereo audio */
}

/* Chords of n pitches struck one after another every 4 steps from step 0. */
static void strike(uint8_t *roll, const int *const *chords, int n_chords, int n)
{
    for (int i = 0; i < n_chords; i++) chord(roll, chords[i], n, 4 * i, 4 * i + 3);
}

/* The harmony criterion on hand-made rolls. */
static void test_anchor_criterion(const mv_hparams *hp)
{
    static uint8_t roll[T * K];
    const int c[3] = {60, 64, 67}, f[3] = {60, 65, 69}, g[3] = {59, 62, 67};
    const int *cffg[8] = {c, c, f, f, g, g, c, c}, *cffc[8] = {c, c, f, f, c, c, f, f};
    const int *cfgc[4] = {c, f, g, c};
    memset(roll, 0, sizeof roll);
    for (int t = 0; t < T; t += 2) sound(roll, 60 + t % 5, t, t + 1); /* a tune: no chords */
    CHECK(!phrase_is_varied(hp, roll));
    memset(roll, 0, sizeof roll);
    strike(roll, cffg, 8, 2); /* three chords (of two notes), 16 notes */
    CHECK(phrase_is_varied(hp, roll));
    memset(roll, 0, sizeof roll);
    strike(roll, cffc, 8, 3); /* two chords only */
    CHECK(!phrase_is_varied(hp, roll));
    roll[2 * K + 67 - 21] = roll[3 * K + 67 - 21] = 0; /* {60, 64} sounds, but is not struck */
    CHECK(!phrase_is_varied(hp, roll));
    memset(roll, 0, sizeof roll); /* three chords held: 6 notes, too few */
    chord(roll, c, 2, 0, 9), chord(roll, f, 2, 10, 19), chord(roll, g, 2, 20, 31);
    CHECK(!phrase_is_varied(hp, roll));
    memset(roll, 0, sizeof roll); /* three chords on half the steps, a tune on the rest */
    strike(roll, cfgc, 4, 2);
    for (int t = 16; t < T; t++) sound(roll, 72 + t % 3, t, t);
    CHECK(!phrase_is_varied(hp, roll));
}

static void check_stored_anchor(const mv_weights *w, const char *key, const float *z)
{
    const mv_meta *m = weights_meta(w, key);
    CHECK_MSG(m && m->count == Z && !memcmp(m->data, z, sizeof(float) * Z),
              "%s is not the z expected", key);
}

/* The anchor `anchors --refine 5` makes of a chorale's first window. */
static void chorale_refined(mv_gen_model *g, const char *path, float *z)
{
    uint8_t *roll = malloc(g->window_bytes);
    int bar;
    char e[1024];
    CHECK_MSG(sequence_read_window(path, &g->hp, -1, SATB, roll, &bar, e, sizeof e) == 0, "%s", e);
    CHECK_MSG(gen_anchor(g, roll, 5, z, NULL, NULL, e, sizeof e) == 0, "%s", e);
    free(roll);
}

static void test_anchors(mv_gen_model *g, const char *model)
{
    float mu_a[Z], mu_b[Z];
    chorale_mu(g, chorale_a, mu_a, NULL);
    chorale_mu(g, chorale_b, mu_b, NULL);
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "anchors '%s' --a '%s' --b '%s' --track %s --no-refine", model,
                          chorale_a, chorale_b, SATB) == 0, "%s", err);
    mv_weights *w;
    char e[1024];
    CHECK_MSG(weights_read(model, &w, e, sizeof e) == 0, "%s", e);
    check_stored_anchor(w, "anchor.a.z", mu_a);
    check_stored_anchor(w, "anchor.b.z", mu_b);
    weights_free(w);
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "anchors '%s' --a '%s' --b '%s' --refine 5", model, chorale_a,
                          chorale_b) == 0, "%s", err);
    float z_a[Z], z_b[Z];
    chorale_refined(g, chorale_a, z_a);
    chorale_refined(g, chorale_b, z_b);
    CHECK_MSG(weights_read(model, &w, e, sizeof e) == 0, "%s", e);
    check_stored_anchor(w, "anchor.a.z", z_a);
    check_stored_anchor(w, "anchor.b.z", z_b);
    weights_free(w);

    /* --pick from a corpus of three chorales */
    const char *songs = fixture_path("chorales"), *corpus = fixture_path("chorales.bin");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir '%s' && cp '%s' '%s' '%s' '%s'", songs, chorale_a, chorale_b,
             chorale_c, songs);
    CHECK(system(cmd) == 0);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "data --repr roll --bars 2 --split 0,0,1 --quiet '%s' -o '%s'", songs,
                      corpus) == 0);
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "anchors '%s' --pick '%s' --no-refine", model, corpus) == 0, "%s", err);
    CHECK_MSG(strstr(out, "onset F1"), "%s", out);
    mv_corpus *c;
    CHECK_MSG(corpus_open(corpus, &c, e, sizeof e) == 0, "%s", e);
    anchor_choice chosen[2];
    CHECK_MSG(anchor_pick(g, c, MV_SPLIT_TEST, corpus, chosen, e, sizeof e) == 0, "%s", e);
    CHECK_MSG(weights_read(model, &w, e, sizeof e) == 0, "%s", e);
    for (int k = 0; k < 2; k++) {
        float mu[Z];
        CHECK(phrase_is_varied(&g->hp, chosen[k].data));
        gen_encode(g, chosen[k].data, 1, mu, NULL);
        check_stored_anchor(w, k ? "anchor.b.z" : "anchor.a.z", mu);
        const mv_meta *source = weights_meta(w, k ? "anchor.b.source" : "anchor.a.source");
        CHECK(source && !strncmp(source->data, chosen[k].source, strlen(chosen[k].source)));
    }
    CHECK(strcmp(corpus_window_source(c, MV_SPLIT_TEST, chosen[0].window, &(uint32_t){0},
                                      &(int32_t){0}),
                 corpus_window_source(c, MV_SPLIT_TEST, chosen[1].window, &(uint32_t){0},
                                      &(int32_t){0})) != 0);
    weights_free(w);
    corpus_close(c);
}

static void test_stats_and_info(const char *model)
{
    CHECK_MSG(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                          "stats '%s' --track %s --model '%s' --prior 4", chorale_a, SATB,
                          model) == 0, "%s", err);
    CHECK_MSG(strstr(out, "roll phrases") && strstr(out, "polyphony") && strstr(out, "prior T=0.5"),
              "%s", out);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err,
                      "stats '%s' --track %s --model '%s' --json", chorale_a, SATB, model) == 0);
    const char *poly = strstr(out, "\"polyphony\":");
    CHECK_MSG(poly && atof(poly + 12) > 3 && atof(poly + 12) <= 4, "%s", out);
    CHECK(fixture_run(morphvae, out, sizeof out, err, sizeof err, "info '%s'", model) == 0);
    CHECK_MSG(strstr(out, "88 pitches 21..108"), "%s", out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_roll MORPHVAE SHARED_DATA\n");
        return 2;
    }
    morphvae = argv[1];
    snprintf(chorale_a, sizeof chorale_a, "%s/jsb/valid/valid_000.mid", argv[2]);
    snprintf(chorale_b, sizeof chorale_b, "%s/jsb/valid/valid_001.mid", argv[2]);
    snprintf(chorale_c, sizeof chorale_c, "%s/jsb/valid/valid_002.mid", argv[2]);
    char model[1024]; /* fixture_path's buffers are reused */
    snprintf(model, sizeof model, "%s", fixture_path("roll.mvae"));
    CHECK(fixture_random_model(model, "small_roll", 5) == 0);
    mv_gen_model g;
    char e[512];
    if (gen_model_open(&g, model, 8, e, sizeof e)) {
        fprintf(stderr, "%s\n", e);
        return 1;
    }
    test_api(model);
    test_sequence_io(&g.hp);
    test_sample(model);
    test_encode_decode(&g, model);
    test_interpolate(&g, model);
    test_plot_and_render(&g.hp);
    test_anchor_criterion(&g.hp);
    test_anchors(&g, model);
    test_stats_and_info(model);
    gen_model_close(&g);
    fixture_cleanup();
    return check_report();
}
