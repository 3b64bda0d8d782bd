/* The groove summary's figures (groove_feel.h). */
#include "groove_feel.h"

#include <math.h>

#include "tokens.h"

void groove_feel_add(groove_feel *f, const uint8_t *steps, int n_steps)
{
    for (int t = 0; t < n_steps; t++) {
        const uint8_t *step = steps + (size_t)t * MV_GROOVE_STEP_BYTES;
        for (int i = 0; i < MV_GROOVE_VOICES; i++) {
            if (!step[MV_GROOVE_HIT + i]) continue;
            const double v = step[MV_GROOVE_VELOCITY + i], o = groove_offset_steps(step, i);
            f->hits[i]++;
            f->velocity[i] += v;
            f->velocity_sq[i] += v * v;
            f->offset[i] += o;
            f->offset_sq[i] += o * o;
            f->offset_abs[i] += fabs(o);
            f->on_grid[i] += step[MV_GROOVE_OFFSET + i] == 0;
        }
    }
}

/* One line: hits, velocity mean and standard deviation, mean offset (signed:
 * ahead of or behind the beat) and mean |offset| in steps, share on the grid. */
static void print_line(FILE *out, const char *name, uint64_t hits, double v, double v2, double o,
                       double o_abs, uint64_t on_grid)
{
    const double n = hits ? (double)hits : 1, mean = v / n;
    const double var = v2 / n - mean * mean;
    fprintf(out, "  %-10s %9llu  %8.1f %5.1f  %+7.3f  %8.3f  %5.1f %%\n", name,
            (unsigned long long)hits, mean, sqrt(var > 0 ? var : 0), o / n, o_abs / n,
            100.0 * (double)on_grid / n);
}

void groove_feel_print(const groove_feel *f, FILE *out)
{
    fprintf(out, "groove feel (hits in kept windows; offsets in 16th steps, + late):\n"
                 "  instrument      hits  vel mean    sd   offset  |offset|  on grid\n");
    uint64_t hits = 0, on_grid = 0;
    double v = 0, v2 = 0, o = 0, o_abs = 0;
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        if (!f->hits[i]) continue;
        print_line(out, drum_class_name(i), f->hits[i], f->velocity[i], f->velocity_sq[i],
                   f->offset[i], f->offset_abs[i], f->on_grid[i]);
        hits += f->hits[i];
        v += f->velocity[i];
        v2 += f->velocity_sq[i];
        o += f->offset[i];
        o_abs += f->offset_abs[i];
        on_grid += f->on_grid[i];
    }
    print_line(out, "all", hits, v, v2, o, o_abs, on_grid);
}
