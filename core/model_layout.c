#include "model_layout.h"

#include <stdio.h>

static void add2(mv_tensor_spec *out, int *n, uint64_t rows, uint64_t cols, const char *fmt,
                 const char *a, int l)
{
    mv_tensor_spec *s = &out[(*n)++];
    /* l < 0: a dense layer, whose name has no layer index */
    if (l < 0) snprintf(s->name, sizeof s->name, fmt, a);
    else snprintf(s->name, sizeof s->name, fmt, a, l);
    s->ndim = rows ? 2 : 1;
    s->dims[0] = rows ? rows : cols;
    s->dims[1] = rows ? cols : 0;
}

/* One LSTM layer: w_x [n_in, 4H] (absent when n_in is 0), w_h [H, 4H], b [4H]. */
static void add_lstm(mv_tensor_spec *out, int *n, const char *prefix, int l, uint64_t n_in,
                     uint64_t h)
{
    if (n_in) add2(out, n, n_in, 4 * h, "%s.l%d.w_x", prefix, l);
    add2(out, n, h, 4 * h, "%s.l%d.w_h", prefix, l);
    add2(out, n, 0, 4 * h, "%s.l%d.b", prefix, l);
}

static void add_dense(mv_tensor_spec *out, int *n, const char *name, uint64_t n_in,
                      uint64_t n_out)
{
    add2(out, n, n_in, n_out, "%s.w", name, -1);
    add2(out, n, 0, n_out, "%s.b", name, -1);
}

int model_layout(const mv_hparams *hp, mv_tensor_spec out[MV_MAX_TENSORS])
{
    int n = 0;
    const uint64_t E = hp->enc_size, C = hp->cond_size, D = hp->dec_size, Z = hp->z_size;
    const uint64_t K = hp->n_classes;

    /* Encoder: bidirectional; layer l > 0 reads [fw h | bw h] of the layer below. */
    for (uint32_t l = 0; l < hp->enc_layers; l++) {
        add_lstm(out, &n, "encoder.fw", (int)l, l ? 2 * E : K, E);
        add_lstm(out, &n, "encoder.bw", (int)l, l ? 2 * E : K, E);
    }
    /* [last fw h | last bw h] -> mu, and -> sigma = softplus(.) */
    add_dense(out, &n, "encoder.mu", 2 * E, Z);
    add_dense(out, &n, "encoder.sigma", 2 * E, Z);

    /* Conductor: z -> tanh(dense) -> initial states; its inputs are zeros, so
     * layer 0 has no input kernel. */
    add_dense(out, &n, "conductor.init", Z, 2 * C * hp->cond_layers);
    for (uint32_t l = 0; l < hp->cond_layers; l++)
        add_lstm(out, &n, "conductor", (int)l, l ? C : 0, C);

    /* Token decoder: per bar, state = tanh(dense(e_b)); layer 0 input is
     * [one-hot previous token (K) | e_b (C)]. */
    add_dense(out, &n, "decoder.init", C, 2 * D * hp->dec_layers);
    for (uint32_t l = 0; l < hp->dec_layers; l++)
        add_lstm(out, &n, "decoder", (int)l, l ? D : K + C, D);
    add_dense(out, &n, "decoder.out", D, K);
    return n;
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
