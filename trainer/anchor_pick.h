/* Choosing a model's default anchors from a corpus split by a stated criterion
 * (issue 9): the plugin's first impression is a morph between them, so each
 * anchor must be a varied phrase (melody: at least ANCHOR_MIN_PITCHES distinct
 * pitches and ANCHOR_MIN_NOTES note-ons, no run of ANCHOR_MAX_RUN note-ons on one
 * pitch; drums: a kick on beat 1, a snare on beats 2 and 4, at least
 * ANCHOR_MIN_HITS_PER_BAR hits a bar; piano roll: harmony in motion, at least
 * ANCHOR_ROLL_MIN_VOICES pitches sounding together on ANCHOR_ROLL_CHORD_SHARE of
 * the steps, ANCHOR_ROLL_MIN_CHORDS different chords struck (sounding where one
 * of their notes starts) and ANCHOR_ROLL_MIN_NOTES_PER_BAR onsets a bar, so
 * that two held block chords do not qualify) that the model itself
 * reconstructs well (greedy decoding from mu, unrefined, scores highest:
 * accuracy over steps, or for a roll the F1 of its onsets), and the two must
 * come from different source files and differ from each other. */
#ifndef MV_ANCHOR_PICK_H
#define MV_ANCHOR_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "gen_model.h"

#define ANCHOR_MIN_PITCHES 4
#define ANCHOR_MIN_NOTES 6
#define ANCHOR_MAX_RUN 4 /* this many note-ons in a row on one pitch is a stutter */
#define ANCHOR_MIN_HITS_PER_BAR 8
#define ANCHOR_ROLL_MIN_VOICES 2     /* pitches sounding at once make a chord */
#define ANCHOR_ROLL_CHORD_SHARE 0.75 /* share of steps that must sound a chord */
#define ANCHOR_ROLL_MIN_CHORDS 3     /* different sets of pitches struck as chords */
#define ANCHOR_ROLL_MIN_NOTES_PER_BAR 8
#define ANCHOR_MIN_DIFFERENT_STEPS 0.5 /* share of steps where A and B differ */

typedef struct anchor_choice {
    uint64_t window;    /* index in the split */
    const void *data;   /* the window in the corpus (tokens or roll) */
    double score;       /* greedy reconstruction from mu: accuracy, or onset F1 (roll) */
    char source[768];   /* "file, bar N" */
} anchor_choice;

/* 1 if a hp-shaped window (tokens, or a roll) meets the variety criterion. */
int anchor_is_varied(const mv_hparams *hp, const void *window);

/* Picks A and B from the untransposed windows of a corpus split, which must
 * hold windows of the model's shape. Prints how many windows qualified.
 * Returns 0, or -1 with a message in err. */
int anchor_pick(mv_gen_model *g, const mv_corpus *c, int split, const char *corpus_path,
                anchor_choice out[2], char *err, size_t errlen);

#endif
