/* A window: the steps of one sequence or of a batch of them, in the form the
 * model's representation gives a step. Decoder, refiner, trainer, generators
 * and plugin all take this one type; what a step is, and how a model reads and
 * writes it, is the representation's business (repr.h), not theirs.
 *
 * Row b of a batch of windows of T steps starts at step b * T. A call given
 * a window whose kind is not its model's does nothing (or fails). */
#ifndef MV_WINDOW_H
#define MV_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* What one step holds. */
enum mv_step_kind {
    MV_STEPS_TOKENS, /* one int32 class (melody, drums: core/tokens.h) */
    MV_STEPS_ROLL,   /* K bytes 0/1, a piano-roll step (core/tokens.h) */
    MV_STEPS_GROOVE, /* 27 bytes: hits, velocities, offsets of 9 drums (core/groove.h) */
};

typedef struct mv_window {
    int kind;    /* enum mv_step_kind */
    void *steps; /* NULL: no steps (as "no previous step": the zero input) */
} mv_window;

/* A window over tokens or a roll; read-only use of it (an input) does not
 * write through the pointer, which is why a const one may be given. */
static inline mv_window window_tokens(const int32_t *tokens)
{
    return (mv_window){MV_STEPS_TOKENS, (void *)(uintptr_t)tokens};
}

static inline mv_window window_roll(const uint8_t *roll)
{
    return (mv_window){MV_STEPS_ROLL, (void *)(uintptr_t)roll};
}

static inline mv_window window_groove(const uint8_t *steps)
{
    return (mv_window){MV_STEPS_GROOVE, (void *)(uintptr_t)steps};
}

/* A window over steps of the kind a model of representation repr (MV_REPR_*,
 * hparams.h) takes: for code that holds a model's windows as plain bytes. */
mv_window window_for(uint32_t repr, const void *steps);

#endif
