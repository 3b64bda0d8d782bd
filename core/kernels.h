/* The numeric kernels of the decoder and encoder (rnnoise nnet.c style): plain
 * loops over caller-owned buffers, no allocation, batch-major data.
 *
 * A batch of rows is stored with a row stride ("ld", in floats): row b of y is
 * y + b * ldy. Every kernel computes each batch row with the same operations in
 * the same order whatever the batch size or the row's position in it, so a
 * sequence gives bit-identical results alone or inside a batch. */
#ifndef MV_KERNELS_H
#define MV_KERNELS_H

#include <stdint.h>

#include "model.h"
#include "rng.h"

/* Matrix products take W [n_in, n_out] packed: cut into column panels of
 * MV_PANEL floats, each panel [n_in, MV_PANEL] contiguous, the last one
 * zero-padded. A panel is walked once per call for the whole batch, with the
 * batch's partial sums held in registers. Each output value is the chain
 * y = fmaf(x[n_in-1], W[n_in-1], ... fmaf(x[0], W[0], y)) in k order whatever
 * the batch grouping. */
#define MV_PANEL 32
size_t packed_floats(int n_in, int n_out);
void pack_weights(const float *w, int n_in, int n_out, float *packed);
/* y[b, :] += x[b, :] W with W packed. */
void matmul_packed_acc(float *y, int ldy, const float *x, int ldx, const float *packed,
                       int batch, int n_in, int n_out);

/* y[b, :] = bias, for b < batch. */
void rows_set(float *y, int ldy, const float *bias, int batch, int n);
/* y[b, :] += W[rows[b], :] for b < batch, skipping rows[b] < 0: the product of a
 * one-hot input with row-major W (a negative index is the all-zero input). */
void rows_gather_acc(float *y, int ldy, const float *w, int n_out, const int32_t *rows,
                     int batch);

/* y[b, :] += sum of W[k, :] over the k < n_bits with bits[b * ldbits + k] set:
 * the product of a multi-hot input (a piano-roll step) with row-major W. */
void rows_multi_gather_acc(float *y, int ldy, const float *w, int n_out, const uint8_t *bits,
                           int ldbits, int n_bits, int batch);

/* Dense layer y = x W + b, d->w packed. */
void dense_packed_forward(const mv_dense_weights *d, const float *x, int ldx, int batch,
                          float *y, int ldy);
void tanh_inplace(float *x, int n);
void softplus_inplace(float *x, int n);

/* LSTM cell over fused gates [batch, 4H] (blocks i, f, g, o) that already hold
 * x W_x + h W_h + b: updates c and h [batch, H] in place. */
void lstm_cell(const float *gates, float *c, float *h, int batch, int n_hidden);
/* The same cell on one row, keeping what its gradient needs (core/refine.c):
 * the activated gates in place of gates [4H] and tanh of the new c in tanh_c. */
void lstm_cell_keep(float *gates, float *c, float *h, float *tanh_c, int n_hidden);
/* An LSTM layer whose w_x and w_h are packed (w_x NULL when the caller forms the
 * input part itself: no input, or a one-hot input gathered from the row-major
 * kernel): a type of its own, not the row-major mv_lstm_weights of model.h, so
 * that the compiler tells the two layouts apart (packed_model.c makes them). */
typedef struct mv_lstm_packed {
    const float *w_x; /* packed [n_in, 4H], or NULL (above) */
    const float *w_h; /* packed [H, 4H] */
    const float *b;   /* [4H], as in the model */
    int n_in, n_hidden;
} mv_lstm_packed;
/* One LSTM step for a batch whose gates [batch, 4H] hold the input part
 * (x W_x + b): adds h W_h and applies the cell. */
void lstm_step_from_gates(const mv_lstm_packed *w, float *gates, float *c, float *h,
                          int batch);
/* One full LSTM step: x [batch, n_in] at stride ldx (unused without w_x). */
void lstm_step(const mv_lstm_packed *w, const float *x, int ldx, float *gates, float *c,
               float *h, int batch);

/* out = softmax(x / temperature) (temperature > 0). */
void softmax(const float *x, int n, float temperature, float *out);
/* Index of the largest value; the lowest index wins ties. */
int argmax(const float *x, int n);
/* temperature <= 0: argmax; else a draw from softmax(logits / temperature) by
 * inverse CDF on rng_uniform(rng). probs is scratch of n floats. */
int sample_token(const float *logits, int n, float temperature, mv_rng *rng, float *probs);

/* Independent Bernoulli outputs (a piano-roll step): temperature <= 0 sets
 * bits[i] = logits[i] > 0; otherwise bits[i] = u_i < sigmoid(logits[i] / T) with
 * one rng_uniform draw per output, in index order. */
void sample_bits(const float *logits, int n, float temperature, mv_rng *rng, uint8_t *bits);

#endif
