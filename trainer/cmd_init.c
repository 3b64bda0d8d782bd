/* morphvae init: a model with freshly initialised (untrained) weights, for
 * tests, benchmarks and as the starting point of training. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "hparams.h"
#include "model.h"
#include "weights.h"

static int usage(FILE *f, int status)
{
    char names[256];
    hparams_preset_list(names, sizeof names, "|");
    fprintf(f, "usage: morphvae init [--config %s]\n"
               "                     [--chords] [--seed S] -o MODEL.mvae\n"
               "Writes a model of the given configuration with random initial weights;\n"
               "--chords: with chord input (a melody model that follows chords).\n",
            names);
    return status;
}

int cmd_init(int argc, char **argv)
{
    const char *config = "mel_2bar", *out = NULL;
    uint64_t seed = 1;
    int chords = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
        if (argv[i][0] != '-') return cli_extra_argument("init", argv[i]);
        if (!strcmp(argv[i], "--chords")) {
            chords = 1;
            continue;
        }
        static const char *const with_value[] = {"--config", "--seed", "-o", NULL};
        const char *o = argv[i], *v = cli_option_value("init", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "--config")) config = v;
        else if (!strcmp(o, "--seed")) {
            if (cli_u64("init", "--seed", v, &seed)) return 2;
        }
        else if (!strcmp(o, "-o")) out = v;
    }
    if (!out) return cli_required("init", "-o MODEL.mvae");

    mv_hparams hp;
    if (hparams_preset(config, &hp) != 0) {
        char names[256];
        hparams_preset_list(names, sizeof names, ", ");
        return cli_misuse("init", "unknown configuration '%s' (%s)", config, names);
    }
    if (chords && hp.repr != MV_REPR_MELODY)
        return cli_misuse("init", "--chords: only melody models take chords ('%s' is not one)",
                          config);
    if (chords) hp.chords = MV_CHORDS_V1;
    float *block = aligned_alloc(64, model_block_floats(&hp) * sizeof(float));
    if (!block) {
        fprintf(stderr, "morphvae init: out of memory\n");
        return 1;
    }
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(&hp, block, tensors);
    model_init_params(&hp, block, seed);

    char source[64];
    snprintf(source, sizeof source, "morphvae init --config %s%s --seed %llu", config,
             chords ? " --chords" : "", (unsigned long long)seed);
    const mv_meta meta[] = {
        {.key = "provenance", .type = MV_META_STR, .count = strlen(source), .data = source},
    };
    char err[512];
    int rc = weights_write(out, &hp, tensors, (size_t)n, meta, 1, err, sizeof err);
    free(block);
    if (rc) {
        fprintf(stderr, "morphvae init: %s\n", err);
        return 1;
    }
    cli_wrote(out, "%s model%s, %llu parameters, untrained (seed %llu)", config,
              chords ? " with chord input" : "",
           (unsigned long long)model_param_count(&hp), (unsigned long long)seed);
    return 0;
}
