/* Messages between the audio thread and the worker: a tagged union. Every
 * message starts with an mv_msg_head; a message is sent with its used size
 * only (msg_size), so a path or a vector costs what it holds. A new message
 * is a new type, a struct starting with mv_msg_head, a member of mv_msg, and
 * a case in msg_size and in the receiver's switch.
 * Worker rings are small (jalv: 4 KiB, size words included): every message
 * stays well below that (the largest: a 512-float vector, 2 KiB, a window of
 * 1024 tokens, 2060 bytes, a captured phrase of 256 notes, 2072 bytes, a bar
 * of 64 roll steps, 2160 bytes, and a decode request with the chords of 1024
 * steps, 1.1 KiB). */
#ifndef MV_MESSAGES_H
#define MV_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chord_follow.h"
#include "engine.h"

#define MV_PATH_MAX 1024

/* The longest latent vector a patch message can carry; longer ones come
 * through state or presets. */
#define MV_MAX_VECTOR_MSG 512

enum mv_msg_type {
    /* audio -> worker */
    MSG_DECODE = 1,    /* mv_msg_decode: decode a bar */
    MSG_LOAD_MODEL,    /* mv_msg_path (which unused) */
    MSG_FREE_ENGINES,  /* mv_msg_engine: engines run() gave up, chained (engine_list_push) */
    MSG_ANCHOR_SEED,   /* mv_msg_seed */
    MSG_ANCHOR_FILE,   /* mv_msg_path */
    MSG_ANCHOR_VECTOR, /* mv_msg_vector */
    MSG_ANCHOR_LABEL,  /* mv_msg_path: the anchor's label text */
    MSG_ANCHOR_TOKENS, /* mv_msg_tokens: the window the anchor came from */
    MSG_RESTORE,       /* mv_msg_head: apply what restore() staged */
    MSG_FLUSH,         /* mv_msg_head: send the responses a full ring refused */
    MSG_CAPTURE,       /* mv_msg_capture: a phrase captured from the MIDI input */
    /* worker -> audio */
    RESP_BAR,          /* mv_msg_bar */
    RESP_ENGINE,       /* mv_msg_engine: play this engine from now on */
    RESP_ANCHORS,      /* mv_msg_anchors: the anchors changed */
    RESP_PATH,         /* mv_msg_path: model or anchor file to report */
    RESP_CAPTURE_STATUS, /* mv_msg_path: what the last captured phrase became */
};

/* epoch: responses made before the last restore() that took effect at once
 * carry an older epoch and are dropped (worker.c). */
typedef struct mv_msg_head {
    uint32_t type;
    uint32_t epoch;
} mv_msg_head;

/* Chords (Chords = Follow input, a model with chord input): chords[i] is the
 * chord of step i of the bar's chain (the model bars from the first of its
 * repeat to song_bar, chord_follow.h), n_chords of them; 0 without chords.
 * Sent with its used chords only: 32 bytes for bar 2 of a 2-bar model. */
typedef struct mv_msg_decode {
    mv_msg_head head;
    uint32_t request; /* run()'s number for this request, echoed in the bar */
    uint32_t version; /* decode_version it was asked with */
    int64_t song_bar;
    mv_decode_params params;
    uint64_t chord_key; /* chord_key() of the chords, echoed in the bar; 0: none */
    uint32_t follow;    /* the Chords control is on (the worker says when the model cannot) */
    uint32_t n_chords;
    uint8_t chords[MV_CHORD_MAX_STEPS];
} mv_msg_decode;

/* A decoded bar: a token a step (melody, drums), for a roll model one
 * mv_roll_step a step (engine.h): two 128-bit sets, the pitches that sound and
 * the pitches struck, or for a groove model its 27-byte steps (core/groove.h).
 * Sent with its used steps only: a 16-step bar is 112 + 64 bytes of tokens,
 * 112 + 432 bytes of groove or 112 + 512 bytes of roll, the most a bar can be (64 steps
 * of roll) 2160 bytes, beside the 2 KiB vector message and well inside jalv's
 * 4 KiB ring. Fixed-size sets rather than per-step onset lists with durations:
 * no cap on the notes of a chord or a bar to choose and overflow (a step can
 * strike every pitch), the size does not depend on the music, and a note's
 * length is not known when its bar is decoded (a note held over the bar line
 * lasts as long as the next bar, decoded later and perhaps with other
 * controls, says): run() ends a note at the first step where its pitch stops
 * sounding or is struck again. */
typedef struct mv_msg_bar {
    mv_msg_head head;
    uint32_t request;
    uint32_t version;
    uint32_t engine_serial; /* the engine that decoded it (engine.h) */
    uint32_t n_steps;
    uint32_t kind;          /* enum mv_bar_kind (engine.h): what played holds */
    uint32_t reserved;
    int64_t song_bar;
    uint64_t chord_key;     /* the request's: the chords it was decoded with */
    uint8_t chords[MV_MAX_STEPS_PER_BAR]; /* the chord of each of its steps (0: none) */
    mv_bar_steps played;
} mv_msg_bar;

typedef struct mv_msg_engine {
    mv_msg_head head;
    mv_engine *engine;
} mv_msg_engine;

typedef struct mv_msg_seed {
    mv_msg_head head;
    int32_t which; /* 0: anchor A, 1: anchor B */
    uint32_t seed;
} mv_msg_seed;

/* The window an anchor came from (a preset's song): run() parses the patch
 * message's text (token_text.h) into 16-bit tokens (every model's tokens fit:
 * melody 90 classes, drums 512, a roll's and a groove's packed 16 bits), so that the longest
 * window a model can have (MV_MAX_ANCHOR_TOKENS: a roll window of 2 bars is
 * 336 tokens, 1344 characters of text) fits a message. */
typedef struct mv_msg_tokens {
    mv_msg_head head;
    int32_t which;
    uint32_t n;
    uint16_t tokens[MV_MAX_ANCHOR_TOKENS];
} mv_msg_tokens;

/* Paths and labels. which: the anchor (MSG_ANCHOR_FILE, MSG_ANCHOR_LABEL: 0 A,
 * 1 B) or the slot whose path is reported (RESP_PATH: enum mv_slot, engine.h). */
typedef struct mv_msg_path {
    mv_msg_head head;
    int32_t which;
    uint32_t length; /* bytes in text, without the NUL that follows them */
    char text[MV_PATH_MAX];
} mv_msg_path;

typedef struct mv_msg_vector {
    mv_msg_head head;
    int32_t which;
    uint32_t n;
    float z[MV_MAX_VECTOR_MSG];
} mv_msg_vector;

typedef struct mv_msg_anchors {
    mv_msg_head head;
    int32_t kind[MV_N_ANCHORS];
    uint32_t seed[MV_N_ANCHORS];
} mv_msg_anchors;

/* A captured phrase (capture.h): its notes, steps from its start (a bar
 * line), to become anchor `which`. At most MV_CAPTURE_MAX_NOTES notes: 2 KiB. */
#define MV_CAPTURE_MAX_NOTES 256

typedef mv_captured_note mv_capture_msg_note; /* engine.h */

typedef struct mv_msg_capture {
    mv_msg_head head;
    int32_t which;
    uint32_t phrase_steps; /* the model's window it was cut for */
    uint32_t dropped;      /* note-ons a full capture buffer dropped */
    uint32_t n_notes;
    mv_capture_msg_note notes[MV_CAPTURE_MAX_NOTES];
} mv_msg_capture;

typedef union mv_msg {
    mv_msg_head head;
    mv_msg_decode decode;
    mv_msg_bar bar;
    mv_msg_engine engine;
    mv_msg_seed seed;
    mv_msg_path path;
    mv_msg_vector vector;
    mv_msg_tokens tokens;
    mv_msg_anchors anchors;
    mv_msg_capture capture;
} mv_msg;

/* Bytes to send for m (its used part); 0 for an unknown type. */
static inline uint32_t msg_size(const mv_msg *m)
{
    switch (m->head.type) {
    case MSG_DECODE:
        return (uint32_t)(offsetof(mv_msg_decode, chords) + m->decode.n_chords);
    case RESP_BAR:
        return (uint32_t)(offsetof(mv_msg_bar, played) +
                          m->bar.n_steps * bar_step_bytes(m->bar.kind));
    case MSG_FREE_ENGINES:
    case RESP_ENGINE: return sizeof m->engine;
    case MSG_ANCHOR_SEED: return sizeof m->seed;
    case MSG_LOAD_MODEL:
    case MSG_ANCHOR_FILE:
    case MSG_ANCHOR_LABEL:
    case RESP_PATH:
    case RESP_CAPTURE_STATUS: return (uint32_t)offsetof(mv_msg_path, text) + m->path.length + 1;
    case MSG_ANCHOR_TOKENS:
        return (uint32_t)(offsetof(mv_msg_tokens, tokens) + m->tokens.n * sizeof(uint16_t));
    case MSG_ANCHOR_VECTOR:
        return (uint32_t)(offsetof(mv_msg_vector, z) + m->vector.n * sizeof(float));
    case RESP_ANCHORS: return sizeof m->anchors;
    case MSG_CAPTURE:
        return (uint32_t)(offsetof(mv_msg_capture, notes) +
                          m->capture.n_notes * sizeof(mv_capture_msg_note));
    case MSG_RESTORE:
    case MSG_FLUSH: return sizeof m->head;
    default: return 0;
    }
}

/* Checks that a received message of `size` bytes is whole: the size its type
 * and its own length fields say. Returns the message, or NULL. */
static inline const mv_msg *msg_check(const void *data, uint32_t size)
{
    const mv_msg *m = data;
    if (size < sizeof m->head) return NULL;
    switch (m->head.type) {
    case MSG_LOAD_MODEL:
    case MSG_ANCHOR_FILE:
    case MSG_ANCHOR_LABEL:
    case RESP_PATH:
    case RESP_CAPTURE_STATUS:
        if (size < offsetof(mv_msg_path, text) + 1 || m->path.length >= MV_PATH_MAX) return NULL;
        break;
    case MSG_ANCHOR_TOKENS:
        if (size < offsetof(mv_msg_tokens, tokens) || m->tokens.n > MV_MAX_ANCHOR_TOKENS)
            return NULL;
        break;
    case MSG_ANCHOR_VECTOR:
        if (size < offsetof(mv_msg_vector, z) || m->vector.n > MV_MAX_VECTOR_MSG) return NULL;
        break;
    case MSG_CAPTURE:
        if (size < offsetof(mv_msg_capture, notes) || m->capture.n_notes > MV_CAPTURE_MAX_NOTES)
            return NULL;
        break;
    case RESP_BAR:
        if (size < offsetof(mv_msg_bar, played) || m->bar.n_steps > MV_MAX_STEPS_PER_BAR ||
            m->bar.kind > MV_BAR_GROOVE)
            return NULL;
        break;
    case MSG_DECODE:
        if (size < offsetof(mv_msg_decode, chords) || m->decode.n_chords > MV_CHORD_MAX_STEPS)
            return NULL;
        break;
    default:
        break;
    }
    uint32_t expect = msg_size(m);
    if (!expect || size != expect) return NULL;
    bool is_path = m->head.type == MSG_LOAD_MODEL || m->head.type == MSG_ANCHOR_FILE ||
                   m->head.type == MSG_ANCHOR_LABEL || m->head.type == RESP_PATH || m->head.type == RESP_CAPTURE_STATUS;
    return is_path && m->path.text[m->path.length] != '\0' ? NULL : m;
}

#endif
