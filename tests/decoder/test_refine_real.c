/* Latent refinement with the shipped melody model on real music:
 *  - windows of POP909 songs from the corpus's test split (never trained on),
 *    read and extracted as `morphvae data` does: refinement from mu raises the
 *    greedy accuracy by a good share of what mu leaves wrong, improves most of
 *    the windows mu gets wrong, reproduces more windows exactly, and never
 *    decodes worse than mu;
 *  - a small fixture of windows the model can play (greedy decodes of seeded
 *    prior samples): refinement from their mu reproduces most of them exactly.
 * Usage: test_refine_real SHARED_DATA MODEL.mvae */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decoder.h"
#include "extract.h"
#include "midi_read.h"
#include "refine.h"
#include "weights.h"

#define MAX_WINDOWS 64
#define PER_SONG 3   /* windows taken from each song, evenly spaced */
#define SONG_STRIDE 9 /* every 9th window of a song, so the three differ */

/* Test-split songs of `morphvae data` on pop909 (the split hashes the path
 * below the folder); index.csv gives each 2 beats of 2 quavers, 8 steps. */
static const char *const songs[] = {"002", "011", "035", "036", "042", "053"};
#define POP909_MEASURE_STEPS 8

typedef struct collected {
    int32_t windows[MAX_WINDOWS][32];
    int n, seen;
} collected;

static int take(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    collected *c = ctx;
    (void)bar, (void)transpose;
    if (c->seen++ % SONG_STRIDE == 0 && c->n < MAX_WINDOWS)
        memcpy(c->windows[c->n++], tokens, sizeof c->windows[0]);
    return c->seen >= PER_SONG * SONG_STRIDE; /* enough from this song */
}

static int read_windows(const char *shared, collected *c)
{
    mv_extract_config cfg = {.repr = MV_REPR_MELODY, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = "MELODY", .meter_steps = POP909_MEASURE_STEPS};
    for (size_t i = 0; i < sizeof songs / sizeof songs[0]; i++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/pop909/%s/%s.mid", shared, songs[i], songs[i]);
        mv_midi_file f;
        if (midi_read_file(path, &f, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        mv_extract_stats st = {0};
        c->seen = 0;
        int rc = extract_windows(&f, &cfg, take, c, &st, err, sizeof err);
        midi_file_free(&f);
        if (rc < 0) {
            fprintf(stderr, "%s: %s\n", path, err);
            return -1;
        }
    }
    return 0;
}

static int correct_tokens(const int32_t *a, const int32_t *b, int n)
{
    int same = 0;
    for (int t = 0; t < n; t++) same += a[t] == b[t];
    return same;
}

static void test_real_windows(const mv_model *m, const char *shared)
{
    static collected c;
    CHECK(read_windows(shared, &c) == 0);
    CHECK_MSG(c.n == PER_SONG * (int)(sizeof songs / sizeof songs[0]), "%d windows read", c.n);
    const int T = 32, Z = (int)m->hp.z_size;
    mv_decoder *d = decoder_create(m, 1);
    mv_refine *r = refine_create(d);
    float *z = malloc(sizeof(float) * Z), *mu = malloc(sizeof(float) * Z);
    int32_t got[32];
    mv_refine_options o = refine_defaults();
    o.steps = 25;
    long right_mu = 0, right = 0;
    int wrong_mu = 0, improved = 0, exact_mu = 0, exact = 0;
    for (int w = 0; w < c.n; w++) {
        mv_refine_report rep;
        CHECK(refine_window(r, window_tokens(c.windows[w]), &o, z, mu, &rep) == 0);
        decoder_decode(d, mu, 1, 0, NULL, window_tokens(got));
        const int from_mu = correct_tokens(got, c.windows[w], T);
        decoder_decode(d, z, 1, 0, NULL, window_tokens(got));
        const int from_z = correct_tokens(got, c.windows[w], T);
        CHECK(from_mu == rep.correct_start && from_z == rep.correct);
        CHECK_MSG(from_z >= from_mu, "window %d: %d tokens right from mu, %d refined", w, from_mu,
                  from_z);
        right_mu += from_mu;
        right += from_z;
        wrong_mu += from_mu < T;
        improved += from_z > from_mu;
        exact_mu += from_mu == T;
        exact += from_z == T;
    }
    const double acc_mu = (double)right_mu / (c.n * T), acc = (double)right / (c.n * T);
    printf("%d POP909 test-split windows, 25 steps: greedy accuracy %.3f -> %.3f, exact %d -> %d, "
           "%d of the %d windows mu gets wrong improved\n",
           c.n, acc_mu, acc, exact_mu, exact, improved, wrong_mu);
    CHECK_MSG(acc - acc_mu >= 0.25 * (1 - acc_mu), "accuracy %.3f -> %.3f", acc_mu, acc);
    CHECK(improved * 2 >= wrong_mu);
    CHECK(exact > exact_mu);
    free(z), free(mu);
    refine_free(r);
    decoder_free(d);
}

static void test_playable_fixture(const mv_model *m)
{
    enum { N = 9 };
    const int T = 32, Z = (int)m->hp.z_size;
    mv_decoder *d = decoder_create(m, 1);
    mv_refine *r = refine_create(d);
    float *prior = malloc(sizeof(float) * Z), *z = malloc(sizeof(float) * Z);
    int32_t window[32];
    mv_rng rng;
    rng_seed(&rng, 7);
    int exact_mu = 0, exact = 0;
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < Z; k++) prior[k] = rng_normal(&rng);
        decoder_decode(d, prior, 1, 0, NULL, window_tokens(window));
        mv_refine_options o = refine_defaults();
        o.steps = 50; /* the sanitizer build runs this too */
        mv_refine_report rep;
        CHECK(refine_window(r, window_tokens(window), &o, z, NULL, &rep) == 0);
        exact_mu += rep.correct_start == T;
        exact += rep.reproduced;
    }
    printf("%d windows of prior samples: reproduced exactly from mu %d, refined %d\n", N, exact_mu,
           exact);
    CHECK_MSG(exact * 3 >= N * 2 && exact > exact_mu, "reproduced %d of %d (mu %d)", exact, N,
              exact_mu);
    free(prior), free(z);
    refine_free(r);
    decoder_free(d);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_refine_real SHARED_DATA MODEL.mvae\n");
        return 2;
    }
    char err[512];
    mv_weights *w = NULL;
    mv_model m;
    if (weights_read(argv[2], &w, err, sizeof err) || model_bind_weights(&m, w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    CHECK(m.hp.repr == MV_REPR_MELODY && hparams_seq_len(&m.hp) == 32);
    test_real_windows(&m, argv[1]);
    test_playable_fixture(&m);
    weights_free(w);
    return check_report();
}
