/* The engine's insides, shared by engine.c (loading, anchors, decoding) and
 * anchor_file.c (anchors from notes) and by nothing else: the rest of the
 * plugin goes through engine.h. */
#ifndef MV_ENGINE_IMPL_H
#define MV_ENGINE_IMPL_H

#include "decoder.h"
#include "engine.h"
#include "model.h"
#include "refine.h"
#include "weights.h"

struct mv_engine {
    mv_engine_info info;                  /* first: engine_info() casts to it */
    struct mv_engine *free_next;          /* run()'s list of engines to free */
    mv_weights *weights;
    mv_model model;
    mv_decoder *decoder;
    mv_refine *refine;                    /* turns a window into its anchor z */
    size_t step_bytes;                    /* one step of the model's windows (core/window.h) */
    const float *attr_vector[MV_N_ATTRS]; /* NULL: the model lacks it */
    float attr_scale[MV_N_ATTRS];         /* std of z.v on the training data */
    const float *default_anchor[MV_N_ANCHORS]; /* anchor.a.z / anchor.b.z, or NULL */
    float *anchor_z[MV_N_ANCHORS];        /* the anchors in use, [z_size] each */
    int32_t *anchor_tokens[MV_N_ANCHORS]; /* an anchor's own window [window_tokens] */
    int anchor_has_tokens[MV_N_ANCHORS];  /* anchor_tokens holds the notes it came from */
    float *z;                             /* scratch [z_size] */
    int32_t *seq_tokens;                  /* scratch [window_tokens] */
    uint8_t *seq_bytes;                   /* roll, groove scratch [n_bars * steps_per_bar * K] */
    uint8_t *chords;                      /* the window's chords [n_bars * steps_per_bar] */
};

/* Sets anchor slot s's z (z_size floats) and its window (tokens, or NULL:
 * none) together: the one place an anchor changes. */
void engine_commit_anchor(mv_engine *e, mv_slot s, const float *z, const int32_t *tokens);

/* Whether tokens [window_tokens] is a window of the model (token classes; a
 * roll's packed bits). */
bool engine_window_ok(const mv_engine *e, const int32_t *tokens);

/* A roll [n_bars * steps_per_bar][K] <-> its packed window [window_tokens]. */
void engine_roll_pack(const mv_engine *e, const uint8_t *roll, int32_t *tokens);
void engine_roll_unpack(const mv_engine *e, const int32_t *tokens, uint8_t *roll);
/* A groove window [n_bars * steps_per_bar][MV_GROOVE_STEP_BYTES] <-> its packed
 * window [window_tokens] (MV_GROOVE_TOKEN_BYTES bytes a value). */
void engine_groove_pack(const mv_engine *e, const uint8_t *steps, int32_t *tokens);
void engine_groove_unpack(const mv_engine *e, const int32_t *tokens, uint8_t *steps);

#endif
