/* What the MIDI writers (midi_write.c: notes on the grid; midi_copy.c: a read
 * file written back) share: channel messages sorted and added to libsmf
 * tracks, and the file saved atomically. */
#ifndef MV_SMF_MESSAGES_H
#define MV_SMF_MESSAGES_H

#include <smf.h>
#include <stddef.h>
#include <stdint.h>

/* A channel message at a tick; note-offs (order 0) sort before note-ons
 * (order 1) at the same tick so that a pitch struck again is not cut by its
 * own previous note's off. */
typedef struct smf_timed_message {
    int64_t tick;
    int order; /* 0 program change or note-off, 1 note-on */
    uint8_t bytes[3];
    int len;
} smf_timed_message;

/* qsort order of smf_timed_message: by tick, then order. */
int smf_timed_message_compare(const void *a, const void *b);

/* Adds the len bytes of a message to track at tick. Returns 0, or -1 when
 * libsmf cannot make the event. */
int smf_track_add_message(smf_track_t *track, const uint8_t *bytes, int len, int64_t tick);

/* Saves smf to path atomically (core/atomic_file.h) and deletes it. Returns
 * 0, or -1 with a message naming path in err. */
int smf_save_atomic(smf_t *smf, const char *path, char *err, size_t errlen);

#endif
