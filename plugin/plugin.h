/* The morphvae LV2 plugin: one instance struct shared by the plugin's files.
 *
 * Threads (LV2 threading classes):
 *  - audio (run, work_response): reads ports, follows the transport, plays the
 *    decoded bars, asks the worker for what it needs next. Never allocates,
 *    locks, blocks, logs or does I/O.
 *  - worker (work): loads models and MIDI anchors, decodes bars into the
 *    decoder's preallocated buffers, frees what the audio thread gave up.
 *  - main (instantiate, save, restore, cleanup).
 * Who owns what is written beside each section below. */
#ifndef MV_PLUGIN_H
#define MV_PLUGIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/logger.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "clock.h"
#include "engine.h"

#define MV_URI "https://github.com/morphvae/morphvae"
#define MV_NS MV_URI "#"
#define MV_PATH_MAX 1024

/* Port indices: must match ttl/morphvae.ttl.in. */
enum mv_port {
    PORT_CONTROL = 0, /* atom in: time:Position, patch:Set, MIDI (ignored) */
    PORT_MIDI_OUT,    /* atom out: the notes */
    PORT_MORPH,
    PORT_ATTR_FIRST,  /* one amount per attribute, MV_N_ATTRS of them (engine.h) */
    PORT_TEMPERATURE = PORT_ATTR_FIRST + MV_N_ATTRS,
    PORT_VARIATION,
    PORT_PHRASE_BARS,
    PORT_VELOCITY,
    PORT_CHANNEL,
    PORT_TRANSPOSE,
    PORT_KEY,
    PORT_SCALE,
    PORT_COUNT
};

/* URIDs, mapped once in instantiate. */
typedef struct mv_uris {
    LV2_URID atom_Blank, atom_Object, atom_Path, atom_Int, atom_Float, atom_Double,
        atom_Long, atom_String, atom_Chunk, atom_Vector, atom_Sequence, atom_URID, atom_eventTransfer;
    LV2_URID midi_Event;
    LV2_URID patch_Set, patch_property, patch_value;
    LV2_URID time_Position, time_bar, time_barBeat, time_beat, time_beatUnit,
        time_beatsPerBar, time_beatsPerMinute, time_speed;
    LV2_URID mv_model, mv_model_checksum, mv_anchor_file[2], mv_anchor_seed[2], mv_anchor_z[2],
        mv_anchor_kind[2], mv_anchor_label[2];
} mv_uris;

/* A decoded bar as the audio thread plays it. */
typedef struct mv_bar_slot {
    bool valid;
    int64_t song_bar;
    uint32_t version;         /* decode_version it was asked with */
    const mv_engine *engine;  /* the engine that decoded it */
    int32_t tokens[MV_MAX_STEPS_PER_BAR];
} mv_bar_slot;

/* A note the plugin has sent a note-on for and owes a note-off. */
typedef struct mv_sounding {
    uint8_t channel, pitch;
    int64_t off_step; /* step at which it ends; INT64_MAX: until the next token says */
} mv_sounding;

#define MV_MAX_SOUNDING 32

/* What the worker has pending from restore(): filled in the main thread,
 * consumed by the worker after the audio thread forwards the request. */
typedef struct mv_restore_data {
    char model_path[MV_PATH_MAX]; /* the default model when the state names none */
    mv_anchor_source anchor[2];
    float *anchor_z[2];           /* [MV_MAX_SIZE] each */
    int anchor_z_size[2];         /* 0: no vector stored */
    uint64_t model_checksum;      /* of the model the vectors were saved with; 0: unknown */
} mv_restore_data;

typedef struct mv_plugin {
    /* --- Host features (set in instantiate, read-only afterwards) --- */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    mv_uris uris;
    char default_model[MV_PATH_MAX]; /* the bundle's model.mvae */

    /* --- Ports (connect_port) --- */
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *midi_out;
    const float *port[PORT_COUNT];

    /* --- Audio thread only --- */
    LV2_Atom_Forge forge;
    mv_clock clock;
    const mv_engine *engine;   /* the engine bars are asked from; swapped in work_response */
    mv_bar_slot slot[2];       /* slot[bar & 1]: the current and the next bar */
    mv_decode_params params;   /* last control values that affect decoding */
    uint32_t decode_version;   /* bumped whenever params, anchors or engine change */
    bool decode_in_flight;
    int64_t last_requested_bar;
    bool notes_off_pending;    /* set by work_response, done at the next run() */
    mv_sounding sounding[MV_MAX_SOUNDING];
    int n_sounding;
    bool melody_sounding;      /* sounding[] holds a melody note of open length */

    /* --- Worker thread only (and instantiate/cleanup) --- */
    mv_engine *work_engine;    /* the newest engine; anchors are changed here */
    mv_anchor_source anchor[2];

    /* --- Main thread -> worker: state restore --- */
    mv_restore_data restore;
    atomic_bool restore_pending; /* set by restore(), cleared when forwarded by run() */
} mv_plugin;

/* Worker messages (audio -> worker). */
enum mv_msg_type {
    MSG_DECODE = 1,
    MSG_LOAD_MODEL,
    MSG_FREE_ENGINE,
    MSG_ANCHOR_SEED,
    MSG_ANCHOR_FILE,
    MSG_ANCHOR_VECTOR,
    MSG_RESTORE,
    /* worker -> audio */
    RESP_BAR,
    RESP_ENGINE,
    RESP_ANCHORS,
    RESP_LOAD_FAILED,
};

typedef struct mv_msg_decode {
    uint32_t type;
    uint32_t version;
    const mv_engine *engine;
    int64_t song_bar;
    mv_decode_params params;
} mv_msg_decode;

typedef struct mv_msg_engine { /* MSG_FREE_ENGINE, RESP_ENGINE */
    uint32_t type;
    mv_engine *engine;
} mv_msg_engine;

typedef struct mv_msg_anchor { /* MSG_ANCHOR_SEED, MSG_ANCHOR_FILE, MSG_LOAD_MODEL */
    uint32_t type;
    int which;      /* 0: A, 1: B */
    uint32_t seed;
    char path[MV_PATH_MAX];
} mv_msg_anchor;

/* The longest latent vector a patch message can carry (worker rings are a
 * few kilobytes); longer ones come through state or presets. */
#define MV_MAX_VECTOR_MSG 512

typedef struct mv_msg_vector { /* MSG_ANCHOR_VECTOR */
    uint32_t type;
    int which;
    uint32_t n;
    float z[MV_MAX_VECTOR_MSG];
} mv_msg_vector;

typedef struct mv_msg_bar { /* RESP_BAR */
    uint32_t type;
    uint32_t version;
    const mv_engine *engine;
    int64_t song_bar;
    int32_t tokens[MV_MAX_STEPS_PER_BAR];
} mv_msg_bar;

/* worker.c */
LV2_Worker_Status mv_work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, uint32_t size, const void *data);
LV2_Worker_Status mv_work_response(LV2_Handle instance, uint32_t size, const void *body);

/* state.c */
const void *mv_state_interface(void);


#endif
