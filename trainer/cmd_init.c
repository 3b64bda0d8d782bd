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
    fprintf(f, "usage: morphvae init [--config mel_2bar|mel_4bar|drums_2bar|roll_2bar|large|tiny]\n"
               "                     [--seed S] -o MODEL.mvae\n"
               "Writes a model of the given configuration with random initial weights.\n");
    return status;
}

int cmd_init(int argc, char **argv)
{
    const char *config = "mel_2bar", *out = NULL;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
        if (i + 1 >= argc) return usage(stderr, 2);
        if (!strcmp(argv[i], "--config")) config = argv[++i];
        else if (!strcmp(argv[i], "--seed")) {
            if (cli_u64("init", "--seed", argv[++i], &seed)) return 2;
        }
        else if (!strcmp(argv[i], "-o")) out = argv[++i];
        else return usage(stderr, 2);
    }
    if (!out) return usage(stderr, 2);

    mv_hparams hp;
    if (hparams_preset(config, &hp) != 0) {
        fprintf(stderr, "morphvae init: unknown configuration '%s'\n", config);
        return 2;
    }
    float *block = aligned_alloc(64, model_block_floats(&hp) * sizeof(float));
    if (!block) {
        fprintf(stderr, "morphvae init: out of memory\n");
        return 1;
    }
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(&hp, block, tensors);
    model_init_params(&hp, block, seed);

    char source[64];
    snprintf(source, sizeof source, "morphvae init --config %s --seed %llu", config,
             (unsigned long long)seed);
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
    cli_wrote(out, "%s model, %llu parameters, untrained (seed %llu)", config,
           (unsigned long long)model_param_count(&hp), (unsigned long long)seed);
    return 0;
}
