/* Chords per step from an annotation or from a file's accompaniment
 * (chord_track.h). */
#include "chord_track.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "chord_name.h"
#include "chord_recognise.h"
#include "extract.h"
#include "fail.h"
#include "regular_file.h"

#define DEFAULT_US_PER_QUARTER 500000.0 /* 120 BPM, the MIDI default */
#define STEPS_PER_BEAT MV_STEPS_PER_QUARTER

int64_t chord_track_seconds_to_step(const mv_midi_file *f, double seconds)
{
    double tpq = f->ticks_per_quarter ? f->ticks_per_quarter : 480, tick = 0, at = 0;
    double us = DEFAULT_US_PER_QUARTER;
    for (uint32_t i = 0; i < f->n_tempos; i++) {
        double next = (double)f->tempos[i].tick;
        double span = (next - tick) * us / tpq / 1e6; /* seconds until this tempo change */
        if (next > tick && at + span >= seconds) break;
        if (next > tick) {
            at += span;
            tick = next;
        }
        us = f->tempos[i].us_per_quarter;
    }
    tick += (seconds - at) * 1e6 / us * tpq;
    double step = tick * MV_STEPS_PER_QUARTER / tpq;
    return step < 0 ? 0 : (int64_t)(step + 0.5);
}

static int track_alloc(mv_chord_track *t, int64_t n_steps, char *err, size_t errlen)
{
    if (n_steps > MV_EXTRACT_MAX_STEPS)
        return fail(err, errlen, "the chords last %lld steps, more than the %d allowed",
                    (long long)n_steps, MV_EXTRACT_MAX_STEPS);
    t->n_steps = n_steps;
    t->chords = calloc((size_t)(n_steps ? n_steps : 1), 1);
    return t->chords ? 0 : fail(err, errlen, "out of memory");
}

/* One annotation line: start, end and the symbol's span. */
static int parse_line(char *line, double *start, double *end, const char **sym, size_t *len)
{
    char *p;
    errno = 0;
    *start = strtod(line, &p);
    if (p == line) return -1;
    char *q;
    *end = strtod(p, &q);
    if (q == p || errno) return -1;
    q += strspn(q, " \t");
    *len = strcspn(q, " \t\r\n");
    *sym = q;
    return *len ? 0 : -1;
}

int chord_track_read(const char *path, const mv_midi_file *f, mv_chord_track *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    char why[400];
    FILE *in = regular_file_fopen(path, why, sizeof why);
    if (!in) return fail(err, errlen, "%s", why);
    int64_t song_end = f->ticks_per_quarter
                           ? (f->end_tick * MV_STEPS_PER_QUARTER + f->ticks_per_quarter - 1) /
                                 f->ticks_per_quarter
                           : 0;
    if (track_alloc(out, song_end, why, sizeof why)) {
        fclose(in);
        return fail(err, errlen, "%s: %s", path, why);
    }
    char line[512];
    int rc = 0;
    for (int n = 1; fgets(line, sizeof line, in); n++) {
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        double start, end;
        const char *sym;
        size_t len;
        uint8_t id;
        if (parse_line(line, &start, &end, &sym, &len) || !(end >= start) || start < 0) {
            rc = fail(err, errlen, "%s: line %d is not 'start end chord' (seconds, seconds, "
                                   "symbol)", path, n);
            break;
        }
        if (chord_parse(sym, len, &id, why, sizeof why)) {
            rc = fail(err, errlen, "%s: line %d: %s", path, n, why);
            break;
        }
        int64_t s0 = chord_track_seconds_to_step(f, start), s1 = chord_track_seconds_to_step(f, end);
        for (int64_t s = s0; s < s1 && s < out->n_steps; s++) out->chords[s] = id;
    }
    if (!rc && ferror(in)) rc = fail(err, errlen, "%s: read error", path);
    fclose(in);
    if (rc) chord_track_free(out);
    return rc;
}

/* What one beat's accompaniment holds. */
typedef struct beat_notes {
    uint8_t sounding[12]; /* steps of the beat each pitch class sounds */
    uint16_t struck;      /* pitch classes struck in the beat */
    uint8_t lowest[12];   /* lowest pitch of each pitch class, 0 = none yet (+1) */
} beat_notes;

static void add_note(beat_notes *beats, int64_t n_beats, int64_t s, int64_t e, int pitch)
{
    int pc = pitch % 12;
    if (s / STEPS_PER_BEAT < n_beats) beats[s / STEPS_PER_BEAT].struck |= (uint16_t)(1u << pc);
    for (int64_t t = s; t < e && t / STEPS_PER_BEAT < n_beats; t++) {
        beat_notes *b = &beats[t / STEPS_PER_BEAT];
        b->sounding[pc]++;
        if (!b->lowest[pc] || pitch + 1 < b->lowest[pc]) b->lowest[pc] = (uint8_t)(pitch + 1);
    }
}

static uint8_t beat_chord(const beat_notes *b)
{
    uint16_t pcs = 0;
    int bass = -1, bass_pitch = 1000;
    for (int pc = 0; pc < 12; pc++) {
        if (!(b->struck >> pc & 1u) && b->sounding[pc] * 2 < STEPS_PER_BEAT) continue;
        pcs |= (uint16_t)(1u << pc);
        if (b->lowest[pc] && b->lowest[pc] - 1 < bass_pitch) {
            bass_pitch = b->lowest[pc] - 1;
            bass = pc;
        }
    }
    return chord_recognise(pcs, bass);
}

int chord_track_recognise(const mv_midi_file *f, const char *skip_tracks, mv_chord_track *out,
                          char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!f->ticks_per_quarter) return fail(err, errlen, "the file has 0 ticks per quarter note");
    int64_t end = 0;
    for (uint32_t i = 0; i < f->n_notes; i++) {
        int64_t e = extract_tick_to_step(f->notes[i].end, f->ticks_per_quarter) + 1;
        if (e > end) end = e;
    }
    int64_t n_beats = (end + STEPS_PER_BEAT - 1) / STEPS_PER_BEAT;
    if (track_alloc(out, n_beats * STEPS_PER_BEAT, err, errlen)) return -1;
    beat_notes *beats = calloc((size_t)(n_beats ? n_beats : 1), sizeof *beats);
    if (!beats) {
        chord_track_free(out);
        return fail(err, errlen, "out of memory");
    }
    for (uint32_t i = 0; i < f->n_notes; i++) {
        const mv_midi_note *n = &f->notes[i];
        if (n->channel == MV_MIDI_DRUM_CHANNEL) continue;
        if (skip_tracks && n->track < f->n_tracks &&
            extract_track_named(f->tracks[n->track].name, skip_tracks))
            continue;
        int64_t s = extract_tick_to_step(n->start, f->ticks_per_quarter);
        int64_t e = extract_tick_to_step(n->end, f->ticks_per_quarter);
        add_note(beats, n_beats, s, e > s ? e : s + 1, n->pitch);
    }
    for (int64_t b = 0; b < n_beats; b++)
        memset(out->chords + b * STEPS_PER_BEAT, beat_chord(&beats[b]), STEPS_PER_BEAT);
    free(beats);
    return 0;
}

void chord_track_free(mv_chord_track *t)
{
    free(t->chords);
    memset(t, 0, sizeof *t);
}
