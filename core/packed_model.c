/* Packing a model's matrices once (packed_model.h). */
#include "packed_model.h"

#include <stdlib.h>

#include "carver.h"

/* A packed copy of w [n_in, n_out] carved from the block (or only counted). */
static const float *pack_one(carver *cv, const float *w, int n_in, int n_out)
{
    float *p = carve(cv, packed_floats(n_in, n_out) * sizeof(float));
    if (p) pack_weights(w, n_in, n_out, p);
    return p;
}

static mv_lstm_packed pack_lstm(carver *cv, const mv_lstm_weights *w, int input_packed)
{
    mv_lstm_packed p = {.b = w->b, .n_in = w->n_in, .n_hidden = w->n_hidden};
    p.w_x = input_packed ? pack_one(cv, w->w_x, w->n_in, 4 * w->n_hidden) : NULL;
    p.w_h = pack_one(cv, w->w_h, w->n_hidden, 4 * w->n_hidden);
    return p;
}

static mv_dense_weights pack_dense(carver *cv, const mv_dense_weights *w)
{
    mv_dense_weights p = *w;
    p.w = pack_one(cv, w->w, w->n_in, w->n_out);
    return p;
}

static void pack_model(mv_packed_model *p, carver *cv)
{
    const mv_model *m = p->m;
    for (uint32_t l = 0; l < m->hp.enc_layers; l++) {
        p->enc_fw[l] = pack_lstm(cv, &m->enc_fw[l], l > 0);
        p->enc_bw[l] = pack_lstm(cv, &m->enc_bw[l], l > 0);
    }
    for (uint32_t l = 0; l < m->hp.cond_layers; l++) p->cond[l] = pack_lstm(cv, &m->cond[l], l > 0);
    for (uint32_t l = 0; l < m->hp.dec_layers; l++) p->dec[l] = pack_lstm(cv, &m->dec[l], l > 0);
    p->enc_mu = pack_dense(cv, &m->enc_mu);
    p->enc_sigma = pack_dense(cv, &m->enc_sigma);
    p->cond_init = pack_dense(cv, &m->cond_init);
    p->dec_init = pack_dense(cv, &m->dec_init);
    p->dec_out = pack_dense(cv, &m->dec_out);
    const int K = (int)m->hp.n_classes, C = (int)m->hp.cond_size, G = 4 * (int)m->hp.dec_size;
    p->dec0_emb = pack_one(cv, m->dec[0].w_x + (size_t)K * G, C, G);
}

mv_packed_model *packed_model_create(const mv_model *m)
{
    mv_packed_model *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    carver sizing = {NULL, 0};
    pack_model(p, &sizing);
    p->block = aligned_alloc(64, sizing.used);
    if (!p->block) {
        free(p);
        return NULL;
    }
    carver cv = {(char *)p->block, 0};
    pack_model(p, &cv);
    return p;
}

void packed_model_free(mv_packed_model *p)
{
    if (!p) return;
    free(p->block);
    free(p);
}
