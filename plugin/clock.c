#include "clock.h"

#include <math.h>

/* A step is due at a frame when it lies within this many frames of it, so that
 * rounding in the running position never moves a note by a frame. */
#define FRAME_TOLERANCE 1e-6
/* Host and plugin positions further apart than this (in steps) are a relocation. */
#define JUMP_TOLERANCE 0.01

static void set_meter(mv_clock *c, double beats_per_bar, double beat_unit)
{
    if (isfinite(beats_per_bar) && beats_per_bar > 0) c->beats_per_bar = beats_per_bar;
    if (isfinite(beat_unit) && beat_unit > 0) c->beat_unit = beat_unit;
    long steps = lround(c->beats_per_bar * MV_STEPS_PER_WHOLE / c->beat_unit);
    c->bar_steps = steps < 1 ? 1 : (int)steps;
}

void clock_init(mv_clock *c, double rate)
{
    c->rate = rate > 0 ? rate : 48000.0;
    c->bpm = 120.0;
    c->speed = 1.0;
    c->beats_per_bar = 4.0;
    c->beat_unit = 4.0;
    set_meter(c, 4.0, 4.0);
    c->pos = 0.0;
    c->next_step = 0;
}

double clock_steps_per_frame(const mv_clock *c)
{
    double steps_per_beat = MV_STEPS_PER_WHOLE / c->beat_unit;
    return c->bpm / 60.0 * steps_per_beat * c->speed / c->rate;
}

bool clock_rolling(const mv_clock *c)
{
    return c->speed > 0.0 && c->bpm > 0.0;
}

bool clock_set_position(mv_clock *c, double bar, double bar_beat, double beat,
                        double beats_per_bar, double beat_unit, double bpm, double speed)
{
    set_meter(c, beats_per_bar, beat_unit);
    if (isfinite(bpm) && bpm > 0) c->bpm = bpm;
    if (isfinite(speed)) c->speed = speed;
    double steps_per_beat = MV_STEPS_PER_WHOLE / c->beat_unit;
    double pos;
    if (isfinite(bar) && isfinite(bar_beat))
        pos = bar * c->bar_steps + bar_beat * steps_per_beat;
    else if (isfinite(beat))
        pos = beat * steps_per_beat;
    else
        return false;
    bool jumped = fabs(pos - c->pos) > JUMP_TOLERANCE;
    c->pos = pos;
    if (jumped) c->next_step = (int64_t)ceil(pos - FRAME_TOLERANCE);
    return jumped;
}

int64_t clock_step_frame(const mv_clock *c, int64_t n_frames)
{
    if (!clock_rolling(c)) return -1;
    double offset = ((double)c->next_step - c->pos) / clock_steps_per_frame(c);
    double frame = ceil(offset - FRAME_TOLERANCE);
    if (frame < 0) frame = 0;
    return frame < (double)n_frames ? (int64_t)frame : -1;
}

void clock_advance(mv_clock *c, int64_t n_frames)
{
    if (!clock_rolling(c)) return;
    c->pos += (double)n_frames * clock_steps_per_frame(c);
}

int64_t clock_bar_of(const mv_clock *c, int64_t step)
{
    int64_t bar = step / c->bar_steps;
    return step < 0 && bar * c->bar_steps != step ? bar - 1 : bar;
}

int clock_step_in_bar(const mv_clock *c, int64_t step)
{
    return (int)(step - clock_bar_of(c, step) * c->bar_steps);
}
