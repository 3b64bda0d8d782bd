/* Choosing a model's default anchors from a corpus split by a stated criterion
 * (issue 9): the plugin's first impression is a morph between them, so each
 * anchor must be a varied phrase (core/phrase_variety.h) that the model itself
 * reconstructs well (greedy decoding from mu, unrefined, scores highest:
 * accuracy over steps, or for a roll the F1 of its onsets), and the two must
 * come from different source files and differ from each other. */
#ifndef MV_ANCHOR_PICK_H
#define MV_ANCHOR_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "gen_model.h"
#include "phrase_variety.h"

#define ANCHOR_MIN_DIFFERENT_STEPS 0.5 /* share of steps where A and B differ */

typedef struct anchor_choice {
    uint64_t window;    /* index in the split */
    const void *data;   /* the window in the corpus (tokens or roll) */
    double score;       /* greedy reconstruction from mu: accuracy, or onset F1 (roll) */
    char source[768];   /* "file, bar N" */
} anchor_choice;

/* Picks A and B from the untransposed windows of a corpus split, which must
 * hold windows of the model's shape. Prints how many windows qualified.
 * Returns 0, or -1 with a message in err. */
int anchor_pick(mv_gen_model *g, const mv_corpus *c, int split, const char *corpus_path,
                anchor_choice out[2], char *err, size_t errlen);

#endif
