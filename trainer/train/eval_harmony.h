/* Harmony figures of `morphvae eval` on a corpus with chords (issue 20): the
 * share of melody onsets whose pitch class is a tone of the chord at their
 * step, for the data, the model teacher-forced, greedy from mu, and prior
 * samples at the sampling temperature conditioned on each window's chords;
 * each with the chords given to the model and withheld from it (the model as
 * it plays without chords: the baseline). With a chord pull (--chord-pull,
 * core/chord_steer.h), the decodes with the chords given are steered to them,
 * and a model without chord input gets that row too. Only onsets at steps
 * that have a chord count (POP909's N, ~0.4 % of its steps, is left out). */
#ifndef MV_EVAL_HARMONY_H
#define MV_EVAL_HARMONY_H

#include <stdint.h>

#include "decoder.h"

#define EVAL_HARMONY_SEED 20 /* prior samples: window i draws z from seed + i */

/* Onsets at steps with a chord, and those on one of its tones. */
typedef struct eval_chord_tones {
    long onsets, on_tone;
} eval_chord_tones;

enum eval_harmony_by { HARMONY_TF, HARMONY_GREEDY, HARMONY_PRIOR, HARMONY_BY };
enum eval_harmony_row { HARMONY_GIVEN, HARMONY_WITHHELD, HARMONY_ROWS };

typedef struct eval_harmony {
    eval_chord_tones data, model[HARMONY_ROWS][HARMONY_BY];
    float temperature; /* of the prior samples */
    float pull;        /* chord pull of the decodes with chords given; 0: none */
} eval_harmony;

/* Counts n melody windows of T tokens (tokens of min_pitch's model) against
 * their chords [n, T]. */
void eval_chord_tones_add(eval_chord_tones *c, const int32_t *tokens, const uint8_t *chords,
                          int n, int T, int min_pitch);

/* The model's figures for a batch: truth [B, T] with chords [B, T]; mu [B, Z]
 * the encoder's means; window_index[b] the window's index in its split (its
 * prior sample's seed). Scratch: logits [B, T, K], tokens [B, T], z [B, Z],
 * rngs [B]. Chords are given and withheld in turn (a model without chord
 * input and no pull fills the withheld row only); the decoder's chords and
 * pull are left unset. */
typedef struct eval_harmony_scratch {
    float *logits, *z;
    int32_t *tokens;
    mv_rng *rngs;
} eval_harmony_scratch;

void eval_harmony_batch(eval_harmony *h, mv_decoder *d, const mv_hparams *hp,
                        const int32_t *truth, const uint8_t *chords, const float *mu,
                        const uint64_t *window_index, int B, eval_harmony_scratch *s);

/* The text lines ("chord tones data 0.6430" ...) and JSON keys. */
void eval_harmony_print(const eval_harmony *h, const mv_hparams *hp);
void eval_harmony_json(const eval_harmony *h, const mv_hparams *hp, int *first);

#endif
