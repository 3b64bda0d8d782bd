/* Attributes from tokens and rolls. Melody: a note starts at a note-on token
 * and sounds until note-off, the next note-on or the end (as melody_to_notes).
 * Drums: each set bit of a step's token is a hit of that drum class. Roll: the
 * notes of roll_to_notes. Beats are quarters: steps_per_bar / 4 steps, so the
 * off-beats exist only when that is a multiple of 4 (16th grid) or of 2 (8th
 * off-beat). */
#include "attributes.h"

#include <math.h>
#include <string.h>

#include "groove.h"
#include "tokens.h"

#define MELODY (1u << MV_REPR_MELODY)
/* a groove model's hits are drums (its velocities and offsets aside) */
#define DRUMS (1u << MV_REPR_DRUMS | 1u << MV_REPR_GROOVE)
#define ROLL (1u << MV_REPR_ROLL)

static const mv_attribute_info infos[MV_ATTR_COUNT] = {
    [MV_ATTR_NOTE_DENSITY] = {"note_density", "density", "notes/bar", MELODY | DRUMS | ROLL},
    [MV_ATTR_MEAN_PITCH] = {"mean_pitch", "pitch", "MIDI pitch", MELODY | ROLL},
    [MV_ATTR_PITCH_RANGE] = {"pitch_range", "range", "semitones", MELODY | ROLL},
    [MV_ATTR_MEAN_INTERVAL] = {"mean_interval", "leap", "semitones", MELODY},
    [MV_ATTR_SYNCOPATION_16] = {"syncopation_16th", "sync16", "fraction of onsets",
                                MELODY | DRUMS | ROLL},
    [MV_ATTR_SYNCOPATION_8] = {"syncopation_8th", "sync8", "fraction of onsets",
                               MELODY | DRUMS | ROLL},
    [MV_ATTR_SYNCOPATION] = {"syncopation", "sync", "fraction of onsets", MELODY | DRUMS | ROLL},
    [MV_ATTR_MEAN_DURATION] = {"mean_duration", "length", "steps", MELODY | ROLL},
    [MV_ATTR_REST_FRACTION] = {"rest_fraction", "rests", "fraction of steps", MELODY | ROLL},
    [MV_ATTR_POLYPHONY] = {"polyphony", "poly", "sounding pitches", ROLL},
    [MV_ATTR_CONTOUR] = {"contour", "contour", "semitones", MELODY},
    [MV_ATTR_STEPWISE] = {"stepwise_motion", "steps", "fraction of intervals", MELODY},
    [MV_ATTR_REPETITION] = {"repetition", "repeats", "fraction of intervals", MELODY},
    [MV_ATTR_KICK_DENSITY] = {"kick_density", "kick", "hits/bar", DRUMS},
    [MV_ATTR_SNARE_DENSITY] = {"snare_density", "snare", "hits/bar", DRUMS},
    [MV_ATTR_HIHAT_DENSITY] = {"hihat_density", "hihat", "hits/bar", DRUMS},
    [MV_ATTR_TOM_DENSITY] = {"tom_density", "toms", "hits/bar", DRUMS},
    [MV_ATTR_CYMBAL_DENSITY] = {"cymbal_density", "cymbals", "hits/bar", DRUMS},
};

const mv_attribute_info *attribute_info(int attribute)
{
    return attribute >= 0 && attribute < MV_ATTR_COUNT ? &infos[attribute] : NULL;
}

int attribute_find(const char *name)
{
    for (int a = 0; a < MV_ATTR_COUNT; a++)
        if (!strcmp(infos[a].name, name)) return a;
    return -1;
}

int attribute_applies(int attribute, uint32_t repr)
{
    return attribute >= 0 && attribute < MV_ATTR_COUNT && repr < 32 &&
           (infos[attribute].reprs >> repr & 1);
}

/* Onset counts by position in the beat; the syncopation fractions. on16[i]:
 * onsets on even (0) and odd (1) 16ths (off16 = on16[1]). */
typedef struct {
    int onsets, off8, on16[2];
} beat_positions;

static void count_position(beat_positions *b, int step, int steps_per_beat, int hits)
{
    int pos = step % steps_per_beat;
    b->onsets += hits;
    if (steps_per_beat % 4 == 0 && pos % (steps_per_beat / 4) == 0)
        b->on16[(pos / (steps_per_beat / 4)) % 2] += hits;
    if (steps_per_beat % 2 == 0 && pos == steps_per_beat / 2) b->off8 += hits;
}

static void syncopation(const beat_positions *b, int steps_per_beat, float *out)
{
    int grid16 = b->onsets && steps_per_beat % 4 == 0;
    int fewer = b->on16[0] < b->on16[1] ? b->on16[0] : b->on16[1];
    out[MV_ATTR_SYNCOPATION_16] = grid16 ? (float)b->on16[1] / b->onsets : NAN;
    out[MV_ATTR_SYNCOPATION] = grid16 ? (float)fewer / b->onsets : NAN;
    out[MV_ATTR_SYNCOPATION_8] =
        b->onsets && steps_per_beat % 2 == 0 ? (float)b->off8 / b->onsets : NAN;
}

typedef struct {
    int notes, lowest, highest, sounding_steps, intervals, stepwise, repeats;
    double pitch_sum, duration_sum, abs_interval_sum, interval_sum;
} melody_sums;

static void add_melody_note(melody_sums *m, int pitch, int duration, int prev_pitch)
{
    m->notes++;
    m->pitch_sum += pitch;
    m->duration_sum += duration;
    m->sounding_steps += duration;
    if (pitch < m->lowest) m->lowest = pitch;
    if (pitch > m->highest) m->highest = pitch;
    if (prev_pitch < 0) return;
    int d = pitch - prev_pitch;
    m->intervals++;
    m->interval_sum += d;
    m->abs_interval_sum += d < 0 ? -d : d;
    m->stepwise += d != 0 && d >= -2 && d <= 2;
    m->repeats += d == 0;
}

static void melody_attributes(const mv_hparams *hp, const int32_t *tokens, float *out)
{
    int n = (int)hparams_seq_len(hp), spb = (int)hp->steps_per_bar / 4;
    melody_sums m = {.lowest = 128, .highest = -1};
    beat_positions b = {0};
    int start = -1, pitch = -1, prev = -1;
    for (int s = 0; s <= n; s++) {
        int32_t t = s < n ? tokens[s] : MV_MELODY_NOTE_OFF;
        int is_on = t >= 2 && t < (int32_t)hp->n_classes;
        if ((is_on || t == MV_MELODY_NOTE_OFF) && start >= 0) {
            add_melody_note(&m, pitch, s - start, prev);
            prev = pitch;
            start = -1;
        }
        if (is_on && s < n) {
            start = s;
            pitch = (int)hp->min_pitch + t - 2;
            count_position(&b, s, spb, 1);
        }
    }
    float none = NAN;
    out[MV_ATTR_NOTE_DENSITY] = (float)m.notes / hp->n_bars;
    out[MV_ATTR_MEAN_PITCH] = m.notes ? (float)(m.pitch_sum / m.notes) : none;
    out[MV_ATTR_PITCH_RANGE] = m.notes ? (float)(m.highest - m.lowest) : none;
    out[MV_ATTR_MEAN_INTERVAL] = m.intervals ? (float)(m.abs_interval_sum / m.intervals) : none;
    out[MV_ATTR_MEAN_DURATION] = m.notes ? (float)(m.duration_sum / m.notes) : none;
    out[MV_ATTR_REST_FRACTION] = (float)(n - m.sounding_steps) / n;
    out[MV_ATTR_CONTOUR] = m.intervals ? (float)(m.interval_sum / m.intervals) : none;
    out[MV_ATTR_STEPWISE] = m.intervals ? (float)m.stepwise / m.intervals : none;
    out[MV_ATTR_REPETITION] = m.intervals ? (float)m.repeats / m.intervals : none;
    syncopation(&b, spb, out);
}

/* Drum classes (tokens.h order): kick, snare, closed hat, open hat, low, mid and
 * high tom, crash, ride. */
static void drum_attributes(const mv_hparams *hp, const int32_t *tokens, float *out)
{
    int n = (int)hparams_seq_len(hp), spb = (int)hp->steps_per_bar / 4;
    int per_class[MV_DRUM_CLASSES] = {0};
    beat_positions b = {0};
    for (int s = 0; s < n; s++) {
        int hits = 0;
        for (int c = 0; c < MV_DRUM_CLASSES; c++)
            if (tokens[s] >> c & 1) per_class[c]++, hits++;
        if (hits) count_position(&b, s, spb, hits);
    }
    float bars = (float)hp->n_bars;
    out[MV_ATTR_NOTE_DENSITY] = b.onsets / bars;
    out[MV_ATTR_KICK_DENSITY] = per_class[0] / bars;
    out[MV_ATTR_SNARE_DENSITY] = per_class[1] / bars;
    out[MV_ATTR_HIHAT_DENSITY] = (per_class[2] + per_class[3]) / bars;
    out[MV_ATTR_TOM_DENSITY] = (per_class[4] + per_class[5] + per_class[6]) / bars;
    out[MV_ATTR_CYMBAL_DENSITY] = (per_class[7] + per_class[8]) / bars;
    syncopation(&b, spb, out);
}

/* Notes as roll_to_notes reads them; a pitch sounds where either bit is set. */
void attributes_compute_roll(const mv_hparams *hp, const uint8_t *roll, float *out)
{
    for (int a = 0; a < MV_ATTR_COUNT; a++) out[a] = NAN;
    if (hp->repr != MV_REPR_ROLL) return;
    const int n = (int)hparams_seq_len(hp), P = (int)hp->n_classes / 2, width = 2 * P;
    const int spb = (int)hp->steps_per_bar / 4;
    int notes = 0, lowest = 1 << 30, highest = -1, sounding_steps = 0;
    long sounding_sum = 0, duration_sum = 0, pitch_sum = 0;
    beat_positions b = {0};
    for (int s = 0; s < n; s++) {
        const uint8_t *row = roll + (size_t)s * width, *prev = s ? row - width : NULL;
        int starting = 0, sounding = 0;
        for (int p = 0; p < P; p++) {
            int sounds = row[p] || row[P + p];
            sounding += sounds;
            if (!(row[P + p] || (row[p] && !(prev && (prev[p] || prev[P + p]))))) continue;
            int end = s + 1;
            while (end < n && roll[(size_t)end * width + p] && !roll[(size_t)end * width + P + p])
                end++;
            starting++;
            duration_sum += end - s;
            pitch_sum += p;
            if (p < lowest) lowest = p;
            if (p > highest) highest = p;
        }
        if (starting) count_position(&b, s, spb, starting);
        notes += starting;
        sounding_sum += sounding;
        sounding_steps += sounding > 0;
    }
    out[MV_ATTR_NOTE_DENSITY] = (float)notes / hp->n_bars;
    if (notes) {
        out[MV_ATTR_MEAN_PITCH] = (float)((double)pitch_sum / notes) + (float)hp->min_pitch;
        out[MV_ATTR_PITCH_RANGE] = (float)(highest - lowest);
        out[MV_ATTR_MEAN_DURATION] = (float)((double)duration_sum / notes);
    }
    out[MV_ATTR_REST_FRACTION] = (float)(n - sounding_steps) / n;
    if (sounding_steps) out[MV_ATTR_POLYPHONY] = (float)((double)sounding_sum / sounding_steps);
    syncopation(&b, spb, out);
}

void attributes_compute(const mv_hparams *hp, const int32_t *tokens, float *out)
{
    for (int a = 0; a < MV_ATTR_COUNT; a++) out[a] = NAN;
    if (hp->repr == MV_REPR_MELODY) melody_attributes(hp, tokens, out);
    else if (hp->repr == MV_REPR_DRUMS) drum_attributes(hp, tokens, out);
}

void attributes_compute_window(const mv_hparams *hp, const void *window, float *out)
{
    if (hp->repr == MV_REPR_ROLL) {
        attributes_compute_roll(hp, window, out);
    } else if (hp->repr == MV_REPR_GROOVE) {
        /* its hits as drum tokens: the drum attributes of what it plays */
        int32_t tokens[MV_MAX_STEPS];
        const int n = (int)hparams_seq_len(hp);
        mv_hparams drums = *hp;
        drums.repr = MV_REPR_DRUMS;
        groove_hit_tokens(window, n, tokens);
        attributes_compute(&drums, tokens, out);
    } else {
        attributes_compute(hp, window, out);
    }
}
