/* Reading Standard MIDI Files (.mid, .midi, .kar, and .rmi RIFF wrappers) into
 * the core description (core/midi_events.h) with libsmf.
 *
 * libsmf 1.3 crashes or aborts on some malformed input, so it never sees the
 * file's bytes: midi_canonicalize first checks the chunk structure and every
 * event and writes a canonical copy (explicit status bytes, only the events
 * extraction uses, one End of Track per track), which libsmf then parses.
 * docs/data.md lists what is accepted, repaired and refused. */
#ifndef MV_MIDI_READ_H
#define MV_MIDI_READ_H

#include <stddef.h>
#include <stdint.h>

#include "midi_events.h"

#define MV_MIDI_MAX_FILE_BYTES (64u << 20)

/* Checks bytes and writes a canonical format 0/1 file into a malloc'ed *out.
 * Returns 0, or -1 with the reason (without the file name) in err. */
int midi_canonicalize(const uint8_t *bytes, size_t len, uint8_t **out, size_t *out_len,
                      char *err, size_t errlen);

/* Canonicalises, parses with libsmf and fills *f (free with midi_file_free).
 * Returns 0, or -1 with the reason (without the file name) in err. */
int midi_read_memory(const uint8_t *bytes, size_t len, mv_midi_file *f, char *err,
                     size_t errlen);

/* Same for a file; the message in err starts with the path. */
int midi_read_file(const char *path, mv_midi_file *f, char *err, size_t errlen);

#endif
