/* Encoding and decoding with a bound model. A decoder is sized at creation for a
 * maximum batch and owns every buffer it will ever use: after decoder_create,
 * no function here allocates, locks or makes a system call. */
#ifndef MV_DECODER_H
#define MV_DECODER_H

#include <stdint.h>

#include "model.h"
#include "rng.h"

typedef struct mv_decoder mv_decoder;

/* Allocates everything for batches of up to max_batch, the model's packed
 * matrices included. NULL when out of memory. */
mv_decoder *decoder_create(const mv_model *m, int max_batch);
/* A decoder with its own activations that multiplies by other's packed
 * matrices (other must outlive it): decoders of one model on different
 * threads hold one packed copy. NULL when out of memory. */
mv_decoder *decoder_create_sharing(const mv_decoder *other, int max_batch);
void decoder_free(mv_decoder *d);
int decoder_max_batch(const mv_decoder *d);
/* (Every call below with batch outside 1..max_batch does nothing, and so does a
 * token call on a piano-roll model or a roll call on a token model.) */

/* Full decode. z: [batch, Z]; tokens: [batch, n_bars*steps_per_bar].
 * temperature 0 is greedy (argmax, rngs may be NULL); otherwise each sequence b
 * samples from softmax(logits / temperature) with rngs[b], so a sequence decodes
 * the same alone or anywhere in a batch. */
void decoder_decode(mv_decoder *d, const float *z, int batch, float temperature,
                    mv_rng *rngs, int32_t *tokens);

/* Per-bar decoding, for the plugin: decoder_conduct computes the bar embeddings
 * of z (kept inside the decoder), then decoder_decode_bar generates bar `bar`
 * given each sequence's previous token (-1: none, i.e. zeros, as for bar 0).
 * tokens: [batch, steps_per_bar]. */
void decoder_conduct(mv_decoder *d, const float *z, int batch);
void decoder_decode_bar(mv_decoder *d, int batch, int bar, const int32_t *prev_token,
                        float temperature, mv_rng *rngs, int32_t *tokens);

/* Teacher-forced logits of tokens given z: logits [batch, seq_len, K] (the
 * trainer's forward pass must agree with this). */
void decoder_logits(mv_decoder *d, const float *z, const int32_t *tokens, int batch,
                    float *logits);

/* Encoder: tokens [batch, seq_len] -> mu, sigma [batch, Z] (sigma = softplus). */
void decoder_encode(mv_decoder *d, const int32_t *tokens, int batch, float *mu,
                    float *sigma);

/* Piano-roll models (MV_REPR_ROLL, core/tokens.h): a step is K = 2P bytes 0/1,
 * P "sounds" bits then P "starts" bits, decoded as independent Bernoulli
 * outputs; roll is [batch, T, K]. The same operations as above:
 * temperature 0 sets a bit where its logit is > 0, otherwise bit i is drawn
 * from sigmoid(logit / temperature) with rngs[b]; every generated step is
 * normalised (roll_step_normalise) before it is fed back. */
void decoder_decode_roll(mv_decoder *d, const float *z, int batch, float temperature,
                         mv_rng *rngs, uint8_t *roll);
/* prev_step: [batch, K], each sequence's last step before the bar (NULL: none);
 * roll: [batch, steps_per_bar, K]. Call decoder_conduct first. */
void decoder_decode_bar_roll(mv_decoder *d, int batch, int bar, const uint8_t *prev_step,
                             float temperature, mv_rng *rngs, uint8_t *roll);
void decoder_logits_roll(mv_decoder *d, const float *z, const uint8_t *roll, int batch,
                         float *logits);
void decoder_encode_roll(mv_decoder *d, const uint8_t *roll, int batch, float *mu,
                         float *sigma);

#endif
