/* Anchors from notes (engine.h's engine_anchor_from_file, _from_capture,
 * _from_window): the first varied window of a MIDI file (else its first
 * usable one), or of a phrase captured from the plugin's MIDI input (made
 * into a MIDI file here), encoded to mu and refined (core/refine.h) so that
 * the anchor plays the window back (a piano roll's bits and a groove's
 * hits, velocities and offsets as a melody's tokens), and committed to the
 * anchor's slot with the window it came from.
 * A file goes through the reader the trainer uses (midi/midi_read.h); both go
 * through the extraction that cuts training windows (core/extract.h), so an
 * anchor is exactly a training window. Runs in the worker: the reader and the
 * extraction allocate, and the reader refuses anything but a regular file
 * before reading (a FIFO cannot block it). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
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
    bool drums = extract_is_drums(e->info.repr);
    if (st->notes == 0)
        snprintf(out, outlen, drums ? "no notes on channel 10" : "no notes off channel 10");
    else if (st->notes_out_of_range == st->notes)
        snprintf(out, outlen,
                 drums ? "none of its %llu notes is a drum of the General MIDI map"
                       : "none of its %llu notes is within the model's pitches",
                 (unsigned long long)st->notes);
    else if (st->windows_gap)
        snprintf(out, outlen, "%d steps in a row without a sounding note (a silent bar)",
                 e->info.steps_per_bar);
    else if (st->segments_bad_meter)
        snprintf(out, outlen, "a meter that does not fill the model's %d-step bars",
                 e->info.steps_per_bar);
    else
        snprintf(out, outlen, "it needs %d bars of notes on a 4/4 grid without a silent bar",
                 e->info.n_bars);
}

/* z for a window of the model (tokens [window_tokens], checked), refined
 * from mu. Returns 0, or -1 when a token is outside the model's classes. */
static int encode_window(mv_engine *e, const int32_t *tokens, float *z)
{
    /* The refiner's own encoder gives mu, as `morphvae encode --refine` does, so
     * both give the same z for the same window (a roll's is unpacked first). */
    const mv_refine_options o = refine_defaults();
    if (e->info.repr == MV_REPR_ROLL) {
        engine_roll_unpack(e, tokens, e->seq_bytes);
        return refine_window(e->refine, window_roll(e->seq_bytes), &o, z, NULL, NULL) ? -1 : 0;
    }
    if (e->info.repr == MV_REPR_GROOVE) {
        engine_groove_unpack(e, tokens, e->seq_bytes);
        return refine_window(e->refine, window_groove(e->seq_bytes), &o, z, NULL, NULL) ? -1 : 0;
    }
    return refine_window(e->refine, window_tokens(tokens), &o, z, NULL, NULL) ? -1 : 0;
}

/* The window of notes already read (a MIDI file, a captured phrase) into
 * e->seq_tokens, its z into e->z and the bar it starts at into *bar; `what`
 * names the notes in messages. Returns 0, or -1 with a message in err. */
static int encode_midi(mv_engine *e, const mv_midi_file *f, const char *what, uint32_t *bar,
                       char *err, size_t errlen)
{
    char why[256];
    mv_extract_config cfg = {
        .repr = e->info.repr,
        .n_bars = e->info.n_bars,
        .steps_per_bar = e->info.steps_per_bar,
        .min_pitch = (int)e->info.min_pitch,
        .n_pitches = e->info.repr == MV_REPR_MELODY ? (int)e->info.n_classes - 2
                     : e->info.repr == MV_REPR_ROLL ? e->info.n_pitches
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
    const size_t T = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar;
    /* (a groove window's bytes, like a roll's, land in seq_bytes, packed below) */
    mv_anchor_window w = {.hp = &e->model.hp,
                       .out = e->seq_bytes ? (void *)e->seq_bytes : e->seq_tokens,
                       .bytes = e->seq_bytes ? T * e->info.n_classes : T * sizeof(int32_t)};
    mv_extract_stats stats = {0};
    int rc = 0;
    if (!extract_is_drums(e->info.repr)) {
        cfg.track_name = e->info.repr == MV_REPR_ROLL ? "PIANO" : "MELODY";
        rc = extract_windows(f, &cfg, take_window, &w, &stats, why, sizeof why);
        cfg.track_name = NULL;
    }
    if (rc >= 0 && !w.found)
        rc = extract_windows(f, &cfg, take_window, &w, &stats, why, sizeof why);
    if (w.found && e->info.repr == MV_REPR_ROLL) engine_roll_pack(e, e->seq_bytes, e->seq_tokens);
    if (w.found && e->info.repr == MV_REPR_GROOVE)
        engine_groove_pack(e, e->seq_bytes, e->seq_tokens);
    *bar = w.bar;
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", what, why);
        return -1;
    }
    if (!w.found) {
        no_window_reason(e, &stats, why, sizeof why);
        snprintf(err, errlen, "%s has no usable %d-bar %s window (%s)", what, e->info.n_bars,
                 extract_is_drums(e->info.repr) ? "drum"
                 : e->info.repr == MV_REPR_ROLL ? "piano-roll"
                                                : "melody",
                 why);
        return -1;
    }
    if (encode_window(e, e->seq_tokens, e->z)) {
        snprintf(err, errlen, "%s: a window token is outside the model's %u classes", what,
                 e->info.n_classes);
        return -1;
    }
    return 0;
}

/* Commits what encode_midi left in the scratch to anchor slot s. */
static void commit_encoded(mv_engine *e, mv_slot s)
{
    engine_commit_anchor(e, s, e->z, e->seq_tokens);
}

int engine_anchor_from_file(mv_engine *e, mv_slot s, const char *path, uint32_t *bar,
                            char *err, size_t errlen)
{
    mv_midi_file f;
    char why[256];
    uint32_t start = 0;
    if (midi_read_file(path, &f, why, sizeof why)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    int rc = encode_midi(e, &f, path, &start, err, errlen);
    midi_file_free(&f);
    if (rc) return -1;
    commit_encoded(e, s);
    if (bar) *bar = start;
    return 0;
}

int engine_anchor_from_capture(mv_engine *e, mv_slot s, const mv_captured_note *notes,
                               uint32_t n_notes, const char *what, char *err, size_t errlen)
{
    const int length = e->info.n_bars * e->info.steps_per_bar;
    /* A groove model keeps where each hit was played: 128 ticks a 16th (an
     * offset byte a tick), the phrase a bar after the start so that a hit
     * ahead of its first step keeps its offset (the silent bar before it
     * makes no window). Other models: a tick a 16th, from the start. */
    const bool groove = e->info.repr == MV_REPR_GROOVE;
    const int64_t tick = groove ? MV_GROOVE_OFFSET_UNITS : 1;
    const int64_t lead = groove ? e->info.steps_per_bar : 0;
    mv_midi_file f;
    uint32_t start = 0;
    int rc = midi_file_init(&f, (uint32_t)(4 * tick), 1); /* a quarter is 4 16ths */
    if (!rc) rc = midi_file_add_meter(&f, 0, e->info.steps_per_bar, 16); /* the model's bar */
    for (uint32_t i = 0; !rc && i < n_notes; i++) {
        const mv_captured_note *n = &notes[i];
        if (n->step >= length || n->length == 0 || n->step + n->length > length) continue;
        int64_t offset = groove ? n->offset : 0;
        mv_midi_note note = {.start = (lead + n->step) * tick + offset,
                             .end = (lead + n->step + n->length) * tick,
                             .track = 0,
                             .channel = extract_is_drums(e->info.repr) ? MV_MIDI_DRUM_CHANNEL : 0,
                             .pitch = n->pitch,
                             .velocity = n->velocity};
        rc = midi_file_add_note(&f, &note);
    }
    if (!rc) {
        midi_file_finish(&f);
        rc = encode_midi(e, &f, what, &start, err, errlen);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    midi_file_free(&f);
    if (rc) return -1;
    commit_encoded(e, s);
    return 0;
}

int engine_anchor_from_window(mv_engine *e, mv_slot s, const int32_t *tokens, int n)
{
    if (n != e->info.window_tokens || !engine_window_ok(e, tokens) ||
        encode_window(e, tokens, e->z))
        return -1;
    engine_commit_anchor(e, s, e->z, tokens);
    return 0;
}
