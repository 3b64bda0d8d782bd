/* Musical time for the plugin: where the host transport is, in 16th steps, and
 * at which frame of a block each step starts. Pure arithmetic, audio thread. */
#ifndef MV_CLOCK_H
#define MV_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define MV_STEPS_PER_WHOLE 16 /* the 16th grid */

typedef struct mv_clock {
    double rate;          /* frames per second */
    double bpm;           /* beats per minute, a beat being 1/beat_unit */
    double speed;         /* transport speed: 0 stopped, 1 rolling */
    double beats_per_bar;
    double beat_unit;
    int bar_steps;        /* steps in a host bar (16 in 4/4) */
    double pos;           /* position in steps at the frame the block has reached */
    int64_t next_step;    /* the next step to play */
} mv_clock;

/* Free-running at 120 BPM in 4/4 from position 0 until the host says otherwise. */
void clock_init(mv_clock *c, double rate);
double clock_steps_per_frame(const mv_clock *c);
bool clock_rolling(const mv_clock *c);

/* A time:Position from the host. Fields the host left out are passed as NAN.
 * Returns true when the position jumped (a relocation: play from there). */
bool clock_set_position(mv_clock *c, double bar, double bar_beat, double beat,
                        double beats_per_bar, double beat_unit, double bpm, double speed);

/* The frame in [0, n_frames) at which next_step starts, or -1 when it does not
 * start in the n_frames from the current position. */
int64_t clock_step_frame(const mv_clock *c, int64_t n_frames);
/* Moves the position on by n frames. */
void clock_advance(mv_clock *c, int64_t n_frames);

/* The bar of a step and the step within that bar. */
int64_t clock_bar_of(const mv_clock *c, int64_t step);
int clock_step_in_bar(const mv_clock *c, int64_t step);

#endif
