/* morphvae: the command-line tool (data, train, eval, sample, ...). */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    /* one line per command, in the order `morphvae --help` lists them */
    {"data", cmd_data, "extract training windows from MIDI files into a corpus"},
    {"train", cmd_train, "train a model on a corpus (checkpoints, curves, samples)"},
    {"eval", cmd_eval, "accuracy (all steps, onsets, drum hits), KL, ELBO, baselines on a split"},
    {"stats", cmd_stats, "phrase statistics of MIDI files, corpus splits, prior samples, recons"},
    {"sample", cmd_sample, "decode samples from the prior into MIDI files"},
    {"interpolate", cmd_interpolate, "morph between the windows of two MIDI files"},
    {"encode", cmd_encode, "print (or save) mu and sigma of a MIDI file's window"},
    {"decode", cmd_decode, "decode a latent vector file into MIDI"},
    {"groove", cmd_groove, "humanize a drum pattern: a groove model's velocities and timing"},
    {"drumify", cmd_drumify, "a drum pattern that plays at a rhythm's onsets (groove model)"},
    {"render", cmd_render, "render MIDI to WAV with FluidSynth"},
    {"plot", cmd_plot, "piano rolls and training curves as PNG"},
    {"attributes", cmd_attributes, "fit attribute vectors and store them in a model"},
    {"spread", cmd_spread, "store a groove model's velocity and timing spread in it"},
    {"anchors", cmd_anchors, "store the default anchors A and B of a model from two MIDI files"},
    {"info", cmd_info, "print a weights file's hyperparameters, tensors, metadata and checksum"},
    {"init", cmd_init, "write a model with freshly initialised (untrained) weights"},
    {"demo", cmd_demo, "play the LV2 plugin's morph sweep headless: MIDI, WAV, piano roll"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: morphvae COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'morphvae COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "morphvae: a command is required\n\n");
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "morphvae: unknown command '%s' (morphvae --help lists them)\n", argv[1]);
    return 2;
}
