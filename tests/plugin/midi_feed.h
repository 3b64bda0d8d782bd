/* MIDI for the plugin's input at absolute frames of a session (session.h),
 * fed block by block in blocks of random sizes, as a host passes a track's
 * notes: the capture and chord tests. One feed per test binary (its events
 * live here, static). */
#ifndef MV_TEST_MIDI_FEED_H
#define MV_TEST_MIDI_FEED_H

#include <stdint.h>
#include <stdlib.h>

#include "rng.h"
#include "session.h"

typedef struct midi_event {
    int64_t frame;
    uint8_t msg[3];
} midi_event;

#define MAX_EVENTS 4096
static midi_event events[MAX_EVENTS];
static int n_events, next_event;

static inline void add_event(int64_t frame, uint8_t status, uint8_t data1, uint8_t data2)
{
    if (n_events < MAX_EVENTS) events[n_events++] = (midi_event){frame, {status, data1, data2}};
}

/* By frame; at one frame, note-offs first (a note struck again stays on). */
static inline int cmp_event(const void *pa, const void *pb)
{
    const midi_event *a = pa, *b = pb;
    if (a->frame != b->frame) return a->frame < b->frame ? -1 : 1;
    return (a->msg[0] & 0xF0) == 0x80 ? -1 : (b->msg[0] & 0xF0) == 0x80 ? 1 : 0;
}

/* The events added so far, in order, from the first. */
static inline void start_feed(void)
{
    qsort(events, (size_t)n_events, sizeof *events, cmp_event);
    next_event = 0;
}

/* Runs blocks of random sizes (32 .. 1231 frames) up to frame end (a block
 * boundary, for what the caller changes there), each with the events of its
 * frames. */
static inline void feed_until(session *s, int64_t end, mv_rng *rng)
{
    while (s->frame < end) {
        uint32_t n = 32 + rng_u32(rng) % 1200;
        if (s->frame + n > end) n = (uint32_t)(end - s->frame);
        while (next_event < n_events && events[next_event].frame < s->frame + n) {
            const midi_event *e = &events[next_event++];
            int64_t at = e->frame < s->frame ? 0 : e->frame - s->frame;
            host_send_midi(s->host, (uint32_t)at, e->msg, 3);
        }
        session_block(s, n);
    }
}

#endif
