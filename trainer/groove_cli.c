/* Shared parts of `morphvae groove` and `morphvae drumify` (groove_cli.h). */
#include "groove_cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "extract.h"
#include "sequence_io.h"

/* The shipped groove model's path into buf, or NULL with the places looked
 * at in tried. */
static const char *default_model(char *buf, size_t n, char *tried, size_t tried_len)
{
    snprintf(buf, n, "models/%s", GROOVE_CLI_MODEL);
    snprintf(tried, tried_len, "%s", buf);
    if (access(buf, R_OK) == 0) return buf;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return NULL;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    static const char *const beside[] = {"../../models", "../morphvae.lv2",
                                         "../lib/lv2/morphvae.lv2"};
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
        snprintf(buf, n, "%s/%s/%s", exe, beside[i], GROOVE_CLI_MODEL);
        size_t used = strlen(tried);
        snprintf(tried + used, tried_len - used, ", %s", buf);
        if (access(buf, R_OK) == 0) return buf;
    }
    return NULL;
}

int groove_cli_open(const char *cmd, const char *path, mv_gen_model *g)
{
    static char found[4600]; /* the path g keeps */
    char tried[16384], err[1024];
    if (!path && !(path = default_model(found, sizeof found, tried, sizeof tried))) {
        fprintf(stderr,
                "morphvae %s: no --model given and the shipped groove model %s is in none of "
                "%s; give --model GROOVE_MODEL.mvae\n",
                cmd, GROOVE_CLI_MODEL, tried);
        return 1;
    }
    if (gen_model_open(g, path, GROOVE_CLI_BATCH, err, sizeof err)) {
        fprintf(stderr, "morphvae %s: %s\n", cmd, err);
        return 1;
    }
    if (g->hp.repr != MV_REPR_GROOVE) {
        fprintf(stderr,
                "morphvae %s: %s is a %s model, not a groove model: %s needs a model of "
                "drums with their velocities and timing (models/%s, or one trained on "
                "`morphvae data --repr groove`)\n",
                cmd, path, repr_name(g->hp.repr), cmd, GROOVE_CLI_MODEL);
        gen_model_close(g);
        return 1;
    }
    return 0;
}

int64_t groove_cli_step(int64_t tick, uint32_t ticks_per_quarter)
{
    return extract_tick_to_step(tick, ticks_per_quarter);
}

int64_t groove_cli_tick(int64_t step, double offset_steps, uint32_t ticks_per_quarter)
{
    int64_t t = llround(((double)step + offset_steps) * ticks_per_quarter / MV_STEPS_PER_QUARTER);
    return t < 0 ? 0 : t;
}

double groove_cli_offset(int64_t tick, uint32_t ticks_per_quarter)
{
    if (tick < 0) tick = 0;
    const int64_t step = extract_tick_to_step(tick, ticks_per_quarter);
    return (double)(tick * MV_STEPS_PER_QUARTER - step * (int64_t)ticks_per_quarter) /
           ticks_per_quarter;
}

/* Whether a track of the file has one of the names of list. */
int groove_cli_track_exists(const mv_midi_file *f, const char *list)
{
    for (uint32_t t = 0; t < f->n_tracks; t++)
        if (extract_track_named(f->tracks[t].name, list)) return 1;
    return 0;
}

void groove_cli_track_names(const mv_midi_file *f, char *out, size_t n)
{
    sequence_track_names(f, out, n);
    if (!out[0]) snprintf(out, n, "none named");
}
