/* Track events -> notes. The rules (docs/data.md, "Reading MIDI files"):
 * running status also across sysex and meta events, as real writers use it;
 * sysex and system messages skipped with their time kept; of the meta events
 * only track name, tempo and time signature are used and End of Track ends the
 * track; a note-on with velocity 0 is a note-off; one note per channel and
 * pitch sounds at a time (a second note-on of a sounding pitch ends the first);
 * notes still sounding at the track's end end there. */
#include "midi_track.h"

#include <stdio.h>
#include <string.h>

#include "fail.h"

/* Reads a variable-length quantity of at most 4 bytes from p[*pos, end). */
static int read_vlq(const uint8_t *p, size_t end, size_t *pos, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        if (*pos >= end) return -1;
        uint8_t c = p[(*pos)++];
        *v = *v << 7 | (c & 0x7f);
        if (!(c & 0x80)) return 0;
    }
    return -1;
}

/* Data bytes that follow a channel status byte. */
static int channel_data_bytes(uint8_t status)
{
    uint8_t kind = status & 0xf0;
    return kind == 0xc0 || kind == 0xd0 ? 1 : 2;
}

/* Bytes that a system common / real-time status (not allowed in a file) takes. */
static int system_data_bytes(uint8_t status)
{
    return status == 0xf2 ? 2 : status == 0xf1 || status == 0xf3 ? 1 : 0;
}

static void copy_track_name(mv_midi_track *track, const uint8_t *text, uint32_t n)
{
    if (track->name[0]) return; /* the first name counts */
    if (n > MV_MIDI_NAME_MAX - 1) n = MV_MIDI_NAME_MAX - 1;
    for (uint32_t i = 0; i < n; i++)
        track->name[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
    track->name[n] = 0;
}

static int close_note(mv_midi_file *f, midi_open_notes *o, int track, int ch, int pitch,
                      int64_t t)
{
    if (!o->on[ch][pitch]) return 0;
    o->on[ch][pitch] = 0;
    mv_midi_note n = {o->start[ch][pitch], t, (uint16_t)track, (uint8_t)ch, (uint8_t)pitch,
                      o->velocity[ch][pitch]};
    return midi_file_add_note(f, &n);
}

/* A channel message (status, data d) at tick t: only note-on and note-off matter. */
static int channel_event(mv_midi_file *f, midi_open_notes *o, int track, uint8_t status,
                         const uint8_t *d, int64_t t)
{
    if ((status & 0xe0) != 0x80) return 0;
    int ch = status & 15, pitch = d[0];
    if (close_note(f, o, track, ch, pitch, t)) return -1;
    if ((status & 0xf0) == 0x90 && d[1] > 0) {
        o->on[ch][pitch] = 1;
        o->start[ch][pitch] = t;
        o->velocity[ch][pitch] = d[1];
    }
    return 0;
}

/* A meta event of `type` with data d[0, n) at tick t. Tempo 0 and time
 * signatures with a zero numerator or a denominator above 2^6 are ignored. */
static int meta_event(mv_midi_file *f, int track, uint8_t type, const uint8_t *d, uint32_t n,
                      int64_t t)
{
    if (type == 0x03) copy_track_name(&f->tracks[track], d, n);
    if (type == 0x51 && n == 3 && (d[0] | d[1] | d[2]))
        return midi_file_add_tempo(f, t, (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2]);
    if (type == 0x58 && n == 4 && d[0] > 0 && d[1] <= 6)
        return midi_file_add_meter(f, t, d[0], 1 << d[1]);
    return 0;
}

int midi_track_read(const uint8_t *p, size_t len, int track, mv_midi_file *f, midi_open_notes *o,
                    char *err, size_t errlen)
{
    int t = track + 1; /* as people count tracks, in messages */
    size_t pos = 0;
    uint8_t running = 0;
    int64_t ticks = 0;
    memset(o->on, 0, sizeof o->on);
    while (pos < len) {
        uint32_t delta;
        size_t at = pos;
        if (read_vlq(p, len, &pos, &delta))
            return fail(err, errlen, "track %d: bad or cut-off delta time at byte %zu", t, at);
        ticks += delta;
        if (ticks > MV_MIDI_MAX_TRACK_TICKS)
            return fail(err, errlen, "track %d lasts more than %d ticks", t,
                        MV_MIDI_MAX_TRACK_TICKS);
        if (pos >= len)
            return fail(err, errlen, "track %d: cut off after a delta time at byte %zu", t, at);
        uint8_t status = p[pos];
        if (status < 0x80) {
            if (!running)
                return fail(err, errlen,
                            "track %d: data byte 0x%02x at byte %zu without a status byte", t,
                            status, pos);
            status = running;
        } else {
            pos++;
        }
        if (status < 0xf0) {
            int n = channel_data_bytes(status);
            if (pos + (size_t)n > len)
                return fail(err, errlen, "track %d: event at byte %zu runs past the chunk", t, at);
            for (int i = 0; i < n; i++)
                if (p[pos + i] & 0x80)
                    return fail(err, errlen,
                                "track %d: status byte 0x%02x at byte %zu where a data byte "
                                "belongs (missing byte?)",
                                t, p[pos + i], pos + i);
            if (channel_event(f, o, track, status, p + pos, ticks)) goto oom;
            pos += (size_t)n;
            running = status;
        } else if (status == 0xf0 || status == 0xf7) { /* sysex: skipped */
            uint32_t n;
            if (read_vlq(p, len, &pos, &n) || n > len - pos)
                return fail(err, errlen, "track %d: sysex at byte %zu runs past the chunk", t, at);
            pos += n;
        } else if (status == 0xff) {
            uint32_t n;
            if (pos >= len)
                return fail(err, errlen, "track %d: meta event at byte %zu is cut off", t, at);
            uint8_t type = p[pos++];
            if (read_vlq(p, len, &pos, &n) || n > len - pos)
                return fail(err, errlen, "track %d: meta event at byte %zu runs past the chunk",
                            t, at);
            if (type == 0x2f) break; /* End of Track: what follows is ignored */
            if (meta_event(f, track, type, p + pos, n, ticks)) goto oom;
            pos += n;
        } else { /* system common / real time: not MIDI-file events, skipped */
            pos += (size_t)system_data_bytes(status);
            if (pos > len)
                return fail(err, errlen, "track %d: event at byte %zu runs past the chunk", t, at);
        }
    }
    if (ticks > f->end_tick) f->end_tick = ticks;
    for (int ch = 0; ch < 16; ch++) /* still sounding at the end of the track */
        for (int pitch = 0; pitch < 128; pitch++)
            if (close_note(f, o, track, ch, pitch, ticks)) goto oom;
    return 0;
oom:
    return fail(err, errlen, "out of memory");
}
