/* MIDI file anchors: the first usable window of a file encoded to mu and
 * refined (core/refine.h) so that the anchor plays the window back. The file
 * goes through the reader the trainer uses (midi/midi_read.h) and the
 * extraction that cuts training windows (core/extract.h), so an anchor is
 * exactly a training window. Runs in the worker: the reader allocates, and it
 * refuses anything but a regular file before reading (a FIFO cannot block it). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "extract.h"
#include "midi_read.h"

typedef struct first_window {
    int32_t *tokens;
    int seq_len;
    bool found;
} first_window;

static int take_first(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    (void)bar;
    (void)transpose;
    first_window *w = ctx;
    memcpy(w->tokens, tokens, (size_t)w->seq_len * sizeof(int32_t));
    w->found = true;
    return 1; /* stop: one window is all an anchor needs */
}

int engine_encode_file(mv_engine *e, const char *path, float *z, char *err, size_t errlen)
{
    mv_midi_file f;
    char why[256];
    if (midi_read_file(path, &f, why, sizeof why)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    mv_extract_config cfg = {
        .repr = e->repr,
        .n_bars = e->n_bars,
        .steps_per_bar = e->steps_per_bar,
        .min_pitch = (int)e->min_pitch,
        .n_pitches = e->repr == MV_REPR_MELODY ? (int)e->n_classes - 2 : 0,
        .max_transpose = 0,
        .track_name = NULL,
        .meter_steps = 0,
    };
    /* POP909-style files: the melody is the track named MELODY; other files:
     * the first voice with a usable window. */
    first_window w = {.tokens = e->seq_tokens, .seq_len = e->n_bars * e->steps_per_bar};
    mv_extract_stats stats = {0};
    int rc = 0;
    if (e->repr == MV_REPR_MELODY) {
        cfg.track_name = "MELODY";
        rc = extract_windows(&f, &cfg, take_first, &w, &stats, why, sizeof why);
        cfg.track_name = NULL;
    }
    if (rc >= 0 && !w.found) rc = extract_windows(&f, &cfg, take_first, &w, &stats, why, sizeof why);
    midi_file_free(&f);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    if (!w.found) {
        snprintf(err, errlen,
                 "%s has no usable %d-bar %s window (it needs %d bars of notes on a 4/4 grid "
                 "without a silent bar)",
                 path, e->n_bars, e->repr == MV_REPR_DRUMS ? "drum" : "melody", e->n_bars);
        return -1;
    }
    /* The refiner's own encoder gives mu, as `morphvae encode --refine` does, so
     * both give the same z for the same window. */
    const mv_refine_options o = refine_defaults();
    if (refine_window(e->refine, e->seq_tokens, &o, z, NULL, NULL)) {
        snprintf(err, errlen, "%s: a window token is outside the model's %u classes", path,
                 e->n_classes);
        return -1;
    }
    return 0;
}
