/* The maths the trainer's model is written in: a small backend interface.
 * The CPU backend (backend_cpu.c, OpenBLAS) is the only one. Buffers passed
 * here come from be_alloc; the model code (vae.c, train_cmd.c) also reads and
 * writes them directly on the host (inputs, logits, onset counts, parameter
 * blocks), so a GPU backend would need those accesses routed through be_*
 * first: it is not a drop-in file today (docs/training-mpi.md).
 *
 * `real` is float for training. The same sources compile a second time with
 * MV_TRAIN_DOUBLE defined (real = double, dgemm) for the gradient checks and the
 * PyTorch parity test; the two builds never link into one binary.
 * All matrices are row-major. */
#ifndef MV_TRAIN_BACKEND_H
#define MV_TRAIN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#ifdef MV_TRAIN_DOUBLE
typedef double real;
#else
typedef float real;
#endif

/* Threads for the matrix products (OpenBLAS threads on the CPU). */
void be_set_threads(int threads);
/* A one-line description of the maths library and the kernel it runs. */
const char *be_describe(void);
/* A line for the user when the backend runs far below the machine's speed and
 * the fix is theirs to make (e.g. an environment variable); NULL otherwise. */
const char *be_warning(void);

real *be_alloc(size_t n);  /* zeroed, 64-byte aligned; NULL when out of memory */
void be_free(real *p);

/* C = alpha op(A) op(B) + beta C, op(A) [m, k], op(B) [k, n]. */
void be_gemm(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a,
             int lda, const real *b, int ldb, real beta, real *c, int ldc);

void be_zero(real *x, size_t n);
void be_copy(real *dst, const real *src, size_t n);
void be_axpy(size_t n, real alpha, const real *x, real *y); /* y += alpha x */
void be_mul(real *dst, const real *x, const real *y, size_t n); /* dst = x y, elementwise */
/* dst[r, 0:n] = src[r, 0:n] for r < rows, with row strides. */
void be_copy_rows(real *dst, int ld_dst, const real *src, int ld_src, int rows, int n);
/* dst[r, 0:n] += src[r, 0:n] for r < rows, with row strides. */
void be_add_rows(real *dst, int ld_dst, const real *src, int ld_src, int rows, int n);
/* y[r, :] = bias for r < rows (y contiguous, n wide). */
void be_rows_set(real *y, const real *bias, int rows, int n);
/* y[r, :] += w[idx[r], :], skipping idx[r] < 0 (a one-hot input times w). */
void be_rows_gather_acc(real *y, const real *w, int n, const int32_t *idx, int rows);
/* dw[idx[r], :] += dy[r, :], skipping idx[r] < 0 (the gradient of the gather). */
void be_rows_scatter_acc(real *dw, const real *dy, int n, const int32_t *idx, int rows);
/* db += sum over rows of dy [rows, n]. */
void be_col_sum_acc(real *db, const real *dy, int rows, int n);

void be_tanh(real *x, size_t n); /* in place */
/* dx = dy (1 - y^2), y = tanh(x); in place on dy. */
void be_tanh_backward(real *dy, const real *y, size_t n);
/* y = softplus(x), stably. */
void be_softplus(real *y, const real *x, size_t n);

/* The latent layer over [rows, n]: sigma = softplus(sigma_pre), z = mu + sigma eps
 * (eps NULL: z = mu), kl[r] = sum_j (mu^2 + sigma^2 - 1) / 2 - log sigma. */
void be_latent_forward(const real *mu, const real *sigma_pre, const real *eps, real *sigma,
                       real *z, double *kl, int rows, int n);
/* Its backward: dmu = dz + w[r] mu, dsigma_pre = (dz eps + w[r] (sigma - 1/sigma))
 * sig(sigma_pre), where w[r] is the weight of row r's KL in the loss. */
void be_latent_backward(const real *mu, const real *sigma_pre, const real *sigma,
                        const real *eps, const real *dz, const real *kl_weight, real *dmu,
                        real *dsigma_pre, int rows, int n);

/* LSTM cell, gates [rows, 4H] blocks i, f, g, o holding pre-activations:
 * activates them in place, c = sig(f) c_prev + sig(i) tanh(g), h = sig(o) tanh(c);
 * tanh_c keeps tanh(c) for the backward pass. */
void be_lstm_cell_forward(real *gates, const real *c_prev, real *c, real *h, real *tanh_c,
                          int rows, int n_hidden);
/* Backward of the cell. dh: dL/dh; dc: on entry dL/dc from later steps (may be
 * NULL = 0), on exit dL/dc_prev. dgates gets dL/d(pre-activation gates). */
void be_lstm_cell_backward(const real *gates, const real *c_prev, const real *tanh_c,
                           const real *dh, real *dc, real *dgates, int rows, int n_hidden);

/* Softmax cross-entropy over logits [rows, k] with targets[r]: adds the summed
 * loss to *loss, the count of argmax == target to *correct, and if dlogits is not
 * NULL writes scale (softmax - onehot) there. */
void be_softmax_xent(const real *logits, const int32_t *targets, int rows, int k, real scale,
                     real *dlogits, double *loss, long *correct);

/* Independent sigmoid cross-entropies (a piano-roll step's Bernoulli outputs)
 * over logits [rows, k] with 0/1 targets [rows, k]: adds the summed loss to
 * *loss, the count of rows whose every bit (logit > 0) is right to *correct,
 * and if dlogits is not NULL writes scale (sigmoid - target) there. */
void be_sigmoid_xent(const real *logits, const real *targets, int rows, int k, real scale,
                     real *dlogits, double *loss, long *correct);

/* A groove step's loss (core/groove.h) over logits [rows, 27] with targets
 * [rows, 27], the step's features (groove_features: hit, velocity / 127, 2 x
 * offset): sigmoid cross-entropy of the 9 hits, and on the true hits the
 * squared errors of sigmoid(velocity output) and tanh(offset output). Adds the
 * summed loss to *loss, the rows whose 9 hits (logit > 0) are all right to
 * *correct, and if dlogits is not NULL writes scale x the gradient there. */
void be_groove_loss(const real *logits, const real *targets, int rows, real scale, real *dlogits,
                    double *loss, long *correct);

double be_sum_squares(const real *x, size_t n);
/* One Adam step on n parameters (bias-corrected, as PyTorch): g scaled by
 * grad_scale first (global-norm clipping). */
void be_adam(real *p, const real *g, real *m, real *v, size_t n, real lr, real beta1,
             real beta2, real eps, real grad_scale, long step);

#endif
