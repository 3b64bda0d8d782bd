/* morphvae LV2 plugin: lifecycle and the audio thread (run).
 * run() follows the host transport on the 16th grid and plays the decoded bars
 * it holds (slot[bar & 1]); whenever the bar it needs now or next is missing or
 * was decoded for other control values, it asks the worker for it (worker.c).
 * Timing is split at event times (as eg-metro) and at step starts, so every
 * note lands on its step's frame whatever the block size. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>

#include "midi_events.h"
#include "notes.h"
#include "plugin.h"
#include "tokens.h"

#define DEFAULT_MODEL_FILE "model.mvae" /* in the bundle */

static void map_uris(LV2_URID_Map *map, mv_uris *u)
{
#define MAP(uri) map->map(map->handle, uri)
    u->atom_Blank = MAP(LV2_ATOM__Blank);
    u->atom_Object = MAP(LV2_ATOM__Object);
    u->atom_Path = MAP(LV2_ATOM__Path);
    u->atom_Int = MAP(LV2_ATOM__Int);
    u->atom_Float = MAP(LV2_ATOM__Float);
    u->atom_Double = MAP(LV2_ATOM__Double);
    u->atom_Long = MAP(LV2_ATOM__Long);
    u->atom_String = MAP(LV2_ATOM__String);
    u->atom_Chunk = MAP(LV2_ATOM__Chunk);
    u->atom_Vector = MAP(LV2_ATOM__Vector);
    u->atom_Sequence = MAP(LV2_ATOM__Sequence);
    u->atom_URID = MAP(LV2_ATOM__URID);
    u->atom_eventTransfer = MAP(LV2_ATOM__eventTransfer);
    u->midi_Event = MAP(LV2_MIDI__MidiEvent);
    u->patch_Set = MAP(LV2_PATCH__Set);
    u->patch_property = MAP(LV2_PATCH__property);
    u->patch_value = MAP(LV2_PATCH__value);
    u->time_Position = MAP(LV2_TIME__Position);
    u->time_bar = MAP(LV2_TIME__bar);
    u->time_barBeat = MAP(LV2_TIME__barBeat);
    u->time_beat = MAP(LV2_TIME__beat);
    u->time_beatUnit = MAP(LV2_TIME__beatUnit);
    u->time_beatsPerBar = MAP(LV2_TIME__beatsPerBar);
    u->time_beatsPerMinute = MAP(LV2_TIME__beatsPerMinute);
    u->time_speed = MAP(LV2_TIME__speed);
    u->mv_model = MAP(MV_NS "model");
    u->mv_model_checksum = MAP(MV_NS "modelChecksum");
    u->mv_anchor_file[0] = MAP(MV_NS "anchorAFile");
    u->mv_anchor_file[1] = MAP(MV_NS "anchorBFile");
    u->mv_anchor_seed[0] = MAP(MV_NS "anchorASeed");
    u->mv_anchor_seed[1] = MAP(MV_NS "anchorBSeed");
    u->mv_anchor_z[0] = MAP(MV_NS "anchorAZ");
    u->mv_anchor_z[1] = MAP(MV_NS "anchorBZ");
    u->mv_anchor_kind[0] = MAP(MV_NS "anchorAKind");
    u->mv_anchor_kind[1] = MAP(MV_NS "anchorBKind");
    u->mv_anchor_label[0] = MAP(MV_NS "anchorALabel");
    u->mv_anchor_label[1] = MAP(MV_NS "anchorBLabel");
#undef MAP
}

/* ---------------------------------------------------------------- lifecycle */

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle_path, const LV2_Feature *const *features)
{
    (void)descriptor;
    mv_plugin *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    LV2_Log_Log *log = NULL;
    for (int i = 0; features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map)) self->map = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_WORKER__schedule))
            self->schedule = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_LOG__log)) log = features[i]->data;
    }
    lv2_log_logger_init(&self->logger, self->map, log);
    if (!self->map || !self->schedule) {
        lv2_log_error(&self->logger, "morphvae: the host lacks %s\n",
                      !self->map ? LV2_URID__map : LV2_WORKER__schedule);
        free(self);
        return NULL;
    }
    map_uris(self->map, &self->uris);
    lv2_atom_forge_init(&self->forge, self->map);
    clock_init(&self->clock, rate);
    for (int which = 0; which < 2; which++) {
        self->restore.anchor_z[which] = calloc(MV_MAX_SIZE, sizeof(float));
        if (!self->restore.anchor_z[which]) goto fail;
        snprintf(self->anchor[which].label, sizeof self->anchor[which].label,
                 "model default %c", which ? 'B' : 'A');
    }

    /* The shipped model; without it the plugin stays silent until one is set. */
    char err[512];
    size_t len = strlen(bundle_path);
    snprintf(self->default_model, sizeof self->default_model, "%s%s%s", bundle_path,
             len && bundle_path[len - 1] == '/' ? "" : "/", DEFAULT_MODEL_FILE);
    self->work_engine = engine_load(self->default_model, err, sizeof err);
    if (!self->work_engine) lv2_log_error(&self->logger, "morphvae: %s\n", err);
    self->engine = self->work_engine;
    self->last_requested_bar = -1;
    return self;
fail:
    free(self->restore.anchor_z[0]);
    free(self->restore.anchor_z[1]);
    free(self);
    return NULL;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    mv_plugin *self = instance;
    if (port == PORT_CONTROL) self->control = data;
    else if (port == PORT_MIDI_OUT) self->midi_out = data;
    else if (port < PORT_COUNT) self->port[port] = data;
}

static void forget_bars(mv_plugin *self)
{
    self->slot[0].valid = self->slot[1].valid = false;
    self->decode_version++;
}

static void activate(LV2_Handle instance)
{
    mv_plugin *self = instance;
    double rate = self->clock.rate;
    clock_init(&self->clock, rate);
    forget_bars(self);
    /* A host may drop worker replies across deactivation: ask afresh. */
    self->decode_in_flight = false;
}

/* ------------------------------------------------------------ MIDI output */

static void write_midi(mv_plugin *self, int64_t frame, uint8_t status, uint8_t pitch,
                       uint8_t velocity)
{
    const uint8_t msg[3] = {status, pitch, velocity};
    if (!lv2_atom_forge_frame_time(&self->forge, frame)) return;
    if (!lv2_atom_forge_atom(&self->forge, 3, self->uris.midi_Event)) return;
    lv2_atom_forge_write(&self->forge, msg, 3);
}

static void note_off_at(mv_plugin *self, int i, int64_t frame)
{
    mv_sounding *s = &self->sounding[i];
    write_midi(self, frame, LV2_MIDI_MSG_NOTE_OFF | s->channel, s->pitch, 0);
    self->sounding[i] = self->sounding[--self->n_sounding];
}

static void all_notes_off(mv_plugin *self, int64_t frame)
{
    while (self->n_sounding) note_off_at(self, self->n_sounding - 1, frame);
    self->melody_sounding = false;
}

static void end_melody_note(mv_plugin *self, int64_t frame)
{
    if (!self->melody_sounding) return;
    for (int i = self->n_sounding - 1; i >= 0; i--)
        if (self->sounding[i].off_step == INT64_MAX) note_off_at(self, i, frame);
    self->melody_sounding = false;
}

static void note_on(mv_plugin *self, int64_t frame, uint8_t channel, int pitch,
                    int64_t off_step)
{
    /* The same pitch twice on a channel: end the first so offs stay paired. */
    for (int i = self->n_sounding - 1; i >= 0; i--)
        if (self->sounding[i].channel == channel && self->sounding[i].pitch == pitch)
            note_off_at(self, i, frame);
    if (self->n_sounding == MV_MAX_SOUNDING) return;
    float v = *self->port[PORT_VELOCITY];
    uint8_t velocity = v < 1.0f ? 1 : v > 127.0f ? 127 : (uint8_t)lrintf(v);
    write_midi(self, frame, LV2_MIDI_MSG_NOTE_ON | channel, (uint8_t)pitch, velocity);
    self->sounding[self->n_sounding++] =
        (mv_sounding){.channel = channel, .pitch = (uint8_t)pitch, .off_step = off_step};
}

static int port_int(const mv_plugin *self, int port, int lo, int hi)
{
    float v = *self->port[port];
    int i = isfinite(v) ? (int)lrintf(v) : lo;
    return i < lo ? lo : i > hi ? hi : i;
}

/* ------------------------------------------------------------ playing steps */

static const mv_bar_slot *bar_for(const mv_plugin *self, int64_t bar)
{
    const mv_bar_slot *s = &self->slot[bar & 1];
    return s->valid && s->song_bar == bar && s->engine == self->engine ? s : NULL;
}

static void play_step(mv_plugin *self, int64_t step, int64_t frame)
{
    for (int i = self->n_sounding - 1; i >= 0; i--)
        if (self->sounding[i].off_step <= step) note_off_at(self, i, frame);

    const mv_engine *e = self->engine;
    int64_t bar = clock_bar_of(&self->clock, step);
    int k = clock_step_in_bar(&self->clock, step);
    const mv_bar_slot *slot = bar_for(self, bar);
    if (!e || !slot || k >= e->steps_per_bar) {
        end_melody_note(self, frame);
        return;
    }
    int32_t token = slot->tokens[k];
    if (e->repr == MV_REPR_DRUMS) {
        for (int c = 0; c < MV_DRUM_CLASSES; c++)
            if (token & (1 << c))
                note_on(self, frame, MV_MIDI_DRUM_CHANNEL, drum_pitch_of_class(c), step + 1);
        return;
    }
    if (token == MV_MELODY_NO_EVENT) return;
    end_melody_note(self, frame);
    if (token == MV_MELODY_NOTE_OFF) return;
    int pitch = notes_shape_pitch((int)e->min_pitch + token - 2,
                                  port_int(self, PORT_TRANSPOSE, -48, 48),
                                  port_int(self, PORT_KEY, 0, 11),
                                  port_int(self, PORT_SCALE, 0, MV_N_SCALES - 1));
    uint8_t channel = (uint8_t)(port_int(self, PORT_CHANNEL, 1, 16) - 1);
    note_on(self, frame, channel, pitch, INT64_MAX);
    self->melody_sounding = true;
}

/* Plays the steps that start in frames [from, to) of the block. */
static void play_until(mv_plugin *self, uint32_t from, uint32_t to)
{
    int64_t frame;
    while ((frame = clock_step_frame(&self->clock, to - from)) >= 0) {
        play_step(self, self->clock.next_step, from + frame);
        self->clock.next_step++;
    }
    clock_advance(&self->clock, to - from);
}

/* ------------------------------------------------------------ controls */

static float port_float(const mv_plugin *self, int port, float lo, float hi)
{
    float v = *self->port[port];
    if (!isfinite(v)) return lo;
    return v < lo ? lo : v > hi ? hi : v;
}

/* Reads the controls that change what is decoded; a change makes every held
 * bar stale (still played until its replacement arrives). */
static void read_decode_controls(mv_plugin *self)
{
    mv_decode_params p;
    memset(&p, 0, sizeof p); /* padding too: params are compared with memcmp */
    p.morph = port_float(self, PORT_MORPH, 0.0f, 1.0f);
    for (int a = 0; a < MV_N_ATTRS; a++)
        p.attr[a] = port_float(self, PORT_ATTR_FIRST + a, -4.0f, 4.0f);
    p.temperature = port_float(self, PORT_TEMPERATURE, 0.0f, 4.0f);
    p.variation = port_int(self, PORT_VARIATION, 0, 1 << 20);
    p.phrase_bars = port_int(self, PORT_PHRASE_BARS, 1, MV_MAX_PHRASE_BARS);
    if (memcmp(&p, &self->params, sizeof p)) {
        self->params = p;
        self->decode_version++;
    }
}

/* ------------------------------------------------------------ worker requests */

static bool schedule(mv_plugin *self, uint32_t size, const void *msg)
{
    return self->schedule->schedule_work(self->schedule->handle, size, msg) ==
           LV2_WORKER_SUCCESS;
}

static void request_decode(mv_plugin *self)
{
    if (!self->engine || self->decode_in_flight) return;
    int64_t now = clock_bar_of(&self->clock, self->clock.next_step);
    int64_t want = -1;
    bool stale[2];
    for (int i = 0; i < 2; i++) {
        const mv_bar_slot *s = bar_for(self, now + i);
        if (!s) {
            want = now + i;
            break;
        }
        stale[i] = s->version != self->decode_version;
    }
    if (want < 0) {
        if (stale[0] && stale[1]) want = self->last_requested_bar == now ? now + 1 : now;
        else if (stale[0]) want = now;
        else if (stale[1]) want = now + 1;
        else return;
    }
    mv_msg_decode msg = {.type = MSG_DECODE,
                         .version = self->decode_version,
                         .engine = self->engine,
                         .song_bar = want,
                         .params = self->params};
    if (schedule(self, sizeof msg, &msg)) {
        self->decode_in_flight = true;
        self->last_requested_bar = want;
    }
}

/* ------------------------------------------------------------ events */

static double number_of(const mv_uris *u, const LV2_Atom *a)
{
    if (!a) return NAN;
    if (a->type == u->atom_Float) return ((const LV2_Atom_Float *)a)->body;
    if (a->type == u->atom_Double) return ((const LV2_Atom_Double *)a)->body;
    if (a->type == u->atom_Int) return ((const LV2_Atom_Int *)a)->body;
    if (a->type == u->atom_Long) return (double)((const LV2_Atom_Long *)a)->body;
    return NAN;
}

static void on_position(mv_plugin *self, const LV2_Atom_Object *obj, int64_t frame)
{
    const mv_uris *u = &self->uris;
    const LV2_Atom *bar = NULL, *bar_beat = NULL, *beat = NULL, *bpb = NULL, *unit = NULL,
                   *bpm = NULL, *speed = NULL;
    lv2_atom_object_get(obj, u->time_bar, &bar, u->time_barBeat, &bar_beat, u->time_beat,
                        &beat, u->time_beatsPerBar, &bpb, u->time_beatUnit, &unit,
                        u->time_beatsPerMinute, &bpm, u->time_speed, &speed, 0);
    bool was_rolling = clock_rolling(&self->clock);
    bool jumped = clock_set_position(&self->clock, number_of(u, bar), number_of(u, bar_beat),
                                     number_of(u, beat), number_of(u, bpb), number_of(u, unit),
                                     number_of(u, bpm), number_of(u, speed));
    if (jumped || (was_rolling && !clock_rolling(&self->clock))) all_notes_off(self, frame);
}

/* An anchor given as a vector of floats (atom:Vector of atom:Float). */
static void send_anchor_vector(mv_plugin *self, int which, const LV2_Atom *value)
{
    const LV2_Atom_Vector *v = (const LV2_Atom_Vector *)value;
    if (value->type != self->uris.atom_Vector || value->size < sizeof v->body ||
        v->body.child_type != self->uris.atom_Float || v->body.child_size != sizeof(float))
        return;
    uint32_t n = (value->size - (uint32_t)sizeof v->body) / sizeof(float);
    if (n == 0 || n > MV_MAX_VECTOR_MSG) return;
    mv_msg_vector msg = {.type = MSG_ANCHOR_VECTOR, .which = which, .n = n};
    memcpy(msg.z, v + 1, n * sizeof(float));
    schedule(self, (uint32_t)(offsetof(mv_msg_vector, z) + n * sizeof(float)), &msg);
}

static void on_patch_set(mv_plugin *self, const LV2_Atom_Object *obj)
{
    const mv_uris *u = &self->uris;
    const LV2_Atom_URID *property = NULL;
    const LV2_Atom *value = NULL;
    lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
    if (!property || property->atom.type != u->atom_URID || !value) return;
    mv_msg_anchor msg = {0};
    for (int which = 0; which < 2; which++) {
        if (property->body == u->mv_anchor_seed[which]) {
            double seed = number_of(u, value);
            if (!isfinite(seed)) return;
            msg.type = MSG_ANCHOR_SEED;
            msg.which = which;
            msg.seed = (uint32_t)(int64_t)seed;
            schedule(self, sizeof msg, &msg);
            return;
        }
    }
    for (int which = 0; which < 2; which++) {
        if (property->body == u->mv_anchor_z[which]) {
            send_anchor_vector(self, which, value);
            return;
        }
    }
    if (value->type != u->atom_Path || value->size == 0 || value->size >= MV_PATH_MAX) return;
    if (property->body == u->mv_model) {
        msg.type = MSG_LOAD_MODEL;
    } else if (property->body == u->mv_anchor_file[0] || property->body == u->mv_anchor_file[1]) {
        msg.type = MSG_ANCHOR_FILE;
        msg.which = property->body == u->mv_anchor_file[1];
    } else {
        return;
    }
    memcpy(msg.path, LV2_ATOM_BODY_CONST(value), value->size);
    msg.path[value->size] = '\0';
    schedule(self, sizeof msg, &msg);
}

static void on_event(mv_plugin *self, const LV2_Atom_Event *ev, int64_t frame)
{
    const mv_uris *u = &self->uris;
    if (ev->body.type != u->atom_Object && ev->body.type != u->atom_Blank) return;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
    if (obj->body.otype == u->time_Position) on_position(self, obj, frame);
    else if (obj->body.otype == u->patch_Set) on_patch_set(self, obj);
}

/* ------------------------------------------------------------ run */

static void run(LV2_Handle instance, uint32_t n_frames)
{
    mv_plugin *self = instance;
    const uint32_t capacity = self->midi_out->atom.size;
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->midi_out, capacity);
    lv2_atom_forge_sequence_head(&self->forge, &seq, 0);

    if (atomic_load_explicit(&self->restore_pending, memory_order_acquire)) {
        const uint32_t type = MSG_RESTORE;
        if (schedule(self, sizeof type, &type))
            atomic_store_explicit(&self->restore_pending, false, memory_order_relaxed);
    }
    if (self->notes_off_pending) {
        all_notes_off(self, 0);
        self->notes_off_pending = false;
    }
    read_decode_controls(self);

    uint32_t done = 0;
    LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
        int64_t t = ev->time.frames;
        uint32_t at = t < (int64_t)done ? done : t > (int64_t)n_frames ? n_frames : (uint32_t)t;
        play_until(self, done, at);
        done = at;
        on_event(self, ev, at);
    }
    play_until(self, done, n_frames);
    request_decode(self);
    lv2_atom_forge_pop(&self->forge, &seq);
}

static void deactivate(LV2_Handle instance)
{
    /* There is no output buffer here: notes still sounding get their
     * note-offs at the start of the first run() after re-activation. */
    mv_plugin *self = instance;
    self->notes_off_pending = true;
}

static void cleanup(LV2_Handle instance)
{
    mv_plugin *self = instance;
    if (self->engine != self->work_engine) engine_free((mv_engine *)self->engine);
    engine_free(self->work_engine);
    free(self->restore.anchor_z[0]);
    free(self->restore.anchor_z[1]);
    free(self);
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {mv_work, mv_work_response, NULL};
    if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
    if (!strcmp(uri, LV2_STATE__interface)) return mv_state_interface();
    return NULL;
}

static const LV2_Descriptor descriptor = {
    MV_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
