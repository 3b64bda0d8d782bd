/* Binding named tensors to the model's fields, and the one-block parameter
 * layout (carve, init) shared by tests, benchmarks and the trainer. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_layout.h"
#include "rng.h"

#define MV_ALIGN_FLOATS 16 /* 64 bytes */

typedef struct binder {
    const mv_tensor *tensors;
    size_t n;
    char *err;
    size_t errlen;
    int failed;
} binder;

/* The data of tensor `name`, checked to be rows x cols (rows 0: a vector). */
static const float *bind_one(binder *bd, const char *name, uint64_t rows, uint64_t cols)
{
    if (bd->failed) return NULL;
    for (size_t i = 0; i < bd->n; i++) {
        const mv_tensor *t = &bd->tensors[i];
        if (strcmp(t->name, name) != 0) continue;
        int ok = rows ? (t->ndim == 2 && t->dims[0] == rows && t->dims[1] == cols)
                      : (t->ndim == 1 && t->dims[0] == cols);
        if (!ok) {
            if (rows)
                snprintf(bd->err, bd->errlen, "tensor %s has the wrong shape, expected %llux%llu",
                         name, (unsigned long long)rows, (unsigned long long)cols);
            else
                snprintf(bd->err, bd->errlen, "tensor %s has the wrong shape, expected %llu floats",
                         name, (unsigned long long)cols);
            bd->failed = 1;
            return NULL;
        }
        if (!t->data) {
            snprintf(bd->err, bd->errlen, "tensor %s has no data", name);
            bd->failed = 1;
            return NULL;
        }
        return t->data;
    }
    snprintf(bd->err, bd->errlen, "tensor %s is missing", name);
    bd->failed = 1;
    return NULL;
}

static void bind_lstm(binder *bd, mv_lstm_weights *w, const char *prefix, int l, int n_in,
                      int h)
{
    char name[MV_TENSOR_NAME_MAX];
    w->n_in = n_in;
    w->n_hidden = h;
    w->w_x = NULL;
    if (n_in) {
        snprintf(name, sizeof name, "%s.l%d.w_x", prefix, l);
        w->w_x = bind_one(bd, name, (uint64_t)n_in, 4 * (uint64_t)h);
    }
    snprintf(name, sizeof name, "%s.l%d.w_h", prefix, l);
    w->w_h = bind_one(bd, name, (uint64_t)h, 4 * (uint64_t)h);
    snprintf(name, sizeof name, "%s.l%d.b", prefix, l);
    w->b = bind_one(bd, name, 0, 4 * (uint64_t)h);
}

static void bind_dense(binder *bd, mv_dense_weights *d, const char *prefix, int n_in, int n_out)
{
    char name[MV_TENSOR_NAME_MAX];
    d->n_in = n_in;
    d->n_out = n_out;
    snprintf(name, sizeof name, "%s.w", prefix);
    d->w = bind_one(bd, name, (uint64_t)n_in, (uint64_t)n_out);
    snprintf(name, sizeof name, "%s.b", prefix);
    d->b = bind_one(bd, name, 0, (uint64_t)n_out);
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
    binder bd = {tensors, n, err, errlen, 0};
    const int E = (int)hp->enc_size, C = (int)hp->cond_size, D = (int)hp->dec_size;
    const int Z = (int)hp->z_size, K = (int)hp->n_classes;
    for (int l = 0; l < (int)hp->enc_layers; l++) {
        bind_lstm(&bd, &m->enc_fw[l], "encoder.fw", l, l ? 2 * E : K, E);
        bind_lstm(&bd, &m->enc_bw[l], "encoder.bw", l, l ? 2 * E : K, E);
    }
    bind_dense(&bd, &m->enc_mu, "encoder.mu", 2 * E, Z);
    bind_dense(&bd, &m->enc_sigma, "encoder.sigma", 2 * E, Z);
    bind_dense(&bd, &m->cond_init, "conductor.init", Z, 2 * C * (int)hp->cond_layers);
    for (int l = 0; l < (int)hp->cond_layers; l++)
        bind_lstm(&bd, &m->cond[l], "conductor", l, l ? C : 0, C);
    bind_dense(&bd, &m->dec_init, "decoder.init", C, 2 * D * (int)hp->dec_layers);
    for (int l = 0; l < (int)hp->dec_layers; l++)
        bind_lstm(&bd, &m->dec[l], "decoder", l, l ? D : K + C, D);
    bind_dense(&bd, &m->dec_out, "decoder.out", D, K);
    return bd.failed ? -1 : 0;
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

static uint64_t round_up_aligned(uint64_t floats)
{
    return (floats + MV_ALIGN_FLOATS - 1) / MV_ALIGN_FLOATS * MV_ALIGN_FLOATS;
}

uint64_t model_block_floats(const mv_hparams *hp)
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n = model_layout(hp, specs);
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += round_up_aligned(tensor_spec_count(&specs[i]));
    return total;
}

int model_carve(const mv_hparams *hp, float *block, mv_tensor tensors[MV_MAX_TENSORS])
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n = model_layout(hp, specs);
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        memcpy(tensors[i].name, specs[i].name, sizeof tensors[i].name);
        tensors[i].ndim = specs[i].ndim;
        tensors[i].dims[0] = specs[i].dims[0];
        tensors[i].dims[1] = specs[i].dims[1];
        tensors[i].data = block + offset;
        offset += round_up_aligned(tensor_spec_count(&specs[i]));
    }
    return n;
}

/* LSTM biases are named "<prefix>.l<digits>.b"; dense biases are not. */
static int is_lstm_bias(const char *name)
{
    size_t len = strlen(name);
    if (len < 5 || strcmp(name + len - 2, ".b") != 0) return 0;
    size_t i = len - 2;
    size_t digits = 0;
    while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9') {
        i--;
        digits++;
    }
    return digits > 0 && i >= 2 && name[i - 1] == 'l' && name[i - 2] == '.';
}

void model_init_params(const mv_hparams *hp, float *block, uint64_t seed)
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n = model_layout(hp, specs);
    mv_rng rng;
    rng_seed(&rng, seed);
    memset(block, 0, model_block_floats(hp) * sizeof *block);
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        const mv_tensor_spec *s = &specs[i];
        float *data = block + offset;
        uint64_t count = tensor_spec_count(s);
        if (s->ndim == 2) {
            float limit = 1.0f / sqrtf((float)s->dims[0]);
            for (uint64_t j = 0; j < count; j++)
                data[j] = (2.0f * rng_uniform(&rng) - 1.0f) * limit;
        } else if (is_lstm_bias(s->name)) {
            uint64_t h = count / 4;
            for (uint64_t j = h; j < 2 * h; j++) data[j] = 1.0f; /* forget gate */
        }
        offset += round_up_aligned(count);
    }
}
