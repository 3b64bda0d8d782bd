/* Reading Standard MIDI Files (.mid, .midi, .kar, and .rmi RIFF wrappers) into
 * the core description (core/midi_events.h): notes, tempo map, time signatures,
 * track names. Plain C on libc: the trainer, the plugin (anchor files, in its
 * worker) and the tools read files through this one parser, so an anchor is
 * extracted from exactly the notes a training window would be.
 *
 * Every length and event is checked against the bytes there are; a file that
 * cannot be read is refused with the reason. docs/data.md lists what is
 * accepted, repaired and refused. */
#ifndef MV_MIDI_READ_H
#define MV_MIDI_READ_H

#include <stddef.h>
#include <stdint.h>

#include "midi_events.h"

#define MV_MIDI_MAX_FILE_BYTES (64u << 20)

/* Parses bytes[0, len) into *f (free with midi_file_free). Returns 0, or -1
 * with the reason (without a file name) in err; *f is then empty. */
int midi_read_memory(const uint8_t *bytes, size_t len, mv_midi_file *f, char *err,
                     size_t errlen);

/* Same for a file; the message in err starts with the path. Anything but a
 * regular file (a folder, a FIFO, a device) is refused before a byte is read,
 * and opening never blocks (O_NONBLOCK), so a FIFO cannot hang the caller. */
int midi_read_file(const char *path, mv_midi_file *f, char *err, size_t errlen);

#endif
