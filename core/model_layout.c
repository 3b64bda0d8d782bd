#include "model_layout.h"

#include <stdio.h>

#include "chord.h"

#define MV_ALIGN_FLOATS 16 /* 64 bytes */

/* The table being filled, and the next tensor's offset in a parameter block. */
typedef struct layout {
    mv_tensor_spec *out;
    int n;
    uint64_t offset;
} layout;

static uint64_t round_up_aligned(uint64_t floats)
{
    return (floats + MV_ALIGN_FLOATS - 1) / MV_ALIGN_FLOATS * MV_ALIGN_FLOATS;
}

/* Appends a tensor of rows x cols (rows 0: a vector of cols). */
static void add(layout *lo, const char *name, uint64_t rows, uint64_t cols, mv_tensor_role role,
                int part, int layer)
{
    mv_tensor_spec *s = &lo->out[lo->n++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->ndim = rows ? 2 : 1;
    s->dims[0] = rows ? rows : cols;
    s->dims[1] = rows ? cols : 0;
    s->role = role;
    s->part = part;
    s->layer = layer;
    s->offset = lo->offset;
    lo->offset += round_up_aligned(tensor_spec_count(s));
}

/* One LSTM layer: w_x [n_in, 4H] (absent when n_in is 0), w_h [H, 4H], b [4H]. */
static void add_lstm(layout *lo, const char *prefix, enum mv_lstm_stack part, int l,
                     uint64_t n_in, uint64_t h)
{
    char name[MV_TENSOR_NAME_MAX];
    snprintf(name, sizeof name, "%s.l%d.w_x", prefix, l);
    if (n_in) add(lo, name, n_in, 4 * h, MV_ROLE_LSTM_W_X, part, l);
    snprintf(name, sizeof name, "%s.l%d.w_h", prefix, l);
    add(lo, name, h, 4 * h, MV_ROLE_LSTM_W_H, part, l);
    snprintf(name, sizeof name, "%s.l%d.b", prefix, l);
    add(lo, name, 0, 4 * h, MV_ROLE_LSTM_BIAS, part, l);
}

static void add_dense(layout *lo, const char *prefix, enum mv_dense_layer part, uint64_t n_in,
                      uint64_t n_out)
{
    char name[MV_TENSOR_NAME_MAX];
    snprintf(name, sizeof name, "%s.w", prefix);
    add(lo, name, n_in, n_out, MV_ROLE_DENSE_W, part, 0);
    snprintf(name, sizeof name, "%s.b", prefix);
    add(lo, name, 0, n_out, MV_ROLE_DENSE_BIAS, part, 0);
}

/* The table, and through lo->offset the block size. */
static void fill(layout *lo, const mv_hparams *hp)
{
    const uint64_t E = hp->enc_size, C = hp->cond_size, D = hp->dec_size, Z = hp->z_size;
    const uint64_t K = hp->n_classes;

    /* Encoder: bidirectional; layer l > 0 reads [fw h | bw h] of the layer below. */
    for (int l = 0; l < (int)hp->enc_layers; l++) {
        add_lstm(lo, "encoder.fw", MV_ENC_FW, l, l ? 2 * E : K, E);
        add_lstm(lo, "encoder.bw", MV_ENC_BW, l, l ? 2 * E : K, E);
    }
    /* [last fw h | last bw h] -> mu, and -> sigma = softplus(.) */
    add_dense(lo, "encoder.mu", MV_ENC_MU, 2 * E, Z);
    add_dense(lo, "encoder.sigma", MV_ENC_SIGMA, 2 * E, Z);

    /* Conductor: z -> tanh(dense) -> initial states; its inputs are zeros, so
     * layer 0 has no input kernel. */
    add_dense(lo, "conductor.init", MV_COND_INIT, Z, 2 * C * hp->cond_layers);
    for (int l = 0; l < (int)hp->cond_layers; l++)
        add_lstm(lo, "conductor", MV_COND, l, l ? C : 0, C);

    /* Token decoder: per bar, state = tanh(dense(e_b)); layer 0 input is
     * [one-hot previous token (K) | e_b (C)]. */
    add_dense(lo, "decoder.init", MV_DEC_INIT, C, 2 * D * hp->dec_layers);
    for (int l = 0; l < (int)hp->dec_layers; l++)
        add_lstm(lo, "decoder", MV_DEC, l, l ? D : K + C, D);
    add_dense(lo, "decoder.out", MV_DEC_OUT, D, K);

    /* Chord input: the features of the step being predicted into layer 0's
     * gates. Last, so that every other tensor keeps its offset and an
     * unconditioned model's block is a prefix of the conditioned one's (a warm
     * start copies it and leaves this zero). */
    if (hp->chords)
        add(lo, "decoder.l0.w_chord", MV_CHORD_FEATURES, 4 * D, MV_ROLE_LSTM_W_CHORD, MV_DEC, 0);
}

int model_layout(const mv_hparams *hp, mv_tensor_spec out[MV_MAX_TENSORS])
{
    layout lo = {out, 0, 0};
    fill(&lo, hp);
    return lo.n;
}

uint64_t tensor_spec_count(const mv_tensor_spec *s)
{
    return s->ndim == 2 ? s->dims[0] * s->dims[1] : s->dims[0];
}

uint64_t model_param_count(const mv_hparams *hp)
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    int n = model_layout(hp, specs);
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += tensor_spec_count(&specs[i]);
    return total;
}

uint64_t model_block_floats(const mv_hparams *hp)
{
    mv_tensor_spec specs[MV_MAX_TENSORS];
    layout lo = {specs, 0, 0};
    fill(&lo, hp);
    return lo.offset;
}
