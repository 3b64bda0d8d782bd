#include "clock.h"

#include <math.h>

/* A step is due at a frame when it lies within this many frames of it, so that
 * rounding in the running position never moves a note by a frame. */
#define FRAME_TOLERANCE 1e-6
/* Host and plugin positions further apart than this (in steps) are a relocation. */
#define JUMP_TOLERANCE 0.01

/* v clamped to [lo, hi]; NAN stays NAN (callers test isfinite first). */
static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void set_meter(mv_clock *c, double beats_per_bar, double beat_unit)
{
    if (isfinite(beats_per_bar) && beats_per_bar > 0)
        c->beats_per_bar = clamp(beats_per_bar, 1.0, MV_METER_MAX);
    if (isfinite(beat_unit) && beat_unit > 0) c->beat_unit = clamp(beat_unit, 1.0, MV_METER_MAX);
    long steps = lround(c->beats_per_bar * MV_STEPS_PER_WHOLE / c->beat_unit);
    c->bar_steps = steps < 1 ? 1 : (int)steps;
}

void clock_init(mv_clock *c, double rate)
{
    c->rate = isfinite(rate) && rate > 0 ? clamp(rate, MV_RATE_MIN, MV_RATE_MAX) : 48000.0;
    c->bpm = 120.0;
    c->speed = 1.0;
    c->beats_per_bar = 4.0;
    c->beat_unit = 4.0;
    set_meter(c, 4.0, 4.0);
    c->pos = 0.0;
    c->next_step = 0;
    c->host_transport = false;
}

double clock_steps_per_frame(const mv_clock *c)
{
    double steps_per_beat = MV_STEPS_PER_WHOLE / c->beat_unit;
    return c->bpm / 60.0 * steps_per_beat * c->speed / c->rate;
}

bool clock_rolling(const mv_clock *c)
{
    return c->speed > 0.0;
}

bool clock_set_position(mv_clock *c, double bar, double bar_beat, double beat,
                        double beats_per_bar, double beat_unit, double bpm, double speed)
{
    c->host_transport = true;
    set_meter(c, beats_per_bar, beat_unit);
    if (isfinite(bpm) && bpm > 0) c->bpm = clamp(bpm, MV_BPM_MIN, MV_BPM_MAX);
    if (!isnan(speed)) c->speed = speed < MV_SPEED_MIN ? 0.0 : fmin(speed, MV_SPEED_MAX);
    double steps_per_beat = MV_STEPS_PER_WHOLE / c->beat_unit;
    double pos;
    if (isfinite(bar)) {
        double in_bar = isfinite(bar_beat) ? clamp(bar_beat, 0.0, c->beats_per_bar) : 0.0;
        pos = clamp(bar, -MV_POSITION_MAX, MV_POSITION_MAX) * c->bar_steps +
              in_bar * steps_per_beat;
    } else if (isfinite(beat)) {
        pos = clamp(beat, -MV_POSITION_MAX, MV_POSITION_MAX) * steps_per_beat;
    } else {
        return false;
    }
    pos = clamp(pos, -MV_POSITION_MAX, MV_POSITION_MAX);
    bool jumped = fabs(pos - c->pos) > JUMP_TOLERANCE;
    c->pos = pos;
    if (jumped) clock_skip_to_position(c);
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
    c->pos = clamp(c->pos + (double)n_frames * clock_steps_per_frame(c), -MV_POSITION_MAX,
                   MV_POSITION_MAX);
}

void clock_skip_to_position(mv_clock *c)
{
    c->next_step = (int64_t)ceil(c->pos - FRAME_TOLERANCE);
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
