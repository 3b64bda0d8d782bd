/* morphvae eval for piano-roll models: how many of the (step, pitch) onsets and
 * sounding cells of a split a model gets back, teacher-forced and decoded
 * freely from mu (or from z refined from it), beside a baseline, and phrase statistics of the data, the
 * reconstructions and prior samples on one table. */
#ifndef MV_EVAL_ROLL_H
#define MV_EVAL_ROLL_H

#include <stdint.h>

#include "corpus.h"
#include "model.h"

typedef struct eval_roll_options {
    const char *model_path, *corpus_path, *split_name;
    int split;
    uint64_t windows; /* evenly spaced windows of the split (all when >= its size) */
    int json;
    long refine_steps; /* 0: decode from mu */
} eval_roll_options;

/* Prints the report (text, or one JSON object). Returns the exit status. */
int eval_roll(const eval_roll_options *o, const mv_model *m, const mv_corpus *c);

#endif
