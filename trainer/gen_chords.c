/* Chords for the generation commands (gen_chords.h). */
#include "gen_chords.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "chord_name.h"
#include "chord_steer.h"
#include "chord_track.h"
#include "cli.h"
#include "extract.h"
#include "midi_read.h"

/* ", over chords C:maj G:maj ..." (POP909's names, "..." when they do not fit). */
static void say_list(const uint8_t *bars, int n, char *out, size_t outlen)
{
    size_t len = (size_t)snprintf(out, outlen, ", over chords");
    for (int i = 0; i < n; i++) {
        char name[16];
        chord_name(bars[i], name, sizeof name);
        if (len + strlen(name) + 5 >= outlen) {
            snprintf(out + len, outlen - len, " ...");
            return;
        }
        len += (size_t)snprintf(out + len, outlen - len, " %s", name);
    }
}

int gen_chords_option(const char *cmd, int argc, char **argv, int *i, gen_chords *c)
{
    const char *o = argv[*i];
    if (!strcmp(o, "--chord-pull")) {
        double v;
        if (*i + 1 >= argc) return cli_misuse(cmd, "%s needs a value", o);
        if (cli_double(cmd, o, argv[*i + 1], 0, 1, &v)) return 2;
        ++*i;
        c->pull = (float)v;
        c->pull_given = 1;
        return 1;
    }
    int list = !strcmp(o, "--chords"), from = !strcmp(o, "--chords-from");
    if (!list && !from) return 0;
    if (*i + 1 >= argc || argv[*i + 1][0] == '-') return cli_misuse(cmd, "%s needs a value", o);
    if (list ? c->from != NULL : c->list != NULL)
        return cli_misuse(cmd, "--chords and --chords-from: give one of them");
    *(list ? &c->list : &c->from) = argv[++*i];
    if (!list) return 1;
    char err[300];
    c->n_bars = chord_parse_list(c->list, c->bars, GEN_CHORDS_MAX, err, sizeof err);
    if (c->n_bars < 0) return cli_misuse(cmd, "--chords: %s", err);
    say_list(c->bars, c->n_bars, c->said, sizeof c->said);
    return 1;
}

/* One chord a bar from the list, repeating over the phrase. */
static void chords_from_list(const gen_chords *c, const mv_hparams *hp, uint8_t *steps,
                             int n_steps)
{
    for (int s = 0; s < n_steps; s++) steps[s] = c->bars[s / (int)hp->steps_per_bar % c->n_bars];
}

/* Recognised from a MIDI file, per beat, repeating after its last bar: the
 * whole bars up to the file's last event (a file that ends on a bar line
 * repeats from that bar line, not a bar later). */
static int chords_from_file(const char *cmd, const char *path, const mv_hparams *hp,
                            uint8_t *steps, int n_steps)
{
    mv_midi_file f;
    mv_chord_track t = {0};
    char err[1200];
    if (midi_read_file(path, &f, err, sizeof err)) {
        fprintf(stderr, "morphvae %s: --chords-from %s\n", cmd, err);
        return 1;
    }
    int rc = chord_track_recognise(&f, NULL, &t, err, sizeof err);
    const int64_t song = f.ticks_per_quarter ? (f.end_tick * MV_STEPS_PER_QUARTER +
                                                f.ticks_per_quarter - 1) / f.ticks_per_quarter
                                             : 0;
    midi_file_free(&f);
    if (rc) {
        fprintf(stderr, "morphvae %s: --chords-from %s: %s\n", cmd, path, err);
        return 1;
    }
    const int spb = (int)hp->steps_per_bar;
    const int64_t len = ((song ? song : t.n_steps) + spb - 1) / spb * spb;
    int any = 0;
    for (int s = 0; s < n_steps; s++) {
        int64_t at = len ? s % len : 0;
        steps[s] = at < t.n_steps ? t.chords[at] : MV_CHORD_NONE;
        any |= steps[s] != MV_CHORD_NONE;
    }
    chord_track_free(&t);
    if (!any) {
        fprintf(stderr, "morphvae %s: --chords-from %s: no chord heard (no two pitch classes "
                        "sounding together outside channel 10)\n", cmd, path);
        return 1;
    }
    return 0;
}

int gen_chords_prepare(const char *cmd, gen_chords *c, mv_gen_model *g, int n_seqs)
{
    if (!c->list && !c->from)
        return c->pull_given ? cli_misuse(cmd, "--chord-pull needs --chords or --chords-from") : 0;
    if (g->hp.repr != MV_REPR_MELODY)
        return cli_misuse(cmd, "%s is a %s model: %s needs a melody model (best one with chord "
                               "input: models/mel_2bar_chords.mvae, or one trained with `train "
                               "--chords`)",
                          g->path, repr_name(g->hp.repr), c->list ? "--chords" : "--chords-from");
    const int n_steps = n_seqs * g->seq_len;
    if (!(c->steps = malloc((size_t)n_steps))) {
        fprintf(stderr, "morphvae %s: out of memory\n", cmd);
        return 1;
    }
    int rc = 0;
    if (c->list) chords_from_list(c, &g->hp, c->steps, n_steps);
    else if (!(rc = chords_from_file(cmd, c->from, &g->hp, c->steps, n_steps)))
        snprintf(c->said, sizeof c->said, ", over the chords of %s", c->from);
    if (rc) {
        gen_chords_free(c);
        return rc;
    }
    g->chords = c->steps;
    g->chord_steer = (c->pull_given ? c->pull : CHORD_PULL_DEFAULT) * CHORD_PULL_MAX_STEER;
    return 0;
}

void gen_chords_free(gen_chords *c)
{
    free(c->steps);
    c->steps = NULL;
}
