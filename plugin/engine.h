/* The plugin's engine: one loaded model (weights, bound model, decoder sized for
 * batch 1) with its two anchors and its attribute directions. Created and freed
 * in the worker (or instantiate/cleanup); decoding through it never allocates. */
#ifndef MV_ENGINE_H
#define MV_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "hparams.h"
#include "midi_events.h"
#include "model.h"
#include "refine.h"
#include "weights.h"

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
/* A roll model plays pitches min_pitch + p for p < MV_ROLL_MAX_PITCHES. */
#define MV_ROLL_MAX_PITCHES 128

/* One step of a roll model's decoded bar as run() plays it: bit p of sounds
 * (starts) says that model pitch min_pitch + p sounds (is struck) at the step.
 * 32 bytes a step, whatever the polyphony (plugin/messages.h says why). */
typedef struct mv_roll_step {
    uint64_t sounds[2], starts[2];
} mv_roll_step;

/* A decoded bar as run() plays it: a token a step (melody, drums), or a roll
 * model's steps. */
typedef union mv_bar_steps {
    int32_t tokens[MV_MAX_STEPS_PER_BAR];
    mv_roll_step roll[MV_MAX_STEPS_PER_BAR];
} mv_bar_steps;

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

typedef struct mv_engine {
    char path[1024];
    uint32_t serial;                      /* unique per load: names the engine in messages */
    struct mv_engine *free_next;          /* run()'s list of engines to free */
    mv_weights *weights;
    mv_model model;
    mv_decoder *decoder;
    mv_refine *refine;                    /* turns a file's window into its anchor z */
    int z_size, steps_per_bar, n_bars;
    uint32_t repr, min_pitch, n_classes;
    int n_pitches;                        /* roll: K / 2; token models: 0 */
    int window_tokens;                    /* engine_window_tokens */
    size_t step_bytes;                    /* one step of the model's windows (core/window.h) */
    const float *attr_vector[MV_N_ATTRS]; /* NULL: the model lacks it */
    float attr_scale[MV_N_ATTRS];         /* std of z.v on the training data */
    const float *default_anchor[2];       /* anchor.a.z / anchor.b.z, or NULL */
    float *anchor_z[2];                   /* the anchors in use, [z_size] each */
    int32_t *anchor_tokens[2];            /* an anchor's own window [window_tokens] */
    int anchor_has_tokens[2];             /* anchor_tokens holds the notes it came from */
    float *z;                             /* scratch [z_size] */
    int32_t *seq_tokens;                  /* scratch [window_tokens] */
    uint8_t *seq_roll;                    /* roll scratch [n_bars * steps_per_bar * K] */
    uint32_t seq_bar;                     /* bar (from 0) where the window encoded last starts */
} mv_engine;

/* Int32 values in an anchor's window: a token a step (melody, drums), or the
 * packed roll (MV_ROLL_TOKEN_BITS a value) of a roll model. */
static inline int engine_window_tokens(const mv_engine *e)
{
    return e->window_tokens;
}

/* Reads and checks a model file for the plugin. NULL with a message naming the
 * file and the problem in err (a directory, a FIFO or a device is refused
 * before anything could block on it). Anchors start as the model's defaults. */
mv_engine *engine_load(const char *path, char *err, size_t errlen);
void engine_free(mv_engine *e);

/* Fills z (z_size floats) for an anchor source; the file kind is done by
 * engine_encode_file. */
void engine_anchor_from_seed(const mv_engine *e, uint32_t seed, float *z);
void engine_anchor_default(const mv_engine *e, int which, float *z);

/* Encodes the first varied window of a MIDI file (core/phrase_variety.h; else
 * its first usable one) (a roll model: of its PIANO
 * track, else of all its tracks but the drums, as `morphvae data --repr roll`
 * cuts them) and refines mu (core/refine.h, MV_REFINE_DEFAULT_STEPS Adam steps
 * at most: 0.26 s for the shipped melody model on one core, bench/refine) so
 * that z decodes back to the
 * window; the window's tokens are left in e->seq_tokens. Returns 0, or -1
 * with a message in err (unreadable file, no usable window). */
int engine_encode_file(mv_engine *e, const char *path, float *z, char *err, size_t errlen);

/* The same for notes already read (a MIDI file, a captured phrase); `what`
 * names them in messages. */
int engine_encode_midi(mv_engine *e, const mv_midi_file *f, const char *what, float *z,
                       char *err, size_t errlen);

/* z for a window of the model's length (tokens [window_tokens]; a roll's
 * packed, below), as for a file's window: refined from mu. Returns 0, or -1
 * when a token is outside the model's classes. */
int engine_encode_window(mv_engine *e, const int32_t *tokens, float *z);

/* Keeps the window an anchor came from (tokens [window_tokens]), or forgets it
 * (tokens NULL, or a window longer than MV_MAX_ANCHOR_TOKENS or with a token
 * outside the model's classes; a roll: a value above 16 bits or a bit set
 * past the roll). */
void engine_set_anchor_tokens(mv_engine *e, int which, const int32_t *tokens);

/* Decodes song bar `song_bar` for params: the phrase bar is song_bar mod
 * phrase_bars; it is bar (phrase bar mod n_bars) of a sequence sampled with a
 * seed made of the variation and which repeat of the model's bars it is, each
 * bar chained on the last step of the bar before, so the result depends on
 * nothing but its arguments. With exact_ends, morph exactly 0 (1) and every
 * attribute amount 0, an anchor A (B) that has its window plays the window
 * itself. out gets steps_per_bar tokens, or for a roll model steps_per_bar
 * roll steps, each normalised against the one before it in the phrase (the
 * first step of model bar 0 against none). No allocation. */
void engine_decode_bar(mv_engine *e, const mv_decode_params *p, int64_t song_bar,
                       mv_bar_steps *out);

/* Bars before the phrase repeats: the control's value, or the model's n_bars
 * for 0 (the control's default). */
int engine_phrase_bars(const mv_engine *e, const mv_decode_params *p);

/* A roll [n_bars * steps_per_bar][K] <-> its packed window [window_tokens]. */
void engine_roll_pack(const mv_engine *e, const uint8_t *roll, int32_t *tokens);
void engine_roll_unpack(const mv_engine *e, const int32_t *tokens, uint8_t *roll);

#endif
