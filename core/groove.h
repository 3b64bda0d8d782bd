/* Groove steps (issue 21): drums with feel, GrooVAE's representation. Each
 * 16th step holds, for each of the MV_DRUM_CLASSES instruments (core/tokens.h:
 * kick, snare, closed hat, ...), whether it is hit, how hard and how far from
 * the grid, so that a pattern keeps how a drummer played it.
 *
 * A step is MV_GROOVE_STEP_BYTES bytes, three blocks of one byte per
 * instrument, in the order of the model's outputs:
 *   [hit 0/1] x 9, [velocity 1..127 where hit, else 0] x 9,
 *   [offset, int8, where hit, else 0] x 9
 * The offset is the hit's distance from its step in 1/128 of a step,
 * -64..63 (-0.5 .. +0.49 of a step: a hit is on the nearest step).
 * The model reads a step as MV_GROOVE_STEP_BYTES features (groove_features)
 * and writes it from as many outputs: 9 hit logits (sigmoid, Bernoulli), 9
 * velocity outputs (sigmoid, velocity / 127) and 9 offset outputs (tanh, 2 x
 * offset in steps), the last two scored on the hits only. */
#ifndef MV_GROOVE_H
#define MV_GROOVE_H

#include <stdint.h>

#include "tokens.h"

#define MV_GROOVE_VOICES MV_DRUM_CLASSES
#define MV_GROOVE_STEP_BYTES (3 * MV_GROOVE_VOICES) /* = the model's n_classes */
#define MV_GROOVE_HIT 0                             /* block offsets in a step */
#define MV_GROOVE_VELOCITY MV_GROOVE_VOICES
#define MV_GROOVE_OFFSET (2 * MV_GROOVE_VOICES)
#define MV_GROOVE_OFFSET_UNITS 128 /* offset bytes per step */

/* Offset of instrument i's hit in steps (-0.5 .. 0.49). */
static inline float groove_offset_steps(const uint8_t *step, int i)
{
    return (float)(int8_t)step[MV_GROOVE_OFFSET + i] / MV_GROOVE_OFFSET_UNITS;
}

/* The offset byte of a distance from the grid in steps, clamped to -0.5 .. 0.49. */
int8_t groove_offset_byte(double steps);

/* The model's input of a step, x[MV_GROOVE_STEP_BYTES]: hit (0/1), velocity /
 * 127 and 2 x offset in steps (-1..1), each block as in the step. */
void groove_features(const uint8_t *step, float *x);

/* The hits of n steps as drum tokens (core/tokens.h: bit i, instrument i
 * hit): what a groove window plays, without its feel. */
void groove_hit_tokens(const uint8_t *steps, int n, int32_t *tokens);

/* Whether a step is one: hits 0/1, and velocity and offset 0 where no hit,
 * velocity 1..127 where one, offset -64..63. */
int groove_step_valid(const uint8_t *step);

/* Sets instrument i of a step hit, with the velocity and offset the model's
 * outputs logits [MV_GROOVE_STEP_BYTES] give a hit: 127 sigmoid (1..127) and
 * 0.5 tanh steps, the expected values that decoding writes (repr_groove.c). */
void groove_hit_from_logits(const float *logits, int i, uint8_t *step);

/* A rule on the hits of one step as a groove model decodes it
 * (decoder_set_groove_rules): the hits of GrooVAE's Groove (exactly the
 * given ones, the feel the model's) and Drumify (hits only where a rhythm
 * has onsets, at least one at each). Bit i of a mask is instrument i. */
typedef struct mv_groove_rule {
    uint16_t allow;        /* instruments that may be hit; the others are cleared */
    uint16_t require;      /* instruments hit whatever was drawn (within allow) */
    uint16_t at_least_one; /* non-zero: a step left with no hit gets the allowed
                              instrument of the highest hit logit */
} mv_groove_rule;

#define MV_GROOVE_ALL_VOICES ((uint16_t)((1u << MV_GROOVE_VOICES) - 1))

/* The rule that changes nothing: every instrument allowed, none required. */
static inline mv_groove_rule groove_rule_free(void)
{
    return (mv_groove_rule){MV_GROOVE_ALL_VOICES, 0, 0};
}

/* Makes a decoded step obey rule r, given the logits it was drawn from: hits
 * outside allow are removed (velocity and offset with them); required hits,
 * and the at-least-one hit, are set by groove_hit_from_logits; hits the model
 * drew and the rule allows keep their values. */
void groove_rule_apply(const mv_groove_rule *r, const float *logits, uint8_t *step);

#endif
