/* morphvae plot: pictures (PNG) of a MIDI file, a morph folder or a training log. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "plot.h"

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae plot roll in.mid -o roll.png     piano roll of a MIDI file (a drum\n"
               "                                 file: one lane per instrument, kick .. ride)\n"
               "       morphvae plot interp DIR -o grid.png     a morph folder as a column of rolls\n"
               "       morphvae plot curves run.csv -o curves.png  loss, KL, ELBO, accuracy, onset\n"
               "                                 F1, learning rate and schedule curves\n"
               "       morphvae plot latent MODEL CORPUS.bin[:SPLIT] -o map.png  a map of the\n"
               "                                 latent space (morphvae plot latent --help)\n");
    return status;
}

int cmd_plot(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "latent")) return cmd_plot_latent(argc - 1, argv + 1);
    const char *kind = NULL, *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0);
        if (!strcmp(o, "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(o, "-o")) return cli_misuse("plot", "-o needs a value");
        else if (o[0] == '-') return cli_unknown_option("plot", o);
        else if (!kind) kind = o;
        else if (!in) in = o;
        else return cli_extra_argument("plot", o);
    }
    static const char kinds[] = "roll, interp, curves or latent";
    if (!kind) return cli_required("plot", "a kind (roll, interp, curves or latent)");
    if (strcmp(kind, "roll") && strcmp(kind, "interp") && strcmp(kind, "curves"))
        return cli_misuse("plot", "unknown kind '%s' (%s)", kind, kinds);
    if (!in) return cli_misuse("plot", "%s: the input is required", kind);
    if (!out) return cli_required("plot", "-o FILE.png");
    char err[1024];
    int rc;
    if (!strcmp(kind, "roll")) rc = plot_roll_midi(in, out, NULL, err, sizeof err);
    else if (!strcmp(kind, "interp")) rc = plot_interp(in, out, NULL, NULL, err, sizeof err);
    else rc = plot_curves(in, out, err, sizeof err);
    if (rc) {
        fprintf(stderr, "morphvae plot %s: %s\n", kind, err);
        return 1;
    }
    cli_wrote(out, "%s of %s", kind, in);
    return 0;
}
