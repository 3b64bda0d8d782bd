/* A complete model for the weights tests: every tensor of a preset's layout,
 * filled with deterministic pseudo-random values (a few awkward bit patterns
 * included), and metadata of every type. Independent of model_init_params. */
#ifndef MV_TEST_SAMPLE_MODEL_H
#define MV_TEST_SAMPLE_MODEL_H

#include "weights.h"

#define SAMPLE_META 8

typedef struct {
    mv_hparams hp;
    int n_tensors;
    mv_tensor tensors[MV_MAX_TENSORS]; /* in layout order */
    float *data[MV_MAX_TENSORS];
    mv_meta meta[SAMPLE_META];
    float *attr_vector; /* z_size values */
} sample_model;

/* Returns 0, or -1 if the preset is unknown or memory runs out. */
int sample_model_init(sample_model *m, const char *preset, uint64_t seed);
/* The same for any hyperparameters (a chord model, say). */
int sample_model_init_hp(sample_model *m, const mv_hparams *hp, uint64_t seed);
void sample_model_free(sample_model *m);

#endif
