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
            if (in) return usage(stderr, 2);
            in = o;
            continue;
        }
        if (i + 1 >= argc) return usage(stderr, 2);
        if (!strcmp(o, "-o")) out = argv[++i];
        else if (!strcmp(o, "--soundfont")) soundfont = argv[++i];
        else return usage(stderr, 2);
    }
    if (!in || !out) return usage(stderr, 2);
    char err[1024];
    if (render_midi_to_wav(in, out, soundfont, err, sizeof err)) {
        fprintf(stderr, "morphvae render: %s\n", err);
        return 1;
    }
    cli_wrote(out, "rendered from %s", in);
    return 0;
}
