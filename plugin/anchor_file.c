/* Anchors from notes: the first varied window of a MIDI file (else its first
 * usable one), or of a phrase
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
#include "phrase_variety.h"

/* The window an anchor takes: the first varied one (core/phrase_variety.h: a
 * song's sparse intro or held chords make a poor end of a morph), else the
 * first usable one. */
static int take_window(void *ctx, const void *window, uint32_t bar, int32_t transpose)
{
    (void)transpose;
    return anchor_window_offer(ctx, window, bar);
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

int engine_encode_window(mv_engine *e, const int32_t *tokens, float *z)
{
    /* The refiner's own encoder gives mu, as `morphvae encode --refine` does, so
     * both give the same z for the same window (a roll's is unpacked first). */
    const mv_refine_options o = refine_defaults();
    if (e->repr == MV_REPR_ROLL) {
        engine_roll_unpack(e, tokens, e->seq_roll);
        return refine_window(e->refine, window_roll(e->seq_roll), &o, z, NULL, NULL) ? -1 : 0;
    }
    return refine_window(e->refine, window_tokens(tokens), &o, z, NULL, NULL) ? -1 : 0;
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
    /* POP909-style files: a melody model takes the track named MELODY, a piano
     * roll the accompaniment (PIANO, as the shipped roll models were trained);
     * other files: a melody the first voice with a usable window, a roll all
     * tracks but the drums in one roll, as `morphvae data --repr roll` cuts
     * them (a roll's window is kept packed in seq_tokens). */
    const size_t T = (size_t)e->n_bars * (size_t)e->steps_per_bar;
    mv_anchor_window w = {.hp = &e->model.hp,
                       .out = e->repr == MV_REPR_ROLL ? (void *)e->seq_roll : e->seq_tokens,
                       .bytes = e->repr == MV_REPR_ROLL ? T * e->n_classes : T * sizeof(int32_t)};
    mv_extract_stats stats = {0};
    int rc = 0;
    if (e->repr != MV_REPR_DRUMS) {
        cfg.track_name = e->repr == MV_REPR_ROLL ? "PIANO" : "MELODY";
        rc = extract_windows(f, &cfg, take_window, &w, &stats, why, sizeof why);
        cfg.track_name = NULL;
    }
    if (rc >= 0 && !w.found)
        rc = extract_windows(f, &cfg, take_window, &w, &stats, why, sizeof why);
    if (w.found && e->repr == MV_REPR_ROLL) engine_roll_pack(e, e->seq_roll, e->seq_tokens);
    e->seq_bar = w.bar;
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
