/* morphvae encode: the window of a MIDI file -> mu and sigma of q(z|x), and
 * with --refine a z refined from mu (core/refine.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gen_model.h"
#include "latent_file.h"
#include "sequence_io.h"

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae encode MODEL in.mid [--bar N] [--track NAME[,NAME...]]\n"
               "                       [--refine [STEPS]] [-o z.bin]\n"
               "Encodes the first varied window of the model's length (as the plugin takes\n"
               "a MIDI anchor: see `anchors --help`; the first window when none is varied),\n"
               "or with --bar the first starting at bar N (counted from 1) or later, taken\n"
               "from the tracks of those names (all by default;\n"
               "piano-roll models read every named track into one roll). Prints 'index mu\n"
               "sigma' lines, or with -o writes mu then sigma as raw float32 (the input of\n"
               "'morphvae decode').\n"
               "--refine: from mu, optimise z (at most STEPS Adam steps, default %d) so that\n"
               "  the decoder reproduces the window (kept only if it decodes better than mu);\n"
               "  prints 'index z mu sigma' lines, or with -o writes z alone.\n",
            MV_REFINE_DEFAULT_STEPS);
    return status;
}

static void print_latent(const char *mid, int bar, const float *mu, const float *sigma, int z)
{
    printf("# %s, window from bar %d: index mu sigma\n", mid, bar + 1);
    for (int i = 0; i < z; i++) printf("%d %.9g %.9g\n", i, mu[i], sigma[i]);
}

/* Refines the window's z from mu; prints it beside mu and sigma, or writes it
 * alone to out. Returns the exit status. */
static int refine_and_emit(mv_gen_model *g, const void *window, int steps, const char *mid,
                           int bar, const char *out, const float *mu, const float *sigma,
                           float *z, char *err, size_t errlen)
{
    mv_refine_report rep;
    char how[160];
    if (gen_anchor(g, window, steps, z, NULL, &rep, err, errlen)) return 1;
    gen_describe_refinement(g, &rep, how, sizeof how);
    if (out) {
        if (latent_file_write(out, z, NULL, g->z_size, err, errlen)) return 1;
        cli_wrote(out, "z (%d values) of %s from bar %d, refined: %s", g->z_size, mid, bar + 1,
                  how);
        return 0;
    }
    printf("# %s, window from bar %d, refined: %s\n# index z mu sigma\n", mid, bar + 1, how);
    for (int i = 0; i < g->z_size; i++) printf("%d %.9g %.9g %.9g\n", i, z[i], mu[i], sigma[i]);
    return 0;
}

int cmd_encode(int argc, char **argv)
{
    const char *model = NULL, *mid = NULL, *out = NULL, *track = NULL;
    long bar = 0, refine_steps = 0; /* bar 0: the first varied window */
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0);
        if (!strcmp(o, "--refine")) {
            if (gen_refine_option("encode", argc, argv, &i, &refine_steps)) return 2;
            continue;
        }
        if (o[0] != '-') {
            if (!model) model = o;
            else if (!mid) mid = o;
            else return cli_extra_argument("encode", o);
            continue;
        }
        static const char *const with_value[] = {"-o", "--bar", "--track", NULL};
        const char *v = cli_option_value("encode", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "-o")) out = v;
        else if (!strcmp(o, "--bar")) { if (cli_long("encode", o, v, 1, 1000000, &bar)) return 2; }
        else if (!strcmp(o, "--track")) track = v;
    }
    if (!model) return cli_required("encode", "MODEL");
    if (!mid) return cli_required("encode", "in.mid");

    mv_gen_model g;
    char err[1024];
    if (gen_model_open(&g, model, 1, err, sizeof err)) {
        fprintf(stderr, "morphvae encode: %s\n", err);
        return 1;
    }
    void *window = malloc(g.window_bytes);
    float *mu = malloc(sizeof *mu * g.z_size), *sigma = malloc(sizeof *sigma * g.z_size);
    float *z = malloc(sizeof *z * g.z_size);
    int found, rc = 1;
    if (!window || !mu || !sigma || !z) snprintf(err, sizeof err, "%s: out of memory", model);
    else if (!sequence_read_window(mid, &g.hp, (int)bar - 1, track, window, &found, err,
                                   sizeof err)) {
        gen_encode(&g, window, 1, mu, sigma);
        if (refine_steps) {
            rc = refine_and_emit(&g, window, (int)refine_steps, mid, found, out, mu, sigma, z, err,
                                 sizeof err);
        } else if (out) {
            rc = latent_file_write(out, mu, sigma, g.z_size, err, sizeof err) ? 1 : 0;
            if (!rc)
                cli_wrote(out, "mu and sigma (%d values each) of %s from bar %d", g.z_size, mid,
                          found + 1);
        } else {
            print_latent(mid, found, mu, sigma, g.z_size);
            rc = 0;
        }
    }
    if (rc) fprintf(stderr, "morphvae encode: %s\n", err);
    free(window);
    free(mu);
    free(sigma);
    free(z);
    gen_model_close(&g);
    return rc;
}
