/* Groove steps (groove.h). */
#include "fp_exact.h"

#include "groove.h"

#include <math.h>
#include <stddef.h>

int8_t groove_offset_byte(double steps)
{
    long v = lround(steps * MV_GROOVE_OFFSET_UNITS);
    if (v < -MV_GROOVE_OFFSET_UNITS / 2) v = -MV_GROOVE_OFFSET_UNITS / 2;
    if (v > MV_GROOVE_OFFSET_UNITS / 2 - 1) v = MV_GROOVE_OFFSET_UNITS / 2 - 1;
    return (int8_t)v;
}

void groove_features(const uint8_t *step, float *x)
{
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        x[MV_GROOVE_HIT + i] = (float)step[MV_GROOVE_HIT + i];
        x[MV_GROOVE_VELOCITY + i] = (float)step[MV_GROOVE_VELOCITY + i] / 127.0f;
        x[MV_GROOVE_OFFSET + i] = 2.0f * groove_offset_steps(step, i);
    }
}

void groove_hit_tokens(const uint8_t *steps, int n, int32_t *tokens)
{
    for (int t = 0; t < n; t++) {
        const uint8_t *step = steps + (size_t)t * MV_GROOVE_STEP_BYTES;
        tokens[t] = 0;
        for (int i = 0; i < MV_GROOVE_VOICES; i++)
            tokens[t] |= (int32_t)(step[MV_GROOVE_HIT + i] != 0) << i;
    }
}

int groove_step_valid(const uint8_t *step)
{
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        const uint8_t hit = step[MV_GROOVE_HIT + i], velocity = step[MV_GROOVE_VELOCITY + i];
        const int8_t offset = (int8_t)step[MV_GROOVE_OFFSET + i];
        if (hit > 1 || velocity > 127) return 0;
        if (!hit && (velocity || offset)) return 0;
        if (hit && !velocity) return 0;
        if (offset < -MV_GROOVE_OFFSET_UNITS / 2 || offset >= MV_GROOVE_OFFSET_UNITS / 2) return 0;
    }
    return 1;
}

void groove_hit_from_logits(const float *logits, int i, uint8_t *step)
{
    const float sigmoid = 1.0f / (1.0f + expf(-logits[MV_GROOVE_VELOCITY + i]));
    long velocity = lroundf(127.0f * sigmoid);
    step[MV_GROOVE_HIT + i] = 1;
    step[MV_GROOVE_VELOCITY + i] = (uint8_t)(velocity < 1 ? 1 : velocity > 127 ? 127 : velocity);
    step[MV_GROOVE_OFFSET + i] =
        (uint8_t)groove_offset_byte(0.5 * tanh((double)logits[MV_GROOVE_OFFSET + i]));
}

void groove_rule_apply(const mv_groove_rule *r, const float *logits, uint8_t *step)
{
    int any = 0, best = -1;
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        const int allowed = r->allow >> i & 1;
        if (!allowed) {
            step[MV_GROOVE_HIT + i] = step[MV_GROOVE_VELOCITY + i] = step[MV_GROOVE_OFFSET + i] = 0;
            continue;
        }
        if ((r->require >> i & 1) && !step[MV_GROOVE_HIT + i])
            groove_hit_from_logits(logits, i, step);
        any |= step[MV_GROOVE_HIT + i];
        if (best < 0 || logits[MV_GROOVE_HIT + i] > logits[MV_GROOVE_HIT + best]) best = i;
    }
    if (r->at_least_one && !any && best >= 0) groove_hit_from_logits(logits, best, step);
}
