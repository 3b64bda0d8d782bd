/* What a representation's `morphvae eval` report is asked for (eval_roll,
 * eval_groove), and the windows of the split it reads: evenly spaced over
 * the split, all of them when `windows` is 0 or at least its size. */
#ifndef MV_EVAL_SPLIT_H
#define MV_EVAL_SPLIT_H

#include <stdint.h>

#include "corpus.h"

typedef struct eval_split_options {
    const char *model_path, *corpus_path, *split_name;
    int split;
    uint64_t windows; /* evenly spaced windows of the split (all when 0 or >= its size) */
    int json;
    long refine_steps; /* 0: decode from mu (the reports that refine) */
} eval_split_options;

/* The split's size (*n) and the windows to read (*want); -1 after saying so
 * when the split is empty. Window i of the *want is window i * n / want. */
int eval_split_windows(const eval_split_options *o, const mv_corpus *c, uint64_t *n,
                       uint64_t *want);

#endif
