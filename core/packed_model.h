/* A model's matrices packed into panels for the kernels (kernels.h), made once
 * per model and only read after: every decoder and refiner of a model, on any
 * thread, multiplies by the one copy (decoder_create makes it, and
 * decoder_create_sharing and refine_create borrow it). Core-internal. */
#ifndef MV_PACKED_MODEL_H
#define MV_PACKED_MODEL_H

#include "decoder.h"
#include "kernels.h"
#include "model.h"

typedef struct mv_packed_model {
    const mv_model *m;
    float *block; /* every packed matrix */
    /* Inputs that are one-hot (encoder and decoder layer 0) or absent
     * (conductor layer 0) have no packed w_x: the one-hot rows are gathered
     * from the model's row-major kernels. */
    mv_lstm_packed enc_fw[MV_MAX_LAYERS], enc_bw[MV_MAX_LAYERS];
    mv_lstm_packed cond[MV_MAX_LAYERS], dec[MV_MAX_LAYERS];
    mv_dense_weights enc_mu, enc_sigma, cond_init, dec_init, dec_out;
    const float *dec0_emb; /* rows K..K+C of dec[0].w_x packed: the bar embedding's part */
} mv_packed_model;

/* NULL when out of memory. m must outlive it. */
mv_packed_model *packed_model_create(const mv_model *m);
void packed_model_free(mv_packed_model *p);

/* The packed matrices a decoder multiplies by (own or borrowed). */
const mv_packed_model *decoder_packed(const mv_decoder *d);

#endif
