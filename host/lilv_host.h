/* A small offline LV2 host for morphvae, built on lilv: loads the real plugin
 * bundle, feeds it transport, patch and MIDI messages, runs blocks and hands back the
 * MIDI it writes and the patch:Set messages it reports. The plugin tests, the
 * benchmark, the presets generator and `morphvae demo` use it.
 *
 * The worker runs in one of the ways real hosts run it (host_set_worker_mode):
 * after run() in the host's thread (the default, deterministic), inside
 * schedule_work() with the response delivered inside respond() (Ardour while
 * exporting), or in a second thread with random delays (jalv, Ardour live).
 * Any of them can refuse every nth schedule_work()/respond() call with
 * LV2_WORKER_ERR_NO_SPACE, as a full ring does. */
#ifndef MV_LILV_HOST_H
#define MV_LILV_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lv2/state/state.h>

#define MV_PLUGIN_URI "https://github.com/morphvae/morphvae"
#define MV_PLUGIN_NS MV_PLUGIN_URI "#"

typedef struct mv_host mv_host;

/* One MIDI message the plugin wrote in a block (the plugin's own note writer
 * is plugin/midi_out.h's mv_midi_out). */
typedef struct mv_host_midi_event {
    uint32_t frame;  /* within the block */
    uint8_t msg[3];
} mv_host_midi_event;

typedef enum mv_worker_mode {
    HOST_WORKER_AFTER_RUN,   /* requests served right after run(), responses delivered then */
    HOST_WORKER_IN_SCHEDULE, /* work() inside schedule_work(), work_response() inside respond() */
    HOST_WORKER_THREAD,      /* a second thread, random delays; responses delivered after run() */
} mv_worker_mode;

/* Loads the bundle in bundle_dir (only it: the system LV2 path is not searched)
 * and instantiates the plugin at rate for blocks of up to max_block frames.
 * NULL with the reason in err. */
mv_host *host_open(const char *bundle_dir, double rate, uint32_t max_block, char *err,
                   size_t errlen);
void host_close(mv_host *h);

/* Also loads another bundle (e.g. the presets) into the same world. */
int host_load_bundle(mv_host *h, const char *bundle_dir);

/* How the worker runs; seed drives the thread's random delays. Call before the
 * first host_run. */
void host_set_worker_mode(mv_host *h, mv_worker_mode mode, uint64_t seed);
/* Every nth schedule_work() / respond() call fails with LV2_WORKER_ERR_NO_SPACE
 * (0: none fails). */
void host_fail_worker_calls(mv_host *h, int schedule_every, int respond_every);
/* Thread mode: the audio thread waits for the worker before a run() when a
 * request has waited more than max_lag frames of audio (0: never waits): a
 * worker never later than that, whatever the load on the machine. */
void host_set_worker_lag(mv_host *h, int64_t max_lag);
/* Returns once the worker has nothing left to do and its responses have been
 * delivered (the caller's thread acts as the audio thread). */
void host_wait_worker(mv_host *h);
/* Thread mode: returns once the worker has done every request, leaving its
 * responses queued (a host that deactivates before delivering them). */
void host_finish_work(mv_host *h);
/* Bytes the next blocks give the plugin for its MIDI output (the atom
 * buffer's capacity); 0 restores the default 64 KiB. */
void host_set_output_capacity(mv_host *h, uint32_t bytes);

/* Control ports by symbol. Returns -1 if there is no such port. */
int host_set_control(mv_host *h, const char *symbol, float value);
float host_get_control(mv_host *h, const char *symbol);

/* Messages for the next host_run, at a frame within that block (in order). */
void host_send_position(mv_host *h, uint32_t frame, double bar, double bar_beat, double bpm,
                        double speed);
/* A time:Position with any subset of fields (NAN: left out); numbers are
 * sent as atom:Double when as_double, else as atom:Float (bar as atom:Long). */
typedef struct mv_position {
    double bar, bar_beat, beats_per_bar, beat_unit, bpm, speed;
    bool as_double;
} mv_position;
void host_send_position_fields(mv_host *h, uint32_t frame, const mv_position *p);
void host_send_path(mv_host *h, uint32_t frame, const char *property_uri, const char *path);
void host_send_string(mv_host *h, uint32_t frame, const char *property_uri, const char *text);
/* A string atom of exactly length bytes (a NUL among them too), as a careless
 * host or UI might send one. */
void host_send_bytes(mv_host *h, uint32_t frame, const char *property_uri, const char *bytes,
                     uint32_t length);
void host_send_int(mv_host *h, uint32_t frame, const char *property_uri, int32_t value);
void host_send_double(mv_host *h, uint32_t frame, const char *property_uri, double value);
void host_send_vector(mv_host *h, uint32_t frame, const char *property_uri, const float *v,
                      uint32_t n);
/* A MIDI message (size bytes, e.g. a 3-byte note-on) for the plugin's atom
 * input, as a host passes a track's notes. */
void host_send_midi(mv_host *h, uint32_t frame, const uint8_t *msg, uint32_t size);
/* patch:Get of one property, or of all (property_uri NULL). */
void host_send_get(mv_host *h, uint32_t frame, const char *property_uri);

/* Runs one block (n <= max_block), serves the worker, delivers its responses.
 * The MIDI written lands in out[0..*n_out) (at most max_out). Returns 0, or -1
 * if an output was not a valid sequence (an event past its end, an event out
 * of the block, an event of the wrong size). */
int host_run(mv_host *h, uint32_t n, mv_host_midi_event *out, int max_out, int *n_out);

/* The inline display (Ardour's extension, plugin/lv2_inline_display.h): how
 * often run() asked for a redraw (the host offers queue_draw as Ardour does),
 * and the picture render() gives for width w and at most max_h rows: ARGB32
 * pixels, *height rows of *stride_px, valid until the next render; NULL when
 * the plugin gives none. */
int host_queue_draw_count(const mv_host *h);
const uint32_t *host_render_inline(mv_host *h, uint32_t w, uint32_t max_h, int *width,
                                   int *height, int *stride_px);

void host_activate(mv_host *h);
void host_deactivate(mv_host *h);

/* Called with in_plugin true right before and false right after the
 * plugin's own code runs in the audio thread: run() (is_run true) and
 * work_response() (is_run false); work() run inside schedule_work() is
 * outside (the hook is called around it as if run() returned and resumed). */
void host_set_run_hook(mv_host *h, void (*hook)(bool in_plugin, bool is_run));
/* Called with true right before and false right after every call of the
 * plugin's work(), in the thread that makes it (the host's, or the worker
 * thread's in the thread mode), whatever the worker mode. */
void host_set_work_hook(mv_host *h, void (*hook)(bool in_work));

/* Everything the plugin logged so far (NUL-terminated; valid until the next
 * host_log call), and clearing it. */
const char *host_log(mv_host *h);
void host_clear_log(mv_host *h);

/* The value of the last patch:Set the plugin sent for property_uri on its
 * outputs, as text (a path, a string, an integer in decimal); NULL if none
 * came. host_report_count: patch:Set messages received so far. */
const char *host_reported(mv_host *h, const char *property_uri);
int host_report_count(const mv_host *h);

uint32_t host_map(mv_host *h, const char *uri);

/* State through lilv: the opaque handle is a LilvState. */
void *host_save_state(mv_host *h);
/* Restores a state; restore() gets the host's work:schedule among its
 * features (as jalv and Ardour give it) unless with_schedule is false. */
int host_restore_state(mv_host *h, void *state);
int host_restore_state_features(mv_host *h, void *state, bool with_schedule);
/* Calls the plugin's save() directly with store (any thread may call it). */
int host_call_save(mv_host *h, LV2_State_Store_Function store, void *handle);
/* Calls the plugin's restore() directly with retrieve, as a host that keeps
 * the values itself does (Carla), with the host's features. Returns what
 * restore() returned (an LV2_State_Status: 0 success), or -1 without state. */
int host_call_restore(mv_host *h, LV2_State_Retrieve_Function retrieve, void *handle);
/* Same Turtle (vectors are stored as exact bytes, so this compares values). */
bool host_states_equal(mv_host *h, void *a, void *b);
void host_free_state(void *state);
/* The state as Turtle (malloc'ed; free it), for messages when states differ. */
char *host_state_string(mv_host *h, void *state);
/* Writes the plugin's current state as a preset labelled label into the bundle
 * directory dir (file name.ttl, URI MV_PLUGIN_NS "preset_" + name with '-'
 * written '_'); lilv writes/updates the bundle's manifest. */
int host_save_preset(mv_host *h, const char *dir, const char *name, const char *label);
/* URIs of the plugin's presets (from loaded bundles); count returned. */
int host_preset_count(mv_host *h);
const char *host_preset_uri(mv_host *h, int i);
const char *host_preset_label(mv_host *h, int i);
int host_load_preset(mv_host *h, const char *uri);

#endif
