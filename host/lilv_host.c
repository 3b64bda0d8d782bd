#include "lilv_host.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/presets/presets.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "../plugin/lv2_inline_display.h"

#define ATOM_BUFFER_BYTES (64 * 1024)
#define QUEUE_LEN 256
#define MESSAGE_MAX 8192
#define MAX_PORTS 64
#define MAX_PRESETS 256
#define MAX_REPORTED 32

/* ------------------------------------------------------------ URID map */

/* One map for the process, as in a real host: states (which hold URIDs) then
 * move between instances. It lives as long as the process and, as in jalv,
 * is locked: the plugin's threads and the host's may map at the same time. */
typedef struct urid_table {
    pthread_mutex_t lock;
    char **uris;
    uint32_t n, cap;
} urid_table;

static urid_table process_urids = {.lock = PTHREAD_MUTEX_INITIALIZER};

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    urid_table *t = handle;
    LV2_URID id = 0;
    pthread_mutex_lock(&t->lock);
    for (uint32_t i = 0; i < t->n && !id; i++)
        if (!strcmp(t->uris[i], uri)) id = i + 1;
    if (!id && t->n == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 64;
        char **grown = realloc(t->uris, cap * sizeof *grown);
        if (grown) {
            t->uris = grown;
            t->cap = cap;
        }
    }
    if (!id && t->n < t->cap && (t->uris[t->n] = strdup(uri))) id = ++t->n;
    pthread_mutex_unlock(&t->lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
    urid_table *t = handle;
    pthread_mutex_lock(&t->lock);
    const char *uri = urid >= 1 && urid <= t->n ? t->uris[urid - 1] : NULL;
    pthread_mutex_unlock(&t->lock);
    return uri;
}

/* ------------------------------------------------------------ worker queues */

typedef struct message_queue {
    uint32_t size[QUEUE_LEN];
    int64_t stamp[QUEUE_LEN]; /* frames the host had run when it was queued */
    uint64_t data[QUEUE_LEN][MESSAGE_MAX / 8];
    int head, count;
} message_queue;

static bool queue_push(message_queue *q, uint32_t size, const void *data, int64_t stamp)
{
    if (q->count == QUEUE_LEN || size > MESSAGE_MAX) return false;
    int i = (q->head + q->count) % QUEUE_LEN;
    q->size[i] = size;
    q->stamp[i] = stamp;
    memcpy(q->data[i], data, size);
    q->count++;
    return true;
}

/* Copies the oldest message into out (MESSAGE_MAX bytes); false if empty. */
static bool queue_pop(message_queue *q, uint32_t *size, void *out, int64_t *stamp)
{
    if (!q->count) return false;
    int i = q->head;
    q->head = (q->head + 1) % QUEUE_LEN;
    q->count--;
    *size = q->size[i];
    if (stamp) *stamp = q->stamp[i];
    memcpy(out, q->data[i], q->size[i]);
    return true;
}

/* ------------------------------------------------------------ host */

typedef struct reported_value {
    LV2_URID property;
    char text[1100];
} reported_value;

struct mv_host {
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *instance;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Worker_Schedule schedule;
    LV2_Log_Log log;
    LV2_Inline_Display queue_draw;
    int queue_draw_calls;
    LV2_Feature f_map, f_unmap, f_schedule, f_log, f_queue_draw;
    const LV2_Feature *features[6];
    const LV2_Feature *features_no_schedule[5];
    const LV2_Worker_Interface *worker;
    double rate;

    uint32_t n_ports, max_block;
    float values[MAX_PORTS];
    uint32_t control_in, midi_out, n_atom_out;
    uint32_t atom_out[4];
    uint64_t *in_buf, *out_buf[4];
    uint32_t out_capacity;
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame seq_frame;
    void (*run_hook)(bool in_plugin, bool is_run);
    void (*work_hook)(bool in_work);
    bool in_run;

    /* The worker. In thread mode `lock` guards both queues, busy and the
     * failure counters; the other modes use them from one thread. */
    mv_worker_mode mode;
    message_queue requests, responses;
    pthread_mutex_t lock;
    pthread_cond_t wake, idle;
    pthread_t thread;
    bool thread_running, quit, busy;
    int64_t busy_stamp;     /* the stamp of the request work() is busy with */
    int64_t frames_run;     /* frames of all blocks run so far */
    int64_t max_lag;        /* thread mode: frames a request may wait (0: no bound) */
    uint64_t rng;
    int fail_schedule_every, fail_respond_every;
    long schedule_calls, respond_calls;
    uint64_t message[MESSAGE_MAX / 8]; /* the audio thread's copy of a response */

    pthread_mutex_t log_lock;
    char *log_text, *log_copy;
    size_t log_len, log_cap, log_copy_cap;

    reported_value reported[MAX_REPORTED];
    int n_reported, report_count;

    LV2_URID atom_Chunk, atom_Sequence, atom_Object, atom_Blank, atom_Path, atom_String,
        atom_Int, atom_Long, atom_Float, atom_Double, atom_URID, midi_Event, time_Position,
        time_bar, time_barBeat, time_beatUnit, time_beatsPerBar, time_beatsPerMinute,
        time_speed, patch_Set, patch_Get, patch_property, patch_value;

    int n_presets;
    char *preset_uri[MAX_PRESETS];
    char *preset_label[MAX_PRESETS];
};

static void hook(mv_host *h, bool in_plugin, bool is_run)
{
    if (h->run_hook) h->run_hook(in_plugin, is_run);
}

/* The plugin's work(), with the work hook around it, in the calling thread. */
static LV2_Worker_Status call_work(mv_host *h, LV2_Worker_Respond_Function respond,
                                   uint32_t size, const void *data)
{
    if (h->work_hook) h->work_hook(true);
    LV2_Worker_Status st =
        h->worker->work(lilv_instance_get_handle(h->instance), respond, h, size, data);
    if (h->work_hook) h->work_hook(false);
    return st;
}

/* The nth call fails when n is a multiple of every (every > 0). */
static bool fails(long *calls, int every)
{
    return every > 0 && ++*calls % every == 0;
}

static LV2_Worker_Status respond_queued(LV2_Worker_Respond_Handle handle, uint32_t size,
                                        const void *data)
{
    mv_host *h = handle;
    pthread_mutex_lock(&h->lock);
    bool ok = !fails(&h->respond_calls, h->fail_respond_every) &&
              queue_push(&h->responses, size, data, 0);
    pthread_mutex_unlock(&h->lock);
    return ok ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

/* Inside schedule_work: the response is handed to the plugin at once, in the
 * thread that is running run() (what Ardour does while exporting). */
static LV2_Worker_Status respond_at_once(LV2_Worker_Respond_Handle handle, uint32_t size,
                                         const void *data)
{
    mv_host *h = handle;
    if (fails(&h->respond_calls, h->fail_respond_every)) return LV2_WORKER_ERR_NO_SPACE;
    if (size > MESSAGE_MAX) return LV2_WORKER_ERR_NO_SPACE;
    uint64_t copy[MESSAGE_MAX / 8];
    memcpy(copy, data, size);
    if (h->in_run) hook(h, true, false);
    h->worker->work_response(lilv_instance_get_handle(h->instance), size, copy);
    if (h->in_run) hook(h, false, false);
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void *data)
{
    mv_host *h = handle;
    if (h->mode == HOST_WORKER_IN_SCHEDULE) {
        if (fails(&h->schedule_calls, h->fail_schedule_every) || size > MESSAGE_MAX)
            return LV2_WORKER_ERR_NO_SPACE;
        uint64_t copy[MESSAGE_MAX / 8];
        memcpy(copy, data, size);
        /* work() is not the plugin's audio-thread code, even when it runs there. */
        if (h->in_run) hook(h, false, true);
        LV2_Worker_Status st = call_work(h, respond_at_once, size, copy);
        if (h->in_run) hook(h, true, true);
        return st;
    }
    pthread_mutex_lock(&h->lock);
    bool ok = !fails(&h->schedule_calls, h->fail_schedule_every) &&
              queue_push(&h->requests, size, data, h->frames_run);
    if (ok) pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    return ok ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

/* xorshift64*: the worker thread's delays. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* The worker thread: takes requests in order, waits a random while (up to a
 * millisecond, now and then 20 ms, as a preempted thread does), runs work(). */
static void *worker_thread(void *arg)
{
    mv_host *h = arg;
    uint64_t *buf = malloc(MESSAGE_MAX);
    uint32_t size;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        while (!h->requests.count && !h->quit) pthread_cond_wait(&h->wake, &h->lock);
        if (!h->requests.count) {
            pthread_mutex_unlock(&h->lock);
            break;
        }
        queue_pop(&h->requests, &size, buf, &h->busy_stamp);
        h->busy = true;
        uint64_t r = next_random(&h->rng);
        pthread_mutex_unlock(&h->lock);
        sleep_us(r % 16 == 0 ? 20000 : (long)(r >> 8) % 1000);
        call_work(h, respond_queued, size, buf);
        pthread_mutex_lock(&h->lock);
        h->busy = false;
        pthread_cond_broadcast(&h->idle);
        pthread_mutex_unlock(&h->lock);
    }
    free(buf);
    return NULL;
}

/* Audio thread: hands every queued response to work_response, then end_run. */
static void deliver_responses(mv_host *h)
{
    LV2_Handle handle = lilv_instance_get_handle(h->instance);
    uint32_t size;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        bool got = queue_pop(&h->responses, &size, h->message, NULL);
        pthread_mutex_unlock(&h->lock);
        if (!got) break;
        hook(h, true, false);
        h->worker->work_response(handle, size, h->message);
        hook(h, false, false);
    }
    if (h->worker->end_run) h->worker->end_run(handle);
}

/* After-run mode: serves requests until nothing is pending: requests, then
 * responses (which may schedule more, e.g. freeing a replaced model). */
static void serve_after_run(mv_host *h)
{
    LV2_Handle handle = lilv_instance_get_handle(h->instance);
    uint64_t *buf = malloc(MESSAGE_MAX);
    uint32_t size;
    while (buf && (h->requests.count || h->responses.count)) {
        while (queue_pop(&h->requests, &size, buf, NULL)) call_work(h, respond_queued, size, buf);
        while (queue_pop(&h->responses, &size, h->message, NULL)) {
            hook(h, true, false);
            h->worker->work_response(handle, size, h->message);
            hook(h, false, false);
        }
    }
    free(buf);
    if (h->worker->end_run) h->worker->end_run(handle);
}

static void serve_worker(mv_host *h)
{
    if (!h->worker) return;
    if (h->mode == HOST_WORKER_AFTER_RUN) serve_after_run(h);
    else if (h->mode == HOST_WORKER_THREAD) deliver_responses(h);
}

void host_finish_work(mv_host *h)
{
    if (!h->worker || h->mode != HOST_WORKER_THREAD) return;
    pthread_mutex_lock(&h->lock);
    while (h->requests.count || h->busy) pthread_cond_wait(&h->idle, &h->lock);
    pthread_mutex_unlock(&h->lock);
}

void host_wait_worker(mv_host *h)
{
    if (!h->worker) return;
    if (h->mode != HOST_WORKER_THREAD) {
        serve_worker(h);
        return;
    }
    for (;;) {
        deliver_responses(h);
        pthread_mutex_lock(&h->lock);
        bool done = !h->requests.count && !h->busy && !h->responses.count;
        pthread_mutex_unlock(&h->lock);
        if (done) break;
        sleep_us(200);
    }
}

/* Thread mode: before a run(), waits while a request has waited more than
 * max_lag frames of audio (a worker that is never that late, whatever the
 * load of the machine running the tests). */
static void wait_for_late_requests(mv_host *h)
{
    if (h->mode != HOST_WORKER_THREAD || h->max_lag <= 0) return;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        int64_t oldest = h->busy ? h->busy_stamp : INT64_MAX;
        if (h->requests.count && h->requests.stamp[h->requests.head] < oldest)
            oldest = h->requests.stamp[h->requests.head];
        bool late = oldest != INT64_MAX && h->frames_run - oldest > h->max_lag;
        pthread_mutex_unlock(&h->lock);
        if (!late) break;
        sleep_us(100);
        deliver_responses(h);
    }
    deliver_responses(h);
}

void host_set_worker_lag(mv_host *h, int64_t max_lag)
{
    h->max_lag = max_lag;
}

void host_set_worker_mode(mv_host *h, mv_worker_mode mode, uint64_t seed)
{
    h->mode = mode;
    h->rng = seed * 0x9E3779B97F4A7C15ull + 1;
    if (mode == HOST_WORKER_THREAD && h->worker && !h->thread_running)
        h->thread_running = pthread_create(&h->thread, NULL, worker_thread, h) == 0;
}

void host_fail_worker_calls(mv_host *h, int schedule_every, int respond_every)
{
    pthread_mutex_lock(&h->lock);
    h->fail_schedule_every = schedule_every;
    h->fail_respond_every = respond_every;
    pthread_mutex_unlock(&h->lock);
}

/* ------------------------------------------------------------ log */

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    (void)type;
    mv_host *h = handle;
    char line[2048];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0) return n;
    size_t len = strlen(line);
    pthread_mutex_lock(&h->log_lock);
    if (h->log_len + len + 1 > h->log_cap) {
        size_t cap = (h->log_len + len + 1) * 2;
        char *grown = realloc(h->log_text, cap);
        if (grown) {
            h->log_text = grown;
            h->log_cap = cap;
        }
    }
    if (h->log_len + len + 1 <= h->log_cap) {
        memcpy(h->log_text + h->log_len, line, len + 1);
        h->log_len += len;
    }
    pthread_mutex_unlock(&h->log_lock);
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

const char *host_log(mv_host *h)
{
    pthread_mutex_lock(&h->log_lock);
    if (h->log_copy_cap < h->log_len + 1) {
        char *grown = realloc(h->log_copy, h->log_len + 1);
        if (grown) {
            h->log_copy = grown;
            h->log_copy_cap = h->log_len + 1;
        }
    }
    if (h->log_copy && h->log_copy_cap >= h->log_len + 1) {
        if (h->log_len) memcpy(h->log_copy, h->log_text, h->log_len);
        h->log_copy[h->log_len] = '\0';
    }
    pthread_mutex_unlock(&h->log_lock);
    return h->log_copy ? h->log_copy : "";
}

void host_clear_log(mv_host *h)
{
    pthread_mutex_lock(&h->log_lock);
    h->log_len = 0;
    if (h->log_text) h->log_text[0] = '\0';
    pthread_mutex_unlock(&h->log_lock);
}

/* ------------------------------------------------------------ set-up */

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
    LilvNode *midi = lilv_new_uri(w, LV2_MIDI__MidiEvent);
    float *defaults = calloc(h->n_ports, sizeof(float));
    int rc = 0;
    if (!defaults) return -1;
    lilv_plugin_get_port_ranges_float(h->plugin, NULL, NULL, defaults);
    h->control_in = h->midi_out = UINT32_MAX;
    for (uint32_t i = 0; i < h->n_ports && !rc; i++) {
        const LilvPort *p = lilv_plugin_get_port_by_index(h->plugin, i);
        if (lilv_port_is_a(h->plugin, p, control)) {
            h->values[i] = defaults[i];
            lilv_instance_connect_port(h->instance, i, &h->values[i]);
        } else if (lilv_port_is_a(h->plugin, p, atom)) {
            if (lilv_port_is_a(h->plugin, p, input)) {
                h->control_in = i;
                lilv_instance_connect_port(h->instance, i, h->in_buf);
            } else if (h->n_atom_out < 4) {
                if (lilv_port_supports_event(h->plugin, p, midi) && h->midi_out == UINT32_MAX)
                    h->midi_out = i;
                h->atom_out[h->n_atom_out] = i;
                lilv_instance_connect_port(h->instance, i, h->out_buf[h->n_atom_out]);
                h->n_atom_out++;
            } else {
                snprintf(err, errlen, "more than 4 atom outputs");
                rc = -1;
            }
        } else {
            snprintf(err, errlen, "port %u is neither a control nor an atom port", i);
            rc = -1;
        }
    }
    if (!rc && (h->control_in == UINT32_MAX || h->midi_out == UINT32_MAX)) {
        snprintf(err, errlen, "the plugin lacks an atom input or a MIDI output");
        rc = -1;
    }
    free(defaults);
    lilv_node_free(control);
    lilv_node_free(atom);
    lilv_node_free(input);
    lilv_node_free(midi);
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

uint32_t host_map(mv_host *h, const char *uri)
{
    (void)h;
    return map_uri(&process_urids, uri);
}

static void map_host_uris(mv_host *h)
{
#define MAP(uri) map_uri(&process_urids, uri)
    h->atom_Chunk = MAP(LV2_ATOM__Chunk);
    h->atom_Sequence = MAP(LV2_ATOM__Sequence);
    h->atom_Object = MAP(LV2_ATOM__Object);
    h->atom_Blank = MAP(LV2_ATOM__Blank);
    h->atom_Path = MAP(LV2_ATOM__Path);
    h->atom_String = MAP(LV2_ATOM__String);
    h->atom_Int = MAP(LV2_ATOM__Int);
    h->atom_Long = MAP(LV2_ATOM__Long);
    h->atom_Float = MAP(LV2_ATOM__Float);
    h->atom_Double = MAP(LV2_ATOM__Double);
    h->atom_URID = MAP(LV2_ATOM__URID);
    h->midi_Event = MAP(LV2_MIDI__MidiEvent);
    h->time_Position = MAP(LV2_TIME__Position);
    h->time_bar = MAP(LV2_TIME__bar);
    h->time_barBeat = MAP(LV2_TIME__barBeat);
    h->time_beatUnit = MAP(LV2_TIME__beatUnit);
    h->time_beatsPerBar = MAP(LV2_TIME__beatsPerBar);
    h->time_beatsPerMinute = MAP(LV2_TIME__beatsPerMinute);
    h->time_speed = MAP(LV2_TIME__speed);
    h->patch_Set = MAP(LV2_PATCH__Set);
    h->patch_Get = MAP(LV2_PATCH__Get);
    h->patch_property = MAP(LV2_PATCH__property);
    h->patch_value = MAP(LV2_PATCH__value);
#undef MAP
}

/* The inline display's queue_draw, called by run() (Ardour's GUI would
 * render at its next frame). */
static void count_queue_draw(void *handle)
{
    ((mv_host *)handle)->queue_draw_calls++;
}

int host_queue_draw_count(const mv_host *h)
{
    return h->queue_draw_calls;
}

const uint32_t *host_render_inline(mv_host *h, uint32_t w, uint32_t max_h, int *width,
                                   int *height, int *stride_px)
{
    const LV2_Inline_Display_Interface *idisp =
        lilv_instance_get_extension_data(h->instance, MV_INLINEDISPLAY__interface);
    LV2_Inline_Display_Image_Surface *s =
        idisp && idisp->render ? idisp->render(lilv_instance_get_handle(h->instance), w, max_h)
                               : NULL;
    if (!s) return NULL;
    *width = s->width, *height = s->height, *stride_px = s->stride / 4;
    return (const uint32_t *)s->data;
}

mv_host *host_open(const char *bundle_dir, double rate, uint32_t max_block, char *err,
                   size_t errlen)
{
    mv_host *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_init(&h->log_lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    pthread_cond_init(&h->idle, NULL);
    h->rate = rate;
    h->max_block = max_block;
    h->out_capacity = ATOM_BUFFER_BYTES;
    h->in_buf = aligned_alloc(64, ATOM_BUFFER_BYTES);
    bool buffers = h->in_buf != NULL;
    for (int i = 0; i < 4; i++) buffers &= (h->out_buf[i] = aligned_alloc(64, ATOM_BUFFER_BYTES)) != NULL;
    h->map = (LV2_URID_Map){&process_urids, map_uri};
    h->unmap = (LV2_URID_Unmap){&process_urids, unmap_uri};
    h->schedule = (LV2_Worker_Schedule){h, schedule_work};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->schedule};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->queue_draw = (LV2_Inline_Display){h, count_queue_draw};
    h->f_queue_draw = (LV2_Feature){MV_INLINEDISPLAY__queue_draw, &h->queue_draw};
    h->features[0] = &h->f_map;
    h->features[1] = &h->f_unmap;
    h->features[2] = &h->f_schedule;
    h->features[3] = &h->f_log;
    h->features[4] = &h->f_queue_draw;
    h->features[5] = NULL;
    h->features_no_schedule[0] = &h->f_map;
    h->features_no_schedule[1] = &h->f_unmap;
    h->features_no_schedule[2] = &h->f_log;
    h->features_no_schedule[3] = &h->f_queue_draw;
    h->features_no_schedule[4] = NULL;
    h->world = lilv_world_new();
    if (!buffers || !h->world) {
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
                 host_log(h)[0] ? host_log(h) : "(nothing logged)");
        host_close(h);
        return NULL;
    }
    h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
    lv2_atom_forge_init(&h->forge, &h->map);
    map_host_uris(h);
    if (connect_ports(h, err, errlen)) {
        host_close(h);
        return NULL;
    }
    begin_input(h);
    lilv_instance_activate(h->instance);
    return h;
}

static void stop_worker_thread(mv_host *h)
{
    if (!h->thread_running) return;
    pthread_mutex_lock(&h->lock);
    h->quit = true;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    h->thread_running = false;
}

void host_close(mv_host *h)
{
    if (!h) return;
    if (h->instance) {
        lilv_instance_deactivate(h->instance);
        /* Whatever the plugin handed the worker is served (and freed there). */
        host_fail_worker_calls(h, 0, 0);
        host_wait_worker(h);
        stop_worker_thread(h);
        lilv_instance_free(h->instance);
    }
    for (int i = 0; i < h->n_presets; i++) {
        free(h->preset_uri[i]);
        free(h->preset_label[i]);
    }
    if (h->world) lilv_world_free(h->world);
    free(h->in_buf);
    for (int i = 0; i < 4; i++) free(h->out_buf[i]);
    free(h->log_text);
    free(h->log_copy);
    pthread_mutex_destroy(&h->lock);
    pthread_mutex_destroy(&h->log_lock);
    pthread_cond_destroy(&h->wake);
    pthread_cond_destroy(&h->idle);
    free(h);
}

/* ------------------------------------------------------------ controls and messages */

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

static void forge_number(mv_host *h, LV2_URID key, double v, bool as_double)
{
    if (isnan(v)) return;
    lv2_atom_forge_key(&h->forge, key);
    if (as_double) lv2_atom_forge_double(&h->forge, v);
    else lv2_atom_forge_float(&h->forge, (float)v);
}

void host_send_position_fields(mv_host *h, uint32_t frame, const mv_position *p)
{
    LV2_Atom_Forge *f = &h->forge;
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, &obj, 0, h->time_Position);
    if (!isnan(p->bar)) {
        lv2_atom_forge_key(f, h->time_bar);
        if (p->as_double) lv2_atom_forge_double(f, p->bar);
        else lv2_atom_forge_long(f, (int64_t)p->bar);
    }
    forge_number(h, h->time_barBeat, p->bar_beat, p->as_double);
    if (!isnan(p->beat_unit)) {
        lv2_atom_forge_key(f, h->time_beatUnit);
        if (p->as_double) lv2_atom_forge_double(f, p->beat_unit);
        else lv2_atom_forge_int(f, (int32_t)p->beat_unit);
    }
    forge_number(h, h->time_beatsPerBar, p->beats_per_bar, p->as_double);
    forge_number(h, h->time_beatsPerMinute, p->bpm, p->as_double);
    forge_number(h, h->time_speed, p->speed, p->as_double);
    lv2_atom_forge_pop(f, &obj);
}

void host_send_position(mv_host *h, uint32_t frame, double bar, double bar_beat, double bpm,
                        double speed)
{
    mv_position p = {bar, bar_beat, 4.0, 4.0, bpm, speed, false};
    host_send_position_fields(h, frame, &p);
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

void host_send_string(mv_host *h, uint32_t frame, const char *property_uri, const char *text)
{
    host_send_bytes(h, frame, property_uri, text, (uint32_t)strlen(text));
}

void host_send_bytes(mv_host *h, uint32_t frame, const char *property_uri, const char *bytes,
                     uint32_t length)
{
    LV2_Atom_Forge_Frame obj;
    send_set_head(h, frame, property_uri, &obj);
    lv2_atom_forge_string(&h->forge, bytes, length);
    lv2_atom_forge_pop(&h->forge, &obj);
}

void host_send_int(mv_host *h, uint32_t frame, const char *property_uri, int32_t value)
{
    LV2_Atom_Forge_Frame obj;
    send_set_head(h, frame, property_uri, &obj);
    lv2_atom_forge_int(&h->forge, value);
    lv2_atom_forge_pop(&h->forge, &obj);
}

void host_send_double(mv_host *h, uint32_t frame, const char *property_uri, double value)
{
    LV2_Atom_Forge_Frame obj;
    send_set_head(h, frame, property_uri, &obj);
    lv2_atom_forge_double(&h->forge, value);
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

void host_send_midi(mv_host *h, uint32_t frame, const uint8_t *msg, uint32_t size)
{
    lv2_atom_forge_frame_time(&h->forge, frame);
    lv2_atom_forge_atom(&h->forge, size, h->midi_Event);
    lv2_atom_forge_write(&h->forge, msg, size);
}

void host_send_get(mv_host *h, uint32_t frame, const char *property_uri)
{
    LV2_Atom_Forge *f = &h->forge;
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, &obj, 0, h->patch_Get);
    if (property_uri) {
        lv2_atom_forge_key(f, h->patch_property);
        lv2_atom_forge_urid(f, map_uri(&process_urids, property_uri));
    }
    lv2_atom_forge_pop(f, &obj);
}

void host_set_work_hook(mv_host *h, void (*work_hook)(bool in_work))
{
    h->work_hook = work_hook;
}

void host_set_run_hook(mv_host *h, void (*run_hook)(bool in_plugin, bool is_run))
{
    h->run_hook = run_hook;
}

void host_set_output_capacity(mv_host *h, uint32_t bytes)
{
    h->out_capacity = bytes && bytes < ATOM_BUFFER_BYTES ? bytes : ATOM_BUFFER_BYTES;
}

/* ------------------------------------------------------------ outputs */

static void remember_report(mv_host *h, const LV2_Atom_Object *obj)
{
    const LV2_Atom_URID *property = NULL;
    const LV2_Atom *value = NULL;
    lv2_atom_object_get(obj, h->patch_property, &property, h->patch_value, &value, 0);
    if (!property || property->atom.type != h->atom_URID || !value) return;
    h->report_count++;
    int i = 0;
    while (i < h->n_reported && h->reported[i].property != property->body) i++;
    if (i == MAX_REPORTED) return;
    if (i == h->n_reported) h->n_reported++;
    reported_value *r = &h->reported[i];
    r->property = property->body;
    if (value->type == h->atom_Path || value->type == h->atom_String)
        snprintf(r->text, sizeof r->text, "%.*s", (int)value->size,
                 (const char *)LV2_ATOM_BODY_CONST(value));
    else if (value->type == h->atom_Int)
        snprintf(r->text, sizeof r->text, "%d", ((const LV2_Atom_Int *)value)->body);
    else if (value->type == h->atom_Long)
        snprintf(r->text, sizeof r->text, "%lld",
                 (long long)((const LV2_Atom_Long *)value)->body);
    else
        snprintf(r->text, sizeof r->text, "(atom of type %u, %u bytes)", value->type,
                 value->size);
}

const char *host_reported(mv_host *h, const char *property_uri)
{
    LV2_URID p = map_uri(&process_urids, property_uri);
    for (int i = 0; i < h->n_reported; i++)
        if (h->reported[i].property == p) return h->reported[i].text;
    return NULL;
}

int host_report_count(const mv_host *h)
{
    return h->report_count;
}

/* Walks an output sequence checking that every event lies inside atom.size
 * and inside the block; MIDI goes to out, patch:Set to the reported table. */
static int read_output(mv_host *h, const LV2_Atom_Sequence *seq, uint32_t capacity, uint32_t n,
                       mv_host_midi_event *out, int max_out, int *count)
{
    if (seq->atom.type != h->atom_Sequence || seq->atom.size > capacity ||
        seq->atom.size < sizeof(LV2_Atom_Sequence_Body))
        return -1;
    const uint8_t *body = (const uint8_t *)&seq->body;
    uint32_t at = sizeof(LV2_Atom_Sequence_Body);
    int rc = 0;
    while (at < seq->atom.size) {
        const LV2_Atom_Event *ev = (const LV2_Atom_Event *)(body + at);
        if (seq->atom.size - at < sizeof(LV2_Atom_Event) ||
            ev->body.size > seq->atom.size - at - sizeof(LV2_Atom_Event))
            return -1; /* an event running past the sequence */
        if (ev->time.frames < 0 || ev->time.frames >= n) rc = -1;
        if (ev->body.type == h->midi_Event) {
            if (ev->body.size != 3) rc = -1;
            else if (*count < max_out) {
                out[*count].frame = (uint32_t)ev->time.frames;
                memcpy(out[*count].msg, LV2_ATOM_BODY_CONST(&ev->body), 3);
                ++*count;
            }
        } else if ((ev->body.type == h->atom_Object || ev->body.type == h->atom_Blank) &&
                   ((const LV2_Atom_Object *)&ev->body)->body.otype == h->patch_Set) {
            remember_report(h, (const LV2_Atom_Object *)&ev->body);
        }
        at += (uint32_t)lv2_atom_pad_size(sizeof(LV2_Atom_Event) + ev->body.size);
    }
    return rc;
}

int host_run(mv_host *h, uint32_t n, mv_host_midi_event *out, int max_out, int *n_out)
{
    lv2_atom_forge_pop(&h->forge, &h->seq_frame);
    for (uint32_t i = 0; i < h->n_atom_out; i++) {
        LV2_Atom_Sequence *seq = (LV2_Atom_Sequence *)h->out_buf[i];
        uint32_t capacity = h->atom_out[i] == h->midi_out ? h->out_capacity : ATOM_BUFFER_BYTES;
        seq->atom.type = h->atom_Chunk;
        seq->atom.size = capacity - sizeof(LV2_Atom);
    }
    wait_for_late_requests(h);
    h->in_run = true;
    hook(h, true, true);
    lilv_instance_run(h->instance, n);
    hook(h, false, true);
    h->in_run = false;
    int count = 0, rc = 0;
    for (uint32_t i = 0; i < h->n_atom_out; i++) {
        uint32_t capacity = h->atom_out[i] == h->midi_out ? h->out_capacity : ATOM_BUFFER_BYTES;
        if (read_output(h, (const LV2_Atom_Sequence *)h->out_buf[i],
                        capacity - (uint32_t)sizeof(LV2_Atom), n, out, max_out, &count))
            rc = -1;
    }
    *n_out = count;
    h->frames_run += n;
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

/* ------------------------------------------------------------ state */

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size,
                                  uint32_t *type)
{
    mv_host *h = user_data;
    int i = port_index(h, symbol);
    if (i < 0 || (uint32_t)i == h->control_in) {
        *size = *type = 0;
        return NULL;
    }
    for (uint32_t k = 0; k < h->n_atom_out; k++)
        if ((uint32_t)i == h->atom_out[k]) {
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

int host_restore_state_features(mv_host *h, void *state, bool with_schedule)
{
    if (!state) return -1;
    lilv_state_restore(state, h->instance, set_port_value, h, 0,
                       with_schedule ? h->features : h->features_no_schedule);
    return 0;
}

int host_restore_state(mv_host *h, void *state)
{
    return host_restore_state_features(h, state, true);
}

int host_call_save(mv_host *h, LV2_State_Store_Function store, void *handle)
{
    const LV2_State_Interface *iface =
        lilv_instance_get_extension_data(h->instance, LV2_STATE__interface);
    if (!iface) return -1;
    return iface->save(lilv_instance_get_handle(h->instance), store, handle,
                       LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, h->features) == LV2_STATE_SUCCESS
               ? 0
               : -1;
}

int host_call_restore(mv_host *h, LV2_State_Retrieve_Function retrieve, void *handle)
{
    const LV2_State_Interface *iface =
        lilv_instance_get_extension_data(h->instance, LV2_STATE__interface);
    if (!iface) return -1;
    return (int)iface->restore(lilv_instance_get_handle(h->instance), retrieve, handle,
                               LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, h->features);
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
