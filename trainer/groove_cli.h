/* What `morphvae groove` and `morphvae drumify` share (issue 21, GrooVAE's
 * Groove and Drumify on a trained groove model): the model they default to
 * and its check, the grid of the input, and the feel figures they print. */
#ifndef MV_GROOVE_CLI_H
#define MV_GROOVE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "gen_model.h"
#include "groove_feel.h"
#include "midi_events.h"

#define GROOVE_CLI_MODEL "groove_2bar.mvae" /* the shipped groove model */
#define GROOVE_CLI_BATCH 16

/* Opens the model at path, or with path NULL the shipped groove model, found
 * as models/groove_2bar.mvae in the current folder, else in the checkout's
 * models/ beside the build folder (build/trainer/../../models), else in the
 * plugin bundle beside the program (../morphvae.lv2, ../lib/lv2/morphvae.lv2);
 * refuses a model that is not a groove model. Returns 0, or 1 after saying
 * why on stderr as "morphvae CMD: ...". */
int groove_cli_open(const char *cmd, const char *path, mv_gen_model *g);

/* The 16th-grid step of a tick (the grid of `morphvae data`,
 * core/extract.h) and the tick of a step plus an offset in steps. */
int64_t groove_cli_step(int64_t tick, uint32_t ticks_per_quarter);
int64_t groove_cli_tick(int64_t step, double offset_steps, uint32_t ticks_per_quarter);
/* A tick's distance from its step, in steps (-0.5 .. 0.5). */
double groove_cli_offset(int64_t tick, uint32_t ticks_per_quarter);

/* Whether a track of the file has one of the comma-separated names of list
 * (any case, as --track matches everywhere: core/extract.h). */
int groove_cli_track_exists(const mv_midi_file *f, const char *list);
/* The file's track names, quoted and comma-separated, into out ("none
 * named" when no track has a name). */
void groove_cli_track_names(const mv_midi_file *f, char *out, size_t n);

#endif
