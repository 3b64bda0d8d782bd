/* Helpers for the plugin tests: a run of the real plugin recorded as MIDI with
 * absolute frames, and the checks every run must pass (paired notes). */
#ifndef MV_TEST_SESSION_H
#define MV_TEST_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lilv_host.h"

/* The worker modes a test binary can be run in (its first argument). The
 * thread mode's worker answers in random time, but within a 16th note of
 * audio (the host waits for it when it is later: a loaded test machine must
 * not make bars late). The failing mode runs the worker after run() and
 * refuses every 4th schedule_work() and every 3rd respond(). */
static inline int session_set_mode(mv_host *h, const char *mode, uint64_t seed)
{
    if (!strcmp(mode, "after-run")) {
        host_set_worker_mode(h, HOST_WORKER_AFTER_RUN, seed);
    } else if (!strcmp(mode, "in-schedule")) {
        host_set_worker_mode(h, HOST_WORKER_IN_SCHEDULE, seed);
    } else if (!strcmp(mode, "thread")) {
        host_set_worker_mode(h, HOST_WORKER_THREAD, seed);
        host_set_worker_lag(h, 6000); /* answered within a 16th at 120 BPM, 48 kHz */
    } else if (!strcmp(mode, "failing")) {
        host_set_worker_mode(h, HOST_WORKER_AFTER_RUN, seed);
        host_fail_worker_calls(h, 4, 3);
    } else {
        return -1;
    }
    return 0;
}

/* The plugin of bundle in the lilv host, in worker mode `mode` (each host of a
 * test binary gets the next seed), with run_hook around every plugin call.
 * NULL (and the reason on stderr) when the host cannot open; an unknown mode
 * ends the test binary with status 2. */
static inline mv_host *session_open_host(const char *bundle, double rate, uint32_t max_block,
                                         const char *mode,
                                         void (*run_hook)(bool in_plugin, bool is_run))
{
    static uint64_t seed = 1;
    char err[1024];
    mv_host *h = host_open(bundle, rate, max_block, err, sizeof err);
    if (!h) {
        fprintf(stderr, "host_open: %s\n", err);
        return NULL;
    }
    host_set_run_hook(h, run_hook);
    if (session_set_mode(h, mode, seed++)) {
        fprintf(stderr, "unknown worker mode %s\n", mode);
        exit(2);
    }
    return h;
}

typedef struct rec_event {
    int64_t frame;
    uint8_t status, pitch, velocity;
} rec_event;

typedef struct session {
    mv_host *host;
    int64_t frame;   /* absolute frame of the next block */
    rec_event *ev;
    int n, cap;
    int bad_blocks;  /* blocks whose output was not a valid sequence */
} session;

static inline bool is_note_on(const rec_event *e)
{
    return (e->status & 0xF0) == 0x90 && e->velocity > 0;
}

static inline bool is_note_off(const rec_event *e)
{
    return (e->status & 0xF0) == 0x80 || ((e->status & 0xF0) == 0x90 && e->velocity == 0);
}

/* Runs one block and appends its MIDI. */
static inline void session_block(session *s, uint32_t n)
{
    mv_host_midi_event out[1024];
    int n_out = 0;
    if (host_run(s->host, n, out, 1024, &n_out)) s->bad_blocks++;
    for (int i = 0; i < n_out; i++) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 4096;
            s->ev = realloc(s->ev, (size_t)s->cap * sizeof *s->ev);
        }
        s->ev[s->n++] = (rec_event){s->frame + out[i].frame, out[i].msg[0], out[i].msg[1],
                                    out[i].msg[2]};
    }
    s->frame += n;
}

/* Every note-on is followed by its note-off before the same (channel, pitch)
 * starts again, no note-off comes without a note-on, and events never go back
 * in time. Returns the number of notes still sounding at the end, or -1 on a
 * broken pairing (described in why). */
static inline int session_sounding(const session *s, char *why, size_t why_len)
{
    static bool on[16][128];
    memset(on, 0, sizeof on);
    int sounding = 0;
    for (int i = 0; i < s->n; i++) {
        const rec_event *e = &s->ev[i];
        int ch = e->status & 0x0F;
        if (i && e->frame < s->ev[i - 1].frame) {
            snprintf(why, why_len, "event %d at frame %lld goes back in time", i,
                     (long long)e->frame);
            return -1;
        }
        if (is_note_on(e)) {
            if (on[ch][e->pitch]) {
                snprintf(why, why_len, "note %d on channel %d started twice (frame %lld)",
                         e->pitch, ch + 1, (long long)e->frame);
                return -1;
            }
            on[ch][e->pitch] = true;
            sounding++;
        } else if (is_note_off(e)) {
            if (!on[ch][e->pitch]) {
                snprintf(why, why_len, "note-off of %d on channel %d without a note-on "
                         "(frame %lld)", e->pitch, ch + 1, (long long)e->frame);
                return -1;
            }
            on[ch][e->pitch] = false;
            sounding--;
        }
    }
    return sounding;
}

static inline int session_count_on(const session *s, int64_t from, int64_t to)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        if (is_note_on(&s->ev[i]) && s->ev[i].frame >= from && s->ev[i].frame < to) n++;
    return n;
}

/* Same note-ons (frame, pitch, channel) in [from, to) of two sessions? */
static inline bool session_same_notes(const session *a, const session *b, int64_t from,
                                      int64_t to)
{
    int i = 0, j = 0;
    for (;;) {
        while (i < a->n && !(is_note_on(&a->ev[i]) && a->ev[i].frame >= from &&
                             a->ev[i].frame < to))
            i++;
        while (j < b->n && !(is_note_on(&b->ev[j]) && b->ev[j].frame >= from &&
                             b->ev[j].frame < to))
            j++;
        if (i == a->n || j == b->n) return i == a->n && j == b->n;
        if (a->ev[i].frame != b->ev[j].frame || a->ev[i].pitch != b->ev[j].pitch ||
            a->ev[i].status != b->ev[j].status)
            return false;
        i++;
        j++;
    }
}

/* The events of src in [from, to), moved to start at frame 0, appended to dst. */
static inline void session_copy_range(const session *src, int64_t from, int64_t to,
                                      session *dst)
{
    for (int i = 0; i < src->n; i++) {
        if (src->ev[i].frame < from || src->ev[i].frame >= to) continue;
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? 2 * dst->cap : 256;
            dst->ev = realloc(dst->ev, (size_t)dst->cap * sizeof *dst->ev);
        }
        dst->ev[dst->n] = src->ev[i];
        dst->ev[dst->n++].frame -= from;
    }
}

static inline void session_free(session *s)
{
    free(s->ev);
    s->ev = NULL;
    s->n = s->cap = 0;
}

/* Runs `blocks` blocks of 512 frames, the worker answering after each: what
 * was sent is applied (nothing plays while the transport is stopped). */
static inline void session_settle(mv_host *h, int blocks)
{
    session s = {.host = h};
    for (int i = 0; i < blocks; i++) {
        session_block(&s, 512);
        host_wait_worker(h);
    }
    session_free(&s);
}

#endif
