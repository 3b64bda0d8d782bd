/* Chords for the generation commands (`sample`, `interpolate`, `decode`;
 * issue 20): `--chords "C:maj G:maj A:min F:maj"` (one chord a bar, POP909's
 * notation or shorthand such as "C G Am F7") or `--chords-from FILE.mid`
 * (recognised per beat from all the file's tracks, core/chord_recognise.h).
 *
 * The chords form one track laid over the command's sequences placed one after
 * another (a morph's steps, samples 0, 1, 2 ...): bar b of that phrase has
 * chord b mod the list's length; a file's chords repeat after its last bar.
 * A melody model's note-ons lean to the chords' tones by --chord-pull (0-1,
 * the plugin's Chord pull: core/chord_steer.h), and a model with chord input
 * also hears them; drum and piano-roll models refuse them. A chord model
 * without them plays as with chords off. */
#ifndef MV_GEN_CHORDS_H
#define MV_GEN_CHORDS_H

#include <stdint.h>

#include "gen_model.h"

#define GEN_CHORDS_MAX 256 /* chords in one --chords list */

/* The options' lines of a command's --help; `over` says what the list runs
 * over ("the samples one after another"). */
#define GEN_CHORDS_HELP(over)                                                            \
    "  --chords \"C G Am F\"  a melody plays over these chords, one a bar\n"              \
    "    (POP909's C:maj ... or shorthand C, Am, F7, Bm7b5; N: none), repeating over\n"  \
    "    " over ".\n"                                                                    \
    "  --chords-from FILE.mid  the chords recognised in the file's notes, per beat,\n"  \
    "    from its start (again from the start after its last bar).\n"                   \
    "  --chord-pull P  0-1 (0.5): how strongly the notes lean to the chord tones\n"      \
    "    (0: as the model plays them; 1: nearly only chord tones).\n"                  \
    "  The chords go into the MIDI files as a track \"chords\" of block chords\n"      \
    "  (channel 2), each named by a marker event.\n"

typedef struct gen_chords {
    const char *list; /* --chords */
    const char *from; /* --chords-from */
    uint8_t bars[GEN_CHORDS_MAX]; /* --chords parsed: a chord id a bar */
    int n_bars;
    float pull;       /* --chord-pull, when pull_given (else CHORD_PULL_DEFAULT) */
    int pull_given;
    uint8_t *steps;   /* [n_seqs, seq_len] chord ids once prepared; NULL: none */
    char said[160];   /* ", over chords C:maj G:maj ..." or ", over the chords of
                         FILE" for the command's summary once known; "" without */
} gen_chords;

/* Takes argv[*i] when it is --chords, --chords-from or --chord-pull (then *i moves past its
 * value); a --chords list is parsed at once. Returns 1 if taken, 0 if argv[*i]
 * is another option, or 2 after saying what was wrong (a missing value, both
 * options, a bad chord symbol, named). */
int gen_chords_option(const char *cmd, int argc, char **argv, int *i, gen_chords *c);

/* Builds the chord track for n_seqs sequences of g and hands it to g (gen_decode
 * then conditions on it). Returns 0 (also when no chords were asked for), or
 * the exit status after printing why: 2 for a model that is not a melody
 * model (or --chord-pull without chords), 1
 * for a file that cannot be read or holds no chord. */
int gen_chords_prepare(const char *cmd, gen_chords *c, mv_gen_model *g, int n_seqs);

void gen_chords_free(gen_chords *c);

#endif
