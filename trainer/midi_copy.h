/* An mv_midi_file (core/midi_events.h) written back as a Standard MIDI file,
 * at its own resolution: a conductor track with its tempo map and time
 * signatures, then one track per track of the file that holds notes (named
 * as it was), each note an on/off pair on its channel at its ticks. What the
 * reader does not keep (programs, controllers, other meta events) is not
 * written. `morphvae groove` and `drumify` write their results so, keeping
 * the input's tempo and meter. Written atomically (core/atomic_file.h). */
#ifndef MV_MIDI_COPY_H
#define MV_MIDI_COPY_H

#include <stddef.h>

#include "midi_events.h"

/* Returns 0, or -1 with a message naming path in err. A note that ends where
 * it starts lasts a tick; a note that would still sound when the same pitch
 * starts again on its channel and track ends there. */
int midi_copy_write(const char *path, const mv_midi_file *f, char *err, size_t errlen);

#endif
