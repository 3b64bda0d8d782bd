/* Token <-> note conversion (melody, drums), roll steps <-> notes and the
 * 9-class drum mapping.
 * No allocation: the plugin may call these from its worker. */
#include "tokens.h"

#include <stddef.h>

/* The 9 drum classes of Magenta's drums_encoder_decoder; the first pitch of a
 * class is the one it decodes to. Terminated by 0 (no drum pitch is 0). */
static const uint8_t drum_class_pitches[MV_DRUM_CLASSES][16] = {
    {36, 35, 0},                                                         /* kick */
    {38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85, 0},     /* snare */
    {42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22, 0},                     /* closed hi-hat */
    {46, 67, 72, 74, 79, 81, 26, 0},                                     /* open hi-hat */
    {45, 29, 41, 43, 61, 64, 84, 0},                                     /* low tom */
    {48, 47, 60, 63, 77, 86, 87, 0},                                     /* mid tom */
    {50, 30, 62, 76, 83, 0},                                             /* high tom */
    {49, 52, 55, 57, 58, 0},                                             /* crash */
    {51, 53, 59, 82, 0},                                                 /* ride */
};

int drum_class_of_pitch(int pitch)
{
    if (pitch <= 0 || pitch > 127) return -1;
    for (int c = 0; c < MV_DRUM_CLASSES; c++)
        for (int k = 0; drum_class_pitches[c][k]; k++)
            if (drum_class_pitches[c][k] == pitch) return c;
    return -1;
}

int drum_pitch_of_class(int cls)
{
    if (cls < 0 || cls >= MV_DRUM_CLASSES) return -1;
    return drum_class_pitches[cls][0];
}

const char *drum_class_name(int cls)
{
    static const char *const names[MV_DRUM_CLASSES] = {
        "kick", "snare", "closed hat", "open hat", "low tom", "mid tom", "high tom", "crash",
        "ride"};
    return cls >= 0 && cls < MV_DRUM_CLASSES ? names[cls] : NULL;
}

static mv_note make_note(int step, int duration, int pitch, uint8_t velocity)
{
    mv_note n = {step, duration, (uint8_t)pitch, velocity};
    return n;
}

int melody_to_notes(const int32_t *tokens, int n_steps, int min_pitch, int n_classes,
                    uint8_t velocity, mv_note *out, int max)
{
    int count = 0, start = -1, pitch = 0;
    for (int s = 0; s <= n_steps; s++) {
        int32_t t = s < n_steps ? tokens[s] : MV_MELODY_NOTE_OFF; /* the end closes a note */
        int is_on = t >= 2 && t < n_classes;
        if ((is_on || t == MV_MELODY_NOTE_OFF) && start >= 0) {
            if (count < max) out[count++] = make_note(start, s - start, pitch, velocity);
            start = -1;
        }
        if (is_on && s < n_steps) {
            start = s;
            pitch = min_pitch + t - 2;
        }
    }
    return count;
}

static int melody_in_range(const mv_note *n, int n_steps, int min_pitch, int n_classes)
{
    int p = n->pitch;
    return n->step >= 0 && n->step < n_steps && p >= min_pitch && p < min_pitch + n_classes - 2;
}

/* Longest duration among the in-range notes of this pitch starting at this step. */
static int winner_duration(const mv_note *notes, int n_notes, int step, int pitch)
{
    int d = 1;
    for (int i = 0; i < n_notes; i++)
        if (notes[i].step == step && notes[i].pitch == pitch && notes[i].duration > d)
            d = notes[i].duration;
    return d;
}

/* Counts as dropped every note that leaves no note-on in the tokens: out of the
 * pitch range, outside the window, or beaten by a higher simultaneous onset. */
int melody_from_notes(const mv_note *notes, int n_notes, int n_steps, int min_pitch,
                      int n_classes, int32_t *tokens)
{
    for (int s = 0; s < n_steps; s++) tokens[s] = MV_MELODY_NO_EVENT;
    for (int i = 0; i < n_notes; i++) {
        if (!melody_in_range(&notes[i], n_steps, min_pitch, n_classes)) continue;
        int32_t t = 2 + notes[i].pitch - min_pitch;
        if (t > tokens[notes[i].step]) tokens[notes[i].step] = t;
    }
    int kept = 0, end = -1;
    for (int s = 0; s < n_steps; s++) {
        if (tokens[s] >= 2) {
            kept++;
            end = s + winner_duration(notes, n_notes, s, min_pitch + tokens[s] - 2);
        } else if (s == end) {
            tokens[s] = MV_MELODY_NOTE_OFF;
            end = -1;
        }
    }
    return n_notes - kept;
}

int drums_to_notes(const int32_t *tokens, int n_steps, uint8_t velocity, mv_note *out, int max)
{
    int count = 0;
    for (int s = 0; s < n_steps; s++)
        for (int c = 0; c < MV_DRUM_CLASSES; c++)
            if ((tokens[s] >> c & 1) && count < max)
                out[count++] = make_note(s, 1, drum_pitch_of_class(c), velocity);
    return count;
}

int drums_from_notes(const mv_note *notes, int n_notes, int n_steps, int32_t *tokens)
{
    int dropped = 0;
    for (int s = 0; s < n_steps; s++) tokens[s] = 0;
    for (int i = 0; i < n_notes; i++) {
        int c = drum_class_of_pitch(notes[i].pitch);
        if (c < 0 || notes[i].step < 0 || notes[i].step >= n_steps) {
            dropped++;
            continue;
        }
        tokens[notes[i].step] |= 1 << c;
    }
    return dropped;
}

void roll_step_normalise(uint8_t *step, const uint8_t *prev, int n_pitches)
{
    uint8_t *onset = step + n_pitches;
    for (int p = 0; p < n_pitches; p++) {
        if (onset[p]) step[p] = 1;
        if (step[p] && !(prev && prev[p])) onset[p] = 1;
    }
}

int roll_to_notes(const uint8_t *roll, int n_steps, int min_pitch, int n_pitches,
                  uint8_t velocity, mv_note *out, int max)
{
    const int width = 2 * n_pitches;
    int count = 0;
    for (int s = 0; s < n_steps; s++) {
        const uint8_t *row = roll + (size_t)s * width;
        for (int p = 0; p < n_pitches; p++) {
            int starts = row[n_pitches + p] || (row[p] && !(s && row[p - width]));
            if (!starts) continue;
            int end = s + 1;
            while (end < n_steps && roll[(size_t)end * width + p] &&
                   !roll[(size_t)end * width + n_pitches + p])
                end++;
            if (count < max) out[count++] = make_note(s, end - s, min_pitch + p, velocity);
        }
    }
    return count;
}

int roll_from_notes(const mv_note *notes, int n_notes, int n_steps, int min_pitch,
                    int n_pitches, uint8_t *roll)
{
    const int width = 2 * n_pitches;
    int dropped = 0;
    for (int i = 0; i < n_steps * width; i++) roll[i] = 0;
    /* onsets first, so that a sounding note stops at the next onset of its pitch */
    for (int i = 0; i < n_notes; i++) {
        int p = notes[i].pitch - min_pitch, s = notes[i].step;
        if (p < 0 || p >= n_pitches || s < 0 || s >= n_steps) {
            dropped++;
            continue;
        }
        roll[(size_t)s * width + n_pitches + p] = 1;
    }
    for (int i = 0; i < n_notes; i++) {
        int p = notes[i].pitch - min_pitch, s = notes[i].step;
        if (p < 0 || p >= n_pitches || s < 0 || s >= n_steps) continue;
        int end = s + (notes[i].duration > 1 ? notes[i].duration : 1);
        for (int t = s; t < end && t < n_steps; t++) {
            if (t > s && roll[(size_t)t * width + n_pitches + p]) break;
            roll[(size_t)t * width + p] = 1;
        }
    }
    return dropped;
}
