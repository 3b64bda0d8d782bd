/* The worker thread (work) and the hand-over back to the audio thread
 * (work_response), following eg-sampler: a new engine is built in work(),
 * swapped in by work_response(), and the old one goes back to work() in a
 * later message to be freed there, so the audio thread never frees or
 * allocates.
 *
 * Every response goes out through the outbox (plugin.h): when the host
 * refuses one (respond() fails, its ring is full), it stays there, run() is
 * told (outbox_waiting) and schedules MSG_FLUSH, and the next work() call
 * sends it. Only the newest of each kind matters, so the outbox is a set of
 * flags and one bar, never a queue that can fill up.
 *
 * A host may call work() inside schedule_work(), and respond() may call
 * work_response() at once (Ardour while exporting): nothing here assumes
 * that a response arrives after the request's schedule_work() returned. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plugin.h"
#include "utf8_text.h"

static const char *const default_labels[2] = {"model default A", "model default B"};
/* A file anchor's label: at most this many bytes of the file name, then ", bar N". */
#define MV_FILE_LABEL_MAX 200

/* ------------------------------------------------------------ anchors */

/* Cut to valid UTF-8 (utf8_text.h): a label from patch:Set may be cut
 * inside a character, or hold bytes that are no text. */
static void set_label(mv_anchor_source *a, const char *text)
{
    utf8_copy(a->label, sizeof a->label, text, strlen(text));
}

/* Whether a window of a's tokens means the same notes to b. */
static bool same_window(const mv_engine *a, const mv_engine *b)
{
    return a->repr == b->repr && a->n_bars == b->n_bars && a->steps_per_bar == b->steps_per_bar &&
           a->min_pitch == b->min_pitch && a->n_classes == b->n_classes;
}

/* Makes anchor `which` of e from its source; a MIDI file that cannot be
 * encoded (any more) falls back to the model's default. prev: the engine the
 * anchor vector (and a captured anchor's window) was in before (for
 * ANCHOR_VECTOR and ANCHOR_CAPTURE), or NULL. */
static void anchor_apply(mv_plugin *self, mv_engine *e, int which, const mv_engine *prev)
{
    mv_anchor_source *a = &self->anchor[which];
    char err[512];
    engine_set_anchor_tokens(e, which, NULL);
    switch (a->kind) {
    case ANCHOR_SEED:
        engine_anchor_from_seed(e, a->seed, e->anchor_z[which]);
        return;
    case ANCHOR_FILE:
        if (engine_encode_file(e, a->path, e->anchor_z[which], err, sizeof err) == 0) {
            engine_set_anchor_tokens(e, which, e->seq_tokens);
            return;
        }
        lv2_log_error(&self->logger, "morphvae: anchor %c: %s\n", 'A' + which, err);
        break;
    case ANCHOR_CAPTURE:
        /* The captured notes, encoded again with this model when they fit it. */
        if (prev && prev != e && prev->anchor_has_tokens[which] && same_window(prev, e) &&
            engine_encode_window(e, prev->anchor_tokens[which], e->anchor_z[which]) == 0) {
            engine_set_anchor_tokens(e, which, prev->anchor_tokens[which]);
            return;
        }
        if (prev == e) return;
        lv2_log_warning(&self->logger,
                        "morphvae: anchor %c: the captured phrase does not fit %s; using the "
                        "model's default\n",
                        'A' + which, e->path);
        break;
    case ANCHOR_VECTOR:
        if (prev && prev != e && prev->z_size == e->z_size) {
            memcpy(e->anchor_z[which], prev->anchor_z[which], (size_t)e->z_size * sizeof(float));
            if (prev->anchor_has_tokens[which] && same_window(prev, e))
                engine_set_anchor_tokens(e, which, prev->anchor_tokens[which]);
            return;
        }
        if (prev == e) return;
        lv2_log_warning(&self->logger,
                        "morphvae: anchor %c: the stored vector does not fit %s; using the "
                        "model's default\n",
                        'A' + which, e->path);
        break;
    default:
        break;
    }
    a->kind = ANCHOR_DEFAULT;
    a->path[0] = '\0';
    set_label(a, default_labels[which]);
    engine_anchor_default(e, which, e->anchor_z[which]);
}

static void anchor_seed(mv_plugin *self, int which, uint32_t seed)
{
    mv_anchor_source *a = &self->anchor[which];
    a->kind = ANCHOR_SEED;
    a->seed = seed;
    a->path[0] = '\0';
    snprintf(a->label, sizeof a->label, "seed %u", seed);
    if (!self->work_engine) return;
    engine_anchor_from_seed(self->work_engine, seed, self->work_engine->anchor_z[which]);
    engine_set_anchor_tokens(self->work_engine, which, NULL);
}

/* Returns 0 when the anchor changed. */
static int anchor_file(mv_plugin *self, int which, const char *path)
{
    if (!self->work_engine) {
        lv2_log_error(&self->logger, "morphvae: anchor %c: %s: no model loaded to encode it\n",
                      'A' + which, path);
        return -1;
    }
    char err[512];
    mv_engine *e = self->work_engine;
    /* Encode into scratch first so a refused file leaves the anchor as it was. */
    if (engine_encode_file(e, path, e->z, err, sizeof err)) {
        lv2_log_error(&self->logger, "morphvae: anchor %c not changed: %s\n", 'A' + which, err);
        return -1;
    }
    memcpy(e->anchor_z[which], e->z, (size_t)e->z_size * sizeof(float));
    engine_set_anchor_tokens(e, which, e->seq_tokens);
    mv_anchor_source *a = &self->anchor[which];
    a->kind = ANCHOR_FILE;
    snprintf(a->path, sizeof a->path, "%s", path);
    const char *base = strrchr(path, '/');
    const char *name = base ? base + 1 : path;
    snprintf(a->label, sizeof a->label, "%.*s, bar %u",
             (int)utf8_prefix(name, strlen(name), MV_FILE_LABEL_MAX), name, e->seq_bar + 1);
    lv2_log_note(&self->logger, "morphvae: anchor %c is now %s, bar %u\n", 'A' + which, path,
                 e->seq_bar + 1);
    return 0;
}

int first_nonfinite(const float *z, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(z[i])) return i;
    return -1;
}

/* Returns 0 when the anchor changed. A vector with NaN or Inf in it is
 * refused: it would decode to nothing at every morph. */
static int anchor_vector(mv_plugin *self, const mv_msg_vector *m)
{
    mv_engine *e = self->work_engine;
    if (!e || (int)m->n != e->z_size) {
        lv2_log_error(&self->logger,
                      "morphvae: anchor %c not changed: a vector of %u values, the model "
                      "needs %d\n",
                      'A' + m->which, m->n, e ? e->z_size : 0);
        return -1;
    }
    int bad = first_nonfinite(m->z, (int)m->n);
    if (bad >= 0) {
        lv2_log_error(&self->logger,
                      "morphvae: anchor %c not changed: value %d of the vector is not a finite "
                      "number\n",
                      'A' + m->which, bad);
        return -1;
    }
    memcpy(e->anchor_z[m->which], m->z, m->n * sizeof(float));
    engine_set_anchor_tokens(e, m->which, NULL);
    mv_anchor_source *a = &self->anchor[m->which];
    a->kind = ANCHOR_VECTOR;
    a->path[0] = '\0';
    set_label(a, "latent vector");
    return 0;
}

/* The notes an anchor vector came from (a preset's anchors: mv_msg_tokens).
 * Returns 0 when they were taken. */
static int anchor_tokens(mv_plugin *self, const mv_msg_tokens *m)
{
    mv_engine *e = self->work_engine;
    int n = e ? engine_window_tokens(e) : 0;
    if (e && m->n == (uint32_t)n) {
        for (int i = 0; i < n; i++) e->seq_tokens[i] = m->tokens[i];
        engine_set_anchor_tokens(e, m->which & 1, e->seq_tokens);
        if (e->anchor_has_tokens[m->which & 1]) return 0;
    }
    lv2_log_error(&self->logger,
                  "morphvae: anchor %c: notes not changed: not a window of %d tokens of the "
                  "model's classes\n",
                  'A' + (m->which & 1), n);
    return -1;
}

/* A phrase captured from the MIDI input (capture.h): made into a MIDI file
 * of one voice (channel 10 for a drum model) on a grid of one tick a 16th,
 * in the model's bars, and cut, encoded and refined exactly as a file's
 * window. Returns 0 when the anchor changed; a phrase without a usable window
 * changes nothing and the log says why. */
static int anchor_capture(mv_plugin *self, const mv_msg_capture *m)
{
    int which = m->which & 1;
    mv_engine *e = self->work_engine;
    char err[512], dropped[128] = "";
    if (m->dropped)
        snprintf(dropped, sizeof dropped, " (%u more dropped: capture holds %d notes a phrase)",
                 m->dropped, MV_CAPTURE_MAX_NOTES);
    int length = e ? e->n_bars * e->steps_per_bar : 0;
    self->outbox.capture_status = true;
    if (!e || m->phrase_steps != (uint32_t)length) {
        snprintf(self->capture_status, sizeof self->capture_status,
                 "anchor %c not changed: the phrase of %u steps does not fit the model (%d steps)",
                 'A' + which, m->phrase_steps, length);
        lv2_log_error(&self->logger, "morphvae: capture: %s\n", self->capture_status);
        return -1;
    }
    mv_midi_file f;
    int rc = midi_file_init(&f, 4, 1); /* 4 ticks a quarter: a tick a 16th */
    if (!rc) rc = midi_file_add_meter(&f, 0, e->steps_per_bar, 16); /* the model's bar */
    for (uint32_t i = 0; !rc && i < m->n_notes; i++) {
        const mv_capture_msg_note *n = &m->notes[i];
        if (n->step >= length || n->length == 0 || n->step + n->length > length) continue;
        mv_midi_note note = {.start = n->step,
                             .end = n->step + n->length,
                             .track = 0,
                             .channel = e->repr == MV_REPR_DRUMS ? MV_MIDI_DRUM_CHANNEL : 0,
                             .pitch = n->pitch,
                             .velocity = n->velocity};
        rc = midi_file_add_note(&f, &note);
    }
    if (!rc) {
        midi_file_finish(&f);
        rc = engine_encode_midi(e, &f, "the captured phrase", e->z, err, sizeof err);
    } else {
        snprintf(err, sizeof err, "out of memory");
    }
    midi_file_free(&f);
    if (rc) {
        snprintf(self->capture_status, sizeof self->capture_status,
                 "anchor %c not changed: %s, %u notes%s", 'A' + which, err, m->n_notes, dropped);
        lv2_log_error(&self->logger, "morphvae: capture: %s\n", self->capture_status);
        return -1;
    }
    memcpy(e->anchor_z[which], e->z, (size_t)e->z_size * sizeof(float));
    engine_set_anchor_tokens(e, which, e->seq_tokens);
    mv_anchor_source *a = &self->anchor[which];
    a->kind = ANCHOR_CAPTURE;
    a->path[0] = '\0';
    snprintf(a->label, sizeof a->label, "captured phrase (%u notes)", m->n_notes);
    snprintf(self->capture_status, sizeof self->capture_status, "captured %u notes%s -> anchor %c",
             m->n_notes, dropped, 'A' + which);
    lv2_log_note(&self->logger, "morphvae: %s\n", self->capture_status);
    return 0;
}

/* ------------------------------------------------------------ publishing */

void worker_publish(mv_plugin *self)
{
    if (self->publish_paused || self->missing_model[0]) return;
    mv_saved_state *s = snapshot_back(&self->saved);
    const mv_engine *e = self->work_engine;
    snprintf(s->model_path, sizeof s->model_path, "%s",
             e && strcmp(e->path, self->default_model) ? e->path : "");
    s->model_checksum = e ? weights_checksum(e->weights) : 0;
    for (int which = 0; which < 2; which++) {
        s->anchor[which] = self->anchor[which];
        s->z_size[which] = e ? e->z_size : 0;
        if (e) memcpy(s->z[which], e->anchor_z[which], (size_t)e->z_size * sizeof(float));
        s->n_tokens[which] = e && e->anchor_has_tokens[which] ? engine_window_tokens(e) : 0;
        if (s->n_tokens[which])
            memcpy(s->tokens[which], e->anchor_tokens[which],
                   (size_t)s->n_tokens[which] * sizeof(int32_t));
    }
    snapshot_publish(&self->saved);
}

/* ------------------------------------------------------------ responses */

/* What the host is told a path is: 0 the model, 1 and 2 the anchor files. */
static const char *path_of(const mv_plugin *self, int i)
{
    if (i == 0)
        return self->missing_model[0] ? self->missing_model
               : self->work_engine    ? self->work_engine->path
                                      : "";
    const mv_anchor_source *a = &self->anchor[i - 1];
    return a->kind == ANCHOR_FILE ? a->path : "";
}

static bool send(mv_plugin *self, LV2_Worker_Respond_Function respond,
                 LV2_Worker_Respond_Handle handle, mv_msg *m)
{
    m->head.epoch = atomic_load_explicit(&self->epoch, memory_order_acquire);
    return respond(handle, msg_size(m), m) == LV2_WORKER_SUCCESS;
}

/* Sends what the outbox holds: the engine first (so that what follows is
 * about it), then the reports, then the bar. */
static void flush(mv_plugin *self, LV2_Worker_Respond_Function respond,
                  LV2_Worker_Respond_Handle handle)
{
    mv_outbox *o = &self->outbox;
    mv_msg m;
    if (o->engine) {
        m.engine = (mv_msg_engine){.head.type = RESP_ENGINE, .engine = self->work_engine};
        if (!send(self, respond, handle, &m)) goto refused;
        self->handed_engine = self->work_engine;
        o->engine = false;
    }
    for (int i = 0; i < 3; i++) {
        if (!(o->paths & (1u << i))) continue;
        m.path.head.type = RESP_PATH;
        m.path.which = i;
        snprintf(m.path.text, sizeof m.path.text, "%s", path_of(self, i));
        m.path.length = (uint32_t)strlen(m.path.text);
        if (!send(self, respond, handle, &m)) goto refused;
        o->paths &= ~(1u << i);
    }
    if (o->capture_status) {
        m.path.head.type = RESP_CAPTURE_STATUS;
        m.path.which = 0;
        snprintf(m.path.text, sizeof m.path.text, "%s", self->capture_status);
        m.path.length = (uint32_t)strlen(m.path.text);
        if (!send(self, respond, handle, &m)) goto refused;
        o->capture_status = false;
    }
    if (o->anchors) {
        m.anchors = (mv_msg_anchors){.head.type = RESP_ANCHORS};
        for (int which = 0; which < 2; which++) {
            m.anchors.kind[which] = self->anchor[which].kind;
            m.anchors.seed[which] = self->anchor[which].seed;
        }
        if (!send(self, respond, handle, &m)) goto refused;
        o->anchors = false;
    }
    if (o->bar) {
        m.bar = o->bar_msg;
        if (!send(self, respond, handle, &m)) goto refused;
        o->bar = false;
    }
    return;
refused:
    atomic_store_explicit(&self->outbox_waiting, true, memory_order_release);
}

/* The anchors (and so what the host is told about them) changed: what plays
 * is the session from now on, a missing model is given up. */
static void anchors_changed(mv_plugin *self)
{
    self->missing_model[0] = '\0';
    self->outbox.anchors = true;
    self->outbox.paths |= 6u; /* both anchor files */
}

/* e becomes the newest engine, to be handed to run(). The one it replaces
 * was never handed over if it is still waiting in the outbox: only the
 * worker knows it, so it is freed here. */
static void replace_work_engine(mv_plugin *self, mv_engine *e)
{
    if (self->work_engine && self->work_engine != self->handed_engine)
        engine_free(self->work_engine);
    self->work_engine = e;
    self->outbox.engine = true;
    self->outbox.paths |= 1u;
    anchors_changed(self);
}

/* ------------------------------------------------------------ models */

/* Loads path; on success the new engine becomes the worker's and goes to the
 * audio thread. A file that cannot be loaded leaves everything as it was (the
 * host is told the model that still plays). */
static void load_model(mv_plugin *self, const char *path)
{
    char err[512];
    mv_engine *e = engine_load(path, err, sizeof err);
    if (!e) {
        lv2_log_error(&self->logger, "morphvae: model not changed: %s\n", err);
        self->outbox.paths |= 1u;
        return;
    }
    anchor_apply(self, e, 0, self->work_engine);
    anchor_apply(self, e, 1, self->work_engine);
    replace_work_engine(self, e);
    lv2_log_note(&self->logger, "morphvae: loaded %s (%s, %d bars, z %d)\n", path,
                 repr_name(e->repr), e->n_bars, e->z_size);
}

/* Applies what restore() staged: the model (if it names another one), then
 * the anchors, vectors first-hand when they fit the model. */
static void apply_restore(mv_plugin *self)
{
    mv_restore_data *r = &self->restore;
    mv_engine *e = self->work_engine;
    self->missing_model[0] = '\0';
    if (!e || strcmp(r->model_path, e->path)) {
        char err[512];
        mv_engine *loaded = engine_load(r->model_path, err, sizeof err);
        if (loaded) {
            replace_work_engine(self, loaded);
            e = loaded;
        } else {
            snprintf(self->missing_model, sizeof self->missing_model, "%s", r->model_path);
            lv2_log_error(&self->logger,
                          "morphvae: restoring: %s; playing %s until it is found (the "
                          "session keeps naming it)\n",
                          err, e ? e->path : "nothing");
        }
    }
    self->outbox.paths |= 7u;
    self->outbox.anchors = true;
    for (int which = 0; which < 2; which++) self->anchor[which] = r->anchor[which];
    if (!e) return;
    bool same_model = r->model_checksum == 0 || r->model_checksum == weights_checksum(e->weights);
    for (int which = 0; which < 2; which++) {
        int kind = r->anchor[which].kind;
        bool fits = r->anchor_z_size[which] == e->z_size;
        /* A MIDI anchor saved with another model is encoded again with this one;
         * otherwise the stored vector is what was heard: use it when it fits. */
        if (kind == ANCHOR_FILE && !same_model) {
            char err[512];
            if (engine_encode_file(e, r->anchor[which].path, e->z, err, sizeof err) == 0) {
                memcpy(e->anchor_z[which], e->z, (size_t)e->z_size * sizeof(float));
                engine_set_anchor_tokens(e, which, e->seq_tokens);
                continue;
            }
            lv2_log_warning(&self->logger, "morphvae: anchor %c: %s\n", 'A' + which, err);
        }
        /* A captured anchor's notes, encoded again when the model is another. */
        bool notes_fit = r->anchor_n_tokens[which] == engine_window_tokens(e);
        if (kind == ANCHOR_CAPTURE && notes_fit && (!same_model || !fits)) {
            engine_set_anchor_tokens(e, which, r->anchor_tokens[which]);
            if (e->anchor_has_tokens[which] &&
                engine_encode_window(e, r->anchor_tokens[which], e->anchor_z[which]) == 0)
                continue;
        }
        if ((kind == ANCHOR_VECTOR || kind == ANCHOR_FILE || kind == ANCHOR_CAPTURE) && fits) {
            if (!same_model)
                lv2_log_warning(&self->logger,
                                "morphvae: anchor %c was saved with another model than %s; "
                                "its vector will not sound as it did (regenerate presets "
                                "made for an older model)\n",
                                'A' + which, e->path);
            memcpy(e->anchor_z[which], r->anchor_z[which], (size_t)e->z_size * sizeof(float));
            /* The notes the anchor came from, when they fit this model. */
            engine_set_anchor_tokens(e, which, notes_fit ? r->anchor_tokens[which] : NULL);
            continue;
        }
        anchor_apply(self, e, which, NULL);
    }
    lv2_log_note(&self->logger, "morphvae: restored %s, anchors \"%s\" and \"%s\"\n", e->path,
                 self->anchor[0].label, self->anchor[1].label);
}

/* ------------------------------------------------------------ work */

static void decode(mv_plugin *self, const mv_msg_decode *req)
{
    mv_msg_bar *bar = &self->outbox.bar_msg;
    mv_engine *e = self->work_engine;
    bool roll = e && e->repr == MV_REPR_ROLL;
    *bar = (mv_msg_bar){.head.type = RESP_BAR,
                        .request = req->request,
                        .version = req->version,
                        .engine_serial = e ? e->serial : 0,
                        .n_steps = e ? (uint32_t)e->steps_per_bar : 0,
                        .roll = roll,
                        .song_bar = req->song_bar};
    /* Decoded with the newest engine: a bar for an engine run() has not been
     * handed yet is dropped there, and asked for again. */
    if (e) engine_decode_bar(e, &req->params, req->song_bar, &bar->played);
    self->outbox.bar = true;
}

static void free_engines(mv_engine *e)
{
    while (e) {
        mv_engine *next = e->free_next;
        engine_free(e);
        e = next;
    }
}

LV2_Worker_Status mv_work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    mv_plugin *self = instance;
    const mv_msg *m = msg_check(data, size);
    if (!m) return LV2_WORKER_ERR_UNKNOWN;
    bool changed = true; /* the state save() stores */
    switch (m->head.type) {
    case MSG_DECODE:
        decode(self, &m->decode);
        changed = false;
        break;
    case MSG_LOAD_MODEL:
        load_model(self, m->path.text);
        break;
    case MSG_FREE_ENGINES:
        free_engines(m->engine.engine);
        changed = false;
        break;
    case MSG_ANCHOR_SEED:
        anchor_seed(self, m->seed.which & 1, m->seed.seed);
        anchors_changed(self);
        break;
    case MSG_ANCHOR_FILE:
        if (anchor_file(self, m->path.which & 1, m->path.text) == 0) anchors_changed(self);
        else self->outbox.paths |= 2u << (m->path.which & 1); /* the file that still counts */
        break;
    case MSG_ANCHOR_VECTOR:
        if (anchor_vector(self, &m->vector) == 0) anchors_changed(self);
        break;
    case MSG_ANCHOR_LABEL:
        set_label(&self->anchor[m->path.which & 1], m->path.text);
        self->missing_model[0] = '\0';
        break;
    case MSG_ANCHOR_TOKENS:
        if (anchor_tokens(self, &m->tokens) == 0) anchors_changed(self);
        break;
    case MSG_RESTORE:
        self->publish_paused = false;
        apply_restore(self);
        break;
    case MSG_FLUSH:
        changed = false;
        break;
    case MSG_CAPTURE:
        if (anchor_capture(self, &m->capture) == 0) anchors_changed(self);
        else changed = false;
        break;
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
    if (changed) worker_publish(self);
    flush(self, respond, handle);
    return LV2_WORKER_SUCCESS;
}

/* ------------------------------------------------------------ work_response (audio thread) */

/* run() hands an engine it no longer plays to the worker at its next start. */
static void give_up_engine(mv_plugin *self, mv_engine *e)
{
    if (!e) return;
    e->free_next = self->free_list;
    self->free_list = e;
}

static void take_bar(mv_plugin *self, const mv_msg_bar *m)
{
    if (m->request == self->request_in_flight) self->request_in_flight = 0;
    const mv_engine *e = self->engine;
    if (!e || m->engine_serial != e->serial || m->n_steps != (uint32_t)e->steps_per_bar ||
        m->roll != (e->repr == MV_REPR_ROLL))
        return; /* decoded by an engine run() does not play (yet) */
    mv_bar_slot *s = &self->slot[m->song_bar & 1];
    s->valid = true;
    s->song_bar = m->song_bar;
    s->version = m->version;
    s->engine_serial = m->engine_serial;
    if (m->roll) memcpy(s->played.roll, m->played.roll, m->n_steps * sizeof(mv_roll_step));
    else memcpy(s->played.tokens, m->played.tokens, m->n_steps * sizeof(int32_t));
}

static void take_engine(mv_plugin *self, mv_engine *e)
{
    mv_engine *old = (mv_engine *)self->engine;
    if (old == e) return;
    self->engine = e;
    give_up_engine(self, old);
    self->notes_off_pending = true;
    self->slot[0].valid = self->slot[1].valid = false;
    self->decode_version++;
}

LV2_Worker_Status mv_work_response(LV2_Handle instance, uint32_t size, const void *body)
{
    mv_plugin *self = instance;
    const mv_msg *m = msg_check(body, size);
    if (!m) return LV2_WORKER_ERR_UNKNOWN;
    bool stale = m->head.epoch != atomic_load_explicit(&self->epoch, memory_order_acquire);
    mv_reported *r = &self->reported;
    switch (m->head.type) {
    case RESP_BAR:
        if (!stale) take_bar(self, &m->bar);
        break;
    case RESP_ENGINE:
        /* An engine sent before a restore that took effect at once: not played. */
        if (!stale) take_engine(self, m->engine.engine);
        else if (m->engine.engine != self->engine) give_up_engine(self, m->engine.engine);
        break;
    case RESP_ANCHORS:
        if (stale) break;
        self->decode_version++;
        for (int which = 0; which < 2; which++) {
            if (m->anchors.seed[which] != r->seed[which]) r->due |= REPORT_SEED_A << which;
            r->seed[which] = m->anchors.seed[which];
        }
        break;
    case RESP_CAPTURE_STATUS:
        if (stale) break;
        memcpy(r->capture_status, m->path.text, m->path.length + 1);
        r->due |= REPORT_CAPTURE;
        break;
    case RESP_PATH:
        if (stale || m->path.which < 0 || m->path.which > 2) break;
        memcpy(r->path[m->path.which], m->path.text, m->path.length + 1);
        r->due |= REPORT_MODEL << m->path.which;
        break;
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
    return LV2_WORKER_SUCCESS;
}
