/* MIDI file reading: the file's bytes, the RIFF/RMID wrapper, the MThd header
 * and the MTrk chunks; midi_track.c decodes each track's events. */
#include "midi_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "midi_track.h"
#include "regular_file.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
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

/* Where one track chunk's events lie in the file. */
typedef struct track_chunk {
    const uint8_t *events;
    size_t len;
} track_chunk;

/* The MThd header's fields that reading needs. */
typedef struct smf_header {
    size_t length; /* of the header chunk's body */
    unsigned declared_tracks;
    unsigned division;
} smf_header;

static int read_header(const uint8_t *bytes, size_t len, smf_header *h, char *err, size_t errlen)
{
    if (len < 14 || memcmp(bytes, "MThd", 4) != 0)
        return fail(err, errlen, "not a MIDI file (no MThd header)");
    uint32_t hlen = be32(bytes + 4);
    if (hlen < 6 || hlen > len - 8)
        return fail(err, errlen, "MThd header length %u is not between 6 and the file size", hlen);
    unsigned format = (unsigned)bytes[8] << 8 | bytes[9];
    h->length = hlen;
    h->declared_tracks = (unsigned)bytes[10] << 8 | bytes[11];
    h->division = (unsigned)bytes[12] << 8 | bytes[13];
    if (format == 2)
        return fail(err, errlen, "format 2 (independent sequences) is not supported");
    if (format > 2) return fail(err, errlen, "unknown MIDI file format %u", format);
    if (h->division & 0x8000)
        return fail(err, errlen,
                    "SMPTE time division (%d frames/s, %u ticks per frame) has no beats to "
                    "quantise to; not supported",
                    -(int8_t)bytes[12], h->division & 0xff);
    if (h->division == 0) return fail(err, errlen, "0 ticks per quarter note");
    if (h->declared_tracks == 0) return fail(err, errlen, "the header declares no tracks");
    return 0;
}

/* Finds up to h->declared_tracks MTrk chunks after the header (format 0 files
 * with several tracks are read like format 1). Unknown chunks between them are
 * skipped, junk after the last one is ignored, and fewer tracks than declared
 * are read as they are. Returns the count; a track chunk longer than the rest
 * of the file ends the search with its description in cut (else cut is ""). */
static int find_tracks(const uint8_t *bytes, size_t len, const smf_header *h, track_chunk *tracks,
                       char *cut, size_t cutlen)
{
    unsigned found = 0;
    size_t pos = 8 + h->length;
    cut[0] = 0;
    while (found < h->declared_tracks && pos + 8 <= len) {
        const uint8_t *chunk = bytes + pos;
        uint32_t clen = be32(chunk + 4);
        if (!printable_id(chunk)) break; /* trailing junk */
        if (memcmp(chunk, "MTrk", 4) != 0) { /* unknown chunk: skipped */
            if (clen > len - pos - 8) break;
            pos += 8 + (size_t)clen;
            continue;
        }
        if (clen > len - pos - 8) {
            snprintf(cut, cutlen, "track %u declares %u bytes but only %zu remain", found + 1,
                     clen, len - pos - 8);
            break;
        }
        tracks[found++] = (track_chunk){chunk + 8, clen};
        pos += 8 + (size_t)clen;
    }
    return (int)found;
}

/* Decodes the tracks found into f. */
static int read_tracks(const track_chunk *tracks, int n, unsigned division, mv_midi_file *f,
                       char *err, size_t errlen)
{
    midi_open_notes *open = malloc(sizeof *open);
    if (!open || midi_file_init(f, division, (uint32_t)n)) {
        free(open);
        return fail(err, errlen, "out of memory");
    }
    for (int t = 0; t < n; t++)
        if (midi_track_read(tracks[t].events, tracks[t].len, t, f, open, err, errlen)) {
            free(open);
            midi_file_free(f);
            return -1;
        }
    free(open);
    midi_file_finish(f);
    return 0;
}

int midi_read_memory(const uint8_t *bytes, size_t len, mv_midi_file *f, char *err,
                     size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (len > MV_MIDI_MAX_FILE_BYTES)
        return fail(err, errlen, "larger than %u MiB", MV_MIDI_MAX_FILE_BYTES >> 20);
    if (len == 0) return fail(err, errlen, "empty file");
    smf_header h = {0};
    if (unwrap_rmid(&bytes, &len, err, errlen) || read_header(bytes, len, &h, err, errlen))
        return -1;
    track_chunk *tracks = malloc(h.declared_tracks * sizeof *tracks);
    if (!tracks) return fail(err, errlen, "out of memory");
    char cut[160];
    int n = find_tracks(bytes, len, &h, tracks, cut, sizeof cut), rc = -1;
    if (n == 0 && !cut[0]) {
        fail(err, errlen, "no track chunk (MTrk) found");
    } else if (!read_tracks(tracks, n, h.division, f, err, errlen)) {
        /* the tracks before a cut-off one are decoded first, so that the
         * message names the first problem in the file */
        rc = cut[0] ? fail(err, errlen, "%s", cut) : 0;
        if (rc) midi_file_free(f);
    }
    free(tracks);
    return rc;
}

/* Reads the whole regular file open on fd (size bytes when checked) into a
 * malloc'ed buffer; a file that shrank meanwhile is read as it now is. */
static uint8_t *read_all(int fd, size_t size, size_t *len)
{
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) return NULL;
    *len = 0;
    while (*len < size) {
        ssize_t got = read(fd, bytes + *len, size - *len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            free(bytes);
            return NULL;
        }
        if (got == 0) break;
        *len += (size_t)got;
    }
    return bytes;
}

int midi_read_file(const char *path, mv_midi_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    uint64_t size;
    int fd = regular_file_open(path, &size, err, errlen);
    if (fd < 0) return -1;
    if (size > MV_MIDI_MAX_FILE_BYTES) {
        close(fd);
        return fail(err, errlen, "%s: larger than %u MiB", path, MV_MIDI_MAX_FILE_BYTES >> 20);
    }
    size_t len;
    uint8_t *bytes = read_all(fd, (size_t)size, &len);
    int read_errno = errno;
    close(fd);
    if (!bytes) return fail(err, errlen, "%s: cannot read: %s", path, strerror(read_errno));
    char why[300];
    int rc = midi_read_memory(bytes, len, f, why, sizeof why);
    free(bytes);
    if (rc) fail(err, errlen, "%s: %s", path, why);
    return rc;
}
