/* Encoding and decoding with a bound model. A decoder is sized at creation for a
 * maximum batch and owns every buffer it will ever use: after decoder_create,
 * no function here allocates, locks or makes a system call.
 *
 * The name is narrower than the thing: an mv_decoder runs the whole model,
 * encoder (decoder_encode) and conductor included. It is kept because the
 * plugin engine, the refiner, the trainer's generators and the tests all call
 * it by this name; read it as "the model runtime". */
#ifndef MV_DECODER_H
#define MV_DECODER_H

#include <stdint.h>

#include "groove.h"
#include "model.h"
#include "rng.h"
#include "window.h"

typedef struct mv_decoder mv_decoder;

/* Allocates everything for batches of up to max_batch, the model's packed
 * matrices included. NULL when out of memory. */
mv_decoder *decoder_create(const mv_model *m, int max_batch);
/* A decoder with its own activations that multiplies by other's packed
 * matrices (other must outlive it): decoders of one model on different
 * threads hold one packed copy. NULL when out of memory. */
mv_decoder *decoder_create_sharing(const mv_decoder *other, int max_batch);
void decoder_free(mv_decoder *d);
/* A window (window.h) holds the model's kind of steps: a token a step for
 * melody and drum models, K = 2P bytes 0/1 for piano-roll models (P "sounds"
 * bits then P "starts" bits, core/tokens.h), decoded as a softmax over the
 * classes or as independent Bernoulli bits. Every call below with batch
 * outside 1..max_batch, or a window of the other kind, does nothing. */

/* Chords for the calls that follow (decode, decode_bar, logits), for a
 * chord-conditioned model (hparams' chords): chords [batch, n_bars *
 * steps_per_bar] chord ids (core/chord.h), row b for sequence b, the id of
 * step t conditioning the prediction of step t; sequences past batch, and
 * all when chords is NULL, have none (0 everywhere), which decodes exactly as
 * the model without its chord input. Copied, so the caller's array may go;
 * ignored by an out-of-range batch. A model without chord input does not read
 * them, but a melody is steered toward them when decoder_set_chord_steer asks.
 * The encoder never reads chords. */
void decoder_set_chords(mv_decoder *d, const uint8_t *chords, int batch);
/* How strongly decode and decode_bar lean a melody's note-ons to the chord of
 * their step (core/chord_steer.h); 0 (the default) not at all. Melody models
 * only (others ignore it); teacher-forced logits never are steered. */
void decoder_set_chord_steer(mv_decoder *d, float strength);
/* Rules on a groove model's hits for the decodes that follow (decode,
 * decode_bar; groove.h's mv_groove_rule): rules [batch, n_bars *
 * steps_per_bar], row b for sequence b, the rule of step t applied to step t
 * as soon as it is drawn, before it is fed back, so that the steps after it
 * hear the constrained step (its hits forced or removed, the model's velocity
 * and offset). Sequences past batch, and all when rules is NULL, decode
 * freely. Copied; ignored by an out-of-range batch and by other models;
 * teacher-forced logits and the encoder never read them. */
void decoder_set_groove_rules(mv_decoder *d, const mv_groove_rule *rules, int batch);
/* The spread of a model's regression outputs (a groove model's velocities and
 * offsets; others ignore it): output_sd [n_classes] from the model file's
 * MV_META_OUTPUT_SD (core/weights.h), or NULL (the default: sampled steps take the model's
 * values, which are the means the squared-error loss learnt, and so vary less
 * than the data). At temperature T > 0, decode and decode_bar draw each such
 * output around the model's value with sd sqrt(T) output_sd[k]; greedy
 * decoding never does. The caller's array, read while decoding. */
void decoder_set_output_sd(mv_decoder *d, const float *output_sd);

/* Full decode. z: [batch, Z]; out: [batch, n_bars*steps_per_bar] steps.
 * temperature 0 is greedy (argmax; a bit set where its logit is > 0; rngs
 * may be NULL); otherwise each sequence b draws from softmax(logits /
 * temperature) (a roll: bit i from sigmoid(logit / temperature)) with
 * rngs[b], so a sequence decodes the same alone or anywhere in a batch. A
 * roll step is normalised (roll_step_normalise) before it is fed back. */
void decoder_decode(mv_decoder *d, const float *z, int batch, float temperature, mv_rng *rngs,
                    mv_window out);

/* Per-bar decoding, for the plugin: decoder_conduct computes the bar embeddings
 * of z (kept inside the decoder), then decoder_decode_bar generates bar `bar`
 * given each sequence's step before it (prev_step [batch] steps; steps NULL:
 * none, as for bar 0). out: [batch, steps_per_bar] steps. */
void decoder_conduct(mv_decoder *d, const float *z, int batch);
void decoder_decode_bar(mv_decoder *d, int batch, int bar, mv_window prev_step,
                        float temperature, mv_rng *rngs, mv_window out);

/* Teacher-forced logits of a window given z: logits [batch, seq_len, K] (the
 * trainer's forward pass must agree with this). */
void decoder_logits(mv_decoder *d, const float *z, mv_window in, int batch, float *logits);

/* Encoder: a window [batch, seq_len] -> mu, sigma [batch, Z] (sigma = softplus). */
void decoder_encode(mv_decoder *d, mv_window in, int batch, float *mu, float *sigma);

#endif
