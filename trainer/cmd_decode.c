/* morphvae decode: a latent vector file -> MIDI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gen_chords.h"
#include "gen_model.h"
#include "latent_file.h"
#include "sequence_io.h"

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae decode MODEL z.bin -o out.mid [--temperature 0] [--seed 1]\n"
               "                       [--bpm 120] [--chords LIST | --chords-from FILE.mid]\n"
               "Decodes a latent vector (as written by 'morphvae encode -o'; raw float32 z,\n"
               "or mu then sigma) into MIDI. Temperature 0 is greedy.\n"
               GEN_CHORDS_HELP("the sequence's bars"));
    return status;
}

int cmd_decode(int argc, char **argv)
{
    const char *model = NULL, *zpath = NULL, *out = NULL;
    double temperature = 0, bpm = 120;
    uint64_t seed = 1;
    gen_chords chords = {0};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0);
        if (o[0] != '-') {
            if (!model) model = o;
            else if (!zpath) zpath = o;
            else return cli_extra_argument("decode", o);
            continue;
        }
        int taken = gen_chords_option("decode", argc, argv, &i, &chords);
        if (taken == 1) continue;
        if (taken) return taken;
        static const char *const with_value[] = {"-o", "--temperature", "--seed", "--bpm", NULL};
        const char *v = cli_option_value("decode", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "-o")) out = v;
        else if (!strcmp(o, "--temperature")) {
            if (cli_double("decode", o, v, 0, 100, &temperature)) return 2;
        } else if (!strcmp(o, "--seed")) { if (cli_u64("decode", o, v, &seed)) return 2; }
        else if (!strcmp(o, "--bpm")) { if (cli_double("decode", o, v, 1, 1000, &bpm)) return 2; }
    }
    if (!model) return cli_required("decode", "MODEL");
    if (!zpath) return cli_required("decode", "z.bin");
    if (!out) return cli_required("decode", "-o FILE");

    mv_gen_model g;
    char err[512];
    if (gen_model_open(&g, model, 1, err, sizeof err)) {
        fprintf(stderr, "morphvae decode: %s\n", err);
        return 1;
    }
    int rc = gen_chords_prepare("decode", &chords, &g, 1);
    if (rc) {
        gen_model_close(&g);
        return rc;
    }
    float *z = malloc(sizeof *z * g.z_size);
    void *window = malloc(g.window_bytes);
    rc = 1;
    if (!z || !window) snprintf(err, sizeof err, "%s: out of memory", model);
    else if (!latent_file_read(zpath, z, g.z_size, err, sizeof err)) {
        gen_decode(&g, z, 1, (float)temperature, seed, window);
        rc = sequence_write_midi_chords(out, &g.hp, window, 1, NULL, g.chords, bpm, err,
                                        sizeof err) ? 1 : 0;
        if (!rc) cli_wrote(out, "decoded from %s%s", zpath, chords.said);
    }
    if (rc) fprintf(stderr, "morphvae decode: %s\n", err);
    free(z);
    free(window);
    gen_chords_free(&chords);
    gen_model_close(&g);
    return rc;
}
