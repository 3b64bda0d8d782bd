/* morphvae LV2 plugin: lifecycle and the audio thread (run).
 * run() follows the host transport on the 16th grid and plays the decoded bars
 * it holds (slot[bar & 1]); whenever the bar it needs now or next is missing or
 * was decoded for other control values, it asks the worker for it (worker.c).
 * Timing is split at event times (as eg-metro) and at step starts, so every
 * note lands on its step's frame whatever the block size. While Capture is
 * on, the MIDI notes arriving on the control port are recorded at the
 * position of their frame and each completed phrase goes to the worker
 * (capture.h). While Chords follows the input, the notes held on it are
 * chords instead (chord_follow.h): a new chord asks for the bars it changes,
 * and each decode request carries the chords of its bar's chain. A groove
 * model's hits sound off the grid by their offsets (x Feel): each step
 * queues its own hits and the next step's early ones (mv_hit_queue), and
 * each is written at its frame, in whichever block holds it. */
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

#include "chord.h"
#include "chord_steer.h"
#include "display_feed.h"
#include "groove.h"
#include "lv2_inline_display.h"
#include "midi_events.h"
#include "notes.h"
#include "plugin.h"
#include "token_text.h"
#include "tokens.h"

#define DEFAULT_MODEL_FILE "model.mvae" /* in the bundle */
/* A hit is due at a frame when it lies within this many frames of it (as
 * clock.c's steps). */
#define HIT_FRAME_TOLERANCE 1e-6
/* A decode request unanswered for this long (in seconds of audio) was lost by
 * the host: it is asked again. */
#define REQUEST_TIMEOUT_S 2.0

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
    u->atom_Vector = MAP(LV2_ATOM__Vector);
    u->atom_URID = MAP(LV2_ATOM__URID);
    u->midi_Event = MAP(LV2_MIDI__MidiEvent);
    u->patch_Set = MAP(LV2_PATCH__Set);
    u->patch_Get = MAP(LV2_PATCH__Get);
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
    u->mv_bundle_model = MAP(MV_NS "bundleModel");
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
    u->mv_anchor_tokens[0] = MAP(MV_NS "anchorATokens");
    u->mv_anchor_tokens[1] = MAP(MV_NS "anchorBTokens");
    u->mv_capture_status = MAP(MV_NS "captureStatus");
    u->mv_chord = MAP(MV_NS "chord");
#undef MAP
}

/* ---------------------------------------------------------------- lifecycle */

static void cleanup(LV2_Handle instance);

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
    midi_out_init(&self->out, self->map);
    lv2_atom_forge_init(&self->notify, self->map);
    clock_init(&self->clock, rate);
    atomic_init(&self->restore_forward, false);
    atomic_init(&self->outbox_waiting, false);
    atomic_init(&self->epoch, 0u);
    atomic_init(&self->chord_saved, 0u);
    chord_input_clear(&self->chord_in);
    chord_history_clear(&self->chord_history);
    if (snapshot_init(&self->saved) || !(self->display = display_create(features))) goto fail;
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
    self->engine = self->handed_engine = self->work_engine;
    self->last_requested_bar = INT64_MIN; /* none yet (every bar, negative too, is a bar) */
    snprintf(self->reported.path[0], MV_PATH_MAX, "%s",
             self->work_engine ? engine_info(self->work_engine)->path : "");
    /* Hosts learn the values at the first run; the capture status once there
     * is one (Ardour 7 knows only patch:writable properties and warns about a
     * patch:Set of the read-only captureStatus at every session load). */
    self->reported.due = REPORT_ALL & ~REPORT_CAPTURE;
    worker_publish(self);
    return self;
fail:
    cleanup(self);
    return NULL;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    mv_plugin *self = instance;
    if (port == PORT_CONTROL) self->control = data;
    else if (port == PORT_MIDI_OUT) self->midi_out_port = data;
    else if (port == PORT_NOTIFY) self->notify_port = data;
    else if (port < PORT_COUNT) self->port[port] = data;
}

static void forget_bars(mv_plugin *self)
{
    self->slot[0].valid = self->slot[1].valid = false;
    self->decode_version++;
}

/* Queued groove hits not sounded yet are forgotten (stop, relocation, a
 * new engine, deactivation), with the next step's early hits queued. */
static void hits_drop(mv_plugin *self)
{
    self->hits.n = 0;
    self->hits.early_valid = false;
}

static void activate(LV2_Handle instance)
{
    mv_plugin *self = instance;
    hits_drop(self);
    /* A phrase is never continued across deactivation. */
    capture_reset(&self->capture, self->capture.target, self->capture.phrase_steps);
    /* Without a host transport the plugin free-runs from bar 1 again; with
     * one, it stays where the host last said until the host says more. */
    if (!self->clock.host_transport) clock_init(&self->clock, self->clock.rate);
    forget_bars(self);
    /* A host may drop worker replies across deactivation: ask afresh. */
    self->request_in_flight = 0;
    self->active = true;
}

/* ------------------------------------------------------------ playing steps */

/* Each control's declared range and default (ttl/morphvae.ttl.in). A value
 * past an end reads as that end (+Inf the maximum, -Inf the minimum); NaN,
 * and a port the host left unconnected, read as the default. */
typedef struct control_range {
    float min, max, def;
} control_range;

static const control_range control_ranges[PORT_COUNT] = {
    [PORT_MORPH] = {0, 1, 0},
    [PORT_ATTR_FIRST... PORT_ATTR_FIRST + MV_N_ATTRS - 1] = {-4, 4, 0},
    [PORT_TEMPERATURE] = {0, 2, 0},
    [PORT_VARIATION] = {0, 999, 0},
    [PORT_PHRASE_BARS] = {0, MV_MAX_PHRASE_BARS, 0}, /* 0: the model's length */
    [PORT_VELOCITY] = {1, 127, 100},
    [PORT_CHANNEL] = {1, 16, 1},
    [PORT_TRANSPOSE] = {-24, 24, 0},
    [PORT_KEY] = {0, 11, 0},
    [PORT_SCALE] = {0, MV_N_SCALES - 1, 0},
    [PORT_EXACT_ENDS] = {0, 1, 1},
    [PORT_CAPTURE] = {0, 2, 0},
    [PORT_CHORDS] = {0, 1, 0},
    [PORT_CHORD_PULL] = {0, 1, CHORD_PULL_DEFAULT},
    [PORT_FEEL] = {0, 1, 1},
};

static float port_float(const mv_plugin *self, int port)
{
    const control_range *r = &control_ranges[port];
    float v = self->port[port] ? *self->port[port] : r->def;
    if (isnan(v)) return r->def;
    return v < r->min ? r->min : v > r->max ? r->max : v;
}

static int port_int(const mv_plugin *self, int port)
{
    return (int)lrintf(port_float(self, port));
}

static const mv_bar_slot *bar_for(const mv_plugin *self, int64_t bar)
{
    const mv_bar_slot *s = &self->slot[bar & 1];
    return s->valid && s->song_bar == bar && self->engine &&
                   s->engine_serial == engine_info(self->engine)->serial
               ? s
               : NULL;
}

static void note_on(mv_plugin *self, int64_t frame, uint8_t channel, int pitch, int64_t off_step)
{
    uint8_t velocity = (uint8_t)port_int(self, PORT_VELOCITY);
    midi_out_note_on(&self->out, frame, channel, (uint8_t)pitch, velocity, off_step);
}

/* A step of a piano roll: the notes of the model pitches that stop sounding or
 * are struck again end, then every model pitch that sounds and holds no note
 * (struck, or sounding without a note: the first step played of a bar decoded
 * for other controls, a note-on refused) gets one, transposed and snapped as
 * it starts (a held note keeps its pitch, as a melody's does). Model pitches
 * that land on one output pitch share its note (midi_out.h): struck at once
 * they make one note-on, and the note ends when the last of them ends. */
static void play_roll_step(mv_plugin *self, const mv_engine_info *e, const mv_roll_step *st,
                           int64_t frame)
{
    uint64_t held[2];
    midi_out_roll_held(&self->out, held);
    for (int w = 0; w < 2; w++) {
        uint64_t ends = held[w] & (~st->sounds[w] | st->starts[w]);
        held[w] &= ~ends;
        for (; ends; ends &= ends - 1)
            midi_out_roll_release(&self->out, w * 64 + __builtin_ctzll(ends), frame);
    }
    int transpose = port_int(self, PORT_TRANSPOSE), key = port_int(self, PORT_KEY),
        scale = port_int(self, PORT_SCALE);
    uint8_t channel = (uint8_t)(port_int(self, PORT_CHANNEL) - 1);
    uint8_t velocity = (uint8_t)port_int(self, PORT_VELOCITY);
    uint64_t struck[2] = {0, 0}; /* output pitches given a note-on at this step */
    for (int w = 0; w < 2; w++) {
        for (uint64_t starts = st->sounds[w] & ~held[w]; starts; starts &= starts - 1) {
            int p = w * 64 + __builtin_ctzll(starts);
            if (p >= e->n_pitches) break;
            int q = notes_shape_pitch((int)e->min_pitch + p, transpose, key, scale);
            bool strike = roll_bit(st->starts, p) && !roll_bit(struck, q);
            if (midi_out_roll_strike(&self->out, frame, channel, (uint8_t)q, velocity, p,
                                     strike) == 2)
                struck[q >> 6] |= 1ull << (q & 63);
        }
    }
}

/* ------------------------------------------------------------ groove hits */

static void hit_queue(mv_plugin *self, int64_t step, double offset, int pitch, int velocity)
{
    mv_hit_queue *q = &self->hits;
    if (q->n == MV_MAX_QUEUED_HITS) return;
    q->hit[q->n++] = (mv_queued_hit){.step = step, .offset = offset, .off_step = step + 1,
                                     .pitch = (uint8_t)pitch, .velocity = (uint8_t)velocity};
}

/* Writes the queued hits due before frame `limit` of the stretch of the block
 * that starts at frame `from` (where the clock is), earliest first, each at
 * its frame (rounded up, as a step's: clock_step_frame). A hit whose frame
 * has passed (queued late) sounds at once. */
static void hits_play_before(mv_plugin *self, uint32_t from, int64_t limit)
{
    mv_hit_queue *q = &self->hits;
    const mv_clock *c = &self->clock;
    if (!q->n || !clock_rolling(c)) return;
    const double steps_per_frame = clock_steps_per_frame(c);
    while (q->n) {
        int first = 0;
        double at = 0;
        for (int i = 0; i < q->n; i++) {
            double f = ((double)q->hit[i].step - c->pos + q->hit[i].offset) / steps_per_frame;
            if (i == 0 || f < at) first = i, at = f;
        }
        double frame = ceil(at - HIT_FRAME_TOLERANCE);
        if (frame < 0) frame = 0;
        if (frame >= (double)limit) return;
        mv_queued_hit h = q->hit[first];
        q->hit[first] = q->hit[--q->n];
        midi_out_note_on(&self->out, (int64_t)from + (int64_t)frame, MV_MIDI_DRUM_CHANNEL,
                         h.pitch, h.velocity, h.off_step);
    }
}

/* A groove step, reached at its start: its hits are queued, each at its
 * offset x Feel from the step (those ahead of the grid were queued by the step
 * before, and an instrument queued so plays nothing more at the step; when it
 * could not, its bar not decoded yet or the transport just arrived, they
 * sound on the step), with velocity (1 - Feel) x Velocity +
 * Feel x its own; and the next step's hits ahead of the grid, which sound
 * within this step (the next bar's first step's in this bar). Feel 0: every
 * hit on its step at the Velocity control's velocity. */
static void play_groove_step(mv_plugin *self, const mv_engine_info *e, int64_t step)
{
    const float feel = port_float(self, PORT_FEEL);
    const float velocity = port_float(self, PORT_VELOCITY);
    mv_hit_queue *q = &self->hits;
    for (int next = 0; next < 2; next++) {
        const int64_t s = step + next;
        const mv_bar_slot *slot = bar_for(self, clock_bar_of(&self->clock, s));
        const int k = clock_step_in_bar(&self->clock, s);
        if (!slot || k >= e->steps_per_bar) continue;
        const uint32_t queued = q->early_valid && q->early_step == s ? q->early_mask : 0;
        if (next) {
            q->early_step = s;
            q->early_valid = true;
            q->early_mask = 0;
        }
        const uint8_t *st = slot->played.groove[k];
        for (int i = 0; i < MV_GROOVE_VOICES; i++) {
            if (!st[MV_GROOVE_HIT + i]) continue;
            const bool early = (int8_t)st[MV_GROOVE_OFFSET + i] < 0;
            if (next ? !early : (queued >> i) & 1u) continue;
            double offset = !next && early ? 0.0 : feel * groove_offset_steps(st, i);
            long v = lrintf((1.0f - feel) * velocity + feel * st[MV_GROOVE_VELOCITY + i]);
            hit_queue(self, s, offset, drum_pitch_of_class(i), v < 1 ? 1 : v > 127 ? 127 : (int)v);
            if (next) q->early_mask |= 1u << i;
        }
    }
}

static void play_step(mv_plugin *self, int64_t step, int64_t frame)
{
    if (self->notes_off_pending) {
        midi_out_end_all(&self->out, frame);
        hits_drop(self);
        self->notes_off_pending = false;
    }
    midi_out_end_due(&self->out, step, frame);

    const mv_engine_info *e = self->engine ? engine_info(self->engine) : NULL;
    int64_t bar = clock_bar_of(&self->clock, step);
    int k = clock_step_in_bar(&self->clock, step);
    const mv_bar_slot *slot = bar_for(self, bar);
    if (e && e->repr == MV_REPR_GROOVE) {
        if (slot && k < e->steps_per_bar)
            chord_history_record(&self->chord_history, step, slot->chords[k]);
        play_groove_step(self, e, step);
        return;
    }
    if (!e || !slot || k >= e->steps_per_bar) {
        midi_out_end_open(&self->out, frame);
        return;
    }
    chord_history_record(&self->chord_history, step, slot->chords[k]);
    if (e->repr == MV_REPR_ROLL) {
        play_roll_step(self, e, &slot->played.roll[k], frame);
        return;
    }
    int32_t token = slot->played.tokens[k];
    if (e->repr == MV_REPR_DRUMS) {
        for (int c = 0; c < MV_DRUM_CLASSES; c++)
            if (token & (1 << c))
                note_on(self, frame, MV_MIDI_DRUM_CHANNEL, drum_pitch_of_class(c), step + 1);
        return;
    }
    if (token == MV_MELODY_NO_EVENT) return;
    midi_out_end_open(&self->out, frame);
    if (token == MV_MELODY_NOTE_OFF || token < 2 || token >= (int32_t)e->n_classes) return;
    int pitch = notes_shape_pitch((int)e->min_pitch + token - 2, port_int(self, PORT_TRANSPOSE),
                                  port_int(self, PORT_KEY), port_int(self, PORT_SCALE));
    uint8_t channel = (uint8_t)(port_int(self, PORT_CHANNEL) - 1);
    note_on(self, frame, channel, pitch, MV_OFF_OPEN);
}

/* ------------------------------------------------------------ capture */

static void request(mv_plugin *self, const mv_msg *m);

/* The capture control and the model's window length, read at the start of
 * run(): a change drops the partial phrase, handing a complete one over
 * first (capture switched off right at a phrase's end). */
static void capture_follow_controls(mv_plugin *self)
{
    mv_capture *c = &self->capture;
    /* While Chords follows the input, the input is chords: nothing is
     * captured (as with Capture off). */
    int target = self->chords_on ? 0 : port_int(self, PORT_CAPTURE);
    const mv_engine_info *e = self->engine ? engine_info(self->engine) : NULL;
    /* (A window an anchor can keep: a roll's is packed, engine.h.) */
    int steps = e && e->window_tokens <= MV_MAX_ANCHOR_TOKENS
                    ? e->n_bars * e->steps_per_bar
                    : 0;
    if (target == c->target && steps == c->phrase_steps) return;
    if (clock_rolling(&self->clock) &&
        capture_interrupt(c, self->clock.pos, false, 0, &self->capture_msg.capture))
        request(self, &self->capture_msg);
    capture_reset(c, target, steps);
}

/* The grid reaches step: a phrase may be complete. */
static void capture_at_step(mv_plugin *self, int64_t step)
{
    if (!capture_active(&self->capture)) return;
    bool bar_line = clock_step_in_bar(&self->clock, step) == 0;
    if (capture_step(&self->capture, step, bar_line, &self->capture_msg.capture))
        request(self, &self->capture_msg);
}

/* ------------------------------------------------------------ chords */

static void request_decode(mv_plugin *self, bool refresh_stale);

/* The chord the steps to come are decoded with: the one followed, moved
 * against Transpose so that the transposed notes fit the chord held. */
static void chords_update_now(mv_plugin *self)
{
    self->chord_now = self->chords_on ? chord_transpose(self->chord_in.memory,
                                                        -port_int(self, PORT_TRANSPOSE))
                                      : 0;
    atomic_store_explicit(&self->chord_saved, self->chord_in.memory, memory_order_relaxed);
}

/* The Chords control, read at the start of run(): switched on, the chord
 * held now (if any) is followed; switched off, the chord is forgotten. */
static void chords_follow_controls(mv_plugin *self)
{
    bool on = port_int(self, PORT_CHORDS) == 1;
    if (on != self->chords_on) {
        self->chords_on = on;
        self->chord_pending = false;
        self->chord_in.memory = MV_CHORD_NONE;
        if (on) chord_input_update(&self->chord_in);
    }
    chords_update_now(self);
}

/* The chords to decode song bar `bar` with, into self->chord_window (*n of
 * them: its chain's steps), and their key; 0 and none when the plugin does
 * not follow chords, the model takes none, or every chord is none (which
 * decodes exactly as no chords). */
static uint64_t chords_for_bar(mv_plugin *self, int64_t bar, int *n)
{
    *n = 0;
    const mv_engine_info *e = self->engine ? engine_info(self->engine) : NULL;
    if (!self->chords_on || !e || !e->chords) return 0;
    int m = engine_model_bar(self->engine, &self->params, bar);
    int steps = chord_follow_window(&self->chord_history, bar - m, m + 1, e->steps_per_bar,
                                    self->clock.bar_steps, self->clock.next_step,
                                    self->chord_now, self->chord_window);
    bool any = false;
    for (int i = 0; i < steps && !any; i++) any = self->chord_window[i] != MV_CHORD_NONE;
    if (!any) return 0;
    *n = steps;
    return chord_key(self->chord_window, steps);
}

/* The notes held changed at the frame run() has reached (all the events of
 * that frame read: the notes of a chord struck at once make one chord, not
 * one per note): a new chord asks at once for the bars it changes. */
static void chords_apply(mv_plugin *self)
{
    if (!self->chord_pending) return;
    self->chord_pending = false;
    if (!chord_input_update(&self->chord_in)) return;
    chords_update_now(self);
    request_decode(self, false);
}

/* A MIDI event on the control port. The held notes are followed whatever
 * the Chords control says (switched on, it finds the chord already held);
 * while it is on, nothing is captured. Otherwise notes are captured while
 * the transport rolls (there is no grid to put them on otherwise). */
static void on_midi(mv_plugin *self, const uint8_t *msg, uint32_t size)
{
    bool held_changed = chord_input_midi(&self->chord_in, msg, size);
    if (self->chords_on) {
        self->chord_pending |= held_changed;
        return;
    }
    if (!capture_active(&self->capture) || !clock_rolling(&self->clock) || size < 3) return;
    uint8_t type = msg[0] & 0xF0, channel = msg[0] & 0x0F, pitch = msg[1] & 0x7F,
            velocity = msg[2] & 0x7F;
    if (type == 0x90 && velocity > 0)
        capture_note_on(&self->capture, self->clock.pos, channel, pitch, velocity);
    else if (type == 0x80 || type == 0x90)
        capture_note_off(&self->capture, self->clock.pos, channel, pitch);
}

/* Plays the steps that start in frames [from, to) of the block, at most
 * MV_MAX_STEPS_PER_RUN in one run() (*budget counts down): a tempo no host
 * sends would otherwise make the block as long as the steps in it. */
static void play_until(mv_plugin *self, uint32_t from, uint32_t to, int *budget)
{
    int64_t frame;
    while ((frame = clock_step_frame(&self->clock, to - from)) >= 0) {
        if (*budget == 0) {
            clock_advance(&self->clock, to - from);
            clock_skip_to_position(&self->clock);
            midi_out_end_all(&self->out, to - 1);
            hits_drop(self);
            return;
        }
        --*budget;
        /* groove hits before the step, then the step (its note-offs first),
         * then the hits on its frame */
        hits_play_before(self, from, frame);
        capture_at_step(self, self->clock.next_step);
        play_step(self, self->clock.next_step, from + frame);
        hits_play_before(self, from, frame + 1);
        self->clock.next_step++;
    }
    hits_play_before(self, from, (int64_t)(to - from));
    clock_advance(&self->clock, to - from);
}

/* ------------------------------------------------------------ controls */

/* Reads the controls that change what is decoded; a change makes every held
 * bar stale (still played until its replacement arrives). */
static void read_decode_controls(mv_plugin *self)
{
    mv_decode_params p;
    memset(&p, 0, sizeof p); /* padding too: params are compared with memcmp */
    p.morph = port_float(self, PORT_MORPH);
    for (int a = 0; a < MV_N_ATTRS; a++)
        p.attr[a] = port_float(self, PORT_ATTR_FIRST + a);
    p.temperature = port_float(self, PORT_TEMPERATURE);
    p.variation = port_int(self, PORT_VARIATION);
    p.phrase_bars = port_int(self, PORT_PHRASE_BARS);
    p.exact_ends = port_int(self, PORT_EXACT_ENDS);
    p.chord_pull = port_float(self, PORT_CHORD_PULL);
    if (memcmp(&p, &self->params, sizeof p)) {
        self->params = p;
        self->decode_version++;
    }
}

/* ------------------------------------------------------------ worker requests */

static bool schedule(mv_plugin *self, const mv_msg *m)
{
    return self->schedule->schedule_work(self->schedule->handle, msg_size(m), m) ==
           LV2_WORKER_SUCCESS;
}

/* A request for the worker: sent now, or (when the host refuses it, or older
 * ones still wait) queued and sent again at the next run(). Full: dropped. */
static void request(mv_plugin *self, const mv_msg *m)
{
    mv_retry_queue *q = &self->retry;
    if (q->count == 0 && schedule(self, m)) return;
    if (q->count == MV_RETRY_SLOTS) return;
    mv_msg *slot = &q->msg[(q->head + q->count) % MV_RETRY_SLOTS];
    memcpy(slot, m, msg_size(m));
    q->count++;
}

/* At the start of run(): what earlier runs could not send. */
static void send_pending(mv_plugin *self)
{
    mv_retry_queue *q = &self->retry;
    while (q->count && schedule(self, &q->msg[q->head])) {
        q->head = (q->head + 1) % MV_RETRY_SLOTS;
        q->count--;
    }
    if (self->free_list) {
        mv_msg m = {.engine = {.head.type = MSG_FREE_ENGINES, .engine = self->free_list}};
        if (schedule(self, &m)) self->free_list = NULL;
    }
    if (atomic_load_explicit(&self->restore_forward, memory_order_acquire)) {
        mv_msg m = {.head.type = MSG_RESTORE};
        if (schedule(self, &m))
            atomic_store_explicit(&self->restore_forward, false, memory_order_relaxed);
    }
    if (atomic_exchange_explicit(&self->outbox_waiting, false, memory_order_acq_rel)) {
        mv_msg m = {.head.type = MSG_FLUSH};
        if (!schedule(self, &m))
            atomic_store_explicit(&self->outbox_waiting, true, memory_order_relaxed);
    }
}

/* Frames of audio in a 16th at the current tempo (at 120 BPM when stopped). */
static double frames_per_step(const mv_plugin *self)
{
    double spf = clock_steps_per_frame(&self->clock);
    return spf > 0 ? 1.0 / spf : self->clock.rate / 8.0;
}

/* The bar to ask for: the first of now and now + 1 that is missing, else
 * the first decoded with other chords than it must be now (a chord change:
 * at once, so that it is heard from the next step that can still be
 * decoded in time), else (if refresh_stale) one decoded for other controls,
 * at most once a 16th: only the decode before a step is heard, and
 * automation changes the controls every block. Bars before bar 1 (negative:
 * a count-in, a pre-roll, a loop across bar 0) are bars like any other.
 * False when none is due. */
static bool bar_to_request(mv_plugin *self, bool refresh_stale, int64_t *want)
{
    int64_t now = clock_bar_of(&self->clock, self->clock.next_step);
    bool stale[2], chords_stale[2];
    for (int i = 0; i < 2; i++) {
        const mv_bar_slot *s = bar_for(self, now + i);
        if (!s) {
            *want = now + i;
            return true;
        }
        stale[i] = s->version != self->decode_version;
        int n;
        chords_stale[i] = s->chord_key != chords_for_bar(self, now + i, &n);
    }
    for (int i = 0; i < 2; i++) {
        if (chords_stale[i]) {
            *want = now + i;
            return true;
        }
    }
    if (!refresh_stale || (double)self->frames_since_refresh < frames_per_step(self)) return false;
    self->frames_since_refresh = 0;
    if (stale[0] && stale[1]) *want = self->last_requested_bar == now ? now + 1 : now;
    else if (stale[0]) *want = now;
    else if (stale[1]) *want = now + 1;
    else return false;
    return true;
}

/* Asks for the bar bar_to_request() names; one request at a time. The
 * in-flight mark is set before schedule_work(): a host may answer inside
 * that call, and the answer clears it. */
static void request_decode(mv_plugin *self, bool refresh_stale)
{
    int64_t want;
    if (!self->engine || self->request_in_flight || !bar_to_request(self, refresh_stale, &want))
        return;
    uint32_t id = ++self->last_request ? self->last_request : ++self->last_request;
    int n_chords;
    uint64_t key = chords_for_bar(self, want, &n_chords);
    mv_msg m = {.decode = {.head.type = MSG_DECODE,
                           .request = id,
                           .version = self->decode_version,
                           .song_bar = want,
                           .params = self->params,
                           .chord_key = key,
                           .follow = self->chords_on,
                           .n_chords = (uint32_t)n_chords}};
    memcpy(m.decode.chords, self->chord_window, (size_t)n_chords);
    self->request_in_flight = id;
    self->request_age = 0;
    self->last_requested_bar = want;
    if (!schedule(self, &m) && self->request_in_flight == id) self->request_in_flight = 0;
}

/* ------------------------------------------------------------ events */

static double number_of(const mv_uris *u, const LV2_Atom *a)
{
    if (!a) return NAN;
    if (a->type == u->atom_Float && a->size >= sizeof(float))
        return ((const LV2_Atom_Float *)a)->body;
    if (a->type == u->atom_Double && a->size >= sizeof(double))
        return ((const LV2_Atom_Double *)a)->body;
    if (a->type == u->atom_Int && a->size >= sizeof(int32_t))
        return ((const LV2_Atom_Int *)a)->body;
    if (a->type == u->atom_Long && a->size >= sizeof(int64_t))
        return (double)((const LV2_Atom_Long *)a)->body;
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
    double was_at = self->clock.pos;
    bool jumped = clock_set_position(&self->clock, number_of(u, bar), number_of(u, bar_beat),
                                     number_of(u, beat), number_of(u, bpb), number_of(u, unit),
                                     number_of(u, bpm), number_of(u, speed));
    bool stopped = was_rolling && !clock_rolling(&self->clock);
    if (jumped || stopped) {
        midi_out_end_all(&self->out, frame);
        hits_drop(self); /* early and late hits not sounded yet */
    }
    if (capture_active(&self->capture) && (jumped || stopped)) {
        /* Rolling on from a bar line (a loop): the next phrase starts there. */
        const mv_clock *c = &self->clock;
        bool resume = clock_rolling(c) && clock_step_in_bar(c, c->next_step) == 0 &&
                      (double)c->next_step - c->pos < 0.01;
        if (capture_interrupt(&self->capture, was_at, resume, c->next_step,
                              &self->capture_msg.capture))
            request(self, &self->capture_msg);
    }
}

/* An anchor given as a vector of floats (atom:Vector of atom:Float). */
static void request_anchor_vector(mv_plugin *self, int which, const LV2_Atom *value)
{
    const mv_uris *u = &self->uris;
    const LV2_Atom_Vector *v = (const LV2_Atom_Vector *)value;
    if (value->type != u->atom_Vector || value->size < sizeof v->body ||
        v->body.child_type != u->atom_Float || v->body.child_size != sizeof(float))
        return;
    uint32_t bytes = value->size - (uint32_t)sizeof v->body;
    uint32_t n = bytes / sizeof(float);
    if (n == 0 || n > MV_MAX_VECTOR_MSG || n * sizeof(float) != bytes) return;
    mv_msg m = {.vector = {.head.type = MSG_ANCHOR_VECTOR, .which = which, .n = n}};
    memcpy(m.vector.z, v + 1, bytes);
    request(self, &m);
}

/* An anchor's window as text (token_text.h) into a message of 16-bit tokens;
 * text that is no such window is dropped here (the worker checks that it
 * fits the model). */
static void request_anchor_tokens(mv_plugin *self, int which, const LV2_Atom *value)
{
    if (value->type != self->uris.atom_String) return;
    int n = token_text_parse(LV2_ATOM_BODY_CONST(value), value->size, self->patch_tokens,
                             MV_MAX_ANCHOR_TOKENS);
    if (n == 0) return;
    mv_msg m = {.tokens = {.head.type = MSG_ANCHOR_TOKENS, .which = which, .n = (uint32_t)n}};
    for (int i = 0; i < n; i++) m.tokens.tokens[i] = (uint16_t)self->patch_tokens[i];
    request(self, &m);
}

/* A text value (atom:Path, or atom:String for a label) into a path message. */
static bool text_message(const LV2_Atom *value, LV2_URID type, mv_msg *m)
{
    if (value->type != type || value->size == 0 || value->size >= MV_PATH_MAX) return false;
    const char *text = LV2_ATOM_BODY_CONST(value);
    uint32_t length = (uint32_t)strnlen(text, value->size);
    memcpy(m->path.text, text, length);
    m->path.text[length] = '\0';
    m->path.length = length;
    return true;
}

static void on_patch_set(mv_plugin *self, const LV2_Atom_Object *obj)
{
    const mv_uris *u = &self->uris;
    const LV2_Atom_URID *property = NULL;
    const LV2_Atom *value = NULL;
    lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
    if (!property || property->atom.type != u->atom_URID || !value) return;
    LV2_URID key = property->body;
    mv_msg m;
    memset(&m.head, 0, sizeof m.head);
    for (int which = 0; which < 2; which++) {
        if (key == u->mv_anchor_seed[which]) {
            double seed = number_of(u, value);
            if (isnan(seed)) return;
            seed = seed < 0 ? 0 : seed > MV_SEED_MAX ? MV_SEED_MAX : floor(seed);
            m.seed = (mv_msg_seed){.head.type = MSG_ANCHOR_SEED, .which = which,
                                   .seed = (uint32_t)seed};
            request(self, &m);
            return;
        }
        if (key == u->mv_anchor_z[which]) {
            request_anchor_vector(self, which, value);
            return;
        }
        if (key == u->mv_anchor_label[which] && text_message(value, u->atom_String, &m)) {
            m.path.head.type = MSG_ANCHOR_LABEL;
            m.path.which = which;
            request(self, &m);
            return;
        }
        if (key == u->mv_anchor_tokens[which]) {
            request_anchor_tokens(self, which, value);
            return;
        }
        if (key == u->mv_anchor_file[which] && text_message(value, u->atom_Path, &m)) {
            m.path.head.type = MSG_ANCHOR_FILE;
            m.path.which = which;
            request(self, &m);
            return;
        }
    }
    if (key == u->mv_model && text_message(value, u->atom_Path, &m)) {
        m.path.head.type = MSG_LOAD_MODEL;
        m.path.which = 0;
        request(self, &m);
    }
}

/* patch:Get: every parameter, or the one asked for. */
static void on_patch_get(mv_plugin *self, const LV2_Atom_Object *obj)
{
    const mv_uris *u = &self->uris;
    const LV2_Atom_URID *property = NULL;
    lv2_atom_object_get(obj, u->patch_property, &property, 0);
    if (!property) {
        self->reported.due = REPORT_ALL;
        return;
    }
    if (property->atom.type != u->atom_URID) return;
    for (mv_slot s = MV_SLOT_MODEL; s < MV_N_SLOTS; s++)
        if (property->body == slot_path_key(u, s)) self->reported.due |= report_path_bit(s);
    for (mv_slot s = MV_SLOT_ANCHOR_A; s <= MV_SLOT_ANCHOR_B; s++)
        if (property->body == u->mv_anchor_seed[slot_anchor(s)])
            self->reported.due |= report_seed_bit(s);
    if (property->body == u->mv_capture_status) self->reported.due |= REPORT_CAPTURE;
}

static void on_event(mv_plugin *self, const LV2_Atom_Event *ev, int64_t frame)
{
    const mv_uris *u = &self->uris;
    if (ev->body.type == u->midi_Event) {
        on_midi(self, LV2_ATOM_BODY_CONST(&ev->body), ev->body.size);
        return;
    }
    if (ev->body.type != u->atom_Object && ev->body.type != u->atom_Blank) return;
    if (ev->body.size < sizeof(LV2_Atom_Object_Body)) return;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
    if (obj->body.otype == u->time_Position) on_position(self, obj, frame);
    else if (obj->body.otype == u->patch_Set) on_patch_set(self, obj);
    else if (obj->body.otype == u->patch_Get) on_patch_get(self, obj);
}

/* ------------------------------------------------------------ run */

static void run(LV2_Handle instance, uint32_t n_frames)
{
    mv_plugin *self = instance;
    midi_out_begin(&self->out, self->midi_out_port);
    if (self->notes_off_pending) { /* deactivated, or a new engine */
        midi_out_end_all(&self->out, 0);
        hits_drop(self);
        self->notes_off_pending = false;
    }
    send_pending(self);
    self->frames_since_refresh += n_frames;
    if (self->request_in_flight) {
        self->request_age += n_frames;
        if ((double)self->request_age > REQUEST_TIMEOUT_S * self->clock.rate)
            self->request_in_flight = 0;
    }
    read_decode_controls(self);
    chords_follow_controls(self);
    capture_follow_controls(self);
    /* A missing bar at once: a worker that answers inside schedule_work()
     * (an export) then plays it in this very block. Stale bars are refreshed
     * once a block, at its end. */
    request_decode(self, false);

    int budget = MV_MAX_STEPS_PER_RUN;
    uint32_t done = 0;
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
            int64_t t = ev->time.frames;
            uint32_t at = t < (int64_t)done ? done : t > (int64_t)n_frames ? n_frames : (uint32_t)t;
            if (at > done) chords_apply(self);
            play_until(self, done, at, &budget);
            done = at;
            on_event(self, ev, at);
        }
    }
    chords_apply(self);
    play_until(self, done, n_frames, &budget);
    request_decode(self, true);
    midi_out_end(&self->out);
    report_write(self);
    display_update(self->display, self, port_int(self, PORT_TRANSPOSE), port_int(self, PORT_KEY),
                   port_int(self, PORT_SCALE));
}

static void deactivate(LV2_Handle instance)
{
    /* There is no output buffer here: notes still sounding get their
     * note-offs at the start of the first run() after re-activation. */
    mv_plugin *self = instance;
    self->notes_off_pending = true;
    self->active = false;
}

static void cleanup(LV2_Handle instance)
{
    mv_plugin *self = instance;
    mv_engine *e = self->free_list;
    while (e) {
        mv_engine *next = engine_list_next(e);
        if (e != self->engine && e != self->work_engine) engine_free(e);
        e = next;
    }
    if (self->engine != self->work_engine) engine_free((mv_engine *)self->engine);
    engine_free(self->work_engine);
    snapshot_free(&self->saved);
    display_free(self->display);
    free(self->restore.anchor_z[0]);
    free(self->restore.anchor_z[1]);
    free(self);
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {mv_work, mv_work_response, NULL};
    if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
    if (!strcmp(uri, LV2_STATE__interface)) return mv_state_interface();
    if (!strcmp(uri, MV_INLINEDISPLAY__interface)) return display_interface();
    return NULL;
}

static const LV2_Descriptor descriptor = {
    MV_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
