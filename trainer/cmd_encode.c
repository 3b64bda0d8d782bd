/* morphvae encode: the window of a MIDI file -> mu and sigma of q(z|x). */
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
    fprintf(f, "usage: morphvae encode MODEL in.mid [--bar 1] [--track NAME] [-o z.bin]\n"
               "Encodes the first window of the model's length starting at bar N (counted\n"
               "from 1) or later. Prints 'index mu sigma' lines, or with -o writes mu then\n"
               "sigma as raw float32 (the input of 'morphvae decode').\n");
    return status;
}

static void print_latent(const char *mid, int bar, const float *mu, const float *sigma, int z)
{
    printf("# %s, window from bar %d: index mu sigma\n", mid, bar + 1);
    for (int i = 0; i < z; i++) printf("%d %.9g %.9g\n", i, mu[i], sigma[i]);
}

int cmd_encode(int argc, char **argv)
{
    const char *model = NULL, *mid = NULL, *out = NULL, *track = NULL;
    long bar = 1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0);
        if (o[0] != '-') {
            if (!model) model = o;
            else if (!mid) mid = o;
            else return usage(stderr, 2);
            continue;
        }
        if (i + 1 >= argc) return usage(stderr, 2);
        const char *v = argv[++i];
        if (!strcmp(o, "-o")) out = v;
        else if (!strcmp(o, "--bar")) { if (cli_long("encode", o, v, 1, 1000000, &bar)) return 2; }
        else if (!strcmp(o, "--track")) track = v;
        else return usage(stderr, 2);
    }
    if (!model || !mid) return usage(stderr, 2);

    mv_gen_model g;
    char err[1024];
    if (gen_model_open(&g, model, 1, err, sizeof err)) {
        fprintf(stderr, "morphvae encode: %s\n", err);
        return 1;
    }
    int32_t *tokens = malloc(sizeof *tokens * g.seq_len);
    float *mu = malloc(sizeof *mu * g.z_size), *sigma = malloc(sizeof *sigma * g.z_size);
    int found, rc = 1;
    if (!tokens || !mu || !sigma) snprintf(err, sizeof err, "%s: out of memory", model);
    else if (!sequence_read_window(mid, &g.hp, (int)bar - 1, track, tokens, &found, err,
                                   sizeof err)) {
        gen_encode(&g, tokens, 1, mu, sigma);
        if (out) {
            rc = latent_file_write(out, mu, sigma, g.z_size, err, sizeof err) ? 1 : 0;
            if (!rc) printf("%s: mu and sigma (%d values each) of %s from bar %d\n", out,
                            g.z_size, mid, found + 1);
        } else {
            print_latent(mid, found, mu, sigma, g.z_size);
            rc = 0;
        }
    }
    if (rc) fprintf(stderr, "morphvae encode: %s\n", err);
    free(tokens);
    free(mu);
    free(sigma);
    gen_model_close(&g);
    return rc;
}
