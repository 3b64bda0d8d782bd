/* Model configurations for training: a preset name or a file, checked against
 * the corpus it will be trained on. */
#ifndef MV_TRAIN_CONFIG_H
#define MV_TRAIN_CONFIG_H

#include <stddef.h>

#include "corpus.h"
#include "hparams.h"

/* name: a preset of hparams_preset, or a file of 'key = value' lines (# comments)
 * where key is "base" (a preset to start from) or a field of mv_hparams
 * (z_size, enc_size, enc_layers, cond_size, ...). NULL: the preset that fits
 * the corpus (mel_2bar, mel_4bar, drums_2bar). Returns 0, or -1 with err. */
int train_config_resolve(const char *name, const mv_corpus *c, mv_hparams *hp, char *err,
                         size_t errlen);

#endif
