/* morphvae eval for groove models (issue 21): the hits of a split the model
 * gets back, teacher-forced and decoded freely from mu (F1 over every
 * instrument and step, recall and precision per instrument), how close the
 * velocities and offsets of the hits it gets right come, and the feel of
 * prior samples beside the data's: velocity and offset mean and spread per
 * instrument, kick on beat 1, hits per bar. */
#ifndef MV_EVAL_GROOVE_H
#define MV_EVAL_GROOVE_H

#include <stdint.h>

#include "corpus.h"
#include "eval_split.h"
#include "model.h"

/* Prints the report (text, or one JSON object), z = mu (o->refine_steps is
 * not taken); prior samples drawn with the model's output_sd (NULL: none;
 * core/decoder.h), as sample and the plugin draw them. Returns the exit
 * status. */
int eval_groove(const eval_split_options *o, const mv_model *m, const float *output_sd,
                const mv_corpus *c);

#endif
