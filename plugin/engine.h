/* The plugin's engine: one loaded model (weights, bound model, decoder sized for
 * batch 1) with its two anchors and its attribute directions. Created and freed
 * in the worker (or instantiate/cleanup); decoding through it never allocates. */
#ifndef MV_ENGINE_H
#define MV_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chord_follow.h"
#include "groove.h"
#include "hparams.h"

#define MV_MAX_STEPS_PER_BAR 64 /* the plugin plays models with up to 64 steps a bar */
#define MV_MAX_PHRASE_BARS 16
/* An anchor's own notes are kept (and saved) for windows of at most this many steps. */
#define MV_MAX_ANCHOR_TOKENS (MV_MAX_PHRASE_BARS * MV_MAX_STEPS_PER_BAR)

/* A piano-roll model's window as an anchor keeps it (engine_window_tokens): the
 * roll's bytes [T][K] (each 0 or 1) packed 16 to an int32 "token", bit b of
 * token i being byte 16 i + b of the roll, the unused bits of the last token
 * 0. So the window travels and is saved exactly as a token model's window is
 * (4 hex digits a token, token_text.h): 336 tokens for a 2-bar roll model of
 * 84 pitches. */
#define MV_ROLL_TOKEN_BITS 16
/* A groove model's window as an anchor keeps it: the window's bytes
 * [T][MV_GROOVE_STEP_BYTES] (core/groove.h: hits, velocities, offsets)
 * packed two to a 16-bit "token", byte 2 i in the low byte of token i and
 * byte 2 i + 1 in its high byte, the unused high byte of the last token 0:
 * 432 tokens for a 2-bar groove model, travelling and saved as a roll's. */
#define MV_GROOVE_TOKEN_BYTES 2
/* A roll model plays pitches min_pitch + p for p < MV_ROLL_MAX_PITCHES. */
#define MV_ROLL_MAX_PITCHES 128

/* One step of a roll model's decoded bar as run() plays it: bit p of sounds
 * (starts) says that model pitch min_pitch + p sounds (is struck) at the step.
 * 32 bytes a step, whatever the polyphony (plugin/messages.h says why). */
typedef struct mv_roll_step {
    uint64_t sounds[2], starts[2];
} mv_roll_step;

/* A decoded bar as run() plays it: a token a step (melody, drums), a roll
 * model's steps, or a groove model's steps as core/groove.h has them (each
 * instrument's hit, velocity and offset from the grid). */
typedef union mv_bar_steps {
    int32_t tokens[MV_MAX_STEPS_PER_BAR];
    mv_roll_step roll[MV_MAX_STEPS_PER_BAR];
    uint8_t groove[MV_MAX_STEPS_PER_BAR][MV_GROOVE_STEP_BYTES];
} mv_bar_steps;

/* What a step of a decoded bar holds (mv_bar_steps), by representation. */
enum mv_bar_kind { MV_BAR_TOKENS = 0, MV_BAR_ROLL = 1, MV_BAR_GROOVE = 2 };

static inline uint32_t bar_kind_of(uint32_t repr)
{
    return repr == MV_REPR_ROLL ? MV_BAR_ROLL : repr == MV_REPR_GROOVE ? MV_BAR_GROOVE
                                                                       : MV_BAR_TOKENS;
}

/* Bytes of one step of a bar of that kind. */
static inline uint32_t bar_step_bytes(uint32_t kind)
{
    return kind == MV_BAR_ROLL     ? (uint32_t)sizeof(mv_roll_step)
           : kind == MV_BAR_GROOVE ? (uint32_t)MV_GROOVE_STEP_BYTES
                                   : (uint32_t)sizeof(int32_t);
}

static inline int roll_bit(const uint64_t *bits, int p)
{
    return (int)((bits[p >> 6] >> (p & 63)) & 1u);
}

/* The fixed set of attribute ports; a model without the attribute ignores it. */
enum mv_attr { ATTR_DENSITY, ATTR_REGISTER, ATTR_RANGE, ATTR_SYNCOPATION, MV_N_ATTRS };

/* Control values that change what is decoded (not how it is played). */
typedef struct mv_decode_params {
    float morph;                /* 0: anchor A, 1: anchor B (slerp) */
    float attr[MV_N_ATTRS];     /* standard deviations along each attribute */
    float temperature;          /* 0: greedy */
    int32_t variation;          /* sampling seed */
    int32_t phrase_bars;        /* bars before the phrase repeats; 0: the model's n_bars */
    int32_t exact_ends;         /* 1: morph 0 or 1 plays an anchor's own notes when it has them */
    float chord_pull;           /* 0-1: melody note-ons lean to the followed chords' tones
                                   (core/chord_steer.h's Chord pull) */
} mv_decode_params;

/* Where an anchor came from; decides how it is rebuilt for a new model. */
enum mv_anchor_kind {
    ANCHOR_DEFAULT = 0, /* the model's anchor.a.z / anchor.b.z (prior seed 1/2 without) */
    ANCHOR_SEED = 1,    /* z drawn from the prior N(0, I) with seed */
    ANCHOR_FILE = 2,    /* a MIDI file's first varied window (else first usable), refined */
    ANCHOR_VECTOR = 3,  /* a stored latent vector (preset, state) */
    ANCHOR_CAPTURE = 4, /* a phrase captured from the MIDI input, refined from mu;
                           its window is kept (and re-encoded for another model) */
};

typedef struct mv_anchor_source {
    int32_t kind;
    uint32_t seed;
    char path[1024];  /* ANCHOR_FILE: the MIDI file */
    char label[256];  /* what the user sees: "seed 7", a file name, a preset's text */
} mv_anchor_source;

/* The engine's slots: its model and its two anchors. What the plugin keeps
 * per slot (state keys, reported paths, pending responses) is indexed by
 * them, and sets of slots are masks of MV_SLOT_BIT. */
typedef enum mv_slot {
    MV_SLOT_MODEL = 0,
    MV_SLOT_ANCHOR_A = 1,
    MV_SLOT_ANCHOR_B = 2,
    MV_N_SLOTS
} mv_slot;
#define MV_N_ANCHORS 2
#define MV_SLOT_BIT(s) (1u << (s))
#define MV_SLOTS_ANCHORS (MV_SLOT_BIT(MV_SLOT_ANCHOR_A) | MV_SLOT_BIT(MV_SLOT_ANCHOR_B))
#define MV_SLOTS_ALL (MV_SLOT_BIT(MV_SLOT_MODEL) | MV_SLOTS_ANCHORS)

/* Anchor `which` (0: A, 1: B, as messages, ports and the state number them)
 * as a slot, and back. */
static inline mv_slot anchor_slot(int which)
{
    return (mv_slot)(MV_SLOT_ANCHOR_A + (which & 1));
}
static inline int slot_anchor(mv_slot s)
{
    return (int)s - MV_SLOT_ANCHOR_A;
}
/* 'A' or 'B', for messages. */
static inline char slot_letter(mv_slot s)
{
    return (char)('A' + slot_anchor(s));
}

/* An engine is opaque: what its model is can be read (engine_info), its
 * anchors are changed only through the engine_anchor_* functions below, and
 * everything else is engine.c's and anchor_file.c's (engine_impl.h). */
typedef struct mv_engine mv_engine;

/* What an engine's model is: fixed by engine_load, read-only. */
typedef struct mv_engine_info {
    char path[1024];
    uint32_t serial;                      /* unique per load: names the engine in messages */
    int z_size, steps_per_bar, n_bars;
    uint32_t repr, min_pitch, n_classes;
    int n_pitches;                        /* roll: K / 2; token models: 0 */
    int window_tokens;                    /* int32 values in an anchor's window, below */
    uint32_t bar_kind;                    /* enum mv_bar_kind of its decoded bars */
    int chords;                           /* 1: the model follows chords (a chord input, a
                                             window of at most MV_CHORD_MAX_STEPS) */
} mv_engine_info;

/* The info is the engine's first member (engine_impl.h): no call, no lock,
 * safe on the audio thread. */
static inline const mv_engine_info *engine_info(const mv_engine *e)
{
    return (const mv_engine_info *)(const void *)e;
}

/* Int32 values in an anchor's window: a token a step (melody, drums), the
 * packed roll (MV_ROLL_TOKEN_BITS a value) of a roll model, or the packed
 * steps (MV_GROOVE_TOKEN_BYTES a value) of a groove model. */
static inline int engine_window_tokens(const mv_engine *e)
{
    return engine_info(e)->window_tokens;
}

/* Reads and checks a model file for the plugin. NULL with a message naming the
 * file and the problem in err (a directory, a FIFO or a device is refused
 * before anything could block on it). Anchors start as the model's defaults. */
mv_engine *engine_load(const char *path, char *err, size_t errlen);
void engine_free(mv_engine *e);
/* Whether engine_load would take the model file, without keeping it: 0, or
 * -1 with engine_load's message in err. */
int engine_check_model(const char *path, char *err, size_t errlen);

/* The model's hyperparameters, and its payload checksum (weights.h). */
const mv_hparams *engine_hparams(const mv_engine *e);
uint64_t engine_checksum(const mv_engine *e);

/* Whether a window of a's means the same notes to b (same representation,
 * length and pitches), so an anchor's window can go from one to the other. */
bool engine_windows_match(const mv_engine *a, const mv_engine *b);

/* Engines run() has given up, chained until the worker frees them: push
 * (no allocation, the audio thread may) and walk the chain. */
void engine_list_push(mv_engine **list, mv_engine *e);
mv_engine *engine_list_next(const mv_engine *e);

/* ---- Anchors (s: MV_SLOT_ANCHOR_A or MV_SLOT_ANCHOR_B). Each call that
 * succeeds sets the anchor's z and the window it came from together (or
 * forgets the window when it has none); one that fails leaves the anchor as
 * it was. The window is kept only when it fits MV_MAX_ANCHOR_TOKENS. */

/* The model's anchor.a.z / anchor.b.z (prior seed 1 / 2 without); no window. */
void engine_anchor_default(mv_engine *e, mv_slot s);
/* z drawn from the prior N(0, I) with seed; no window. */
void engine_anchor_seed(mv_engine *e, mv_slot s, uint32_t seed);

/* The first varied window of a MIDI file (core/phrase_variety.h; else its
 * first usable one) (a roll model: of its PIANO track, else of all its tracks
 * but the drums, as `morphvae data --repr roll` cuts them; a drum or groove
 * model: channel 10, a groove window keeping each hit's velocity and
 * distance from the grid as `morphvae data --repr groove` does), encoded to mu and
 * refined (core/refine.h, MV_REFINE_DEFAULT_STEPS Adam steps at most; the
 * README's measured tables give the time) so that z decodes back to the
 * window. *bar (if not NULL) gets the bar (from 0) the window starts at.
 * Returns 0, or -1 with a message in err (unreadable file, no usable window). */
int engine_anchor_from_file(mv_engine *e, mv_slot s, const char *path, uint32_t *bar,
                            char *err, size_t errlen);

/* A note of a phrase captured from the MIDI input: steps from the phrase's
 * start (a bar line of the model's bars). */
typedef struct mv_captured_note {
    uint16_t step, length; /* step in the phrase; length >= 1, ending within it */
    uint8_t pitch, velocity;
    int8_t offset;         /* where the note-on came from its step, in 1/128 step
                              (core/groove.h's offset byte, -64..63) */
    uint8_t reserved;
} mv_captured_note;

/* A captured phrase of the model's length, made into a MIDI file of one
 * voice (channel 10 for a drum or groove model) on a grid of one tick a 16th
 * (a groove model: 128 ticks a 16th, each note-on at its offset, so that the
 * window keeps how it was played) and cut, encoded and refined exactly as a
 * file's window (notes that do not end within the phrase are left out);
 * `what` names it in messages. Returns 0, or -1 with a message in err. */
int engine_anchor_from_capture(mv_engine *e, mv_slot s, const mv_captured_note *notes,
                               uint32_t n_notes, const char *what, char *err, size_t errlen);

/* A window of the model's length (tokens [n], n = engine_window_tokens; a
 * roll's packed, above), refined from mu as a file's window. Returns 0, or -1
 * when n is not the model's or a value is outside the model's classes (a
 * roll: above 16 bits or a bit set past the roll). */
int engine_anchor_from_window(mv_engine *e, mv_slot s, const int32_t *tokens, int n);

/* A stored vector z [n], with the window it came from (tokens [n_tokens], or
 * NULL), kept when it fits the model (else forgotten). Returns 0, or -1 when
 * n is not the model's z_size or a value is not finite. */
int engine_anchor_from_vector(mv_engine *e, mv_slot s, const float *z, int n,
                              const int32_t *tokens, int n_tokens);

/* Only the window the anchor's vector came from (a preset's notes): the
 * anchor's z is kept. Returns 0, or -1 (and the anchor keeps no window) when
 * the window does not fit the model. */
int engine_anchor_set_window(mv_engine *e, mv_slot s, const int32_t *tokens, int n);

/* The anchor's z [z_size], and its window [window_tokens] or NULL. */
const float *engine_anchor_z(const mv_engine *e, mv_slot s);
const int32_t *engine_anchor_window(const mv_engine *e, mv_slot s);

/* ---- Decoding (worker) */

/* Decodes song bar `song_bar` for params: the phrase bar is song_bar mod
 * phrase_bars; it is bar (phrase bar mod n_bars) of a sequence sampled with a
 * seed made of the variation and which repeat of the model's bars it is, each
 * bar chained on the last step of the bar before, so the result depends on
 * nothing but its arguments. With exact_ends, morph exactly 0 (1) and every
 * attribute amount 0, an anchor A (B) that has its window plays the window
 * itself. out gets steps_per_bar tokens, or for a roll model steps_per_bar
 * roll steps, each normalised against the one before it in the phrase (the
 * first step of model bar 0 against none), or for a groove model
 * steps_per_bar groove steps. chords (a model with info.chords;
 * NULL: none) are the chords of the chain's steps from the first step of its
 * model bar 0, n_chords of them (the steps past them have none); a model
 * without chord input ignores them. No allocation. */
void engine_decode_bar(mv_engine *e, const mv_decode_params *p, int64_t song_bar,
                       const uint8_t *chords, int n_chords, mv_bar_steps *out);

/* Which bar of the model's sequence song bar `song_bar` plays (0 .. n_bars-1):
 * its chain is that many bars before it and itself. No allocation, no lock. */
int engine_model_bar(const mv_engine *e, const mv_decode_params *p, int64_t song_bar);

/* Bars before the phrase repeats: the control's value, or the model's n_bars
 * for 0 (the control's default). */
int engine_phrase_bars(const mv_engine *e, const mv_decode_params *p);

#endif
