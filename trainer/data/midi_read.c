/* MIDI file reading: structure check and canonical copy, then libsmf. */
#include "midi_read.h"

#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <smf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest track, in ticks: the largest delta time a MIDI file can hold, so that
 * the sum of dropped events' deltas stays one valid delta (libsmf keeps times in
 * an int). */
#define MAX_TRACK_TICKS 0x0fffffff

typedef struct byte_buf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* out of memory */
} byte_buf;

static void put_bytes(byte_buf *b, const uint8_t *src, size_t n)
{
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
}

static void put_byte(byte_buf *b, uint8_t v) { put_bytes(b, &v, 1); }

static void put_be32(byte_buf *b, uint32_t v)
{
    uint8_t x[4] = {v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255};
    put_bytes(b, x, 4);
}

static void put_vlq(byte_buf *b, uint32_t v)
{
    uint8_t x[5];
    int n = 0;
    x[4 - n++] = v & 0x7f;
    while (v >>= 7) x[4 - n++] = 0x80 | (v & 0x7f);
    put_bytes(b, x + 5 - n, (size_t)n);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

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

/* Writes track t's events (chunk bytes p[0, len)) canonically: explicit status
 * bytes; only channel messages and the track-name, tempo, time-signature and
 * end-of-track meta events; sysex and system messages dropped (their time
 * kept); running status survives sysex and meta events, as writers expect. */
static int canonical_track(const uint8_t *p, size_t len, int t, byte_buf *out, char *err,
                           size_t errlen)
{
    size_t pos = 0;
    uint8_t running = 0;
    uint64_t ticks = 0, pending = 0; /* pending: delta of dropped events */
    while (pos < len) {
        uint32_t delta;
        size_t at = pos;
        if (read_vlq(p, len, &pos, &delta))
            return fail(err, errlen, "track %d: bad or cut-off delta time at byte %zu", t, at);
        ticks += delta;
        pending += delta;
        if (ticks > MAX_TRACK_TICKS)
            return fail(err, errlen, "track %d lasts more than %d ticks", t, MAX_TRACK_TICKS);
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
            put_vlq(out, (uint32_t)pending);
            put_byte(out, status);
            put_bytes(out, p + pos, (size_t)n);
            pending = 0;
            pos += (size_t)n;
            running = status;
        } else if (status == 0xf0 || status == 0xf7) {
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
            const uint8_t *d = p + pos;
            pos += n;
            int keep = type == 0x03 || (type == 0x51 && n == 3 && (d[0] | d[1] | d[2])) ||
                       (type == 0x58 && n == 4 && d[0] > 0 && d[1] <= 6);
            if (type == 0x2f) break;
            if (!keep) continue;
            put_vlq(out, (uint32_t)pending);
            put_byte(out, 0xff);
            put_byte(out, type);
            put_vlq(out, n);
            put_bytes(out, d, n);
            pending = 0;
        } else {
            pos += (size_t)system_data_bytes(status); /* not MIDI-file events: skipped */
            if (pos > len)
                return fail(err, errlen, "track %d: event at byte %zu runs past the chunk", t, at);
        }
    }
    put_vlq(out, (uint32_t)pending);
    put_bytes(out, (const uint8_t[]){0xff, 0x2f, 0x00}, 3);
    return 0;
}

/* The SMF inside a RIFF RMID wrapper ("RIFF" size "RMID", then a "data" chunk). */
static int unwrap_rmid(const uint8_t **bytes, size_t *len, char *err, size_t errlen)
{
    const uint8_t *p = *bytes;
    if (*len < 12 || memcmp(p, "RIFF", 4) != 0) return 0;
    if (memcmp(p + 8, "RMID", 4) != 0)
        return fail(err, errlen, "a RIFF file that is not RMID (MIDI) but '%.4s'", p + 8);
    size_t pos = 12;
    while (pos + 8 <= *len) {
        uint32_t size = le32(p + pos + 4);
        if (memcmp(p + pos, "data", 4) == 0) {
            if (size > *len - pos - 8)
                return fail(err, errlen, "RMID data chunk of %u bytes runs past the file's end",
                            size);
            *bytes = p + pos + 8;
            *len = size;
            return 0;
        }
        if (size > *len - pos - 8) break;
        pos += 8 + size + (size & 1); /* RIFF chunks are padded to even sizes */
    }
    return fail(err, errlen, "RMID file without a data chunk");
}

static int printable_id(const uint8_t *p)
{
    for (int i = 0; i < 4; i++)
        if (p[i] < 0x20 || p[i] > 0x7e) return 0;
    return 1;
}

int midi_canonicalize(const uint8_t *bytes, size_t len, uint8_t **out, size_t *out_len,
                      char *err, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    if (len == 0) return fail(err, errlen, "empty file");
    if (unwrap_rmid(&bytes, &len, err, errlen)) return -1;
    if (len < 14 || memcmp(bytes, "MThd", 4) != 0)
        return fail(err, errlen, "not a MIDI file (no MThd header)");
    uint32_t hlen = be32(bytes + 4);
    if (hlen < 6 || hlen > len - 8)
        return fail(err, errlen, "MThd header length %u is not between 6 and the file size", hlen);
    unsigned format = (unsigned)bytes[8] << 8 | bytes[9];
    unsigned declared = (unsigned)bytes[10] << 8 | bytes[11];
    unsigned division = (unsigned)bytes[12] << 8 | bytes[13];
    if (format == 2)
        return fail(err, errlen, "format 2 (independent sequences) is not supported");
    if (format > 2) return fail(err, errlen, "unknown MIDI file format %u", format);
    if (division & 0x8000)
        return fail(err, errlen,
                    "SMPTE time division (%d frames/s, %u ticks per frame) has no beats to "
                    "quantise to; not supported",
                    -(int8_t)bytes[12], division & 0xff);
    if (division == 0) return fail(err, errlen, "0 ticks per quarter note");
    if (declared == 0) return fail(err, errlen, "the header declares no tracks");

    byte_buf b = {0};
    put_bytes(&b, (const uint8_t *)"MThd", 4);
    put_be32(&b, 6);
    put_bytes(&b, bytes + 8, 6); /* track count patched below */
    unsigned found = 0;
    size_t pos = 8 + hlen;
    while (found < declared && pos + 8 <= len) {
        const uint8_t *chunk = bytes + pos;
        uint32_t clen = be32(chunk + 4);
        if (!printable_id(chunk)) break; /* trailing junk */
        if (memcmp(chunk, "MTrk", 4) != 0) { /* unknown chunk: skipped */
            if (clen > len - pos - 8) break;
            pos += 8 + (size_t)clen;
            continue;
        }
        if (clen > len - pos - 8) {
            free(b.data);
            return fail(err, errlen, "track %u declares %u bytes but only %zu remain", found + 1,
                        clen, len - pos - 8);
        }
        put_bytes(&b, (const uint8_t *)"MTrk", 4);
        size_t len_at = b.len;
        put_be32(&b, 0);
        if (canonical_track(chunk + 8, clen, (int)found + 1, &b, err, errlen)) {
            free(b.data);
            return -1;
        }
        if (b.failed) break;
        uint32_t tlen = (uint32_t)(b.len - len_at - 4);
        uint8_t be[4] = {tlen >> 24, tlen >> 16 & 255, tlen >> 8 & 255, tlen & 255};
        memcpy(b.data + len_at, be, 4);
        found++;
        pos += 8 + (size_t)clen;
    }
    if (b.failed) {
        free(b.data);
        return fail(err, errlen, "out of memory");
    }
    if (found == 0) {
        free(b.data);
        return fail(err, errlen, "no track chunk (MTrk) found");
    }
    b.data[10] = (uint8_t)(found >> 8); /* fewer tracks than declared: read those there are */
    b.data[11] = (uint8_t)found;
    if (found > 1) b.data[9] = 1; /* several tracks in a "format 0" file: read as format 1 */
    *out = b.data;
    *out_len = b.len;
    return 0;
}

/* libsmf reports through g_log in the "libsmf" domain; keep the calling
 * thread's last message for the error text instead of letting it print. Only
 * that domain is captured, so a host's own GLib logging is left alone. */
static __thread char smf_message[200];
static pthread_once_t smf_log_once = PTHREAD_ONCE_INIT;

static void keep_smf_message(const gchar *domain, GLogLevelFlags level, const gchar *message,
                             gpointer user)
{
    (void)domain;
    (void)level;
    (void)user;
    snprintf(smf_message, sizeof smf_message, "%s", message);
}

static void capture_smf_log(void)
{
    g_log_set_handler("libsmf", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      keep_smf_message, NULL);
}

static void copy_track_name(mv_midi_track *track, const uint8_t *text, int n)
{
    if (track->name[0]) return; /* the first name counts */
    if (n > MV_MIDI_NAME_MAX - 1) n = MV_MIDI_NAME_MAX - 1;
    for (int i = 0; i < n; i++) track->name[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    track->name[n] = 0;
}

/* Notes in progress on one track: one per channel and pitch; a second note-on
 * of a sounding pitch ends the first (retrigger). */
typedef struct open_notes {
    int64_t start[16][128];
    uint8_t velocity[16][128];
    uint8_t on[16][128];
} open_notes;

static int close_note(mv_midi_file *f, open_notes *o, int track, int ch, int pitch, int64_t t)
{
    if (!o->on[ch][pitch]) return 0;
    o->on[ch][pitch] = 0;
    mv_midi_note n = {o->start[ch][pitch], t, (uint16_t)track, (uint8_t)ch, (uint8_t)pitch,
                      o->velocity[ch][pitch]};
    return midi_file_add_note(f, &n);
}

static int convert_event(mv_midi_file *f, open_notes *o, int track, const smf_event_t *e)
{
    const uint8_t *m = e->midi_buffer;
    int len = e->midi_buffer_length;
    int64_t t = e->time_pulses;
    if (t > f->end_tick) f->end_tick = t;
    if (len >= 3 && (m[0] & 0xe0) == 0x80) { /* note on / off */
        int ch = m[0] & 15, pitch = m[1] & 127;
        if (close_note(f, o, track, ch, pitch, t)) return -1;
        if ((m[0] & 0xf0) == 0x90 && m[2] > 0) {
            o->on[ch][pitch] = 1;
            o->start[ch][pitch] = t;
            o->velocity[ch][pitch] = m[2];
        }
    } else if (len >= 2 && m[0] == 0xff) {
        /* canonical: FF type len(1 byte for these sizes) data */
        if (m[1] == 0x51 && len >= 6)
            return midi_file_add_tempo(f, t, (uint32_t)m[3] << 16 | m[4] << 8 | m[5]);
        if (m[1] == 0x58 && len >= 7) return midi_file_add_meter(f, t, m[3], 1 << m[4]);
        if (m[1] == 0x03 && len >= 3) {
            size_t pos = 2;
            uint32_t n;
            if (!read_vlq(m, (size_t)len, &pos, &n) && n <= (size_t)len - pos)
                copy_track_name(&f->tracks[track], m + pos, (int)n);
        }
    }
    return 0;
}

static int convert_smf(smf_t *smf, mv_midi_file *f, char *err, size_t errlen)
{
    if (midi_file_init(f, (uint32_t)smf->ppqn, (uint32_t)smf->number_of_tracks))
        return fail(err, errlen, "out of memory");
    open_notes *o = malloc(sizeof *o);
    if (!o) return fail(err, errlen, "out of memory");
    for (int t = 1; t <= smf->number_of_tracks; t++) {
        smf_track_t *track = smf_get_track_by_number(smf, t);
        if (!track) continue;
        memset(o->on, 0, sizeof o->on);
        int64_t last = 0;
        for (int i = 1; i <= track->number_of_events; i++) {
            smf_event_t *e = smf_track_get_event_by_number(track, i);
            if (!e) continue;
            last = e->time_pulses;
            if (convert_event(f, o, t - 1, e)) goto oom;
        }
        for (int ch = 0; ch < 16; ch++) /* still sounding at the end of the track */
            for (int p = 0; p < 128; p++)
                if (close_note(f, o, t - 1, ch, p, last)) goto oom;
    }
    free(o);
    midi_file_finish(f);
    return 0;
oom:
    free(o);
    midi_file_free(f);
    return fail(err, errlen, "out of memory");
}

int midi_read_memory(const uint8_t *bytes, size_t len, mv_midi_file *f, char *err,
                     size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (len > MV_MIDI_MAX_FILE_BYTES)
        return fail(err, errlen, "larger than %u MiB", MV_MIDI_MAX_FILE_BYTES >> 20);
    uint8_t *canon;
    size_t canon_len;
    if (midi_canonicalize(bytes, len, &canon, &canon_len, err, errlen)) return -1;
    pthread_once(&smf_log_once, capture_smf_log);
    smf_message[0] = 0;
    smf_t *smf = smf_load_from_memory(canon, (int)canon_len);
    free(canon);
    if (!smf)
        return fail(err, errlen, "libsmf cannot parse it: %s",
                    smf_message[0] ? smf_message : "no reason given");
    int rc = convert_smf(smf, f, err, errlen);
    smf_delete(smf);
    return rc;
}

int midi_read_file(const char *path, mv_midi_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp) return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = -1;
    char why[300];
    if (fseek(fp, 0, SEEK_END) == 0) {
        long size = ftell(fp);
        if (size < 0 || fseek(fp, 0, SEEK_SET) != 0) {
            fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        } else if ((unsigned long)size > MV_MIDI_MAX_FILE_BYTES) {
            fail(err, errlen, "%s: larger than %u MiB", path, MV_MIDI_MAX_FILE_BYTES >> 20);
        } else if (!(bytes = malloc((size_t)size + 1))) {
            fail(err, errlen, "%s: out of memory", path);
        } else if ((len = fread(bytes, 1, (size_t)size, fp)) != (size_t)size) {
            fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        } else if (midi_read_memory(bytes, len, f, why, sizeof why)) {
            fail(err, errlen, "%s: %s", path, why);
        } else {
            rc = 0;
        }
    } else {
        fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    }
    free(bytes);
    fclose(fp);
    return rc;
}
