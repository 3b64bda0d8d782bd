/* morphvae sample: sequences from the prior, z ~ N(0, I), decoded at a
 * temperature; sample i depends only on (seed, i), not on -n or the batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gen_chords.h"
#include "gen_model.h"
#include "sequence_io.h"

#define SAMPLE_BATCH 16

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae sample MODEL [-n 10] [--temperature T] [--seed 1] [--bpm 120]\n"
               "                       [--chords LIST | --chords-from FILE.mid] -o DIR/\n"
               "Draws n latent vectors from the prior, decodes them and writes\n"
               "DIR/sample_000.mid ... (temperature 0: greedy; default %g, piano-roll\n"
               "models %g: their notes are independent bits, sigmoid(logit / T); groove\n"
               "models %g: the drummers' spread of velocity and timing, `morphvae spread`).\n"
               GEN_CHORDS_HELP(
                   "the samples one after another (sample 1 goes on where sample 0 ended)"),
            SAMPLE_DEFAULT_TEMPERATURE, ROLL_DEFAULT_TEMPERATURE, GROOVE_DEFAULT_TEMPERATURE);
    return status;
}

typedef struct {
    const char *model, *out;
    long n;
    double temperature, bpm;
    uint64_t seed;
    gen_chords chords;
} sample_args;

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, sample_args *a)
{
    *a = (sample_args){NULL, NULL, 10, -1 /* the model's default */, 120, 1, {0}};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (a->model) return cli_extra_argument("sample", o);
            a->model = o;
            continue;
        }
        int taken = gen_chords_option("sample", argc, argv, &i, &a->chords);
        if (taken == 1) continue;
        if (taken) return taken;
        static const char *const with_value[] = {"-n", "--temperature", "--seed", "--bpm", "-o",
                                                 NULL};
        const char *v = cli_option_value("sample", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "-n")) { if (cli_long("sample", o, v, 1, 100000, &a->n)) return 2; }
        else if (!strcmp(o, "--temperature")) {
            if (cli_double("sample", o, v, 0, 100, &a->temperature)) return 2;
        } else if (!strcmp(o, "--seed")) { if (cli_u64("sample", o, v, &a->seed)) return 2; }
        else if (!strcmp(o, "--bpm")) { if (cli_double("sample", o, v, 1, 1000, &a->bpm)) return 2; }
        else if (!strcmp(o, "-o")) a->out = v;
    }
    if (!a->model) return cli_required("sample", "MODEL");
    return a->out ? 0 : cli_required("sample", "-o FILE");
}

/* z of sample i: standard normal draws from its own generator. */
static void prior_z(uint64_t seed, int i, int z_size, float *z)
{
    mv_rng r;
    rng_seed(&r, gen_sequence_seed(seed ^ 0x5A5A5A5A5A5A5A5Aull, (uint64_t)i));
    for (int k = 0; k < z_size; k++) z[k] = rng_normal(&r);
}

static int write_samples(const sample_args *a, const mv_gen_model *g, const uint8_t *windows)
{
    char path[4096], err[512];
    for (long i = 0; i < a->n; i++) {
        snprintf(path, sizeof path, "%s/sample_%03ld.mid", a->out, i);
        const uint8_t *chords = g->chords ? g->chords + (size_t)i * g->seq_len : NULL;
        if (sequence_write_midi_chords(path, &g->hp, windows + i * g->window_bytes, 1, NULL,
                                       chords, a->bpm, err, sizeof err)) {
            fprintf(stderr, "morphvae sample: %s\n", err);
            return 1;
        }
        cli_wrote(path, NULL);
    }
    printf("%s: %ld samples at temperature %g, seed %llu%s\n", a->out, a->n, a->temperature,
           (unsigned long long)a->seed, a->chords.said);
    return 0;
}

int cmd_sample(int argc, char **argv)
{
    sample_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    mv_gen_model g;
    char err[512];
    if (gen_model_open(&g, a.model, SAMPLE_BATCH, err, sizeof err)) {
        fprintf(stderr, "morphvae sample: %s\n", err);
        return 1;
    }
    bool created;
    if (cli_make_dir("sample", a.out, &created)) {
        gen_model_close(&g);
        return 1;
    }
    if (a.temperature < 0) a.temperature = gen_default_temperature(&g);
    if ((rc = gen_chords_prepare("sample", &a.chords, &g, (int)a.n))) {
        cli_drop_dir(a.out, created);
        gen_model_close(&g);
        return rc;
    }
    float *z = malloc(sizeof *z * a.n * g.z_size);
    uint8_t *windows = malloc(g.window_bytes * a.n);
    rc = 1;
    if (!z || !windows) {
        fprintf(stderr, "morphvae sample: out of memory for %ld samples\n", a.n);
    } else {
        for (long i = 0; i < a.n; i++) prior_z(a.seed, (int)i, g.z_size, z + i * g.z_size);
        gen_decode(&g, z, (int)a.n, (float)a.temperature, a.seed, windows);
        rc = write_samples(&a, &g, windows);
    }
    free(z);
    free(windows);
    gen_chords_free(&a.chords);
    gen_model_close(&g);
    if (rc) cli_drop_dir(a.out, created);
    return rc;
}
