/* MIDI snapshots of a training run: a few prior samples and reconstructions,
 * decoded through core's decoder bound directly to the training parameters. */
#ifndef MV_TRAIN_SAMPLES_H
#define MV_TRAIN_SAMPLES_H

#include "corpus.h"
#include "hparams.h"

#define TRAIN_SAMPLES 4
#define TRAIN_SAMPLE_TEMPERATURE 0.5f

/* Writes dir/stepNNNNNNN-prior-I.mid (z ~ N(0, I), temperature 0.5) and
 * dir/stepNNNNNNN-recon-I.mid (a validation window, then its greedy
 * reconstruction from mu) for I < TRAIN_SAMPLES. params: a float block laid out by
 * model_carve. Problems are reported on stderr; training goes on. */
void train_write_samples(const float *params, const mv_hparams *hp, const mv_corpus *c,
                         const char *dir, long step);

#endif
