/* mv_midi_file -> Standard MIDI file with libsmf (midi_copy.h). */
#include "midi_copy.h"

#include <smf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smf_messages.h"

static int log2_of(int v)
{
    int k = 0;
    while (v > 1) v >>= 1, k++;
    return k;
}

static int conductor(smf_t *smf, const mv_midi_file *f, int64_t end)
{
    smf_track_t *track = smf_track_new();
    if (!track) return -1;
    smf_add_track(smf, track);
    /* tempos and meters in tick order, a meter first at a tick both have */
    uint32_t i = 0, j = 0;
    while (i < f->n_tempos || j < f->n_meters) {
        if (j < f->n_meters && (i == f->n_tempos || f->meters[j].tick <= f->tempos[i].tick)) {
            const mv_midi_meter *m = &f->meters[j++];
            uint8_t b[7] = {0xFF, 0x58, 0x04, m->numerator, (uint8_t)log2_of(m->denominator), 24,
                            8};
            if (smf_track_add_message(track, b, sizeof b, m->tick)) return -1;
        } else {
            const uint32_t us = f->tempos[i].us_per_quarter;
            uint8_t b[6] = {0xFF, 0x51, 0x03, (uint8_t)(us >> 16), (uint8_t)(us >> 8), (uint8_t)us};
            if (smf_track_add_message(track, b, sizeof b, f->tempos[i++].tick)) return -1;
        }
    }
    return smf_track_add_eot_pulses(track, (int)end) ? -1 : 0;
}

/* The end of note k of f: its own, or the next start of its pitch on its
 * channel and track if that comes first; at least a tick after its start. */
static int64_t note_end(const mv_midi_file *f, uint32_t k)
{
    const mv_midi_note *n = &f->notes[k];
    int64_t end = n->end;
    for (uint32_t j = k + 1; j < f->n_notes && f->notes[j].start < end; j++) {
        const mv_midi_note *m = &f->notes[j];
        if (m->track == n->track && m->channel == n->channel && m->pitch == n->pitch &&
            m->start > n->start)
            end = m->start;
    }
    return end > n->start ? end : n->start + 1;
}

static int note_track(smf_t *smf, const mv_midi_file *f, uint32_t t, int64_t end,
                      smf_timed_message *buf)
{
    int n = 0;
    for (uint32_t k = 0; k < f->n_notes; k++) {
        const mv_midi_note *note = &f->notes[k];
        if (note->track != t) continue;
        const uint8_t ch = note->channel & 15, pitch = note->pitch & 127;
        const uint8_t vel = note->velocity ? (note->velocity > 127 ? 127 : note->velocity) : 1;
        buf[n++] = (smf_timed_message){note->start, 1, {(uint8_t)(0x90 | ch), pitch, vel}, 3};
        buf[n++] = (smf_timed_message){note_end(f, k), 0, {(uint8_t)(0x80 | ch), pitch, 0}, 3};
    }
    if (!n) return 0;
    smf_track_t *track = smf_track_new();
    if (!track) return -1;
    smf_add_track(smf, track);
    if (t < f->n_tracks && f->tracks[t].name[0]) {
        smf_event_t *e = smf_event_new_textual(0x03, f->tracks[t].name);
        if (!e) return -1;
        smf_track_add_event_pulses(track, e, 0);
    }
    qsort(buf, (size_t)n, sizeof *buf, smf_timed_message_compare);
    for (int i = 0; i < n; i++)
        if (smf_track_add_message(track, buf[i].bytes, buf[i].len, buf[i].tick)) return -1;
    return smf_track_add_eot_pulses(track, (int)end) ? -1 : 0;
}

int midi_copy_write(const char *path, const mv_midi_file *f, char *err, size_t errlen)
{
    int64_t end = f->end_tick;
    for (uint32_t k = 0; k < f->n_notes; k++) {
        int64_t e = note_end(f, k);
        if (e > end) end = e;
    }
    if (f->ticks_per_quarter < 1 || f->ticks_per_quarter > 0x7FFF || end > INT32_MAX) {
        snprintf(err, errlen, "%s: %u ticks per quarter and %lld ticks cannot be written", path,
                 f->ticks_per_quarter, (long long)end);
        return -1;
    }
    uint32_t max_track = f->n_tracks;
    for (uint32_t k = 0; k < f->n_notes; k++)
        if (f->notes[k].track >= max_track) max_track = f->notes[k].track + 1u;
    smf_timed_message *buf = malloc(sizeof *buf * (2 * (size_t)f->n_notes + 1));
    smf_t *smf = smf_new();
    int rc = !buf || !smf || smf_set_format(smf, 1) ||
                     smf_set_ppqn(smf, (int)f->ticks_per_quarter) || conductor(smf, f, end)
                 ? -1
                 : 0;
    for (uint32_t t = 0; !rc && t < max_track; t++) rc = note_track(smf, f, t, end, buf);
    free(buf);
    if (rc) {
        if (smf) smf_delete(smf);
        snprintf(err, errlen, "%s: out of memory building the MIDI data", path);
        return -1;
    }
    return smf_save_atomic(smf, path, err, errlen);
}
