/* Chords for the generation commands (gen_chords.h). */
#include "gen_chords.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "chord_name.h"
#include "chord_track.h"
#include "cli.h"
#include "midi_read.h"

#define MAX_LISTED_CHORDS 256

int gen_chords_option(const char *cmd, int argc, char **argv, int *i, gen_chords *c)
{
    const char *o = argv[*i];
    int list = !strcmp(o, "--chords"), from = !strcmp(o, "--chords-from");
    if (!list && !from) return 0;
    if (*i + 1 >= argc || argv[*i + 1][0] == '-') return cli_misuse(cmd, "%s needs a value", o);
    if (list ? c->from != NULL : c->list != NULL)
        return cli_misuse(cmd, "--chords and --chords-from: give one of them");
    *(list ? &c->list : &c->from) = argv[++*i];
    return 1;
}

/* One chord a bar from the list, repeating over the phrase. */
static int chords_from_list(const char *cmd, const char *list, const mv_hparams *hp,
                            uint8_t *steps, int n_steps)
{
    uint8_t bars[MAX_LISTED_CHORDS];
    char err[300];
    int n = chord_parse_list(list, bars, MAX_LISTED_CHORDS, err, sizeof err);
    if (n < 0) return cli_misuse(cmd, "--chords: %s", err);
    for (int s = 0; s < n_steps; s++) steps[s] = bars[s / (int)hp->steps_per_bar % n];
    return 0;
}

/* Recognised from a MIDI file, per beat, repeating after its last whole bar. */
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
    midi_file_free(&f);
    if (rc) {
        fprintf(stderr, "morphvae %s: --chords-from %s: %s\n", cmd, path, err);
        return 1;
    }
    const int spb = (int)hp->steps_per_bar;
    const int64_t len = (t.n_steps + spb - 1) / spb * spb;
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
    if (!c->list && !c->from) return 0;
    if (!g->hp.chords)
        return cli_misuse(cmd, "%s has no chord input: %s needs a chord-conditioned melody "
                               "model (models/mel_2bar_chords.mvae, or one trained with "
                               "`train --chords`)", g->path, c->list ? "--chords" : "--chords-from");
    const int n_steps = n_seqs * g->seq_len;
    if (!(c->steps = malloc((size_t)n_steps))) {
        fprintf(stderr, "morphvae %s: out of memory\n", cmd);
        return 1;
    }
    int rc = c->list ? chords_from_list(cmd, c->list, &g->hp, c->steps, n_steps)
                     : chords_from_file(cmd, c->from, &g->hp, c->steps, n_steps);
    if (rc) {
        gen_chords_free(c);
        return rc;
    }
    g->chords = c->steps;
    return 0;
}

void gen_chords_free(gen_chords *c)
{
    free(c->steps);
    c->steps = NULL;
}
