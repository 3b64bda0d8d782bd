/* The plugin's four attribute controls on the shipped models: each control binds
 * a vector as plugin/engine.c does (the first of its names the model stores),
 * and +1 on it (z = mu + stats[3] v) moves that attribute of the greedy decode
 * by at least MIN_EFFECT of its sd (stats[1]) on average, on windows of songs of
 * the corpora's test splits (never fitted or calibrated on), read and extracted
 * as `morphvae data` does. The melody model's syncopation control must bind
 * "syncopation": its 16th-syncopation vector moved nothing (README, attribute
 * knobs) and is no longer stored.
 * The same for the 4-bar melody and drum models on 4-bar windows.
 * Usage: test_knobs_shipped SHARED_DATA MODELS_DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attributes.h"
#include "check.h"
#include "decoder.h"
#include "extract.h"
#include "latent.h"
#include "midi_read.h"
#include "model.h"
#include "weights.h"

#define MAX_WINDOWS 320
#define STRIDE 5 /* every 5th window of a file */
/* `morphvae attributes` calibrates to 1 sd and the README's table measures
 * 0.86 .. 1.01 on 256 test windows; these fewer windows get some slack. */
#define MIN_EFFECT 0.75

/* plugin/engine.c, attr_names: the metadata names each control accepts. */
static const char *const knob_names[4][4] = {
    {"note_density", "density", NULL},
    {"mean_pitch", "register", NULL},
    {"pitch_range", "range", NULL},
    {"syncopation_16th", "syncopation", "syncopation16", NULL},
};

#define MAX_STEPS 64 /* 4 bars of 16 steps */

typedef struct collected {
    int32_t tokens[MAX_WINDOWS * MAX_STEPS]; /* [n][steps], contiguous as the decoder takes them */
    int n, seen, per_file, steps;
} collected;

static int take(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    collected *c = ctx;
    (void)bar, (void)transpose;
    if (c->seen++ % STRIDE == 0 && c->n < MAX_WINDOWS)
        memcpy(c->tokens + (size_t)c->n++ * c->steps, tokens, sizeof *c->tokens * c->steps);
    return c->seen >= c->per_file * STRIDE;
}

static int read_windows(const char *shared, const char *const *files, int n_files,
                        const mv_extract_config *cfg, int per_file, collected *c)
{
    c->per_file = per_file;
    c->steps = cfg->n_bars * cfg->steps_per_bar;
    for (int i = 0; i < n_files; i++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/%s", shared, files[i]);
        mv_midi_file f;
        if (midi_read_file(path, &f, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        mv_extract_stats st = {0};
        c->seen = 0;
        int rc = extract_windows(&f, cfg, take, c, &st, err, sizeof err);
        midi_file_free(&f);
        if (rc < 0) {
            fprintf(stderr, "%s: %s\n", path, err);
            return -1;
        }
    }
    return 0;
}

static const float *meta_f32(const mv_weights *w, const char *name, const char *what,
                             uint64_t count)
{
    char key[MV_META_KEY_MAX];
    snprintf(key, sizeof key, "attribute.%s.%s", name, what);
    const mv_meta *m = weights_meta(w, key);
    return m && m->type == MV_META_F32 && m->count == count ? m->data : NULL;
}

/* Mean change of attribute k from base to moved decodes, in sd. */
static double mean_change(const mv_hparams *hp, const int32_t *base, const int32_t *moved, int n,
                          int T, int k, double sd)
{
    double sum = 0;
    int used = 0;
    for (int i = 0; i < n; i++) {
        float a[MV_ATTR_COUNT], b[MV_ATTR_COUNT];
        attributes_compute(hp, base + (size_t)i * T, a);
        attributes_compute(hp, moved + (size_t)i * T, b);
        if (!isnan(a[k]) && !isnan(b[k])) sum += b[k] - a[k], used++;
    }
    return used ? sum / used / sd : NAN;
}

static void check_model(const char *path, collected *c, const char *expect_sync)
{
    mv_weights *w;
    mv_model m;
    char err[512];
    CHECK_MSG(weights_read(path, &w, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(model_bind_weights(&m, w, err, sizeof err) == 0, "%s", err);
    const int n = c->n, Z = (int)m.hp.z_size, T = (int)hparams_seq_len(&m.hp);
    CHECK_MSG(T == c->steps, "%s: %d steps, windows of %d", path, T, c->steps);
    if (T != c->steps) return;
    mv_decoder *d = decoder_create(&m, n);
    float *mu = malloc(sizeof *mu * n * Z), *z = malloc(sizeof *z * n * Z);
    float *sigma = malloc(sizeof *sigma * n * Z);
    int32_t *base = malloc(sizeof *base * n * T), *moved = malloc(sizeof *moved * n * T);
    decoder_encode(d, window_tokens(c->tokens), n, mu, sigma);
    decoder_decode(d, mu, n, 0, NULL, window_tokens(base));
    for (int knob = 0; knob < 4; knob++) {
        if (!attribute_applies(attribute_find(knob_names[knob][0]), m.hp.repr)) continue;
        const char *name = NULL;
        const float *v = NULL, *stats = NULL;
        for (int i = 0; knob_names[knob][i] && !v; i++) {
            v = meta_f32(w, knob_names[knob][i], "vector", (uint64_t)Z);
            stats = meta_f32(w, knob_names[knob][i], "stats", 4);
            name = knob_names[knob][i];
        }
        CHECK_MSG(v && stats, "%s: control %d binds no vector with statistics", path, knob);
        if (!v || !stats) continue;
        if (knob == 3 && expect_sync) CHECK_MSG(!strcmp(name, expect_sync), "%s binds %s", path, name);
        const int k = attribute_find(name);
        CHECK_MSG(k >= 0 && attribute_applies(k, m.hp.repr), "%s: %s", path, name);
        if (k < 0) continue;
        memcpy(z, mu, sizeof *z * n * Z);
        for (int i = 0; i < n; i++) latent_add_attribute(z + (size_t)i * Z, v, 1.0f, stats[3], Z);
        decoder_decode(d, z, n, 0, NULL, window_tokens(moved));
        double own = mean_change(&m.hp, base, moved, n, T, k, stats[1]);
        printf("%s: %-16s +1 moves it by %+.2f sd on %d test-split windows\n", path, name, own, n);
        CHECK_MSG(own >= MIN_EFFECT, "%s: %s moves by %+.2f sd", path, name, own);
    }
    free(mu), free(z), free(sigma), free(base), free(moved);
    decoder_free(d);
    weights_free(w);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_knobs_shipped SHARED_DATA MODELS_DIR\n");
        return 2;
    }
    char model[4096];
    /* Every POP909 song of the test split of `morphvae data` on pop909/ (all of
     * them measures of 2 beats of 2 quavers, 8 steps, by index.csv), 4 windows
     * each: the effect varies much from one song to another. */
    static const char *const song_ids[] = {
        "002", "011", "035", "036", "042", "053", "064", "068", "131", "142", "144", "145", "155",
        "177", "178", "181", "191", "202", "206", "214", "252", "258", "259", "291", "298", "308",
        "315", "319", "323", "332", "336", "376", "444", "446", "456", "462", "463", "472", "477",
        "489", "508", "516", "532", "534", "537", "567", "582", "587", "595", "598", "601", "612",
        "615", "621", "631", "634", "639", "643", "645", "669", "675", "680", "682", "683", "692",
        "701", "705", "711", "715", "724", "750", "754", "760", "780", "785", "789",
    };
    enum { N_SONGS = sizeof song_ids / sizeof song_ids[0] };
    static char song_paths[N_SONGS][32];
    const char *songs[N_SONGS];
    for (int i = 0; i < N_SONGS; i++) {
        snprintf(song_paths[i], sizeof song_paths[i], "pop909/%s/%s.mid", song_ids[i], song_ids[i]);
        songs[i] = song_paths[i];
    }
    static collected mel, drums;
    mv_extract_config mcfg = {.repr = MV_REPR_MELODY, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = "MELODY", .meter_steps = 8};
    CHECK(read_windows(argv[1], songs, N_SONGS, &mcfg, 4, &mel) == 0);
    CHECK_MSG(mel.n >= 280, "%d melody windows", mel.n);
    snprintf(model, sizeof model, "%s/mel_2bar.mvae", argv[2]);
    if (mel.n) check_model(model, &mel, "syncopation");

    /* The 4-bar melody model on 4-bar windows of the same songs. */
    static collected mel4;
    mcfg.n_bars = 4;
    CHECK(read_windows(argv[1], songs, N_SONGS, &mcfg, 4, &mel4) == 0);
    CHECK_MSG(mel4.n >= 280, "%d 4-bar melody windows", mel4.n);
    snprintf(model, sizeof model, "%s/mel_4bar.mvae", argv[2]);
    if (mel4.n) check_model(model, &mel4, "syncopation");

    /* Every beat of the test split of `morphvae data` on groove/, 4 windows each. */
    static const char *const beats[] = {
        "groove/drummer1/session1/201_reggae-slow_64_beat_4-4.mid",
        "groove/drummer1/session1/2_funk_80_beat_4-4.mid",
        "groove/drummer1/session1/52_jazz_125_beat_4-4.mid",
        "groove/drummer1/session2/90_funk-rock_92_beat_4-4.mid",
        "groove/drummer1/session3/12_latin-bomba_96_beat_4-4.mid",
        "groove/drummer1/session3/16_funk_117_beat_4-4.mid",
        "groove/drummer10/session1/5_jazz-swing_215_beat_4-4.mid",
        "groove/drummer2/session2/9_rock_130_beat_4-4.mid",
        "groove/drummer3/session1/15_jazz_120_beat_4-4.mid",
        "groove/drummer3/session1/16_jazz_120_beat_4-4.mid",
        "groove/drummer3/session1/22_jazz_120_beat_4-4.mid",
        "groove/drummer3/session2/15_rock_100_beat_4-4.mid",
        "groove/drummer3/session2/22_rock_92_beat_4-4.mid",
        "groove/drummer3/session2/27_jazz_92_beat_4-4.mid",
        "groove/drummer3/session2/3_rock_100_beat_4-4.mid",
        "groove/drummer4/session1/2_jazz_158_beat_4-4.mid",
        "groove/drummer5/session1/18_afrocuban_128_beat_4-4.mid",
        "groove/drummer5/session2/17_latin-brazilian-samba_110_beat_4-4.mid",
        "groove/drummer5/session2/6_neworleans-secondline_99_beat_4-4.mid",
        "groove/drummer6/session2/1_rock_95_beat_4-4.mid",
        "groove/drummer7/session1/1_rock_86_beat_4-4.mid",
        "groove/drummer7/session1/8_rock_93_beat_4-4.mid",
        "groove/drummer7/session2/63_soul-motown_148_beat_4-4.mid",
        "groove/drummer7/session2/79_funk_100_beat_4-4.mid",
        "groove/drummer7/session3/22_pop-soft_83_beat_4-4.mid",
        "groove/drummer7/session3/47_funk_112_beat_4-4.mid",
        "groove/drummer7/session3/91_neworleans-funk_93_beat_4-4.mid",
        "groove/drummer8/session1/22_funk_115_beat_4-4.mid",
        "groove/drummer8/session2/10_hiphop_86_beat_4-4.mid",
        "groove/drummer8/session2/18_afrobeat_85_beat_4-4.mid",
        "groove/drummer8/session2/2_funk_92_beat_4-4.mid",
        "groove/drummer8/session2/38_rock_112_beat_4-4.mid",
        "groove/drummer8/session2/3_afrobeat_114_beat_4-4.mid",
        "groove/drummer8/session2/9_hiphop_86_beat_4-4.mid",
        "groove/drummer9/session1/20_rock_120_beat_4-4.mid",
        "groove/drummer9/session1/6_rock_100_beat_4-4.mid",
    };
    mv_extract_config dcfg = {.repr = MV_REPR_DRUMS, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 0, .n_pitches = 0, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    CHECK(read_windows(argv[1], beats, (int)(sizeof beats / sizeof beats[0]), &dcfg, 4, &drums) == 0);
    CHECK_MSG(drums.n >= 100, "%d drum windows", drums.n);
    snprintf(model, sizeof model, "%s/drums_2bar.mvae", argv[2]);
    if (drums.n) check_model(model, &drums, NULL);

    /* The 4-bar drum model on 4-bar windows of the same beats. */
    static collected drums4;
    dcfg.n_bars = 4;
    CHECK(read_windows(argv[1], beats, (int)(sizeof beats / sizeof beats[0]), &dcfg, 4, &drums4) == 0);
    CHECK_MSG(drums4.n >= 80, "%d 4-bar drum windows", drums4.n);
    snprintf(model, sizeof model, "%s/drums_4bar.mvae", argv[2]);
    if (drums4.n) check_model(model, &drums4, NULL);
    return check_report();
}
