/* Binding named tensors to the model's fields, and the one-block parameter
 * layout (carve, init) shared by tests, benchmarks and the trainer. */
#include "model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"

/* The named layers are the arrays' entries (mv_model's unions). */
_Static_assert(offsetof(mv_model, dec) == offsetof(mv_model, lstm[MV_DEC]), "lstm order");
_Static_assert(offsetof(mv_model, dec_out) == offsetof(mv_model, dense[MV_DEC_OUT]),
               "dense order");

/* The field a tensor of the layout fills, its layer's sizes set from its shape. */
static const float **model_slot(mv_model *m, const mv_tensor_spec *s)
{
    const int rows = (int)s->dims[0], cols = (int)s->dims[1];
    switch (s->role) {
    case MV_ROLE_LSTM_W_X:
        m->lstm[s->part][s->layer].n_in = rows;
        return &m->lstm[s->part][s->layer].w_x;
    case MV_ROLE_LSTM_W_H:
        m->lstm[s->part][s->layer].n_hidden = rows;
        return &m->lstm[s->part][s->layer].w_h;
    case MV_ROLE_LSTM_BIAS:
        return &m->lstm[s->part][s->layer].b;
    case MV_ROLE_LSTM_W_CHORD:
        return &m->lstm[s->part][s->layer].w_chord;
    case MV_ROLE_DENSE_W:
        m->dense[s->part].n_in = rows;
        m->dense[s->part].n_out = cols;
        return &m->dense[s->part].w;
    default: /* MV_ROLE_DENSE_BIAS */
        return &m->dense[s->part].b;
    }
}

static int same_shape(const mv_tensor *t, const mv_tensor_spec *s)
{
    return t->ndim == s->ndim && t->dims[0] == s->dims[0] &&
           (s->ndim == 1 || t->dims[1] == s->dims[1]);
}

/* The data of spec's tensor in tensors[0..n), checked; NULL with err set. */
static const float *find_tensor(const mv_tensor *tensors, size_t n, const mv_tensor_spec *s,
                                char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const mv_tensor *t = &tensors[i];
        if (strcmp(t->name, s->name) != 0) continue;
        if (!same_shape(t, s)) {
            if (s->ndim == 2)
                snprintf(err, errlen, "tensor %s has the wrong shape, expected %llux%llu",
                         s->name, (unsigned long long)s->dims[0],
                         (unsigned long long)s->dims[1]);
            else
                snprintf(err, errlen, "tensor %s has the wrong shape, expected %llu floats",
                         s->name, (unsigned long long)s->dims[0]);
            return NULL;
        }
        if (!t->data) snprintf(err, errlen, "tensor %s has no data", s->name);
        return t->data;
    }
    snprintf(err, errlen, "tensor %s is missing", s->name);
    return NULL;
}

/* Index in specs[0..n) of the tensor called name, or -1. */
static int spec_index(const mv_tensor_spec *specs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(specs[i].name, name)) return i;
    return -1;
}

int model_bind(mv_model *m, const mv_hparams *hp, const mv_tensor *tensors, size_t n,
               char *err, size_t errlen)
{
    char why[200];
    if (hparams_check(hp, why, sizeof why) != 0) {
        snprintf(err, errlen, "hyperparameters: %s", why);
        return -1;
    }
    memset(m, 0, sizeof *m);
    m->hp = *hp;
    mv_tensor_spec specs[MV_MAX_TENSORS];
    const int n_specs = model_layout(hp, specs);
    for (int i = 0; i < n_specs; i++) {
        const float *data = find_tensor(tensors, n, &specs[i], err, errlen);
        if (!data) return -1;
        *model_slot(m, &specs[i]) = data;
    }
    for (size_t i = 0; i < n; i++)
        if (spec_index(specs, n_specs, tensors[i].name) < 0) {
            snprintf(err, errlen, "tensor %.*s is not part of a model with these hyperparameters",
                     MV_TENSOR_NAME_MAX, tensors[i].name);
            return -1;
        }
    return 0;
}

int model_bind_weights(mv_model *m, const mv_weights *w, char *err, size_t errlen)
{
    size_t n = weights_tensor_count(w);
    mv_tensor tensors[MV_MAX_TENSORS];
    if (n > MV_MAX_TENSORS) {
        snprintf(err, errlen, "weights hold %zu tensors, more than the %d a model has", n,
                 MV_MAX_TENSORS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) tensors[i] = *weights_tensor_at(w, i);
    /* model_bind keeps pointers to the data only, never to this array */
    return model_bind(m, weights_hparams(w), tensors, n, err, errlen);
}

int model_carve(const mv_hparams *hp, float *block, mv_tensor tensors[MV_MAX_TENSORS])
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n = model_layout(hp, specs);
    for (int i = 0; i < n; i++) {
        memcpy(tensors[i].name, specs[i].name, sizeof tensors[i].name);
        tensors[i].ndim = specs[i].ndim;
        tensors[i].dims[0] = specs[i].dims[0];
        tensors[i].dims[1] = specs[i].dims[1];
        tensors[i].data = block + specs[i].offset;
    }
    return n;
}

void model_init_params(const mv_hparams *hp, float *block, uint64_t seed)
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n = model_layout(hp, specs);
    mv_rng rng;
    rng_seed(&rng, seed);
    memset(block, 0, model_block_floats(hp) * sizeof *block);
    for (int i = 0; i < n; i++) {
        const mv_tensor_spec *s = &specs[i];
        float *data = block + s->offset;
        uint64_t count = tensor_spec_count(s);
        if (s->ndim == 2) {
            float limit = 1.0f / sqrtf((float)s->dims[0]);
            for (uint64_t j = 0; j < count; j++)
                data[j] = (2.0f * rng_uniform(&rng) - 1.0f) * limit;
        } else if (s->role == MV_ROLE_LSTM_BIAS) {
            uint64_t h = count / 4;
            for (uint64_t j = h; j < 2 * h; j++) data[j] = 1.0f; /* forget gate */
        }
    }
}
