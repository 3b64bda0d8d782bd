/* The morphvae LV2 plugin: one instance struct shared by the plugin's files.
 *
 * Threads (LV2 threading classes):
 *  - audio (run, work_response): reads ports, follows the transport, plays the
 *    decoded bars, records the MIDI input while capturing (capture.h) or
 *    follows the chords held on it (chord_follow.h), asks
 *    the worker for what it needs next, reports parameter values. Never
 *    allocates, locks, blocks, logs or does I/O.
 *  - worker (work): loads models, MIDI anchors and captured phrases, decodes
 *    bars into the decoder's preallocated buffers, frees what the audio
 *    thread gave up, publishes the state save() stores. A host may run it inside
 *    schedule_work(), i.e. inside run() (Ardour while exporting).
 *  - main (instantiate, activate, deactivate, restore, cleanup), and save(),
 *    which may run at the same time as the audio thread and the worker: it
 *    reads only the published state (snapshot.h).
 * Who owns what is written beside each section below. The two directions
 * of the worker are messages (messages.h); the few flags they share are
 * atomics. */
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

#include "capture.h"
#include "chord_follow.h"
#include "clock.h"
#include "engine.h"
#include "messages.h"
#include "midi_out.h"
#include "snapshot.h"

#define MV_URI "https://github.com/morphvae/morphvae"
#define MV_NS MV_URI "#"

/* Port indices: must match ttl/morphvae.ttl.in. */
enum mv_port {
    PORT_CONTROL = 0, /* atom in: time:Position, patch:Set, patch:Get, MIDI (captured) */
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
    PORT_NOTIFY,      /* atom out: patch:Set reports of the parameters */
    PORT_EXACT_ENDS,  /* toggle: morph 0 and 1 play a file anchor's own notes */
    PORT_CAPTURE,     /* 0 off, 1 MIDI input -> anchor A, 2 -> anchor B */
    PORT_CHORDS,      /* 0 off, 1 follow the chords held on the MIDI input */
    PORT_CHORD_PULL,  /* 0-1: how strongly a followed melody leans to chord tones */
    PORT_FEEL,        /* 0-1: how much of a groove model's timing and dynamics is played */
    PORT_COUNT
};

/* Declared ranges of the anchor seeds (ttl/morphvae.ttl.in). */
#define MV_SEED_MAX 99999

/* URIDs, mapped once in instantiate. */
typedef struct mv_uris {
    LV2_URID atom_Blank, atom_Object, atom_Path, atom_Int, atom_Float, atom_Double,
        atom_Long, atom_String, atom_Vector, atom_URID;
    LV2_URID midi_Event;
    LV2_URID patch_Set, patch_Get, patch_property, patch_value;
    LV2_URID time_Position, time_bar, time_barBeat, time_beat, time_beatUnit,
        time_beatsPerBar, time_beatsPerMinute, time_speed;
    LV2_URID mv_model, mv_bundle_model, mv_model_checksum, mv_anchor_file[2], mv_anchor_seed[2], mv_anchor_z[2],
        mv_anchor_kind[2], mv_anchor_label[2], mv_anchor_tokens[2], mv_capture_status, mv_chord;
} mv_uris;

/* A decoded bar as the audio thread plays it. */
typedef struct mv_bar_slot {
    bool valid;
    int64_t song_bar;
    uint32_t version;        /* decode_version it was asked with */
    uint32_t engine_serial;  /* the engine that decoded it */
    uint64_t chord_key;      /* chord_key() of its chain's chords; 0: decoded without */
    uint8_t chords[MV_MAX_STEPS_PER_BAR]; /* the chord each of its steps was decoded with */
    mv_bar_steps played;
} mv_bar_slot;

/* The state key and patch property of slot s's path: the model, or an
 * anchor's MIDI file. */
static inline LV2_URID slot_path_key(const mv_uris *u, mv_slot s)
{
    return s == MV_SLOT_MODEL ? u->mv_model : u->mv_anchor_file[slot_anchor(s)];
}

/* What the host is told on the notify port (audio thread's copy, kept up to
 * date by the worker's RESP_PATH and RESP_ANCHORS): a slot's path (bit
 * MV_SLOT_BIT(s): report_path_bit), an anchor's seed, the capture status. */
enum mv_report {
    REPORT_MODEL = MV_SLOT_BIT(MV_SLOT_MODEL),
    REPORT_FILE_A = MV_SLOT_BIT(MV_SLOT_ANCHOR_A),
    REPORT_FILE_B = MV_SLOT_BIT(MV_SLOT_ANCHOR_B),
    REPORT_SEED_A = 1u << MV_N_SLOTS,
    REPORT_SEED_B = REPORT_SEED_A << 1,
    REPORT_CAPTURE = REPORT_SEED_A << 2,
    REPORT_ALL = (REPORT_CAPTURE << 1) - 1,
};

static inline uint32_t report_path_bit(mv_slot s)
{
    return MV_SLOT_BIT(s);
}

static inline uint32_t report_seed_bit(mv_slot s)
{
    return (uint32_t)REPORT_SEED_A << slot_anchor(s);
}

typedef struct mv_reported {
    char path[MV_N_SLOTS][MV_PATH_MAX]; /* by slot: the model, each anchor's file ("" : none) */
    uint32_t seed[MV_N_ANCHORS];
    char capture_status[MV_PATH_MAX]; /* what the last captured phrase became */
    uint32_t due;              /* enum mv_report bits still to send */
} mv_reported;

/* A groove model's hits waiting for their frame (run() plays a hit off the
 * grid: late within its step, or early within the step before, so a hit is
 * queued when run() reaches the start of the step before, and written when
 * the block holds its frame). A step queues at most its own hits and the
 * early ones of the next: 2 x 9; the queue holds twice as many. */
#define MV_MAX_QUEUED_HITS 64
typedef struct mv_queued_hit {
    int64_t step;     /* the hit's step */
    double offset;    /* where it sounds from that step's start, in steps (x Feel) */
    int64_t off_step; /* its note-off: the step after its own (midi_out.h) */
    uint8_t pitch, velocity;
} mv_queued_hit;

typedef struct mv_hit_queue {
    mv_queued_hit hit[MV_MAX_QUEUED_HITS];
    int n;
    /* The step whose early hits are queued already (by the step before), and
     * its instruments queued (bit i: instrument i): they play no other hit
     * at that step, even when its bar was decoded again meanwhile. */
    int64_t early_step;
    bool early_valid;
    uint32_t early_mask;
} mv_hit_queue;

/* Requests run() could not schedule (a full ring), sent again in order at
 * the start of the next run(). */
#define MV_RETRY_SLOTS 4
typedef struct mv_retry_queue {
    mv_msg msg[MV_RETRY_SLOTS];
    int head, count;
} mv_retry_queue;

/* What restore() stages for the worker (main thread -> worker). */
typedef struct mv_restore_data {
    char model_path[MV_PATH_MAX]; /* the default model when the state names none */
    mv_anchor_source anchor[MV_N_ANCHORS];
    float *anchor_z[MV_N_ANCHORS];   /* [MV_MAX_SIZE] each */
    int anchor_z_size[MV_N_ANCHORS]; /* 0: no vector stored */
    uint64_t model_checksum;      /* of the model the vectors were saved with; 0: unknown */
    int anchor_n_tokens[MV_N_ANCHORS]; /* 0: no window stored */
    int32_t anchor_tokens[MV_N_ANCHORS][MV_MAX_ANCHOR_TOKENS];
} mv_restore_data;

/* Responses the host refused (respond() failed), kept by the worker until a
 * later work() call sends them: the newest of each kind is all that matters. */
typedef struct mv_outbox {
    bool engine;        /* work_engine is not handed to run() yet */
    bool anchors;       /* RESP_ANCHORS */
    uint32_t paths;     /* RESP_PATH of the slots in this mask (MV_SLOT_BIT) */
    bool capture_status; /* RESP_CAPTURE_STATUS of capture_status */
    bool bar;           /* RESP_BAR in bar_msg */
    mv_msg_bar bar_msg;
} mv_outbox;

typedef struct mv_display mv_display; /* display_feed.h */

typedef struct mv_plugin {
    /* --- Host features (set in instantiate, read-only afterwards) --- */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    mv_uris uris;
    char default_model[MV_PATH_MAX]; /* the bundle's model.mvae */

    /* --- Ports (connect_port) --- */
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *midi_out_port, *notify_port;
    const float *port[PORT_COUNT];

    /* --- Audio thread only (and activate/restore, which never run with it) --- */
    mv_midi_out out;           /* the notes sounding and the MIDI written */
    LV2_Atom_Forge notify;     /* the notify port */
    mv_clock clock;
    const mv_engine *engine;   /* the engine bars are played with; swapped in work_response */
    mv_engine *free_list;      /* engines given up, not yet handed to the worker */
    mv_bar_slot slot[2];       /* slot[bar & 1]: the current and the next bar */
    mv_decode_params params;   /* last control values that affect decoding */
    uint32_t decode_version;   /* bumped whenever params, anchors or engine change */
    uint32_t request_in_flight; /* number of the decode request awaited; 0: none */
    uint64_t request_age;      /* frames since it was sent */
    uint64_t frames_since_refresh; /* since a stale bar was last asked again */
    uint32_t last_request;
    int64_t last_requested_bar;
    bool notes_off_pending;    /* the engine changed or the plugin was deactivated */
    mv_hit_queue hits;         /* a groove model's hits off the grid, not sounded yet */
    bool active;               /* between activate() and deactivate() */
    mv_reported reported;
    mv_retry_queue retry;
    mv_capture capture;        /* the notes of the MIDI input, while capturing */
    mv_msg capture_msg;        /* a completed phrase, on its way to the worker */
    int32_t patch_tokens[MV_MAX_ANCHOR_TOKENS]; /* a patch message's window, parsed */
    /* Chords = Follow input (chord_follow.h; also set by restore()) */
    bool chords_on;            /* the Chords control, as last read */
    mv_chord_in chord_in;      /* the notes held on the MIDI input, the chord followed */
    bool chord_pending;        /* the notes held changed since the chord was recognised */
    uint8_t chord_now;         /* what the steps to come are decoded with (transposed; 0: none) */
    mv_chord_history chord_history; /* the chord each step played was decoded with */
    uint8_t chord_window[MV_CHORD_MAX_STEPS]; /* scratch: a bar's chain of chords */

    /* --- Worker only (and instantiate, restore, cleanup) --- */
    mv_engine *work_engine;    /* the newest engine; anchors are changed here */
    mv_engine *handed_engine;  /* the last engine run() was sent */
    mv_anchor_source anchor[MV_N_ANCHORS]; /* what each anchor came from (slot_anchor) */
    mv_outbox outbox;
    char capture_status[MV_PATH_MAX]; /* the last captured phrase's outcome */
    uint32_t chords_warned;    /* the engine whose lack of chord input was logged */
    bool publish_paused;       /* a restore is staged: what save() sees is its data */
    /* A restored state's model that could not be loaded ("": none): until the
     * model or an anchor changes, save() keeps storing the restored state and
     * the host is told this path, so the session finds the model again. */
    char missing_model[MV_PATH_MAX];

    /* --- Shared --- */
    mv_snapshot saved;            /* worker/restore -> save() */
    mv_restore_data restore;      /* restore() -> worker (MSG_RESTORE) */
    atomic_bool restore_forward;  /* restore() -> run(): schedule MSG_RESTORE */
    atomic_bool outbox_waiting;   /* worker -> run(): schedule MSG_FLUSH */
    atomic_uint epoch;            /* restore() -> both: responses before it are stale */
    atomic_uint chord_saved;      /* run(), restore() -> save(): the chord followed */
    mv_display *display;          /* run() -> render(): the inline display (display_feed.h) */
} mv_plugin;

/* worker.c */
LV2_Worker_Status mv_work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, uint32_t size, const void *data);
LV2_Worker_Status mv_work_response(LV2_Handle instance, uint32_t size, const void *body);
/* Writes the worker's current state (model path, anchors) for save(). */
void worker_publish(mv_plugin *self);
/* The index of the first NaN or Inf among z[0..n), or -1 when all are finite. */
int first_nonfinite(const float *z, int n);

/* report.c: patch:Set messages on the notify port for the due reports. */
void report_write(mv_plugin *self);

/* state.c */
const void *mv_state_interface(void);

#endif
