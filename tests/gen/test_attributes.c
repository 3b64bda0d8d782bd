/* Attributes: core/attributes.c on hand-made windows (melody, drums, piano roll)
 * with hand-counted values;
 * `morphvae attributes` on a corpus of known windows stores the right attribute
 * statistics, unit vectors that point to more of the attribute, keeps the
 * model's tensors and other metadata, and names the corpus when it does not fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attribute_fit.h"
#include "attributes.h"
#include "check.h"
#include "corpus.h"
#include "decoder.h"
#include "gen_fixture.h"
#include "groove.h"
#include "model.h"
#include "tokens.h"
#include "weights.h"

#define MEL(p) (2 + (p) - 21)

static void test_melody_window(void)
{
    mv_hparams hp;
    hparams_preset("tiny", &hp); /* melody, 2 bars x 16 steps, pitches from 21 */
    int32_t t[32] = {0};
    /* C4 0-4, E4 6-9, D4 9-12, G4 12-20, C5 27-end. */
    t[0] = MEL(60);
    t[4] = MV_MELODY_NOTE_OFF;
    t[6] = MEL(64);
    t[9] = MEL(62);
    t[12] = MEL(67);
    t[20] = MV_MELODY_NOTE_OFF;
    t[27] = MEL(72);
    float a[MV_ATTR_COUNT];
    attributes_compute(&hp, t, a);
    CHECK_CLOSE(a[MV_ATTR_NOTE_DENSITY], 2.5, 1e-6);     /* 5 notes / 2 bars */
    CHECK_CLOSE(a[MV_ATTR_MEAN_PITCH], 65.0, 1e-6);      /* 325 / 5 */
    CHECK_CLOSE(a[MV_ATTR_PITCH_RANGE], 12.0, 1e-6);     /* 72 - 60 */
    CHECK_CLOSE(a[MV_ATTR_MEAN_INTERVAL], 4.0, 1e-6);    /* |+4 -2 +5 +5| / 4 */
    CHECK_CLOSE(a[MV_ATTR_CONTOUR], 3.0, 1e-6);          /* +12 / 4 */
    CHECK_CLOSE(a[MV_ATTR_STEPWISE], 0.25, 1e-6);        /* only the -2 */
    CHECK_CLOSE(a[MV_ATTR_REPETITION], 0.0, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_16], 0.4, 1e-6);   /* steps 9 and 27 of 5 onsets */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_8], 0.2, 1e-6);    /* step 6 */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION], 0.4, 1e-6);      /* odd 16ths 9, 27; even 0, 6, 12 */
    CHECK_CLOSE(a[MV_ATTR_MEAN_DURATION], 4.6, 1e-6);    /* (4+3+3+8+5) / 5 */
    CHECK_CLOSE(a[MV_ATTR_REST_FRACTION], 9.0 / 32, 1e-6);
    CHECK(isnan(a[MV_ATTR_KICK_DENSITY]) && isnan(a[MV_ATTR_POLYPHONY]));

    /* Shifted by a 16th: the onsets move to 1, 7, 10, 13, 28 (odd 1, 7, 13), so
     * the 16th syncopation flips to 3/5; against the window's own 8th grid it
     * stays 2/5. */
    int32_t shifted[32] = {0};
    memcpy(shifted + 1, t, sizeof t[0] * 31);
    attributes_compute(&hp, shifted, a);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_16], 0.6, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_8], 0.2, 1e-6); /* step 10 */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION], 0.4, 1e-6);

    int32_t empty[32] = {0};
    attributes_compute(&hp, empty, a);
    CHECK(a[MV_ATTR_NOTE_DENSITY] == 0);
    CHECK(a[MV_ATTR_REST_FRACTION] == 1);
    CHECK(isnan(a[MV_ATTR_MEAN_PITCH]) && isnan(a[MV_ATTR_SYNCOPATION_16]) &&
          isnan(a[MV_ATTR_SYNCOPATION]));

    int32_t one[32] = {0};
    one[3] = MEL(50); /* a repeated D3 */
    one[5] = MEL(50);
    one[6] = MV_MELODY_NOTE_OFF;
    attributes_compute(&hp, one, a);
    CHECK_CLOSE(a[MV_ATTR_REPETITION], 1.0, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_MEAN_INTERVAL], 0.0, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_16], 1.0, 1e-6); /* steps 3 and 5 */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION], 0.0, 1e-6);    /* both odd: none off their grid */
    one[5] = 0;
    attributes_compute(&hp, one, a);
    CHECK(isnan(a[MV_ATTR_MEAN_INTERVAL]));
    CHECK_CLOSE(a[MV_ATTR_MEAN_DURATION], 3.0, 1e-6);
}

/* A groove window plays its hits: the drum window below with velocities and
 * offsets has that window's drum attributes (window dispatch), and the drum
 * attributes apply to groove models, the melody-only ones not. */
static void check_groove_window(const int32_t *tokens, const float *want)
{
    mv_hparams hp;
    hparams_preset("groove_2bar", &hp);
    uint8_t steps[32 * MV_GROOVE_STEP_BYTES] = {0};
    for (int t = 0; t < 32; t++)
        for (int i = 0; i < MV_GROOVE_VOICES; i++) {
            if (!(tokens[t] >> i & 1)) continue;
            uint8_t *s = steps + t * MV_GROOVE_STEP_BYTES;
            s[MV_GROOVE_HIT + i] = 1;
            s[MV_GROOVE_VELOCITY + i] = (uint8_t)(40 + 9 * i);
            s[MV_GROOVE_OFFSET + i] = (uint8_t)(int8_t)(t % 3 - 1) * 20;
        }
    float a[MV_ATTR_COUNT];
    attributes_compute_window(&hp, steps, a);
    for (int k = 0; k < MV_ATTR_COUNT; k++) {
        CHECK(attribute_applies(k, MV_REPR_GROOVE) == attribute_applies(k, MV_REPR_DRUMS));
        if (attribute_applies(k, MV_REPR_DRUMS)) CHECK_CLOSE(a[k], want[k], 1e-6);
        else CHECK(isnan(a[k]));
    }
}

static void test_drum_window(void)
{
    mv_hparams hp;
    hparams_preset("drums_2bar", &hp);
    int32_t t[32] = {0};
    t[0] = 1 | 4;      /* kick, closed hat */
    t[4] = 2 | 4;      /* snare, closed hat */
    t[6] = 4;          /* closed hat */
    t[8] = 1;          /* kick */
    t[10] = 1 | 8;     /* kick, open hat */
    t[12] = 2 | 128;   /* snare, crash */
    t[14] = 16;        /* low tom */
    t[15] = 256;       /* ride */
    float a[MV_ATTR_COUNT];
    attributes_compute(&hp, t, a);
    CHECK_CLOSE(a[MV_ATTR_NOTE_DENSITY], 6.0, 1e-6); /* 12 hits / 2 bars */
    CHECK_CLOSE(a[MV_ATTR_KICK_DENSITY], 1.5, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SNARE_DENSITY], 1.0, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_HIHAT_DENSITY], 2.0, 1e-6);
    check_groove_window(t, a);
    CHECK_CLOSE(a[MV_ATTR_TOM_DENSITY], 0.5, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_CYMBAL_DENSITY], 1.0, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_16], 1.0 / 12, 1e-6); /* the ride on step 15 */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_8], 4.0 / 12, 1e-6);  /* steps 6, 10 (2 hits), 14 */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION], 1.0 / 12, 1e-6);    /* 11 hits on even 16ths */
    CHECK(isnan(a[MV_ATTR_MEAN_PITCH]));
    CHECK(attribute_find("syncopation_16th") == MV_ATTR_SYNCOPATION_16);
    CHECK(attribute_find("no such thing") == -1);
    CHECK(attribute_applies(MV_ATTR_KICK_DENSITY, MV_REPR_DRUMS));
    CHECK(!attribute_applies(MV_ATTR_KICK_DENSITY, MV_REPR_MELODY));
    CHECK(attribute_find("syncopation") == MV_ATTR_SYNCOPATION);
    float r[MV_ATTR_COUNT];
    attributes_compute_roll(&hp, (const uint8_t *)t, r); /* not a roll model: nothing */
    for (int k = 0; k < MV_ATTR_COUNT; k++) CHECK(isnan(r[k]));
}

/* A piano-roll window of 2 bars x 16 steps (roll_2bar: 88 pitches from 21). */
#define ROLL_P 88
#define ROLL_W (2 * ROLL_P)
static void roll_note(uint8_t *roll, int pitch, int start, int end, int onset)
{
    for (int s = start; s < end; s++) roll[s * ROLL_W + pitch - 21] = 1;
    if (onset) roll[start * ROLL_W + ROLL_P + pitch - 21] = 1;
}

static void test_roll_window(void)
{
    mv_hparams hp;
    hparams_preset("roll_2bar", &hp);
    CHECK(hp.repr == MV_REPR_ROLL && hp.n_classes == ROLL_W && hp.min_pitch == 21 &&
          hparams_seq_len(&hp) == 32);
    static uint8_t roll[32 * ROLL_W];
    /* C4 + E4 chord at 0 (C4 for 4 steps, E4 for 8), G4 at 4-6, C4 struck again
     * at 8 and at 10 (two notes: the second onset ends the first), C5 27-end. */
    roll_note(roll, 60, 0, 4, 1);
    roll_note(roll, 64, 0, 8, 1);
    roll_note(roll, 67, 4, 6, 1);
    roll_note(roll, 60, 8, 12, 1);
    roll_note(roll, 60, 10, 12, 1);
    roll_note(roll, 72, 27, 32, 1);
    float a[MV_ATTR_COUNT];
    attributes_compute_roll(&hp, roll, a);
    CHECK_CLOSE(a[MV_ATTR_NOTE_DENSITY], 3.0, 1e-6);         /* 6 notes / 2 bars */
    CHECK_CLOSE(a[MV_ATTR_MEAN_PITCH], 383.0 / 6, 1e-5);     /* 60 64 67 60 60 72 */
    CHECK_CLOSE(a[MV_ATTR_PITCH_RANGE], 12.0, 1e-6);         /* 72 - 60 */
    CHECK_CLOSE(a[MV_ATTR_MEAN_DURATION], 23.0 / 6, 1e-6);   /* 4 8 2 2 2 5 */
    CHECK_CLOSE(a[MV_ATTR_REST_FRACTION], 15.0 / 32, 1e-6);  /* sounding 0-11, 27-31 */
    /* sounding pitches: 2 at 0-5, 1 at 6-11 and 27-31: 23 over 17 steps */
    CHECK_CLOSE(a[MV_ATTR_POLYPHONY], 23.0 / 17, 1e-6);
    /* onsets 0 (2), 4, 8, 10, 27: one odd 16th (27), one 8th off-beat (10) */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_16], 1.0 / 6, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_8], 1.0 / 6, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION], 1.0 / 6, 1e-6);
    CHECK(isnan(a[MV_ATTR_MEAN_INTERVAL]) && isnan(a[MV_ATTR_KICK_DENSITY]));

    /* A pitch sounding at step 0 without its onset bit (held from before the
     * window) is a note there, as roll_to_notes plays it; a pitch that goes on
     * sounding without a new onset is one note. */
    memset(roll, 0, sizeof roll);
    roll_note(roll, 50, 0, 2, 0);
    roll_note(roll, 55, 5, 9, 1);
    roll_note(roll, 50, 5, 6, 1);
    attributes_compute_roll(&hp, roll, a);
    CHECK_CLOSE(a[MV_ATTR_NOTE_DENSITY], 1.5, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_MEAN_PITCH], 155.0 / 3, 1e-5);
    CHECK_CLOSE(a[MV_ATTR_PITCH_RANGE], 5.0, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_MEAN_DURATION], 7.0 / 3, 1e-6);   /* 2 4 1 */
    CHECK_CLOSE(a[MV_ATTR_POLYPHONY], 7.0 / 6, 1e-6);       /* 1 1 2 1 1 1 */
    CHECK_CLOSE(a[MV_ATTR_REST_FRACTION], 26.0 / 32, 1e-6);
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION_16], 2.0 / 3, 1e-6);  /* the two at step 5 */
    CHECK_CLOSE(a[MV_ATTR_SYNCOPATION], 1.0 / 3, 1e-6);     /* fewer: the one at 0 */

    memset(roll, 0, sizeof roll);
    attributes_compute_roll(&hp, roll, a);
    CHECK(a[MV_ATTR_NOTE_DENSITY] == 0 && a[MV_ATTR_REST_FRACTION] == 1);
    CHECK(isnan(a[MV_ATTR_POLYPHONY]) && isnan(a[MV_ATTR_MEAN_PITCH]) &&
          isnan(a[MV_ATTR_SYNCOPATION_16]) && isnan(a[MV_ATTR_MEAN_DURATION]));

    int32_t tokens[32] = {0};
    attributes_compute(&hp, tokens, a); /* a roll model has no token attributes */
    for (int k = 0; k < MV_ATTR_COUNT; k++) CHECK(isnan(a[k]));
    const int roll_attrs[] = {MV_ATTR_NOTE_DENSITY, MV_ATTR_MEAN_PITCH, MV_ATTR_PITCH_RANGE,
                              MV_ATTR_SYNCOPATION_16, MV_ATTR_SYNCOPATION_8, MV_ATTR_SYNCOPATION,
                              MV_ATTR_MEAN_DURATION, MV_ATTR_REST_FRACTION, MV_ATTR_POLYPHONY};
    int applies = 0;
    for (int k = 0; k < MV_ATTR_COUNT; k++) applies += attribute_applies(k, MV_REPR_ROLL);
    CHECK(applies == (int)(sizeof roll_attrs / sizeof roll_attrs[0]));
    for (size_t i = 0; i < sizeof roll_attrs / sizeof roll_attrs[0]; i++)
        CHECK(attribute_applies(roll_attrs[i], MV_REPR_ROLL));
    CHECK(!attribute_applies(MV_ATTR_POLYPHONY, MV_REPR_MELODY));
    CHECK(!attribute_applies(MV_ATTR_POLYPHONY, MV_REPR_DRUMS));
    CHECK(attribute_find("polyphony") == MV_ATTR_POLYPHONY);
}

/* The fit on hand-made latent codes. Attribute a_i = i % 8; one dimension
 * follows it exactly but moves 1/10 as much as the encoder's noise there (as a
 * collapsed unit does), another follows it with an error of +-1 and little
 * noise. Fitted to mu alone, the regression takes the exact one; fitted to
 * mu + sigma eps (what the decoder saw in training), the noisy-but-used one. */
static void test_fit(void)
{
    enum { N = 64 };
    float mu[N * 2], sigma[N * 2], attr[N], v[2], mu1[N], sigma1[N];
    for (int i = 0; i < N; i++) {
        attr[i] = (float)(i % 8);
        mu[2 * i] = attr[i] / 10, sigma[2 * i] = 1;
        mu[2 * i + 1] = attr[i] + (i % 2 ? 1.0f : -1.0f), sigma[2 * i + 1] = 0.1f;
        mu1[i] = mu[2 * i + 1], sigma1[i] = sigma[2 * i + 1];
    }
    mv_attribute_fit fit;
    CHECK(attribute_fit(MV_FIT_REGRESSION, mu, NULL, attr, N, 2, v, &fit) == 0);
    CHECK_MSG(fabsf(v[0]) > 0.9f, "v = %g %g", v[0], v[1]);
    CHECK(attribute_fit(MV_FIT_REGRESSION, mu, sigma, attr, N, 2, v, &fit) == 0);
    CHECK_MSG(v[1] > 0.9f, "v = %g %g", v[0], v[1]);
    CHECK_CLOSE(fit.attr_std, sqrt(5.25), 1e-6); /* of 0..7 */

    /* One dimension: w = sum xy / (sum x^2 + sum sigma^2 + ridge), step = sd / w. */
    double sx = 0, sy = 0, sxy = 0, sxx = 0, ss = 0;
    for (int i = 0; i < N; i++) sx += mu1[i], sy += attr[i];
    for (int i = 0; i < N; i++) {
        double x = mu1[i] - sx / N, y = attr[i] - sy / N;
        sxy += x * y, sxx += x * x, ss += (double)sigma1[i] * sigma1[i];
    }
    double w = sxy / ((sxx + ss) * (1 + 1e-3) + 1e-12);
    CHECK(attribute_fit(MV_FIT_REGRESSION, mu1, sigma1, attr, N, 1, v, &fit) == 0);
    CHECK(v[0] == 1.0f);
    CHECK_CLOSE(fit.step, sqrt(5.25) / w, 1e-4);
    /* Quartiles: 0, 1 (<= 1.75) against 6, 7 (>= 5.25); moving by the mu means'
     * difference d moves the attribute by 6.5 - 0.5, so one sd is d sd / 6. */
    double top = 0, bottom = 0;
    for (int i = 0; i < N; i++) {
        if (attr[i] >= 6) top += mu1[i] / 16;
        if (attr[i] <= 1) bottom += mu1[i] / 16;
    }
    CHECK(attribute_fit(MV_FIT_QUARTILES, mu1, NULL, attr, N, 1, v, &fit) == 0);
    CHECK_CLOSE(fit.step, (top - bottom) * sqrt(5.25) / 6, 1e-5);

    /* Partial: a grows along (1, 0) (1 sd per unit), b along (1, 1) (1 sd per
     * unit of each). Moving a by 1 sd with b held takes (1, -1); moving b with
     * a held, (0, 1). */
    const float va[2] = {1, 0}, vb[2] = {0.70710678f, 0.70710678f};
    const float *held[2] = {va, vb}, steps[2] = {1, 0.70710678f};
    float step;
    CHECK(attribute_partial(held, steps, 2, 0, 2, v, &step) == 0);
    CHECK_CLOSE(v[0], 0.70710678, 1e-5);
    CHECK_CLOSE(v[1], -0.70710678, 1e-5);
    CHECK_CLOSE(step, sqrt(2.0), 1e-5);
    CHECK(attribute_partial(held, steps, 2, 1, 2, v, &step) == 0);
    CHECK_CLOSE(v[0], 0, 1e-5);
    CHECK_CLOSE(v[1], 1, 1e-5);
    CHECK_CLOSE(step, 1, 1e-5);
    const float *same[2] = {va, va}; /* dependent: undefined */
    CHECK(attribute_partial(same, steps, 2, 0, 2, v, &step) == -1);
}

/* Training window i: (i % 8) + 1 quarter notes of pitch 48 + i, so note density
 * runs 0.5 .. 4 per bar (twice) and the mean pitch 48 .. 63. */
#define N_TRAIN 16
static void known_window(int i, int32_t *t)
{
    memset(t, 0, sizeof *t * 32);
    for (int k = 0; k < i % 8 + 1; k++) t[4 * k] = MEL(48 + i);
    t[31] = MV_MELODY_NOTE_OFF;
}

static int write_known_corpus(const char *path)
{
    char err[512];
    mv_corpus_writer *w = corpus_writer_open(path, MV_REPR_MELODY, 90, 21, 2, 16, err, sizeof err);
    if (!w) return -1;
    int32_t t[32];
    for (int i = 0; i < N_TRAIN; i++) {
        known_window(i, t);
        corpus_writer_add(w, MV_SPLIT_TRAIN, t, "known.mid", (uint32_t)i, 0);
    }
    for (int i = 0; i < 4; i++) {
        known_window(3 * i + 1, t);
        corpus_writer_add(w, MV_SPLIT_VALID, t, "valid.mid", (uint32_t)i, 0);
    }
    return corpus_writer_close(w, err, sizeof err);
}

static const float *meta_f32(const mv_weights *w, const char *key, uint64_t count)
{
    const mv_meta *m = weights_meta(w, key);
    CHECK_MSG(m && m->type == MV_META_F32 && m->count == count, "%s", key);
    return m && m->type == MV_META_F32 && m->count == count ? m->data : NULL;
}

static int meta_is(const mv_weights *w, const char *key, const char *text)
{
    const mv_meta *m = weights_meta(w, key);
    return m && m->type == MV_META_STR && m->count == strlen(text) && !memcmp(m->data, text, m->count);
}

/* mu . v of every training window through core's encoder. */
static void projections(const mv_weights *w, const float *v, double *proj, float *density)
{
    mv_model m;
    char err[256];
    CHECK(model_bind_weights(&m, w, err, sizeof err) == 0);
    mv_decoder *d = decoder_create(&m, 1);
    int Z = (int)weights_hparams(w)->z_size;
    float *mu = malloc(sizeof *mu * Z), *sigma = malloc(sizeof *sigma * Z);
    int32_t t[32];
    for (int i = 0; i < N_TRAIN; i++) {
        known_window(i, t);
        decoder_encode(d, window_tokens(t), 1, mu, sigma);
        proj[i] = 0;
        for (int k = 0; k < Z; k++) proj[i] += (double)mu[k] * v[k];
        density[i] = (float)(i % 8 + 1) / 2;
    }
    free(mu);
    free(sigma);
    decoder_free(d);
}

/* The quartile fit's predicted step for note density: the distance between the
 * mean mu of the densities >= 3.5 and <= 1.0 (4 windows each) per their density
 * gap of 3.75 - 0.75, times the density's sd. */
static double density_quartile_step(const char *model)
{
    mv_weights *w;
    mv_model m;
    char err[256];
    if (weights_read(model, &w, err, sizeof err) || model_bind_weights(&m, w, err, sizeof err))
        return NAN;
    mv_decoder *d = decoder_create(&m, 1);
    int Z = (int)weights_hparams(w)->z_size;
    float *mu = malloc(sizeof *mu * Z), *sigma = malloc(sizeof *sigma * Z);
    double *diff = calloc((size_t)Z, sizeof *diff), norm = 0;
    int32_t t[32];
    for (int i = 0; i < N_TRAIN; i++) {
        int notes = i % 8 + 1;
        if (notes > 2 && notes < 7) continue;
        known_window(i, t);
        decoder_encode(d, window_tokens(t), 1, mu, sigma);
        for (int k = 0; k < Z; k++) diff[k] += (notes >= 7 ? mu[k] : -mu[k]) / 4;
    }
    for (int k = 0; k < Z; k++) norm += diff[k] * diff[k];
    free(mu);
    free(sigma);
    free(diff);
    decoder_free(d);
    weights_free(w);
    return sqrt(norm) * 1.1456439 / 3.0;
}

static void check_stored(const char *model, const char *original, const char *method)
{
    mv_weights *w, *orig;
    char err[512];
    CHECK_MSG(weights_read(model, &w, err, sizeof err) == 0, "%s", err);
    CHECK(weights_read(original, &orig, err, sizeof err) == 0);
    int Z = (int)weights_hparams(w)->z_size;
    const float *dens = meta_f32(w, "attribute.note_density.stats", 4);
    const float *pitch = meta_f32(w, "attribute.mean_pitch.stats", 4);
    const float *v = meta_f32(w, "attribute.note_density.vector", (uint64_t)Z);
    if (dens && pitch && v) {
        CHECK_CLOSE(dens[0], 2.25, 1e-5);       /* mean of 0.5, 1, ..., 4 */
        CHECK_CLOSE(dens[1], 1.1456439, 1e-5);  /* sqrt(5.25) / 2 */
        CHECK_CLOSE(pitch[0], 55.5, 1e-5);      /* mean of 48 .. 63 */
        CHECK_CLOSE(pitch[1], 4.6097722, 1e-5); /* sqrt(21.25) */
        double norm = 0;
        for (int k = 0; k < Z; k++) norm += (double)v[k] * v[k];
        CHECK_CLOSE(norm, 1.0, 1e-5);
        double proj[N_TRAIN], mean = 0, sq = 0, cov = 0;
        float density[N_TRAIN];
        projections(w, v, proj, density);
        for (int i = 0; i < N_TRAIN; i++) mean += proj[i] / N_TRAIN;
        for (int i = 0; i < N_TRAIN; i++) {
            sq += (proj[i] - mean) * (proj[i] - mean) / N_TRAIN;
            cov += (proj[i] - mean) * (density[i] - 2.25);
        }
        CHECK_CLOSE(dens[2], mean, 1e-4);
        CHECK_MSG(dens[3] > 0 && dens[3] <= 8, "step %g", dens[3]); /* calibrated, capped */
        if (!strcmp(method, "regression")) CHECK_MSG(cov > 0, "covariance %g", cov);
        double top = 0, bottom = 0; /* densities >= 3.5 and <= 1.0 */
        for (int i = 0; i < N_TRAIN; i++) {
            if (density[i] >= 3.5) top += proj[i] / 4;
            if (density[i] <= 1.0) bottom += proj[i] / 4;
        }
        if (!strcmp(method, "quartiles")) CHECK_MSG(top > bottom, "%g vs %g", top, bottom);
    }
    CHECK(meta_is(w, "attribute.note_density.unit", "notes/bar"));
    CHECK(meta_is(w, "attribute.note_density.method", method));
    CHECK(meta_is(w, "attribute.mean_pitch.unit", "MIDI pitch"));
    CHECK(weights_meta(w, "attribute.kick_density.vector") == NULL);
    CHECK(meta_is(w, "provenance", "gen test fixture"));
    CHECK(weights_tensor_count(w) == weights_tensor_count(orig));
    for (size_t i = 0; i < weights_tensor_count(orig); i++) {
        const mv_tensor *a = weights_tensor_at(orig, i), *b = weights_tensor(w, a->name);
        CHECK(b && !memcmp(a->data, b->data, sizeof(float) * a->dims[0] * (a->ndim > 1 ? a->dims[1] : 1)));
    }
    weights_free(w);
    weights_free(orig);
}

static void test_command(const char *morphvae)
{
    const char *corpus = fixture_path("known.corpus"), *orig = fixture_path("orig.mvae");
    const char *reg = fixture_path("reg.mvae"), *quart = fixture_path("quart.mvae");
    CHECK(write_known_corpus(corpus) == 0);
    CHECK(fixture_random_model(orig, "tiny", 3) == 0);
    CHECK(fixture_random_model(reg, "tiny", 3) == 0);
    CHECK(fixture_random_model(quart, "tiny", 3) == 0);
    static char out[65536], err[4096];
    int rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                         "attributes '%s' '%s' --method regression --min-effect 0", reg, corpus);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    CHECK_MSG(strstr(out, "note_density") && strstr(out, "notes/bar") && strstr(out, "stored") &&
              strstr(out, "Step per +1 sd calibrated on 4 validation windows"), "%s", out);
    check_stored(reg, orig, "regression");
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "attributes '%s' '%s' --method quartiles --min-effect 0", quart, corpus);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    check_stored(quart, orig, "quartiles");
    /* uncalibrated, the stored step is the fit's prediction */
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "attributes '%s' '%s' --method quartiles --no-calibrate --min-effect 0", quart,
                     corpus);
    CHECK_MSG(rc == 0 && strstr(out, "not calibrated"), "exit %d: %s", rc, out);
    mv_weights *qw;
    if (weights_read(quart, &qw, err, sizeof err) == 0) {
        const float *dens = meta_f32(qw, "attribute.note_density.stats", 4);
        if (dens) CHECK_CLOSE(dens[3], density_quartile_step(quart), 1e-4);
        weights_free(qw);
    }

    /* --min-effect: a vector that does not move its attribute by that many sd is
     * not stored; the table says why. When none is left to store, nothing is
     * written (the model keeps the vectors it had), stderr says so and the
     * exit status is 1 (issue 26: never "stored" when nothing was). */
    mv_weights *before;
    int had = weights_read(reg, &before, err, sizeof err) == 0;
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "attributes '%s' '%s' --min-effect 100", reg, corpus);
    CHECK_MSG(rc == 1 && strstr(out, "note_density") && strstr(out, "< 100.00 sd)") &&
                  !strstr(out, "vectors stored") &&
                  strstr(err, "no attribute vector is usable") &&
                  strstr(err, "nothing stored: the model is left as it was"),
              "exit %d: %s%s", rc, out, err);
    mv_weights *nw;
    if (had && weights_read(reg, &nw, err, sizeof err) == 0) {
        for (int k = 0; k < MV_ATTR_COUNT; k++) {
            char key[MV_META_KEY_MAX];
            snprintf(key, sizeof key, "attribute.%s.vector", attribute_info(k)->name);
            CHECK_MSG(!weights_meta(nw, key) == !weights_meta(before, key), "%s changed", key);
        }
        CHECK(meta_is(nw, "provenance", "gen test fixture"));
        weights_free(nw);
    }
    if (had) weights_free(before);
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                     "attributes '%s' '%s' --min-effect -1", reg, corpus);
    CHECK(rc == 2);

    /* A drums corpus does not fit a melody model: the message names the corpus. */
    const char *drums = fixture_path("drums.corpus");
    char cerr[256];
    mv_corpus_writer *w = corpus_writer_open(drums, MV_REPR_DRUMS, 512, 0, 2, 16, cerr, sizeof cerr);
    int32_t t[32] = {1};
    for (int i = 0; i < 10; i++) corpus_writer_add(w, MV_SPLIT_TRAIN, t, "d.mid", 0, 0);
    CHECK(corpus_writer_close(w, cerr, sizeof cerr) == 0);
    rc = fixture_run(morphvae, out, sizeof out, err, sizeof err, "attributes '%s' '%s'", orig, drums);
    CHECK(rc == 1);
    CHECK_MSG(strstr(err, drums) != NULL, "%s", err);
    CHECK(fixture_same_bytes(fixture_path("orig.mvae"), orig));
}

/* Roll window i: i % 4 + 1 pitches (C4 E4 G4 C5) struck together on each of
 * the first (i / 4) % 4 + 1 quarters, a quarter long: polyphony i % 4 + 1,
 * density (i % 4 + 1) ((i / 4) % 4 + 1) / 2 notes per bar. */
static void roll_known_window(int i, uint8_t *roll)
{
    static const int pitches[4] = {60, 64, 67, 72};
    memset(roll, 0, 32 * ROLL_W);
    for (int q = 0; q < (i / 4) % 4 + 1; q++)
        for (int p = 0; p < i % 4 + 1; p++) roll_note(roll, pitches[p], 4 * q, 4 * q + 4, 1);
}

/* `morphvae attributes` on a piano-roll model and corpus: the roll attributes
 * are fitted, their statistics stored (over the 16 training windows, every
 * combination once: polyphony 1..4, mean 2.5, sd sqrt(1.25); density m q / 2,
 * mean 3.125, sd sqrt(7.5^2 / 4 - 3.125^2)), melody- and drum-only ones not. */
static void test_roll_command(const char *morphvae)
{
    const char *corpus = fixture_path("roll.corpus"), *model = fixture_path("roll.mvae");
    char cerr[256];
    mv_corpus_writer *w = corpus_writer_open(corpus, MV_REPR_ROLL, ROLL_W, 21, 2, 16, cerr,
                                             sizeof cerr);
    CHECK_MSG(w != NULL, "%s", cerr);
    static uint8_t roll[32 * ROLL_W];
    for (int i = 0; w && i < 16; i++) {
        roll_known_window(i, roll);
        corpus_writer_add(w, MV_SPLIT_TRAIN, roll, "known.mid", (uint32_t)i, 0);
    }
    for (int i = 0; w && i < 4; i++) {
        roll_known_window(5 * i + 2, roll);
        corpus_writer_add(w, MV_SPLIT_VALID, roll, "valid.mid", (uint32_t)i, 0);
    }
    CHECK(w && corpus_writer_close(w, cerr, sizeof cerr) == 0);
    CHECK(fixture_random_model(model, "roll_2bar", 4) == 0);
    static char out[65536], err[4096];
    int rc = fixture_run(morphvae, out, sizeof out, err, sizeof err,
                         "attributes '%s' '%s' --min-effect 0", model, corpus);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    CHECK_MSG(strstr(out, "polyphony") && strstr(out, "sounding pitches") &&
              !strstr(out, "mean_interval") && !strstr(out, "kick_density"), "%s", out);
    mv_weights *mw;
    CHECK_MSG(weights_read(model, &mw, err, sizeof err) == 0, "%s", err);
    if (!mw) return;
    const int Z = (int)weights_hparams(mw)->z_size;
    const float *poly = meta_f32(mw, "attribute.polyphony.stats", 4);
    const float *dens = meta_f32(mw, "attribute.note_density.stats", 4);
    if (poly) {
        CHECK_CLOSE(poly[0], 2.5, 1e-5);
        CHECK_CLOSE(poly[1], sqrt(1.25), 1e-5);
        CHECK_MSG(poly[3] > 0 && poly[3] <= 8, "step %g", poly[3]);
    }
    if (dens) {
        CHECK_CLOSE(dens[0], 3.125, 1e-5);
        CHECK_CLOSE(dens[1], sqrt(7.5 * 7.5 / 4 - 3.125 * 3.125), 1e-5);
    }
    CHECK(meta_f32(mw, "attribute.polyphony.vector", (uint64_t)Z) != NULL);
    CHECK(meta_is(mw, "attribute.polyphony.unit", "sounding pitches"));
    CHECK(weights_meta(mw, "attribute.mean_interval.vector") == NULL);
    CHECK(weights_meta(mw, "attribute.kick_density.vector") == NULL);
    weights_free(mw);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_attributes MORPHVAE\n");
        return 2;
    }
    test_melody_window();
    test_drum_window();
    test_roll_window();
    test_fit();
    test_command(argv[1]);
    test_roll_command(argv[1]);
    fixture_cleanup();
    return check_report();
}
