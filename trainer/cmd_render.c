/* morphvae render: MIDI -> WAV through FluidSynth. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "render.h"

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae render in.mid -o out.wav [--soundfont F.sf2]\n"
               "Renders with FluidSynth to a 16-bit stereo 44.1 kHz WAV (default soundfont\n"
               "%s).\n", RENDER_DEFAULT_SOUNDFONT);
    return status;
}

int cmd_render(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *soundfont = NULL;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0);
        if (o[0] != '-') {
            if (in) return cli_extra_argument("render", o);
            in = o;
            continue;
        }
        static const char *const with_value[] = {"-o", "--soundfont", NULL};
        const char *v = cli_option_value("render", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "-o")) out = v;
        else soundfont = v;
    }
    if (!in) return cli_required("render", "in.mid");
    if (!out) return cli_required("render", "-o FILE.wav");
    char err[1024];
    if (render_midi_to_wav(in, out, soundfont, err, sizeof err)) {
        fprintf(stderr, "morphvae render: %s\n", err);
        return 1;
    }
    cli_wrote(out, "rendered from %s", in);
    return 0;
}
