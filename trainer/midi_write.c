/* Notes -> standard MIDI file with libsmf; atomic write (temporary file in the
 * same folder, fsync, rename, fsync of the folder) so that a crash never leaves
 * half a file under the final name. */
#include "midi_write.h"

#include <smf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "smf_messages.h"

int midi_ticks_per_step(int steps_per_bar)
{
    int bar_ticks = 4 * MIDI_WRITE_PPQN;
    if (steps_per_bar <= 0 || bar_ticks % steps_per_bar) return 0;
    return bar_ticks / steps_per_bar;
}

static smf_track_t *conductor_track(smf_t *smf, double bpm, int end_tick)
{
    smf_track_t *track = smf_track_new();
    if (!track) return NULL;
    smf_add_track(smf, track);
    uint32_t us_per_quarter = (uint32_t)(60e6 / bpm + 0.5);
    uint8_t tempo[6] = {0xFF, 0x51, 0x03, (uint8_t)(us_per_quarter >> 16),
                        (uint8_t)(us_per_quarter >> 8), (uint8_t)us_per_quarter};
    uint8_t meter[7] = {0xFF, 0x58, 0x04, 4, 2, 24, 8}; /* 4/4, metronome every quarter */
    if (smf_track_add_message(track, tempo, sizeof tempo, 0) ||
        smf_track_add_message(track, meter, sizeof meter, 0))
        return NULL;
    if (smf_track_add_eot_pulses(track, end_tick)) return NULL;
    return track;
}

/* Note i's on and off ticks: its step on the grid, moved by its tick shift
 * (within the file), lasting its steps or its tick length (clipped to the
 * file's end, and at least a tick). */
static void note_ticks(const mv_midi_part *p, const mv_midi_timing *tm, int i, int start,
                       int ticks_per_step, int n_steps, int *on, int *off)
{
    const mv_note *note = &p->notes[i];
    const int file_end = n_steps * ticks_per_step;
    *on = start * ticks_per_step + (tm && tm->tick_shift ? tm->tick_shift[i] : 0);
    if (*on < 0) *on = 0;
    if (*on > file_end - 1) *on = file_end - 1;
    *off = tm && tm->tick_length ? *on + tm->tick_length[i]
                             : (start + (note->duration > 0 ? note->duration : 1)) * ticks_per_step;
    if (*off > file_end) *off = file_end;
    if (*off <= *on) *off = *on + 1;
}

/* Fills msgs with the part's program change and note on/off pairs; returns the count. */
static int part_messages(const mv_midi_part *p, const mv_midi_timing *tm, int ticks_per_step,
                         int n_steps, smf_timed_message *msgs)
{
    int n = 0, ch = p->channel & 15;
    if (p->program >= 0)
        msgs[n++] = (smf_timed_message){0, 0, {(uint8_t)(0xC0 | ch), (uint8_t)(p->program & 127), 0},
                                        2};
    for (int i = 0; i < p->n_notes; i++) {
        const mv_note *note = &p->notes[i];
        int start = p->step_offset + note->step;
        if (start < 0 || start >= n_steps || note->pitch > 127) continue;
        int on, off;
        note_ticks(p, tm, i, start, ticks_per_step, n_steps, &on, &off);
        uint8_t vel = note->velocity ? (note->velocity > 127 ? 127 : note->velocity) : 1;
        msgs[n++] = (smf_timed_message){on, 1, {(uint8_t)(0x90 | ch), note->pitch, vel}, 3};
        msgs[n++] = (smf_timed_message){off, 0, {(uint8_t)(0x80 | ch), note->pitch, 0}, 3};
    }
    return n;
}

/* A marker event, unless its step lies outside the file. */
static int add_mark(smf_track_t *track, const mv_midi_part *p, const mv_midi_mark *m,
                    int ticks_per_step, int n_steps)
{
    int step = p->step_offset + m->step;
    if (step < 0 || step >= n_steps || !m->text) return 0;
    smf_event_t *e = smf_event_new_textual(0x06, m->text);
    if (!e) return -1;
    smf_track_add_event_pulses(track, e, step * ticks_per_step);
    return 0;
}

static int part_track(smf_t *smf, const mv_midi_part *p, const mv_midi_timing *tm,
                      int ticks_per_step, int n_steps)
{
    smf_track_t *track = smf_track_new();
    if (!track) return -1;
    smf_add_track(smf, track);
    if (p->name && p->name[0]) {
        smf_event_t *e = smf_event_new_textual(0x03, p->name);
        if (!e) return -1;
        smf_track_add_event_pulses(track, e, 0);
    }
    smf_timed_message *msgs = malloc(sizeof *msgs * (2 * (size_t)p->n_notes + 1));
    if (!msgs) return -1;
    int n = part_messages(p, tm, ticks_per_step, n_steps, msgs);
    qsort(msgs, n, sizeof *msgs, smf_timed_message_compare);
    int rc = 0, m = 0;
    for (int i = 0; i <= n && !rc; i++) {
        /* the marks up to this message's tick first: a chord's name before its notes */
        while (!rc && m < p->n_marks &&
               (i == n || (p->step_offset + p->marks[m].step) * ticks_per_step <= msgs[i].tick))
            rc = add_mark(track, p, &p->marks[m++], ticks_per_step, n_steps);
        if (i < n && !rc)
            rc = smf_track_add_message(track, msgs[i].bytes, msgs[i].len, msgs[i].tick);
    }
    free(msgs);
    if (!rc) rc = smf_track_add_eot_pulses(track, n_steps * ticks_per_step);
    return rc ? -1 : 0;
}

static smf_t *build_smf(const mv_midi_part *parts, const mv_midi_timing *timing, int n_parts,
                        int ticks_per_step, int n_steps, double bpm)
{
    smf_t *smf = smf_new();
    if (!smf) return NULL;
    if (smf_set_format(smf, 1) || smf_set_ppqn(smf, MIDI_WRITE_PPQN) ||
        !conductor_track(smf, bpm, n_steps * ticks_per_step)) {
        smf_delete(smf);
        return NULL;
    }
    for (int i = 0; i < n_parts; i++)
        if (part_track(smf, &parts[i], timing ? &timing[i] : NULL, ticks_per_step, n_steps)) {
            smf_delete(smf);
            return NULL;
        }
    return smf;
}

static int check_args(const char *path, const mv_midi_part *parts, int n_parts, int steps_per_bar,
                      int n_steps, double bpm, char *err, size_t errlen)
{
    if (!midi_ticks_per_step(steps_per_bar)) {
        snprintf(err, errlen, "%s: %d steps per bar do not divide a bar of %d ticks", path,
                 steps_per_bar, 4 * MIDI_WRITE_PPQN);
        return -1;
    }
    if (n_steps <= 0 || n_steps > INT32_MAX / 4 / MIDI_WRITE_PPQN) {
        snprintf(err, errlen, "%s: length of %d steps is out of range", path, n_steps);
        return -1;
    }
    if (!(bpm >= 1 && bpm <= 1000)) {
        snprintf(err, errlen, "%s: tempo %g bpm is out of range 1..1000", path, bpm);
        return -1;
    }
    for (int i = 0; i < n_parts; i++)
        if (parts[i].channel < 0 || parts[i].channel > 15 || parts[i].n_notes < 0 ||
            parts[i].program > 127 || parts[i].n_marks < 0) {
            snprintf(err, errlen, "%s: part %d has channel %d, %d notes, program %d, %d marks",
                     path, i, parts[i].channel, parts[i].n_notes, parts[i].program,
                     parts[i].n_marks);
            return -1;
        }
    return 0;
}

int midi_write_parts(const char *path, const mv_midi_part *parts, int n_parts,
                     int steps_per_bar, int n_steps, double bpm, char *err, size_t errlen)
{
    return midi_write_parts_timed(path, parts, NULL, n_parts, steps_per_bar, n_steps, bpm, err,
                                  errlen);
}

int midi_write_parts_timed(const char *path, const mv_midi_part *parts,
                           const mv_midi_timing *timing, int n_parts, int steps_per_bar,
                           int n_steps, double bpm, char *err, size_t errlen)
{
    if (check_args(path, parts, n_parts, steps_per_bar, n_steps, bpm, err, errlen)) return -1;
    smf_t *smf = build_smf(parts, timing, n_parts, midi_ticks_per_step(steps_per_bar), n_steps,
                           bpm);
    if (!smf) {
        snprintf(err, errlen, "%s: out of memory building the MIDI data", path);
        return -1;
    }
    return smf_save_atomic(smf, path, err, errlen);
}

int midi_write_notes(const char *path, const mv_note *notes, int n_notes, int steps_per_bar,
                     int n_steps, double bpm, int channel, char *err, size_t errlen)
{
    mv_midi_part part = {notes, n_notes, 0, channel, -1, NULL, NULL, 0};
    return midi_write_parts(path, &part, 1, steps_per_bar, n_steps, bpm, err, errlen);
}
