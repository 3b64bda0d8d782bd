/* Musical time for the plugin: where the host transport is, in 16th steps, and
 * at which frame of a block each step starts. Pure arithmetic, audio thread.
 * Every value from the host is clamped to the range below before use, so
 * that no position, tempo or meter makes a block play more than
 * MV_MAX_STEPS_PER_RUN steps or overflow an integer. */
#ifndef MV_CLOCK_H
#define MV_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define MV_STEPS_PER_WHOLE 16 /* the 16th grid */

/* Accepted ranges (documented in docs/plugin.md). */
#define MV_BPM_MIN 1.0
#define MV_BPM_MAX 1000.0
#define MV_SPEED_MIN 1e-3         /* below: stopped (0 and reverse too) */
#define MV_SPEED_MAX 16.0
#define MV_METER_MAX 64.0         /* beats per bar and beat unit: 1 .. 64 */
#define MV_POSITION_MAX 1e12      /* steps from the start, either way */
#define MV_RATE_MIN 1000.0
#define MV_RATE_MAX 1536000.0
#define MV_MAX_STEPS_PER_RUN 256  /* more due in one run(): the rest is skipped */

typedef struct mv_clock {
    double rate;          /* frames per second */
    double bpm;           /* beats per minute, a beat being 1/beat_unit */
    double speed;         /* transport speed: 0 stopped, 1 rolling */
    double beats_per_bar;
    double beat_unit;
    int bar_steps;        /* steps in a host bar (16 in 4/4) */
    double pos;           /* position in steps at the frame the block has reached */
    int64_t next_step;    /* the next step to play */
    bool host_transport;  /* a time:Position has arrived: no more free-running */
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
/* Gives up the steps due before the current position (too many in one run). */
void clock_skip_to_position(mv_clock *c);

/* The bar of a step and the step within that bar. */
int64_t clock_bar_of(const mv_clock *c, int64_t step);
int clock_step_in_bar(const mv_clock *c, int64_t step);

#endif
