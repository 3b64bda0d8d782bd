/* Test helper: a model with seeded random parameters, held in memory (no file). */
#ifndef MV_TEST_MODEL_H
#define MV_TEST_MODEL_H

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_layout.h"
#include "rng.h"

typedef struct test_model {
    mv_hparams hp;
    float *block;
    mv_tensor tensors[MV_MAX_TENSORS];
    int n_tensors;
    mv_model model;
} test_model;

/* model_init_params, then every bias drawn from +-0.5 so that the biases'
 * role is tested too (init leaves them 0 or 1). Returns 0 on success. */
static inline int test_model_make(test_model *tm, const mv_hparams *hp, uint64_t seed)
{
    char err[256];
    tm->hp = *hp;
    size_t bytes = (size_t)model_block_floats(hp) * sizeof(float);
    tm->block = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!tm->block) return -1;
    model_init_params(hp, tm->block, seed);
    tm->n_tensors = model_carve(hp, tm->block, tm->tensors);
    mv_rng rng;
    rng_seed(&rng, seed ^ 0x5eed);
    for (int i = 0; i < tm->n_tensors; i++) {
        mv_tensor *t = &tm->tensors[i];
        if (t->ndim != 1) continue;
        float *data = (float *)t->data;
        for (uint64_t j = 0; j < t->dims[0]; j++) data[j] += rng_uniform(&rng) - 0.5f;
    }
    if (model_bind(&tm->model, hp, tm->tensors, (size_t)tm->n_tensors, err, sizeof err) != 0) {
        fprintf(stderr, "test_model_make: %s\n", err);
        free(tm->block);
        return -1;
    }
    return 0;
}

static inline void test_model_free(test_model *tm)
{
    free(tm->block);
}

static inline const mv_tensor *test_model_tensor(const test_model *tm, const char *name)
{
    for (int i = 0; i < tm->n_tensors; i++)
        if (!strcmp(tm->tensors[i].name, name)) return &tm->tensors[i];
    fprintf(stderr, "test model has no tensor %s\n", name);
    abort();
}

/* Odd sizes on purpose: 4D = 280 spans two column blocks at batch 8, layer
 * counts above 1 everywhere, n_in not a multiple of 4. */
static inline mv_hparams test_hparams_odd(void)
{
    mv_hparams hp = {MV_REPR_MELODY, 90, 21, 3, 5, 23, 19, 2, 37, 2, 70, 2, 0};
    return hp;
}

static inline void random_z(mv_rng *rng, float *z, int n)
{
    for (int i = 0; i < n; i++) z[i] = rng_normal(rng);
}

static inline void random_tokens(mv_rng *rng, int32_t *tokens, int n, int n_classes)
{
    for (int i = 0; i < n; i++) tokens[i] = (int32_t)(rng_u32(rng) % (uint32_t)n_classes);
}

#endif
