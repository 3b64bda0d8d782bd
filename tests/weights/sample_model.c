#include "sample_model.h"

#include <stdlib.h>
#include <string.h>

/* splitmix64: a different stream for every seed, tensor and index */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static float value_at(uint64_t seed, int tensor, uint64_t i)
{
    uint64_t r = mix(seed ^ mix((uint64_t)tensor << 40 ^ i));
    float u = (float)(r >> 40) / (float)(1 << 24); /* [0, 1) */
    float scale = (float)(1 << (r & 7)) / 16.0f;     /* 1/16 .. 8 */
    return (2.0f * u - 1.0f) * scale;
}

static const float stats[4] = {3.25f, 1.5f, -0.125f, 0.875f};
static const int64_t steps[1] = {123456789012345ll};
static const int64_t seeds[3] = {-1, 0, INT64_MAX};
static const float seconds[1] = {3600.5f};
static const char corpus[] = "lmd_matched/clean \xc3\x9c" "bung \xe2\x99\xab"; /* UTF-8 */

static void set_meta(mv_meta *m, const char *key, uint32_t type, uint64_t count, const void *data)
{
    memset(m, 0, sizeof *m);
    strcpy(m->key, key);
    m->type = type;
    m->count = count;
    m->data = data;
}

int sample_model_init(sample_model *m, const char *preset, uint64_t seed)
{
    mv_hparams hp;
    if (hparams_preset(preset, &hp) != 0) return -1;
    return sample_model_init_hp(m, &hp, seed);
}

int sample_model_init_hp(sample_model *m, const mv_hparams *hp, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->hp = *hp;
    mv_tensor_spec specs[MV_MAX_TENSORS];
    m->n_tensors = model_layout(&m->hp, specs);
    for (int s = 0; s < m->n_tensors; s++) {
        uint64_t count = tensor_spec_count(&specs[s]);
        m->data[s] = malloc(count * sizeof(float));
        if (!m->data[s]) return -1;
        for (uint64_t i = 0; i < count; i++) m->data[s][i] = value_at(seed, s, i);
        mv_tensor *t = &m->tensors[s];
        memcpy(t->name, specs[s].name, sizeof t->name);
        t->ndim = specs[s].ndim;
        t->dims[0] = specs[s].dims[0];
        t->dims[1] = specs[s].dims[1];
        t->data = m->data[s];
    }
    /* bit patterns a lossy round trip would change */
    m->data[0][0] = -0.0f;
    m->data[0][1] = 1e-40f; /* subnormal */
    m->data[0][2] = 3.4028235e38f;

    m->attr_vector = malloc(m->hp.z_size * sizeof(float));
    if (!m->attr_vector) return -1;
    for (uint32_t i = 0; i < m->hp.z_size; i++) m->attr_vector[i] = value_at(seed, 99, i);
    set_meta(&m->meta[0], "train.corpus", MV_META_STR, strlen(corpus), corpus);
    set_meta(&m->meta[1], "attribute.note_density.vector", MV_META_F32, m->hp.z_size,
             m->attr_vector);
    set_meta(&m->meta[2], "attribute.note_density.stats", MV_META_F32, 4, stats);
    set_meta(&m->meta[3], "attribute.note_density.unit", MV_META_STR, 9, "notes/bar");
    set_meta(&m->meta[4], "train.steps", MV_META_I64, 1, steps);
    set_meta(&m->meta[5], "train.seeds", MV_META_I64, 3, seeds);
    set_meta(&m->meta[6], "train.seconds", MV_META_F32, 1, seconds);
    set_meta(&m->meta[7], "anchor.a.source", MV_META_STR, 0, ""); /* an empty string */
    return 0;
}

void sample_model_free(sample_model *m)
{
    for (int s = 0; s < m->n_tensors; s++) free(m->data[s]);
    free(m->attr_vector);
    memset(m, 0, sizeof *m);
}
