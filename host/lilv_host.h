/* A small offline LV2 host for morphvae, built on lilv: loads the real plugin
 * bundle, feeds it transport and patch messages, runs blocks and hands back the
 * MIDI it writes. The plugin tests, the benchmark and `morphvae demo` use it.
 *
 * The worker runs in the host's thread but never inside run(): requests made
 * during run() are served right after it returns, then their responses are
 * delivered, then the next run() may start (what a worker thread does, made
 * deterministic). */
#ifndef MV_LILV_HOST_H
#define MV_LILV_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MV_PLUGIN_URI "https://github.com/morphvae/morphvae"
#define MV_PLUGIN_NS MV_PLUGIN_URI "#"

typedef struct mv_host mv_host;

typedef struct mv_midi_out {
    uint32_t frame;  /* within the block */
    uint8_t msg[3];
} mv_midi_out;

/* Loads the bundle in bundle_dir (only it: the system LV2 path is not searched)
 * and instantiates the plugin at rate for blocks of up to max_block frames.
 * NULL with the reason in err. */
mv_host *host_open(const char *bundle_dir, double rate, uint32_t max_block, char *err,
                   size_t errlen);
void host_close(mv_host *h);

/* Also loads another bundle (e.g. the presets) into the same world. */
int host_load_bundle(mv_host *h, const char *bundle_dir);

/* Control ports by symbol. Returns -1 if there is no such port. */
int host_set_control(mv_host *h, const char *symbol, float value);
float host_get_control(mv_host *h, const char *symbol);

/* Messages for the next host_run, at a frame within that block (in order). */
void host_send_position(mv_host *h, uint32_t frame, double bar, double bar_beat, double bpm,
                        double speed);
void host_send_path(mv_host *h, uint32_t frame, const char *property_uri, const char *path);
void host_send_int(mv_host *h, uint32_t frame, const char *property_uri, int32_t value);
void host_send_vector(mv_host *h, uint32_t frame, const char *property_uri, const float *v,
                      uint32_t n);

/* Runs one block (n <= max_block), serves the worker, delivers its responses.
 * The MIDI written lands in out[0..*n_out) (at most max_out). Returns 0, or -1
 * if the plugin's output was not a valid sequence. */
int host_run(mv_host *h, uint32_t n, mv_midi_out *out, int max_out, int *n_out);

void host_activate(mv_host *h);
void host_deactivate(mv_host *h);

/* Called with true right before and false right after the plugin's run(). */
void host_set_run_hook(mv_host *h, void (*hook)(bool in_run));

/* Everything the plugin logged so far (NUL-terminated), and clearing it. */
const char *host_log(const mv_host *h);
void host_clear_log(mv_host *h);

/* State through lilv: the opaque handle is a LilvState. */
void *host_save_state(mv_host *h);
int host_restore_state(mv_host *h, void *state);
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
