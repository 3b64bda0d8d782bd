/* morphvae eval for piano-roll models: how many of the (step, pitch) onsets and
 * sounding cells of a split a model gets back, teacher-forced and decoded
 * freely from mu (or from z refined from it), beside a baseline, and phrase statistics of the data, the
 * reconstructions and prior samples on one table. */
#ifndef MV_EVAL_ROLL_H
#define MV_EVAL_ROLL_H

#include <stdint.h>

#include "corpus.h"
#include "eval_split.h"
#include "model.h"

/* Prints the report (text, or one JSON object); with o->refine_steps, z is
 * refined from mu. Returns the exit status. */
int eval_roll(const eval_split_options *o, const mv_model *m, const mv_corpus *c);

#endif
