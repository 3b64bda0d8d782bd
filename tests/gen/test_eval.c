/* `morphvae eval` on hand-made windows and a hand-built model whose answers
 * are known: its token decoder copies its input (the previous token) to its
 * output, and at step 0 (zero input) says class 0. So teacher-forced argmax is
 * "repeat the previous true token" and greedy decoding is all zeros; its
 * encoder says mu = {1, -1, 0.4, 0}, sigma = 1 for every window (KL 0.5, 0.5,
 * 0.08, 0: two active dimensions). Every figure below is counted by hand in the
 * comments from the fixture windows. The piano-roll copy model repeats its
 * input step (sounding and onset bits) and says silence after a silent step;
 * the groove copy model repeats its input step's hits, each at velocity 64
 * and on the grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "corpus.h"
#include "gen_fixture.h"
#include "groove.h"
#include "model.h"
#include "refine.h"
#include "weights.h"

#define SEQ 8 /* 2 bars x 4 steps */

static const char *exe;

#define ROLL_LOW 60 /* the roll fixture's lowest pitch */

static uint32_t lowest_pitch(uint32_t repr)
{
    return repr == MV_REPR_MELODY ? 21 : repr == MV_REPR_ROLL ? ROLL_LOW : 0;
}

/* A model of n_classes classes whose decoder repeats its input token; with
 * chord input (all zero: the chords change nothing) when chords is 1. */
static int write_copy_model_chords(const char *path, uint32_t repr, uint32_t n_classes,
                                   uint32_t chords)
{
    const mv_hparams hp = {repr, n_classes, lowest_pitch(repr), 2, 4, 4, 2, 1,
                           2, 1, n_classes, 1, chords};
    size_t bytes = (model_block_floats(&hp) * sizeof(float) + 63) / 64 * 64;
    float *block = aligned_alloc(64, bytes);
    if (!block) return -1;
    memset(block, 0, bytes);
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(&hp, block, tensors);
    mv_model m;
    char err[512];
    int rc = model_bind(&m, &hp, tensors, (size_t)n, err, sizeof err);
    if (rc == 0) {
        const int D = (int)n_classes, G = 4 * D;
        /* a groove step copies its hits only: velocity and offset outputs stay
         * 0, i.e. velocity 64 (127 sigmoid(0) rounded) and offset 0 */
        const int copied = repr == MV_REPR_GROOVE ? MV_GROOVE_VOICES : D;
        /* gates i, f, g, o: input and output open, nothing remembered; the
         * one-hot input k drives cell k alone, so h_k = tanh(tanh(20)) ~ 0.76 */
        float *b = (float *)m.dec[0].b, *wx = (float *)m.dec[0].w_x;
        for (int j = 0; j < D; j++) {
            b[j] = 20;
            b[D + j] = -20;
            b[3 * D + j] = 20;
            if (j < copied) wx[(size_t)j * G + 2 * D + j] = 20;
        }
        float *out = (float *)m.dec_out.w;
        for (int k = 0; k < copied; k++) out[(size_t)k * D + k] = 1;
        ((float *)m.dec_out.b)[0] = 0.1f; /* zero input: class 0 */
        /* a roll's bits, a groove step's hits: on (0.76 - 0.3) where the input
         * bit is, off elsewhere */
        for (int k = 0; repr != MV_REPR_MELODY && repr != MV_REPR_DRUMS && k < copied; k++)
            ((float *)m.dec_out.b)[k] = -0.3f;
        const float mu[4] = {1, -1, 0.4f, 0};
        for (int j = 0; j < 4; j++) {
            ((float *)m.enc_mu.b)[j] = mu[j];
            ((float *)m.enc_sigma.b)[j] = 0.54132485f; /* softplus^-1(1) = ln(e - 1) */
        }
        rc = weights_write(path, &hp, tensors, (size_t)n, NULL, 0, err, sizeof err);
    }
    if (rc) fprintf(stderr, "copy model: %s\n", err);
    free(block);
    return rc;
}

static int write_copy_model(const char *path, uint32_t repr, uint32_t n_classes)
{
    return write_copy_model_chords(path, repr, n_classes, 0);
}

static int write_corpus(const char *path, uint32_t repr, uint32_t n_classes,
                        const int32_t (*test)[SEQ], int n_test, const int32_t (*train)[SEQ],
                        int n_train)
{
    char err[512];
    mv_corpus_writer *w = corpus_writer_open(path, repr, n_classes, lowest_pitch(repr), 2, 4,
                                             err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    const size_t size =
        repr == MV_REPR_ROLL || repr == MV_REPR_GROOVE ? SEQ * n_classes : sizeof *test;
    for (int i = 0; i < n_test; i++)
        corpus_writer_add(w, MV_SPLIT_TEST, (const char *)test + i * size, "t.mid", 0, 0);
    for (int i = 0; i < n_train; i++)
        corpus_writer_add(w, MV_SPLIT_TRAIN, (const char *)train + i * size, "r.mid", 0, 0);
    int rc = corpus_writer_close(w, err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    return rc;
}

/* The number after "key": in a JSON line; NAN when absent, -INFINITY for null. */
static double json_value(const char *json, const char *key)
{
    char pattern[96];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern);
    if (!p) return NAN;
    p += strlen(pattern);
    if (!strncmp(p, "null", 4)) return -INFINITY;
    return strtod(p, NULL);
}

#define CHECK_FIG(json, key, want) CHECK_CLOSE(json_value(json, key), want, 1e-4)
#define CHECK_NULL(json, key) CHECK(json_value(json, key) == -INFINITY)

/* Melody windows: tokens 40, 42, 45, 47, 50 are note-ons, 0 hold, 1 note-off. */
static const int32_t melody_test[4][SEQ] = {
    {40, 0, 0, 42, 0, 1, 42, 0}, /* onsets t0, t3 (change), t6 (same pitch) */
    {0, 0, 50, 50, 0, 0, 1, 1},  /* onsets t2, t3 (same pitch) */
    {0, 0, 0, 0, 0, 0, 0, 0},
    {45, 47, 0, 0, 0, 0, 0, 0},  /* onsets t0, t1 (change) */
};
static const int32_t melody_train[2][SEQ] = {
    {40, 0, 0, 0, 40, 0, 0, 0},
    {40, 40, 40, 40, 40, 40, 40, 40},
};

static void test_melody(void)
{
    const char *model = fixture_path("mel.mvae"), *corpus = fixture_path("mel.bin");
    CHECK(write_copy_model(model, MV_REPR_MELODY, 90) == 0);
    CHECK(write_corpus(corpus, MV_REPR_MELODY, 90, melody_test, 4, melody_train, 2) == 0);
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json", model,
                          corpus) == 0, "%s", err);
    /* teacher-forced = repeat previous (step 0: class 0, the split's most common):
     * predictions 0 40 0 0 42 0 1 42 | 0 0 0 50 50 0 0 1 | 0... | 0 45 0 0 0 0 0 0
     * right: 1 + 5 + 8 + 5 = 19 of 32 steps */
    CHECK_FIG(out, "windows", 4);
    CHECK_FIG(out, "common_class", 0);
    CHECK_FIG(out, "acc_tf", 19.0 / 32);
    CHECK_FIG(out, "acc_repeat", 19.0 / 32);
    CHECK_FIG(out, "hold_tf", 17.0 / 22);         /* 1 + 3 + 8 + 5 of 4 + 4 + 8 + 6 */
    CHECK_FIG(out, "noteoff_tf", 1.0 / 3);        /* window 2, t7 */
    CHECK_FIG(out, "onset_tf", 1.0 / 7);          /* window 2, t3 */
    CHECK_FIG(out, "change_tf", 0.0 / 2);         /* 40 -> 42, 45 -> 47 */
    CHECK_FIG(out, "change_repeat_tf", 1.0 / 2);  /* 45 predicted for 47 */
    CHECK_FIG(out, "placed_tf", 2.0 / 7);         /* 50 at window 2 t3, 45 at window 4 t1 */
    CHECK_FIG(out, "exact_tf", 1.0 / 4);          /* the silent window */
    /* greedy = all zeros = the most-common-class baseline */
    CHECK_FIG(out, "acc_greedy", 22.0 / 32);
    CHECK_FIG(out, "acc_common", 22.0 / 32);
    CHECK_FIG(out, "hold_greedy", 1);
    CHECK_FIG(out, "onset_greedy", 0);
    CHECK_FIG(out, "change_repeat_greedy", 0);
    CHECK_FIG(out, "exact_greedy", 1.0 / 4);
    /* by bar (4 steps): teacher-forced right 1 + 3 + 4 + 1 and 0 + 2 + 4 + 4;
     * note-ons 6 in bar 1 (window 2's t3 right), 1 in bar 2 (none right);
     * greedy zeros right 2 + 2 + 4 + 2 and 2 + 2 + 4 + 4, no note-on */
    CHECK_FIG(out, "acc_bar1_tf", 9.0 / 16);
    CHECK_FIG(out, "acc_bar2_tf", 10.0 / 16);
    CHECK_FIG(out, "events_bar1_tf", 1.0 / 6);
    CHECK_FIG(out, "events_bar2_tf", 0.0);
    CHECK_FIG(out, "acc_bar1_greedy", 10.0 / 16);
    CHECK_FIG(out, "acc_bar2_greedy", 12.0 / 16);
    CHECK_FIG(out, "events_bar1_greedy", 0.0);
    CHECK(isnan(json_value(out, "acc_bar3_tf"))); /* two bars only */
    /* mu^2 / 2 per dimension with sigma = 1: 0.5 + 0.5 + 0.08 + 0 */
    CHECK_FIG(out, "active_dims", 2);
    CHECK_CLOSE(json_value(out, "kl"), 1.08, 1e-3);

    /* --max 2 takes windows 0 and 2 (i * n / want): 1 + 8 of 16 */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json --max 2",
                      model, corpus) == 0);
    CHECK_FIG(out, "windows", 2);
    CHECK_FIG(out, "acc_tf", 9.0 / 16);
    /* the train split's most common class is 40 (10 of 16) */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json --split train",
                      model, corpus) == 0);
    CHECK_FIG(out, "common_class", 40);
    CHECK_FIG(out, "acc_common", 10.0 / 16);
    /* the text report has the same figures in its table */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s'", model, corpus) == 0);
    CHECK_MSG(strstr(out, "accuracy teacher-forced 0.5938"), "%s", out);
    CHECK_MSG(strstr(out, "active latent dimensions 2 of 4"), "%s", out);
    CHECK_MSG(strstr(out, "pitch-change onsets"), "%s", out);
    CHECK_MSG(strstr(out, "accuracy by bar") && strstr(out, "bar 2"), "%s", out);
    /* an empty split is refused */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --split valid", model,
                      corpus) == 1);
    CHECK_MSG(strstr(err, "valid split is empty"), "%s", err);
}

/* Harmony figures on melody_test with chords (token t is pitch 19 + t: 40 B,
 * 42 C#, 45 E, 47 F#, 50 A): window 1 under A major (A C# E) throughout,
 * window 2 D major (D F# A) for steps 0-3 and no chord after, window 3
 * C major, window 4 E minor (E G B). */
static void melody_chords(uint8_t chords[4][SEQ])
{
    for (int s = 0; s < SEQ; s++) {
        chords[0][s] = chord_id(9, MV_CHORD_MAJ);
        chords[1][s] = s < 4 ? chord_id(2, MV_CHORD_MAJ) : MV_CHORD_NONE;
        chords[2][s] = chord_id(0, MV_CHORD_MAJ);
        chords[3][s] = chord_id(4, MV_CHORD_MIN);
    }
}

static void test_harmony(void)
{
    const char *corpus = fixture_path("mel_chords.bin");
    uint8_t chords[4][SEQ];
    melody_chords(chords);
    char e[512];
    mv_corpus_writer *w = corpus_writer_open(corpus, MV_REPR_MELODY, 90, 21, 2, 4, e, sizeof e);
    CHECK(w && corpus_writer_set_chords(w) == 0);
    for (int i = 0; w && i < 4; i++)
        CHECK(corpus_writer_add_chords(w, MV_SPLIT_TEST, melody_test[i], chords[i], "t.mid", 0,
                                       0) == 0);
    CHECK(w && corpus_writer_close(w, e, sizeof e) == 0);
    static char out[16384], err[4096];
    for (uint32_t chord_input = 0; chord_input <= 1; chord_input++) {
        const char *model = fixture_path(chord_input ? "mel_ch.mvae" : "mel_noch.mvae");
        CHECK(write_copy_model_chords(model, MV_REPR_MELODY, 90, chord_input) == 0);
        CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json",
                              model, corpus) == 0, "%s", err);
        /* data onsets at steps with a chord: B C# C# | A A | - | E F#: on a
         * chord tone C# C# | A A | E: 5 of 7 (window 2's onsets are at steps
         * 2 and 3, under D major) */
        CHECK_FIG(out, "chord_tones_data", 5.0 / 7);
        /* teacher-forced = the previous true token: onsets B (t1) C# C# | A
         * (t3; A at t4 has no chord) | E F# (t1, t2): on a tone C# C# A E,
         * 4 of 6 */
        const char *suffix[2] = {"", "_no_chord"};
        for (uint32_t row = 0; row <= chord_input; row++) {
            char key[64];
            snprintf(key, sizeof key, "chord_tones_tf%s", suffix[row]);
            CHECK_FIG(out, key, 4.0 / 6);
            snprintf(key, sizeof key, "chord_tones_greedy%s", suffix[row]);
            CHECK_NULL(out, key); /* greedy plays no onset */
            snprintf(key, sizeof key, "chord_tones_prior%s", suffix[row]);
            double prior = json_value(out, key);
            CHECK_MSG(prior >= 0 && prior <= 1, "%s %g", key, prior);
        }
        /* a model without chord input has no "no chord" row: it always has none */
        CHECK(chord_input || isnan(json_value(out, "chord_tones_tf_no_chord")));
        CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s'", model,
                          corpus) == 0);
        CHECK_MSG(strstr(out, "chord tones data                      0.7143") &&
                      strstr(out, "chord tones teacher-forced            0.6667") &&
                      strstr(out, "chord tones prior"),
                  "%s", out);
        CHECK(!chord_input || strstr(out, "chord tones sampled (no chord)"));
    }
    /* a corpus without chords prints no harmony */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s'",
                      fixture_path("mel_noch.mvae"), fixture_path("mel.bin")) == 0);
    CHECK(!strstr(out, "chord tones"));
}

/* Drum windows: bits kick 1, snare 2, closed hat 4, open hat 8. */
static const int32_t drum_test[4][SEQ] = {
    {5, 0, 2, 0, 5, 0, 2, 0},
    {4, 4, 4, 4, 6, 6, 0, 0},
    {1, 1, 0, 0, 0, 0, 0, 1},
    {0, 0, 0, 0, 0, 0, 0, 8},
};

static void test_drums(void)
{
    const char *model = fixture_path("drums.mvae"), *corpus = fixture_path("drums.bin");
    CHECK(write_copy_model(model, MV_REPR_DRUMS, 512) == 0);
    CHECK(write_corpus(corpus, MV_REPR_DRUMS, 512, drum_test, 4, drum_test, 1) == 0);
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json", model,
                          corpus) == 0, "%s", err);
    /* teacher-forced predictions 0 5 0 2 0 5 0 2 | 0 4 4 4 4 6 6 0 | 0 1 1 0 0 0 0 0 | 0 x 7, 0 */
    CHECK_FIG(out, "acc_tf", 17.0 / 32);      /* 0 + 5 + 5 + 7 */
    CHECK_FIG(out, "hitsteps_tf", 5.0 / 14);  /* window 2 t1 t2 t3 t5, window 3 t1 */
    CHECK_FIG(out, "recall_kick_tf", 1.0 / 5);
    CHECK_FIG(out, "precision_kick_tf", 1.0 / 4);
    CHECK_FIG(out, "recall_snare_tf", 1.0 / 4);
    CHECK_FIG(out, "precision_snare_tf", 1.0 / 4);
    CHECK_FIG(out, "recall_closed_hat_tf", 5.0 / 8);
    CHECK_FIG(out, "precision_closed_hat_tf", 5.0 / 8);
    CHECK_FIG(out, "recall_open_hat_tf", 0);
    CHECK_NULL(out, "precision_open_hat_tf");  /* never predicted */
    CHECK_NULL(out, "recall_ride_tf");         /* never played */
    /* all instruments: 5 + 4 + 8 + 1 = 18 true hits, 4 + 4 + 8 predicted
     * (kick, snare, closed hat; open hat never), 1 + 1 + 5 = 7 both */
    CHECK_FIG(out, "hit_f1_tf", 2.0 * 7 / (18 + 16));
    CHECK_FIG(out, "hit_f1_greedy", 0);
    CHECK_FIG(out, "acc_greedy", 18.0 / 32);   /* all zeros */
    CHECK_FIG(out, "recall_kick_greedy", 0);
    CHECK_NULL(out, "precision_kick_greedy");
    CHECK_FIG(out, "exact_greedy", 0);
    CHECK(!strstr(out, "onset_tf")); /* melody figures only for melodies */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s'", model, corpus) == 0);
    CHECK_MSG(strstr(out, "open_hat") && strstr(out, "steps with hits") &&
                  strstr(out, "hit F1 teacher-forced   0.4118") && strstr(out, "hit F1 sampled"),
              "%s", out);
}

/* Piano-roll windows of 3 pitches (60, 61, 62): per step 3 sounding bits, then
 * 3 onset bits. A: a chord 60+61 for 4 steps, then 62 for 4; B: 61 struck
 * twice (steps 0 and 2, 2 steps each), then silence. */
#define ROLL_K 6
static const uint8_t roll_test[2][SEQ][ROLL_K] = {
    {{1, 1, 0, 1, 1, 0}, {1, 1, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0},
     {0, 0, 1, 0, 0, 1}, {0, 0, 1, 0, 0, 0}, {0, 0, 1, 0, 0, 0}, {0, 0, 1, 0, 0, 0}},
    {{0, 1, 0, 0, 1, 0}, {0, 1, 0, 0, 0, 0}, {0, 1, 0, 0, 1, 0}, {0, 1, 0, 0, 0, 0},
     {0}, {0}, {0}, {0}},
};

static void test_roll(void)
{
    const char *model = fixture_path("roll.mvae"), *corpus = fixture_path("roll.bin");
    CHECK(write_copy_model(model, MV_REPR_ROLL, ROLL_K) == 0);
    CHECK(write_corpus(corpus, MV_REPR_ROLL, ROLL_K, (const int32_t(*)[SEQ])roll_test, 2,
                       (const int32_t(*)[SEQ])roll_test, 1) == 0);
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json", model,
                          corpus) == 0, "%s", err);
    /* teacher-forced = repeat the previous true step (silence at step 0):
     * A: onsets predicted at t1 (60, 61) and t5 (62), none right; truth's 3 missed;
     *    sounding: t0 misses 2, t1-t3 hit 6, t4 2 false (60, 61) and 1 miss, t5-t7 hit 3
     * B: onsets predicted at t1 and t3 (61), none right; 2 missed;
     *    sounding: t0 miss, t1-t3 hit 3, t4 false alarm */
    CHECK_FIG(out, "windows", 2);
    CHECK_FIG(out, "onset_f1_tf", 0);
    CHECK_FIG(out, "onset_precision_tf", 0);        /* 0 of 5 */
    CHECK_FIG(out, "sounding_f1_tf", 24.0 / 31);    /* hits 12, false 3, missed 4 */
    CHECK_FIG(out, "sounding_f1_repeat", 24.0 / 31);
    CHECK_FIG(out, "exact_tf", 0);
    /* greedy from the zero first input stays silent */
    CHECK_FIG(out, "onset_recall_greedy", 0);
    CHECK_NULL(out, "onset_precision_greedy");
    CHECK_FIG(out, "empty_recon", 1);
    CHECK_FIG(out, "empty_prior_t0", 1);
    /* data: 5 onsets over 4 bars; 16 sounding cells over 12 sounding steps; ranges 2, 0 */
    CHECK_FIG(out, "notes_per_bar_data", 5.0 / 4);
    CHECK_FIG(out, "polyphony_data", 16.0 / 12);
    CHECK_FIG(out, "range_data", 1);
    CHECK_FIG(out, "active_dims", 2);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s'", model, corpus) == 0);
    CHECK_MSG(strstr(out, "onset F1 teacher-forced 0.0000") && strstr(out, "onset F1 sampled") &&
                  strstr(out, "prior samples, temperature 1.0"),
              "%s", out);
    /* --refine decodes from refined z: the copy model's decode does not depend
     * on z, so every figure stays, and the header says so */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --refine 3", model,
                      corpus) == 0);
    CHECK_MSG(strstr(out, "z = mu refined (at most 3 steps)") &&
                  strstr(out, "onset F1 teacher-forced 0.0000"),
              "%s", out);
}

/* --refine: a model of random weights (three times the init's scale, so that
 * z moves the logits), whose mu decodes the windows poorly;
 * from refined z greedy decoding gets more steps right (never fewer windows),
 * the teacher-forced CE falls, and the KL (the encoder's posterior) stays. */
/* Groove windows (kick 0, snare 1, closed hat 2): hits with velocities and
 * offsets in 1/128 step. A: kick t0 (100, -8), snare t2 (80, +16), kick t3
 * (90, 0) with closed hat t3 (50, -32), kick t4 (110, +8); B: kick t0..t3
 * (60, 0), (70, +8), (80, -8), (90, +16). */
static void groove_hit(uint8_t *step, int voice, int velocity, int offset)
{
    step[MV_GROOVE_HIT + voice] = 1;
    step[MV_GROOVE_VELOCITY + voice] = (uint8_t)velocity;
    step[MV_GROOVE_OFFSET + voice] = (uint8_t)(int8_t)offset;
}

/* `morphvae spread` on the groove copy model, whose teacher-forced velocity is
 * 127 sigmoid(0) = 63.5 and offset 0 for every hit: the rms errors of the
 * test split's hits (groove_hit's table above), stored in the model; eval's
 * prior then varies its velocities and offsets. */
static void test_groove_spread(const char *model, const char *corpus)
{
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "spread '%s' '%s' --split test",
                          model, corpus) == 0, "%s", err);
    mv_weights *w;
    char e[512];
    CHECK_MSG(weights_read(model, &w, e, sizeof e) == 0, "%s", e);
    const float *sd = NULL;
    CHECK(w && weights_output_sd(w, model, &sd, e, sizeof e) == 0 && sd);
    if (!sd) return;
    /* kick: velocities 100 90 110 60 70 80 90, offsets -8 0 8 0 8 -8 16 of 128 */
    const double kick_v[7] = {100, 90, 110, 60, 70, 80, 90}, kick_o[7] = {-8, 0, 8, 0, 8, -8, 16};
    double sv = 0, so = 0;
    for (int i = 0; i < 7; i++) {
        sv += (kick_v[i] - 63.5) * (kick_v[i] - 63.5);
        so += kick_o[i] / 128 * kick_o[i] / 128;
    }
    CHECK_CLOSE(sd[MV_GROOVE_VELOCITY + 0], sqrt(sv / 7), 1e-4);
    CHECK_CLOSE(sd[MV_GROOVE_OFFSET + 0], sqrt(so / 7), 1e-4);
    CHECK_CLOSE(sd[MV_GROOVE_VELOCITY + 1], 80 - 63.5, 1e-4); /* snare: one hit, +16 */
    CHECK_CLOSE(sd[MV_GROOVE_OFFSET + 1], 16.0 / 128, 1e-4);
    CHECK_CLOSE(sd[MV_GROOVE_VELOCITY + 2], 63.5 - 50, 1e-4); /* closed hat: 50, -32 */
    CHECK_CLOSE(sd[MV_GROOVE_OFFSET + 2], 32.0 / 128, 1e-4);
    for (int i = 3; i < MV_GROOVE_VOICES; i++) CHECK(sd[MV_GROOVE_VELOCITY + i] == 0);
    for (int i = 0; i < MV_GROOVE_VOICES; i++) CHECK(sd[MV_GROOVE_HIT + i] == 0);
    weights_free(w);
    /* the prior's velocities now spread around 64 (they were all 64) */
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json", model,
                      corpus) == 0);
    CHECK_FIG(out, "prior_spread", 1);
    CHECK_MSG(json_value(out, "velocity_sd_all_prior") > 5, "%s", out);
    CHECK(json_value(out, "abs_offset_mean_all_prior") > 0.01);
    /* teacher-forced and greedy figures do not move */
    CHECK_FIG(out, "velocity_mae_tf", 94.0 / 4);
    CHECK_FIG(out, "hit_f1_greedy", 0);
    /* only for groove models */
    const char *mel = fixture_path("mel.mvae"), *mel_corpus = fixture_path("mel.bin");
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "spread '%s' '%s'", mel,
                      mel_corpus) == 1);
    CHECK_MSG(strstr(err, "spread is for groove models"), "%s", err);
}

static void test_groove(void)
{
    static uint8_t w[2][SEQ][MV_GROOVE_STEP_BYTES];
    groove_hit(w[0][0], 0, 100, -8);
    groove_hit(w[0][2], 1, 80, 16);
    groove_hit(w[0][3], 0, 90, 0);
    groove_hit(w[0][3], 2, 50, -32);
    groove_hit(w[0][4], 0, 110, 8);
    const int kicks[4][2] = {{60, 0}, {70, 8}, {80, -8}, {90, 16}};
    for (int t = 0; t < 4; t++) groove_hit(w[1][t], 0, kicks[t][0], kicks[t][1]);
    const char *model = fixture_path("groove.mvae"), *corpus = fixture_path("groove.bin");
    CHECK(write_copy_model(model, MV_REPR_GROOVE, MV_GROOVE_STEP_BYTES) == 0);
    CHECK(write_corpus(corpus, MV_REPR_GROOVE, MV_GROOVE_STEP_BYTES, (const void *)w, 2,
                       (const void *)w, 1) == 0);
    static char out[16384], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --json", model,
                          corpus) == 0, "%s", err);
    /* teacher-forced = the previous true step's hits at velocity 64, offset 0:
     * A: kick t1, snare t3, kick + hat t4, kick t5; B: kick t1..t4.
     * kick: A finds t4 of t0 t3 t4 (false t1 t5), B t1 t2 t3 of t0..t3 (false
     * t4): 4 found, 3 missed, 3 false; snare: t2 missed, t3 false; hat: t3
     * missed, t4 false. All: 4 found, 5 missed, 5 false. */
    CHECK_FIG(out, "windows", 2);
    CHECK_FIG(out, "hit_f1_tf", 2.0 * 4 / (2 * 4 + 5 + 5));
    CHECK_FIG(out, "recall_kick_tf", 4.0 / 7);
    CHECK_FIG(out, "precision_kick_tf", 4.0 / 7);
    CHECK_FIG(out, "recall_snare_tf", 0);
    CHECK_FIG(out, "precision_closed_hat_tf", 0);
    CHECK_NULL(out, "recall_ride_tf"); /* never played */
    /* the 4 found kicks: |110 - 64| + |70 - 64| + |80 - 64| + |90 - 64| = 94,
     * offsets 8 + 8 + 8 + 16 = 40 of 128 */
    CHECK_FIG(out, "velocity_mae_tf", 94.0 / 4);
    CHECK_FIG(out, "offset_mae_tf", 40.0 / 128 / 4);
    /* greedy from a silent start stays silent: nothing found, nothing matched */
    CHECK_FIG(out, "hit_f1_greedy", 0);
    CHECK_FIG(out, "recall_kick_greedy", 0);
    CHECK_NULL(out, "velocity_mae_greedy");
    /* the data's 9 hits: velocities 100 80 90 50 110 60 70 80 90 (sum 730,
     * squares 62100), |offsets| 8 16 0 32 8 0 8 8 16 = 96 of 128; 9 hits in
     * 4 bars; a kick on step 0 in both windows */
    CHECK_FIG(out, "velocity_mean_all_data", 730.0 / 9);
    CHECK_FIG(out, "velocity_sd_all_data", sqrt(62100.0 / 9 - (730.0 / 9) * (730.0 / 9)));
    CHECK_FIG(out, "abs_offset_mean_all_data", 96.0 / 128 / 9);
    CHECK_FIG(out, "velocity_mean_kick_data", (100 + 90 + 110 + 60 + 70 + 80 + 90) / 7.0);
    CHECK_FIG(out, "hits_per_bar_data", 9.0 / 4);
    CHECK_FIG(out, "kick_one_data", 1);
    /* prior samples draw hits at the groove temperature (logit -0.3 after a silent
     * step), each at velocity 64 on the grid */
    CHECK(json_value(out, "hits_per_bar_prior") > 0);
    CHECK_FIG(out, "velocity_mean_all_prior", 64);
    CHECK_FIG(out, "velocity_sd_all_prior", 0);
    CHECK_FIG(out, "abs_offset_mean_all_prior", 0);
    CHECK_FIG(out, "prior_spread", 0);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s'", model, corpus) == 0);
    CHECK_MSG(strstr(out, "hit F1 teacher-forced   0.4444") &&
                  strstr(out, "velocity MAE teacher-forced 23.50"),
              "%s", out);
    test_groove_spread(model, corpus);
}

static void test_refine(void)
{
    const mv_hparams hp = {MV_REPR_MELODY, 90, 21, 2, 4, 8, 8, 1, 8, 1, 8, 1, 0};
    const char *model = fixture_path("random.mvae"), *corpus = fixture_path("mel_r.bin");
    size_t bytes = (model_block_floats(&hp) * sizeof(float) + 63) / 64 * 64;
    float *block = aligned_alloc(64, bytes);
    mv_tensor tensors[MV_MAX_TENSORS];
    char e[512];
    model_init_params(&hp, block, 5);
    for (uint64_t i = 0; i < model_block_floats(&hp); i++) block[i] *= 3;
    int n = model_carve(&hp, block, tensors);
    CHECK_MSG(weights_write(model, &hp, tensors, (size_t)n, NULL, 0, e, sizeof e) == 0, "%s", e);
    free(block);
    CHECK(write_corpus(corpus, MV_REPR_MELODY, 90, melody_test, 4, melody_train, 2) == 0);
    static char out[16384], err[4096], mu_json[16384];
    CHECK(fixture_run(exe, mu_json, sizeof mu_json, err, sizeof err, "eval '%s' '%s' --json",
                      model, corpus) == 0);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err,
                      "eval '%s' '%s' --json --refine 100", model, corpus) == 0);
    CHECK_FIG(mu_json, "refine_steps", 0);
    CHECK_FIG(out, "refine_steps", 100);
    CHECK_MSG(json_value(out, "acc_greedy") > json_value(mu_json, "acc_greedy"), "%s\n%s", mu_json,
              out);
    CHECK(json_value(out, "exact_greedy") >= json_value(mu_json, "exact_greedy"));
    CHECK(json_value(out, "recon") < json_value(mu_json, "recon"));
    CHECK_FIG(out, "kl", json_value(mu_json, "kl"));
    /* progress on stderr without a terminal: here a line per window (issue 26) */
    setenv("MORPHVAE_PROGRESS_SECONDS", "0", 1);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --refine", model,
                      corpus) == 0);
    unsetenv("MORPHVAE_PROGRESS_SECONDS");
    char want[64];
    snprintf(want, sizeof want, "z = mu refined (at most %d steps)", MV_REFINE_DEFAULT_STEPS);
    CHECK_MSG(strstr(out, want) != NULL, "%s", out);
    CHECK_MSG(strstr(err, "morphvae eval: 1/4 windows refined (25 %)") &&
                  strstr(err, "morphvae eval: 3/4 windows refined") &&
                  strstr(err, "morphvae eval: 4 windows refined in"),
              "progress: %s", err);
    CHECK(fixture_run(exe, out, sizeof out, err, sizeof err, "eval '%s' '%s' --refine 0", model,
                      corpus) == 2);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MORPHVAE\n", argv[0]);
        return 2;
    }
    exe = argv[1];
    test_melody();
    test_harmony();
    test_drums();
    test_roll();
    test_groove();
    test_refine();
    fixture_cleanup();
    return check_report();
}
