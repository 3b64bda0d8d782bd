/* `morphvae plot latent` on a corpus of two well-separated synthetic clusters
 * (low held quarter notes, high 16th-note runs), encoded by the shipped
 * melody model: in the t-SNE map (and in the PCA one) a window's nearest
 * neighbour is of its own cluster for at least 90 % of the windows, by song
 * (source file) or by style (an info.csv as Groove's); the same
 * seed gives the same picture; the morph path and prior samples do not
 * change the windows' neighbourhoods; bad options are usage errors. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "corpus.h"
#include "gen_fixture.h"
#include "hparams.h"
#include "rng.h"
#include "tokens.h"

#define PER_CLUSTER 120
#define MAP_AGREEMENT_MIN 0.9

static const char *exe, *model;

/* Melody token of a pitch for the mel_2bar model shape. */
static int32_t token_of(const mv_hparams *hp, int pitch)
{
    return 2 + pitch - (int32_t)hp->min_pitch;
}

/* Low: a held quarter note on every beat, pitches 48..55. High: a new 16th
 * note on every step, pitches 79..86. */
static void cluster_window(const mv_hparams *hp, int high, mv_rng *rng, int32_t *w, int n)
{
    for (int t = 0; t < n; t++) {
        int pitch = high ? 79 + (int)(rng_u32(rng) % 8) : 48 + (int)(rng_u32(rng) % 8);
        w[t] = high || t % 4 == 0 ? token_of(hp, pitch) : MV_MELODY_NO_EVENT;
    }
}

static int write_clusters(const char *path)
{
    mv_hparams hp;
    hparams_preset("mel_2bar", &hp);
    int n = (int)hparams_seq_len(&hp);
    int32_t w[256];
    char err[512];
    mv_corpus_writer *cw = corpus_writer_open(path, MV_REPR_MELODY, hp.n_classes, hp.min_pitch,
                                              hp.n_bars, hp.steps_per_bar, err, sizeof err);
    if (!cw) return -1;
    mv_rng rng;
    rng_seed(&rng, 7);
    for (int i = 0; i < 2 * PER_CLUSTER; i++) {
        int high = i % 2; /* interleaved: an evenly spaced pick takes both */
        cluster_window(&hp, high, &rng, w, n);
        corpus_writer_add(cw, MV_SPLIT_TEST, w, high ? "clusters/high.mid" : "clusters/low.mid",
                          (uint32_t)i, 0);
        corpus_writer_add(cw, MV_SPLIT_TRAIN, w, "clusters/train.mid", (uint32_t)i, 0);
    }
    return corpus_writer_close(cw, err, sizeof err);
}

/* The map's agreement printed by the command for a label kind, or -1. */
static double map_agreement(const char *out, const char *kind)
{
    char key[64];
    snprintf(key, sizeof key, "same %s: ", kind);
    const char *at = strstr(out, key);
    return at ? atof(at + strlen(key)) : -1;
}

static void test_clusters_separate(const char *corpus)
{
    const char *methods[2] = {"tsne", "pca"};
    for (int m = 0; m < 2; m++) {
        char out[4096], err[4096];
        int rc = fixture_run(exe, out, sizeof out, err, sizeof err,
                             "plot latent %s %s:test --color song --method %s --prior 20 -o %s",
                             model, corpus, methods[m], fixture_path("map.png"));
        CHECK_MSG(rc == 0, "%s", err);
        double agreement = map_agreement(out, "song");
        printf("%s: nearest-neighbour label agreement %.3f\n", methods[m], agreement);
        CHECK_MSG(agreement >= MAP_AGREEMENT_MIN, "%s: %.3f < %.2f:\n%s", methods[m], agreement,
                  MAP_AGREEMENT_MIN, out);
        uint8_t *rgb = NULL;
        int w = 0, h = 0;
        CHECK(fixture_read_png(fixture_path("map.png"), &rgb, &w, &h) == 0 && w > 600 && h > 600);
        free(rgb);
    }
}

/* Styles from a table with Groove's columns: the main style (before '/'). */
static void test_styles(const char *corpus)
{
    const char *csv = fixture_path("info.csv");
    FILE *f = fopen(csv, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "drummer,style,bpm,midi_filename\n"
               "d1,funk/fast,120,clusters/high.mid\n"
               "d1,ballad,60,clusters/low.mid\n");
    fclose(f);
    char out[4096], err[4096];
    CHECK_MSG(fixture_run(exe, out, sizeof out, err, sizeof err,
                          "plot latent %s %s:test --color style --info %s --method pca -o %s",
                          model, corpus, csv, fixture_path("styles.png")) == 0, "%s", err);
    CHECK_MSG(map_agreement(out, "style") >= MAP_AGREEMENT_MIN, "%s", out);
    CHECK(fixture_run(exe, NULL, 0, err, sizeof err, "plot latent %s %s:test --color style -o %s",
                      model, corpus, fixture_path("styles.png")) == 1);
    CHECK_MSG(strstr(err, "no info.csv") != NULL, "%s", err);
}

static void test_same_seed_same_map(const char *corpus)
{
    const char *names[3] = {"seed1a.png", "seed1b.png", "seed2.png"};
    const int seeds[3] = {1, 1, 2};
    for (int i = 0; i < 3; i++)
        CHECK(fixture_run(exe, NULL, 0, NULL, 0,
                          "plot latent %s %s:test --iterations 300 --seed %d -o %s", model,
                          corpus, seeds[i], fixture_path(names[i])) == 0);
    CHECK(fixture_same_bytes(fixture_path(names[0]), fixture_path(names[1])));
    CHECK(!fixture_same_bytes(fixture_path(names[0]), fixture_path(names[2])));
}

static void test_usage_errors(const char *corpus)
{
    char err[4096];
    CHECK(fixture_run(exe, NULL, 0, err, sizeof err, "plot latent %s %s --color loudness -o %s",
                      model, corpus, fixture_path("x.png")) == 2);
    CHECK(strstr(err, "loudness") != NULL);
    CHECK(fixture_run(exe, NULL, 0, NULL, 0, "plot latent %s %s --method umap -o %s", model,
                      corpus, fixture_path("x.png")) == 2);
    CHECK(fixture_run(exe, NULL, 0, err, sizeof err, "plot latent %s %s --color polyphony -o %s",
                      model, corpus, fixture_path("x.png")) == 1);
    CHECK(strstr(err, "polyphony does not apply") != NULL);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_latent_map MORPHVAE MODELS_DIR\n");
        return 2;
    }
    exe = argv[1];
    static char model_path[4096];
    snprintf(model_path, sizeof model_path, "%s/mel_2bar.mvae", argv[2]);
    model = model_path;
    static char corpus[4096]; /* fixture_path's buffers are reused */
    snprintf(corpus, sizeof corpus, "%s", fixture_path("clusters.bin"));
    CHECK(write_clusters(corpus) == 0);
    test_clusters_separate(corpus);
    test_styles(corpus);
    test_same_seed_same_map(corpus);
    test_usage_errors(corpus);
    fixture_cleanup();
    return check_report();
}
