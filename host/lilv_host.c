#include "lilv_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/presets/presets.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#define ATOM_BUFFER_BYTES (64 * 1024)
#define QUEUE_LEN 256
#define MESSAGE_MAX 8192
#define MAX_PORTS 64
#define MAX_PRESETS 256

/* ------------------------------------------------------------ URID map */

typedef struct urid_table {
    char **uris;
    uint32_t n, cap;
} urid_table;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    urid_table *t = handle;
    for (uint32_t i = 0; i < t->n; i++)
        if (!strcmp(t->uris[i], uri)) return i + 1;
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 64;
        char **grown = realloc(t->uris, cap * sizeof *grown);
        if (!grown) return 0;
        t->uris = grown;
        t->cap = cap;
    }
    t->uris[t->n] = strdup(uri);
    return t->uris[t->n] ? ++t->n : 0;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
    urid_table *t = handle;
    return urid >= 1 && urid <= t->n ? t->uris[urid - 1] : NULL;
}

/* One map for the process, as in a real host: states (which hold URIDs) then
 * move between instances. It lives as long as the process. */
static urid_table process_urids;

/* ------------------------------------------------------------ worker queues */

typedef struct message_queue {
    uint32_t size[QUEUE_LEN];
    uint64_t data[QUEUE_LEN][MESSAGE_MAX / 8];
    int head, count;
} message_queue;

static bool queue_push(message_queue *q, uint32_t size, const void *data)
{
    if (q->count == QUEUE_LEN || size > MESSAGE_MAX) return false;
    int i = (q->head + q->count) % QUEUE_LEN;
    q->size[i] = size;
    memcpy(q->data[i], data, size);
    q->count++;
    return true;
}

/* ------------------------------------------------------------ host */

struct mv_host {
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *instance;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Worker_Schedule schedule;
    LV2_Log_Log log;
    LV2_Feature f_map, f_unmap, f_schedule, f_log;
    const LV2_Feature *features[5];
    const LV2_Worker_Interface *worker;

    uint32_t n_ports, max_block;
    float values[MAX_PORTS];
    uint32_t control_in, midi_out;
    uint64_t *in_buf, *out_buf;
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame seq_frame;
    void (*run_hook)(bool in_run);

    message_queue requests, responses;
    char *log_text;
    size_t log_len, log_cap;

    LV2_URID atom_Chunk, atom_Path, atom_Float, midi_Event, time_Position, time_bar,
        time_barBeat, time_beatUnit, time_beatsPerBar, time_beatsPerMinute, time_speed,
        patch_Set, patch_property, patch_value;

    int n_presets;
    char *preset_uri[MAX_PRESETS];
    char *preset_label[MAX_PRESETS];
};

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void *data)
{
    mv_host *h = handle;
    return queue_push(&h->requests, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void *data)
{
    mv_host *h = handle;
    return queue_push(&h->responses, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

/* Serves the worker until nothing is pending: requests, then responses
 * (which may schedule more, e.g. freeing a replaced model). */
static void serve_worker(mv_host *h)
{
    if (!h->worker) return;
    LV2_Handle handle = lilv_instance_get_handle(h->instance);
    while (h->requests.count || h->responses.count) {
        while (h->requests.count) {
            message_queue *q = &h->requests;
            int i = q->head;
            q->head = (q->head + 1) % QUEUE_LEN;
            q->count--;
            h->worker->work(handle, respond, h, q->size[i], q->data[i]);
        }
        while (h->responses.count) {
            message_queue *q = &h->responses;
            int i = q->head;
            q->head = (q->head + 1) % QUEUE_LEN;
            q->count--;
            h->worker->work_response(handle, q->size[i], q->data[i]);
        }
    }
    if (h->worker->end_run) h->worker->end_run(handle);
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    (void)type;
    mv_host *h = handle;
    char line[2048];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0) return n;
    size_t len = strlen(line);
    if (h->log_len + len + 1 > h->log_cap) {
        size_t cap = (h->log_len + len + 1) * 2;
        char *grown = realloc(h->log_text, cap);
        if (!grown) return 0;
        h->log_text = grown;
        h->log_cap = cap;
    }
    memcpy(h->log_text + h->log_len, line, len + 1);
    h->log_len += len;
    return n;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return n;
}

static void begin_input(mv_host *h)
{
    lv2_atom_forge_set_buffer(&h->forge, (uint8_t *)h->in_buf, ATOM_BUFFER_BYTES);
    lv2_atom_forge_sequence_head(&h->forge, &h->seq_frame, 0);
}

static int connect_ports(mv_host *h, char *err, size_t errlen)
{
    LilvWorld *w = h->world;
    LilvNode *control = lilv_new_uri(w, LV2_CORE__ControlPort);
    LilvNode *atom = lilv_new_uri(w, LV2_ATOM__AtomPort);
    LilvNode *input = lilv_new_uri(w, LV2_CORE__InputPort);
    float *defaults = calloc(h->n_ports, sizeof(float));
    int rc = 0;
    if (!defaults) return -1;
    lilv_plugin_get_port_ranges_float(h->plugin, NULL, NULL, defaults);
    h->control_in = h->midi_out = UINT32_MAX;
    for (uint32_t i = 0; i < h->n_ports; i++) {
        const LilvPort *p = lilv_plugin_get_port_by_index(h->plugin, i);
        if (lilv_port_is_a(h->plugin, p, control)) {
            h->values[i] = defaults[i];
            lilv_instance_connect_port(h->instance, i, &h->values[i]);
        } else if (lilv_port_is_a(h->plugin, p, atom)) {
            bool in = lilv_port_is_a(h->plugin, p, input);
            if (in) h->control_in = i;
            else h->midi_out = i;
            lilv_instance_connect_port(h->instance, i, in ? h->in_buf : h->out_buf);
        } else {
            snprintf(err, errlen, "port %u is neither a control nor an atom port", i);
            rc = -1;
        }
    }
    if (!rc && (h->control_in == UINT32_MAX || h->midi_out == UINT32_MAX)) {
        snprintf(err, errlen, "the plugin lacks an atom input or output port");
        rc = -1;
    }
    free(defaults);
    lilv_node_free(control);
    lilv_node_free(atom);
    lilv_node_free(input);
    return rc;
}

/* Checks that this host provides every feature the plugin requires (lilv
 * does not, and instantiate would just fail). */
static int check_features(mv_host *h, char *err, size_t errlen)
{
    LilvNodes *req = lilv_plugin_get_required_features(h->plugin);
    int rc = 0;
    LILV_FOREACH (nodes, i, req) {
        const char *uri = lilv_node_as_uri(lilv_nodes_get(req, i));
        bool have = false;
        for (int f = 0; h->features[f]; f++) have |= !strcmp(h->features[f]->URI, uri);
        if (!have) {
            snprintf(err, errlen, "the plugin requires %s, which this host lacks", uri);
            rc = -1;
        }
    }
    lilv_nodes_free(req);
    return rc;
}

int host_load_bundle(mv_host *h, const char *bundle_dir)
{
    char dir[4096];
    size_t len = strlen(bundle_dir);
    snprintf(dir, sizeof dir, "%s%s", bundle_dir, len && bundle_dir[len - 1] == '/' ? "" : "/");
    LilvNode *uri = lilv_new_file_uri(h->world, NULL, dir);
    if (!uri) return -1;
    lilv_world_load_bundle(h->world, uri);
    lilv_node_free(uri);
    return 0;
}

mv_host *host_open(const char *bundle_dir, double rate, uint32_t max_block, char *err,
                   size_t errlen)
{
    mv_host *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->max_block = max_block;
    h->in_buf = aligned_alloc(64, ATOM_BUFFER_BYTES);
    h->out_buf = aligned_alloc(64, ATOM_BUFFER_BYTES);
    h->map = (LV2_URID_Map){&process_urids, map_uri};
    h->unmap = (LV2_URID_Unmap){&process_urids, unmap_uri};
    h->schedule = (LV2_Worker_Schedule){h, schedule_work};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->schedule};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->features[0] = &h->f_map;
    h->features[1] = &h->f_unmap;
    h->features[2] = &h->f_schedule;
    h->features[3] = &h->f_log;
    h->features[4] = NULL;
    h->world = lilv_world_new();
    if (!h->in_buf || !h->out_buf || !h->world) {
        snprintf(err, errlen, "out of memory");
        host_close(h);
        return NULL;
    }
    host_load_bundle(h, bundle_dir);
    LilvNode *uri = lilv_new_uri(h->world, MV_PLUGIN_URI);
    h->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(h->world), uri);
    lilv_node_free(uri);
    if (!h->plugin) {
        snprintf(err, errlen, "%s: no plugin %s in this bundle", bundle_dir, MV_PLUGIN_URI);
        host_close(h);
        return NULL;
    }
    h->n_ports = lilv_plugin_get_num_ports(h->plugin);
    if (h->n_ports > MAX_PORTS || check_features(h, err, errlen)) {
        if (h->n_ports > MAX_PORTS) snprintf(err, errlen, "too many ports");
        host_close(h);
        return NULL;
    }
    h->instance = lilv_plugin_instantiate(h->plugin, rate, h->features);
    if (!h->instance) {
        snprintf(err, errlen, "%s: instantiating the plugin failed: %s", bundle_dir,
                 h->log_text ? h->log_text : "(nothing logged)");
        host_close(h);
        return NULL;
    }
    h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
    lv2_atom_forge_init(&h->forge, &h->map);
    h->atom_Chunk = map_uri(&process_urids, LV2_ATOM__Chunk);
    h->atom_Path = map_uri(&process_urids, LV2_ATOM__Path);
    h->atom_Float = map_uri(&process_urids, LV2_ATOM__Float);
    h->midi_Event = map_uri(&process_urids, LV2_MIDI__MidiEvent);
    h->time_Position = map_uri(&process_urids, LV2_TIME__Position);
    h->time_bar = map_uri(&process_urids, LV2_TIME__bar);
    h->time_barBeat = map_uri(&process_urids, LV2_TIME__barBeat);
    h->time_beatUnit = map_uri(&process_urids, LV2_TIME__beatUnit);
    h->time_beatsPerBar = map_uri(&process_urids, LV2_TIME__beatsPerBar);
    h->time_beatsPerMinute = map_uri(&process_urids, LV2_TIME__beatsPerMinute);
    h->time_speed = map_uri(&process_urids, LV2_TIME__speed);
    h->patch_Set = map_uri(&process_urids, LV2_PATCH__Set);
    h->patch_property = map_uri(&process_urids, LV2_PATCH__property);
    h->patch_value = map_uri(&process_urids, LV2_PATCH__value);
    if (connect_ports(h, err, errlen)) {
        host_close(h);
        return NULL;
    }
    begin_input(h);
    lilv_instance_activate(h->instance);
    return h;
}

void host_close(mv_host *h)
{
    if (!h) return;
    if (h->instance) {
        lilv_instance_deactivate(h->instance);
        serve_worker(h); /* frees what the plugin handed back */
        lilv_instance_free(h->instance);
    }
    for (int i = 0; i < h->n_presets; i++) {
        free(h->preset_uri[i]);
        free(h->preset_label[i]);
    }
    if (h->world) lilv_world_free(h->world);
    free(h->in_buf);
    free(h->out_buf);
    free(h->log_text);
    free(h);
}

static int port_index(mv_host *h, const char *symbol)
{
    LilvNode *sym = lilv_new_string(h->world, symbol);
    const LilvPort *p = lilv_plugin_get_port_by_symbol(h->plugin, sym);
    lilv_node_free(sym);
    return p ? (int)lilv_port_get_index(h->plugin, p) : -1;
}

int host_set_control(mv_host *h, const char *symbol, float value)
{
    int i = port_index(h, symbol);
    if (i < 0) return -1;
    h->values[i] = value;
    return 0;
}

float host_get_control(mv_host *h, const char *symbol)
{
    int i = port_index(h, symbol);
    return i < 0 ? 0.0f : h->values[i];
}

void host_send_position(mv_host *h, uint32_t frame, double bar, double bar_beat, double bpm,
                        double speed)
{
    LV2_Atom_Forge *f = &h->forge;
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, &obj, 0, h->time_Position);
    lv2_atom_forge_key(f, h->time_bar);
    lv2_atom_forge_long(f, (int64_t)bar);
    lv2_atom_forge_key(f, h->time_barBeat);
    lv2_atom_forge_float(f, (float)bar_beat);
    lv2_atom_forge_key(f, h->time_beatUnit);
    lv2_atom_forge_int(f, 4);
    lv2_atom_forge_key(f, h->time_beatsPerBar);
    lv2_atom_forge_float(f, 4.0f);
    lv2_atom_forge_key(f, h->time_beatsPerMinute);
    lv2_atom_forge_float(f, (float)bpm);
    lv2_atom_forge_key(f, h->time_speed);
    lv2_atom_forge_float(f, (float)speed);
    lv2_atom_forge_pop(f, &obj);
}

static void send_set_head(mv_host *h, uint32_t frame, const char *property_uri,
                          LV2_Atom_Forge_Frame *obj)
{
    LV2_Atom_Forge *f = &h->forge;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, obj, 0, h->patch_Set);
    lv2_atom_forge_key(f, h->patch_property);
    lv2_atom_forge_urid(f, map_uri(&process_urids, property_uri));
    lv2_atom_forge_key(f, h->patch_value);
}

void host_send_path(mv_host *h, uint32_t frame, const char *property_uri, const char *path)
{
    LV2_Atom_Forge_Frame obj;
    send_set_head(h, frame, property_uri, &obj);
    lv2_atom_forge_path(&h->forge, path, (uint32_t)strlen(path));
    lv2_atom_forge_pop(&h->forge, &obj);
}

void host_send_int(mv_host *h, uint32_t frame, const char *property_uri, int32_t value)
{
    LV2_Atom_Forge_Frame obj;
    send_set_head(h, frame, property_uri, &obj);
    lv2_atom_forge_int(&h->forge, value);
    lv2_atom_forge_pop(&h->forge, &obj);
}

void host_send_vector(mv_host *h, uint32_t frame, const char *property_uri, const float *v,
                      uint32_t n)
{
    LV2_Atom_Forge_Frame obj;
    send_set_head(h, frame, property_uri, &obj);
    lv2_atom_forge_vector(&h->forge, sizeof(float), h->atom_Float, n, v);
    lv2_atom_forge_pop(&h->forge, &obj);
}

void host_set_run_hook(mv_host *h, void (*hook)(bool in_run))
{
    h->run_hook = hook;
}

int host_run(mv_host *h, uint32_t n, mv_midi_out *out, int max_out, int *n_out)
{
    lv2_atom_forge_pop(&h->forge, &h->seq_frame);
    LV2_Atom_Sequence *seq_out = (LV2_Atom_Sequence *)h->out_buf;
    seq_out->atom.type = h->atom_Chunk;
    seq_out->atom.size = ATOM_BUFFER_BYTES - sizeof(LV2_Atom);
    if (h->run_hook) h->run_hook(true);
    lilv_instance_run(h->instance, n);
    if (h->run_hook) h->run_hook(false);
    int count = 0, rc = 0;
    if (seq_out->atom.type != map_uri(&process_urids, LV2_ATOM__Sequence) ||
        seq_out->atom.size > ATOM_BUFFER_BYTES - sizeof(LV2_Atom)) {
        rc = -1;
    } else {
        LV2_ATOM_SEQUENCE_FOREACH (seq_out, ev) {
            if (ev->body.type != h->midi_Event || ev->body.size != 3) continue;
            if (ev->time.frames < 0 || ev->time.frames >= n) rc = -1;
            if (count < max_out) {
                out[count].frame = (uint32_t)ev->time.frames;
                memcpy(out[count].msg, LV2_ATOM_BODY_CONST(&ev->body), 3);
                count++;
            }
        }
    }
    *n_out = count;
    serve_worker(h);
    begin_input(h);
    return rc;
}

void host_activate(mv_host *h)
{
    lilv_instance_activate(h->instance);
}

void host_deactivate(mv_host *h)
{
    lilv_instance_deactivate(h->instance);
}

const char *host_log(const mv_host *h)
{
    return h->log_text ? h->log_text : "";
}

void host_clear_log(mv_host *h)
{
    h->log_len = 0;
    if (h->log_text) h->log_text[0] = '\0';
}

/* ------------------------------------------------------------ state */

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size,
                                  uint32_t *type)
{
    mv_host *h = user_data;
    int i = port_index(h, symbol);
    if (i < 0 || (uint32_t)i == h->control_in || (uint32_t)i == h->midi_out) {
        *size = *type = 0;
        return NULL;
    }
    *size = sizeof(float);
    *type = h->atom_Float;
    return &h->values[i];
}

static void set_port_value(const char *symbol, void *user_data, const void *value,
                           uint32_t size, uint32_t type)
{
    mv_host *h = user_data;
    int i = port_index(h, symbol);
    if (i >= 0 && type == h->atom_Float && size == sizeof(float))
        memcpy(&h->values[i], value, sizeof(float));
}

/* save_dir doubles as the link directory: lilv 0.24 then links outside files
 * (MIDI anchors, models) into the bundle. Without a link directory,
 * lilv_state_save removes the file a path points to before "linking" it to
 * itself, i.e. deletes the user's MIDI file. */
static LilvState *state_of(mv_host *h, const char *save_dir)
{
    return lilv_state_new_from_instance(h->plugin, h->instance, &h->map, NULL, NULL, save_dir,
                                        save_dir, get_port_value, h,
                                        LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, h->features);
}

void *host_save_state(mv_host *h)
{
    return state_of(h, NULL);
}

int host_restore_state(mv_host *h, void *state)
{
    if (!state) return -1;
    lilv_state_restore(state, h->instance, set_port_value, h, 0, h->features);
    return 0;
}

char *host_state_string(mv_host *h, void *state)
{
    return lilv_state_to_string(h->world, &h->map, &h->unmap, state, MV_PLUGIN_NS "state",
                                NULL);
}

bool host_states_equal(mv_host *h, void *a, void *b)
{
    if (!a || !b) return false;
    char *x = host_state_string(h, a), *y = host_state_string(h, b);
    bool same = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

void host_free_state(void *state)
{
    lilv_state_free(state);
}


int host_save_preset(mv_host *h, const char *dir, const char *name, const char *label)
{
    LilvState *s = state_of(h, dir);
    if (!s) return -1;
    lilv_state_set_label(s, label);
    /* URI: MV_PLUGIN_NS "preset_" + name with '-' as '_' (jalv's console
     * `preset URI` command reads no '-'). */
    char uri[1024], file[512];
    int len = snprintf(uri, sizeof uri, "%spreset_%s", MV_PLUGIN_NS, name);
    for (int i = len - (int)strlen(name); i < len && i < (int)sizeof uri; i++)
        if (uri[i] == '-') uri[i] = '_';
    snprintf(file, sizeof file, "%s.ttl", name);
    int rc = lilv_state_save(h->world, &h->map, &h->unmap, s, uri, dir, file);
    lilv_state_free(s);
    return rc ? -1 : 0;
}

static void list_presets(mv_host *h)
{
    for (int i = 0; i < h->n_presets; i++) {
        free(h->preset_uri[i]);
        free(h->preset_label[i]);
    }
    h->n_presets = 0;
    LilvNode *preset = lilv_new_uri(h->world, LV2_PRESETS__Preset);
    LilvNode *label = lilv_new_uri(h->world, LILV_NS_RDFS "label");
    LilvNodes *related = lilv_plugin_get_related(h->plugin, preset);
    LILV_FOREACH (nodes, i, related) {
        const LilvNode *p = lilv_nodes_get(related, i);
        if (h->n_presets == MAX_PRESETS) break;
        lilv_world_load_resource(h->world, p);
        LilvNodes *labels = lilv_world_find_nodes(h->world, p, label, NULL);
        const LilvNode *l = labels ? lilv_nodes_get_first(labels) : NULL;
        h->preset_uri[h->n_presets] = strdup(lilv_node_as_uri(p));
        h->preset_label[h->n_presets] = strdup(l ? lilv_node_as_string(l) : "");
        h->n_presets++;
        lilv_nodes_free(labels);
    }
    lilv_nodes_free(related);
    lilv_node_free(label);
    lilv_node_free(preset);
}

int host_preset_count(mv_host *h)
{
    list_presets(h);
    return h->n_presets;
}

const char *host_preset_uri(mv_host *h, int i)
{
    return i >= 0 && i < h->n_presets ? h->preset_uri[i] : NULL;
}

const char *host_preset_label(mv_host *h, int i)
{
    return i >= 0 && i < h->n_presets ? h->preset_label[i] : NULL;
}

int host_load_preset(mv_host *h, const char *uri)
{
    LilvNode *node = lilv_new_uri(h->world, uri);
    lilv_world_load_resource(h->world, node); /* the preset's own file */
    LilvState *s = lilv_state_new_from_world(h->world, &h->map, node);
    lilv_node_free(node);
    if (!s) return -1;
    lilv_state_restore(s, h->instance, set_port_value, h, 0, h->features);
    lilv_state_free(s);
    return 0;
}
