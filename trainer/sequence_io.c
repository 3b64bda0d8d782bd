/* Windows -> notes -> MIDI (midi_write) and MIDI -> window (midi_read, extract). */
#include "sequence_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "chord_name.h"
#include "groove.h"
#include "groove_notes.h"
#include "phrase_variety.h"
#include "midi_read.h"
#include "midi_write.h"

size_t sequence_window_bytes(const mv_hparams *hp)
{
    size_t steps = hparams_seq_len(hp);
    return hp->repr == MV_REPR_ROLL || hp->repr == MV_REPR_GROOVE ? steps * hp->n_classes
                                                                  : steps * sizeof(int32_t);
}

int sequence_max_notes(const mv_hparams *hp)
{
    int steps = (int)hparams_seq_len(hp);
    return hp->repr == MV_REPR_ROLL    ? steps * (int)hp->n_classes / 2
           : extract_is_drums(hp->repr) ? steps * MV_DRUM_CLASSES
                                       : steps;
}

/* A groove window's hits with their velocities, on the grid. */
static int groove_notes_on_grid(const uint8_t *window, int n_steps, mv_note *out, int max)
{
    int *ticks = malloc(sizeof *ticks * 2 * (size_t)(max > 0 ? max : 1));
    if (!ticks) return 0;
    int n = groove_to_notes(window, n_steps, 1, out, ticks, ticks + max, max);
    free(ticks);
    return n;
}

int sequence_notes(const mv_hparams *hp, const void *window, mv_note *out, int max)
{
    int n = (int)hparams_seq_len(hp);
    if (hp->repr == MV_REPR_ROLL)
        return roll_to_notes(window, n, (int)hp->min_pitch, (int)hp->n_classes / 2,
                             SEQUENCE_VELOCITY, out, max);
    if (hp->repr == MV_REPR_DRUMS) return drums_to_notes(window, n, SEQUENCE_VELOCITY, out, max);
    if (hp->repr == MV_REPR_GROOVE) return groove_notes_on_grid(window, n, out, max);
    return melody_to_notes(window, n, (int)hp->min_pitch, (int)hp->n_classes, SEQUENCE_VELOCITY,
                           out, max);
}

#define CHORD_LOWEST_ROOT 48 /* C3 */
#define CHORD_VELOCITY 56
#define CHORD_CHANNEL 1  /* channel 2 */
#define CHORD_PROGRAM 48 /* General MIDI String Ensemble 1 */

/* The "chords" part: a block chord and a marker with the chord's name for each
 * run of one chord (no chord: a marker "N" and no notes). */
typedef struct chord_part {
    mv_note *notes;     /* [n_steps * 12] */
    mv_midi_mark *marks; /* [n_steps] */
    char (*names)[16];   /* [n_steps] the marks' texts */
} chord_part;

static int chord_part_alloc(chord_part *c, int n_steps)
{
    c->notes = malloc(sizeof *c->notes * (size_t)n_steps * 12);
    c->marks = malloc(sizeof *c->marks * (size_t)n_steps);
    c->names = malloc(sizeof *c->names * (size_t)n_steps);
    return c->notes && c->marks && c->names ? 0 : -1;
}

static void chord_part_free(chord_part *c)
{
    free(c->notes);
    free(c->marks);
    free(c->names);
}

static mv_midi_part chord_part_fill(chord_part *c, const uint8_t *chords, int n_steps)
{
    mv_midi_part p = {c->notes, 0, 0, CHORD_CHANNEL, CHORD_PROGRAM, "chords", c->marks, 0};
    for (int s = 0; s < n_steps;) {
        int e = s + 1;
        while (e < n_steps && chords[e] == chords[s]) e++;
        chord_name(chords[s], c->names[p.n_marks], sizeof c->names[p.n_marks]);
        c->marks[p.n_marks] = (mv_midi_mark){s, c->names[p.n_marks]};
        p.n_marks++;
        int root = chord_root(chords[s]);
        uint16_t pcs = chord_pitch_classes(chords[s]);
        for (int i = 0; root >= 0 && i < 12; i++) /* upwards from the root */
            if (pcs >> ((root + i) % 12) & 1u)
                c->notes[p.n_notes++] = (mv_note){s, e - s,
                                                  (uint8_t)(CHORD_LOWEST_ROOT + root + i),
                                                  CHORD_VELOCITY};
        s = e;
    }
    return p;
}

int sequence_write_midi_chords(const char *path, const mv_hparams *hp, const void *windows,
                               int n_seqs, const char *const *names, const uint8_t *chords,
                               double bpm, char *err, size_t errlen)
{
    int len = (int)hparams_seq_len(hp), max = sequence_max_notes(hp);
    size_t bytes = sequence_window_bytes(hp);
    mv_note *notes = malloc(sizeof *notes * (size_t)max * n_seqs);
    chord_part chord = {0};
    mv_midi_part *parts = malloc(sizeof *parts * (n_seqs + 1));
    const int groove = hp->repr == MV_REPR_GROOVE;
    int *ticks = groove ? malloc(sizeof *ticks * 2 * (size_t)max * n_seqs) : NULL;
    mv_midi_timing *timing = calloc((size_t)n_seqs + 1, sizeof *timing);
    int rc = -1;
    if (!notes || !parts || !timing || (groove && !ticks) ||
        (chords && chord_part_alloc(&chord, len * n_seqs))) {
        snprintf(err, errlen, "%s: out of memory", path);
    } else {
        int drums = extract_is_drums(hp->repr);
        for (int i = 0; i < n_seqs; i++) {
            mv_note *mine = notes + (size_t)i * max;
            const void *window = (const char *)windows + i * bytes;
            parts[i] = (mv_midi_part){mine, 0, i * len, drums ? 9 : 0, drums ? -1 : 0,
                                      names ? names[i] : NULL, NULL, 0};
            if (groove) { /* played as it was: off the grid, with its velocities */
                int *shift = ticks + (size_t)2 * i * max, *length = shift + max;
                parts[i].n_notes = groove_to_notes(window, len,
                                                   midi_ticks_per_step((int)hp->steps_per_bar),
                                                   mine, shift, length, max);
                timing[i] = (mv_midi_timing){shift, length};
            } else {
                parts[i].n_notes = sequence_notes(hp, window, mine, max);
            }
        }
        if (chords) parts[n_seqs] = chord_part_fill(&chord, chords, len * n_seqs);
        rc = midi_write_parts_timed(path, parts, timing, n_seqs + (chords ? 1 : 0),
                                    (int)hp->steps_per_bar, len * n_seqs, bpm, err, errlen);
    }
    free(notes);
    free(ticks);
    free(timing);
    chord_part_free(&chord);
    free(parts);
    return rc;
}

int sequence_write_midi(const char *path, const mv_hparams *hp, const void *windows,
                        int n_seqs, const char *const *names, double bpm, char *err,
                        size_t errlen)
{
    return sequence_write_midi_chords(path, hp, windows, n_seqs, names, NULL, bpm, err, errlen);
}

typedef struct {
    int first_bar; /* < 0: the anchor window (anchor_window_offer) */
    mv_anchor_window w;
} window_search;

static int take_window(void *ctx, const void *window, uint32_t bar, int32_t transpose)
{
    window_search *s = ctx;
    if (transpose != 0 || (int)bar < s->first_bar) return 0;
    if (s->first_bar < 0) return anchor_window_offer(&s->w, window, bar);
    memcpy(s->w.out, window, s->w.bytes);
    s->w.bar = bar;
    s->w.found = 1;
    return 1;
}

mv_extract_config sequence_extract_config(const mv_hparams *hp, const char *track)
{
    mv_extract_config c = {0};
    c.repr = hp->repr;
    c.n_bars = (int)hp->n_bars;
    c.steps_per_bar = (int)hp->steps_per_bar;
    c.min_pitch = (int)hp->min_pitch;
    c.n_pitches = hp->repr == MV_REPR_MELODY ? (int)hp->n_classes - 2
                  : hp->repr == MV_REPR_ROLL ? (int)hp->n_classes / 2
                                             : 0;
    c.track_name = track;
    return c;
}

void sequence_track_names(const mv_midi_file *f, char *out, size_t n)
{
    size_t len = 0;
    out[0] = 0;
    for (uint32_t t = 0; t < f->n_tracks && len < n; t++) {
        if (!f->tracks[t].name[0]) continue;
        int k = snprintf(out + len, n - len, "%s'%s'", len ? ", " : "", f->tracks[t].name);
        if (k < 0) break;
        len += (size_t)k;
    }
}

/* When no note was considered: the cause in the file's own terms (a --track
 * no track matches, drums for a melody model or the reverse) and the fix.
 * Returns 1 with the message in err, or 0. */
static int explain_no_notes(const char *path, const mv_hparams *hp, const char *track,
                            const mv_midi_file *f, char *err, size_t errlen)
{
    uint64_t drum = 0, pitched = 0, on_track = 0;
    for (uint32_t i = 0; i < f->n_notes; i++) {
        const mv_midi_note *n = &f->notes[i];
        if (n->channel == MV_MIDI_DRUM_CHANNEL) {
            drum++;
            continue;
        }
        pitched++;
        if (track && n->track < f->n_tracks && extract_track_named(f->tracks[n->track].name, track))
            on_track++;
    }
    char tracks[600], none[64];
    sequence_track_names(f, tracks, sizeof tracks);
    snprintf(none, sizeof none, "no usable %u-bar %s window", hp->n_bars, repr_name(hp->repr));
    if (extract_is_drums(hp->repr) && !drum) {
        snprintf(err, errlen,
                 "%s: %s: the model's representation does not match the file's content: it "
                 "is a drum model (it reads notes on MIDI channel 10) and the file has none (%llu "
                 "pitched notes); give it a drum file, or this file to a melody or piano-roll "
                 "model",
                 path, none, (unsigned long long)pitched);
        return 1;
    }
    if (extract_is_drums(hp->repr)) return 0;
    if (!pitched) {
        snprintf(err, errlen,
                 "%s: %s: the model's representation does not match the file's content: it "
                 "is a %s model and all the file's %llu notes are drums (MIDI channel 10); give it "
                 "a file with a melody, or this file to a drum model",
                 path, none, repr_name(hp->repr), (unsigned long long)drum);
        return 1;
    }
    if (track && !on_track) {
        int any = 0;
        for (uint32_t t = 0; t < f->n_tracks; t++)
            any |= extract_track_named(f->tracks[t].name, track);
        if (!any && tracks[0])
            snprintf(err, errlen,
                     "%s: %s: no track matched --track %s (the file's tracks: %s); give one of "
                     "these names, or leave --track out to read every track",
                     path, none, track, tracks);
        else if (!any)
            snprintf(err, errlen,
                     "%s: %s: no track matched --track %s (the file's tracks have no names); leave "
                     "--track out to read every track",
                     path, none, track);
        else
            snprintf(err, errlen,
                     "%s: %s: the tracks matching --track %s hold no notes off MIDI channel 10 "
                     "(the file's tracks: %s)",
                     path, none, track, tracks);
        return 1;
    }
    return 0;
}

/* Why extraction found nothing, in a musician's words. */
static void explain_no_window(const char *path, const mv_hparams *hp, int first_bar,
                              const char *track, const mv_midi_file *f,
                              const mv_extract_stats *st, char *err, size_t errlen)
{
    if (!st->notes && explain_no_notes(path, hp, track, f, err, errlen)) return;
    int64_t last = 0;
    for (uint32_t i = 0; i < f->n_notes; i++)
        if (f->notes[i].end > last) last = f->notes[i].end;
    double bars = (double)last / (4.0 * f->ticks_per_quarter); /* in 4/4 bars */
    snprintf(err, errlen,
             "%s: no usable %u-bar %s window from bar %d on (the notes span %.1f bars of 4/4; "
             "%llu notes considered, %llu outside the pitch range; windows rejected: %llu with "
             "a silent bar, %llu with no note starting, %llu in a meter that does not fill %u "
             "steps per bar)",
             path, hp->n_bars, repr_name(hp->repr), first_bar < 0 ? 1 : first_bar + 1, bars,
             (unsigned long long)st->notes, (unsigned long long)st->notes_out_of_range,
             (unsigned long long)st->windows_gap, (unsigned long long)st->windows_no_onset,
             (unsigned long long)(st->windows_bad_meter + st->segments_bad_meter),
             hp->steps_per_bar);
}

int sequence_read_window(const char *path, const mv_hparams *hp, int first_bar,
                         const char *track, void *window, int *bar, char *err, size_t errlen)
{
    mv_midi_file f;
    if (midi_read_file(path, &f, err, errlen)) return -1;
    mv_extract_config cfg = sequence_extract_config(hp, track);
    mv_extract_stats st = {0};
    window_search s = {first_bar, {.hp = hp, .out = window, .bytes = sequence_window_bytes(hp)}};
    char why[256];
    int rc = extract_config_check(&cfg, why, sizeof why) ? -1
             : extract_windows(&f, &cfg, take_window, &s, &st, why, sizeof why);
    if (rc < 0) snprintf(err, errlen, "%s: %s", path, why);
    else if (!s.w.found) explain_no_window(path, hp, first_bar, track, &f, &st, err, errlen);
    midi_file_free(&f);
    if (rc < 0 || !s.w.found) return -1;
    *bar = (int)s.w.bar;
    return 0;
}
