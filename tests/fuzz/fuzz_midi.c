/* libFuzzer harness for the MIDI reading and windowing path: bytes ->
 * midi_read_memory (midi/: chunk structure, track events, notes) ->
 * extract_windows for every representation. Built by tests/fuzz/run.sh; replay_main.c runs the
 * saved crashers (tests/fuzz/regressions) in the meson test suite. */
#include <stdint.h>
#include <stdlib.h>

#include "extract.h"
#include "hparams.h"
#include "midi_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct window_check {
    const mv_extract_config *cfg;
} window_check;

/* Every emitted window must hold valid tokens; anything else is a bug. */
static int check_window(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    const mv_extract_config *cfg = ((window_check *)ctx)->cfg;
    int steps = cfg->n_bars * cfg->steps_per_bar;
    (void)bar;
    if (transpose < -cfg->max_transpose || transpose > cfg->max_transpose) abort();
    if (cfg->repr == MV_REPR_ROLL) {
        const uint8_t *r = tokens;
        for (int i = 0; i < steps * 2 * cfg->n_pitches; i++)
            if (r[i] > 1) abort();
        return 0;
    }
    const int32_t *t = tokens;
    int limit = cfg->repr == MV_REPR_MELODY ? cfg->n_pitches + 2 : 512;
    for (int i = 0; i < steps; i++)
        if (t[i] < 0 || t[i] >= limit) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mv_midi_file f;
    char err[512];
    if (midi_read_memory(data, size, &f, err, sizeof err)) return 0;
    static const mv_extract_config configs[] = {
        {.repr = MV_REPR_MELODY, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 3, .track_name = NULL, .meter_steps = 0},
        {.repr = MV_REPR_MELODY, .n_bars = 1, .steps_per_bar = 12, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = "MELODY", .meter_steps = 0},
        {.repr = MV_REPR_DRUMS, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 0, .n_pitches = 0, .max_transpose = 0, .track_name = NULL, .meter_steps = 0},
        {.repr = MV_REPR_ROLL, .n_bars = 1, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 2, .track_name = NULL, .meter_steps = 8},
    };
    for (size_t k = 0; k < sizeof configs / sizeof configs[0]; k++) {
        window_check ctx = {&configs[k]};
        mv_extract_stats stats = {0};
        extract_windows(&f, &configs[k], check_window, &ctx, &stats, err, sizeof err);
    }
    midi_file_free(&f);
    return 0;
}
