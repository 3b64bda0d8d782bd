/* Anchors from notes: the first usable window of a MIDI file, or of a phrase
 * captured from the plugin's MIDI input (worker.c builds it as a MIDI file),
 * encoded to mu and refined (core/refine.h) so that the anchor plays the
 * window back (a piano roll's bits as a melody's tokens). A file goes through
 * the reader the trainer uses (midi/midi_read.h); both go through the extraction that cuts training
 * windows (core/extract.h), so an anchor is exactly a training window. Runs
 * in the worker: the reader and the extraction allocate, and the reader
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

/* Why no window of the model's length came out of the notes (stats summed
 * over the extraction passes). */
static void no_window_reason(const mv_engine *e, const mv_extract_stats *st, char *out,
                             size_t outlen)
{
    bool drums = e->repr == MV_REPR_DRUMS;
    if (st->notes == 0)
        snprintf(out, outlen, drums ? "no notes on channel 10" : "no notes off channel 10");
    else if (st->notes_out_of_range == st->notes)
        snprintf(out, outlen,
                 drums ? "none of its %llu notes is a drum of the General MIDI map"
                       : "none of its %llu notes is within the model's pitches",
                 (unsigned long long)st->notes);
    else if (st->windows_gap)
        snprintf(out, outlen, "%d steps in a row without a sounding note (a silent bar)",
                 e->steps_per_bar);
    else if (st->segments_bad_meter)
        snprintf(out, outlen, "a meter that does not fill the model's %d-step bars",
                 e->steps_per_bar);
    else
        snprintf(out, outlen, "it needs %d bars of notes on a 4/4 grid without a silent bar",
                 e->n_bars);
}

/* A roll model's first window, into e->seq_roll. */
typedef struct first_roll {
    uint8_t *roll;
    size_t bytes;
    bool found;
} first_roll;

static int take_first_roll(void *ctx, const void *roll, uint32_t bar, int32_t transpose)
{
    (void)bar;
    (void)transpose;
    first_roll *w = ctx;
    memcpy(w->roll, roll, w->bytes);
    w->found = true;
    return 1;
}

int engine_encode_window(mv_engine *e, const int32_t *tokens, float *z)
{
    /* The refiner's own encoder gives mu, as `morphvae encode --refine` does, so
     * both give the same z for the same window (a roll's is unpacked first). */
    const mv_refine_options o = refine_defaults();
    if (e->repr == MV_REPR_ROLL) {
        engine_roll_unpack(e, tokens, e->seq_roll);
        return refine_window_roll(e->refine, e->seq_roll, &o, z, NULL, NULL) ? -1 : 0;
    }
    return refine_window(e->refine, tokens, &o, z, NULL, NULL) ? -1 : 0;
}

int engine_encode_midi(mv_engine *e, const mv_midi_file *f, const char *what, float *z,
                       char *err, size_t errlen)
{
    char why[256];
    mv_extract_config cfg = {
        .repr = e->repr,
        .n_bars = e->n_bars,
        .steps_per_bar = e->steps_per_bar,
        .min_pitch = (int)e->min_pitch,
        .n_pitches = e->repr == MV_REPR_MELODY ? (int)e->n_classes - 2
                     : e->repr == MV_REPR_ROLL ? e->n_pitches
                                               : 0,
        .max_transpose = 0,
        .track_name = NULL,
        .meter_steps = 0,
    };
    /* POP909-style files: the melody is the track named MELODY; other files:
     * the first voice with a usable window. */
    first_window w = {.tokens = e->seq_tokens, .seq_len = e->n_bars * e->steps_per_bar};
    mv_extract_stats stats = {0};
    int rc = 0;
    if (e->repr == MV_REPR_ROLL) {
        /* A piano roll: POP909-style files, the accompaniment (the track named
         * PIANO, as the shipped roll models were trained); other files, all
         * tracks but the drums in one roll, as `morphvae data --repr roll` cuts
         * them. The window is kept packed in seq_tokens. */
        first_roll r = {.roll = e->seq_roll,
                        .bytes = (size_t)e->n_bars * (size_t)e->steps_per_bar * e->n_classes};
        cfg.track_name = "PIANO";
        rc = extract_windows(f, &cfg, take_first_roll, &r, &stats, why, sizeof why);
        cfg.track_name = NULL;
        if (rc >= 0 && !r.found)
            rc = extract_windows(f, &cfg, take_first_roll, &r, &stats, why, sizeof why);
        if (r.found) engine_roll_pack(e, e->seq_roll, e->seq_tokens);
        w.found = r.found;
    } else if (e->repr == MV_REPR_MELODY) {
        cfg.track_name = "MELODY";
        rc = extract_windows(f, &cfg, take_first, &w, &stats, why, sizeof why);
        cfg.track_name = NULL;
    }
    if (rc >= 0 && !w.found && e->repr != MV_REPR_ROLL)
        rc = extract_windows(f, &cfg, take_first, &w, &stats, why, sizeof why);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", what, why);
        return -1;
    }
    if (!w.found) {
        no_window_reason(e, &stats, why, sizeof why);
        snprintf(err, errlen, "%s has no usable %d-bar %s window (%s)", what, e->n_bars,
                 e->repr == MV_REPR_DRUMS ? "drum" : e->repr == MV_REPR_ROLL ? "piano-roll" : "melody",
                 why);
        return -1;
    }
    if (engine_encode_window(e, e->seq_tokens, z)) {
        snprintf(err, errlen, "%s: a window token is outside the model's %u classes", what,
                 e->n_classes);
        return -1;
    }
    return 0;
}

int engine_encode_file(mv_engine *e, const char *path, float *z, char *err, size_t errlen)
{
    mv_midi_file f;
    char why[256];
    if (midi_read_file(path, &f, why, sizeof why)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    int rc = engine_encode_midi(e, &f, path, z, err, errlen);
    midi_file_free(&f);
    return rc;
}
