/* The groove summary's figures (groove_feel.h). */
#include "groove_feel.h"

#include <math.h>

#include "tokens.h"

void groove_feel_add_hit(groove_feel *f, int voice, int velocity, double offset_steps)
{
    const double v = velocity, o = offset_steps;
    f->hits[voice]++;
    f->velocity[voice] += v;
    f->velocity_sq[voice] += v * v;
    f->offset[voice] += o;
    f->offset_sq[voice] += o * o;
    f->offset_abs[voice] += fabs(o);
    f->on_grid[voice] += o == 0;
}

void groove_feel_add(groove_feel *f, const uint8_t *steps, int n_steps)
{
    for (int t = 0; t < n_steps; t++) {
        const uint8_t *step = steps + (size_t)t * MV_GROOVE_STEP_BYTES;
        for (int i = 0; i < MV_GROOVE_VOICES; i++)
            if (step[MV_GROOVE_HIT + i])
                groove_feel_add_hit(f, i, step[MV_GROOVE_VELOCITY + i],
                                    groove_offset_steps(step, i));
    }
}

groove_feel_figures groove_feel_of(const groove_feel *f, int i)
{
    const int from = i == GROOVE_FEEL_ALL ? 0 : i, to = i == GROOVE_FEEL_ALL ? MV_GROOVE_VOICES : i + 1;
    uint64_t hits = 0, on_grid = 0;
    double v = 0, v2 = 0, o = 0, o2 = 0, o_abs = 0;
    for (int k = from; k < to; k++) {
        hits += f->hits[k], on_grid += f->on_grid[k];
        v += f->velocity[k], v2 += f->velocity_sq[k];
        o += f->offset[k], o2 += f->offset_sq[k], o_abs += f->offset_abs[k];
    }
    const double n = (double)hits, none = NAN;
    const double v_mean = hits ? v / n : none, o_mean = hits ? o / n : none;
    const double v_var = v2 / n - v_mean * v_mean, o_var = o2 / n - o_mean * o_mean;
    return (groove_feel_figures){
        .hits = hits,
        .velocity_mean = v_mean,
        .velocity_sd = hits > 1 ? sqrt(v_var > 0 ? v_var : 0) : none,
        .offset_mean = o_mean,
        .offset_sd = hits > 1 ? sqrt(o_var > 0 ? o_var : 0) : none,
        .abs_offset_mean = hits ? o_abs / n : none,
        .on_grid = hits ? (double)on_grid / n : none,
    };
}

/* One line: hits, velocity mean and standard deviation, mean offset (signed:
 * ahead of or behind the beat) and mean |offset| in steps, share on the grid. */
static void print_line(FILE *out, const char *name, const groove_feel_figures *g)
{
    const int any = g->hits > 0; /* none: zeros, not NaN */
    fprintf(out, "  %-10s %9llu  %8.1f %5.1f  %+7.3f  %8.3f  %5.1f %%\n", name,
            (unsigned long long)g->hits, any ? g->velocity_mean : 0,
            g->hits > 1 ? g->velocity_sd : 0, any ? g->offset_mean : 0,
            any ? g->abs_offset_mean : 0, any ? 100.0 * g->on_grid : 0);
}

void groove_feel_print(const groove_feel *f, FILE *out)
{
    fprintf(out, "groove feel (hits in kept windows; offsets in 16th steps, + late):\n"
                 "  instrument      hits  vel mean    sd   offset  |offset|  on grid\n");
    for (int i = 0; i <= GROOVE_FEEL_ALL; i++) {
        const groove_feel_figures g = groove_feel_of(f, i);
        if (g.hits || i == GROOVE_FEEL_ALL)
            print_line(out, i == GROOVE_FEEL_ALL ? "all" : drum_class_name(i), &g);
    }
}
