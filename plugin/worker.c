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

static const char *const default_labels[MV_N_ANCHORS] = {"model default A", "model default B"};
/* A file anchor's label: at most this many bytes of the file name, then ", bar N". */
#define MV_FILE_LABEL_MAX 200

/* ------------------------------------------------------------ anchors */

/* Where the worker keeps what anchor slot s came from. */
static mv_anchor_source *source_of(mv_plugin *self, mv_slot s)
{
    return &self->anchor[slot_anchor(s)];
}

/* Cut to valid UTF-8 (utf8_text.h): a label from patch:Set may be cut
 * inside a character, or hold bytes that are no text. */
static void set_label(mv_anchor_source *a, const char *text)
{
    utf8_copy(a->label, sizeof a->label, text, strlen(text));
}

/* Makes anchor s of e from its source; a MIDI file that cannot be encoded
 * (any more) falls back to the model's default. prev: the engine the anchor
 * vector (and a captured anchor's window) was in before (for ANCHOR_VECTOR
 * and ANCHOR_CAPTURE), or NULL. */
static void anchor_apply(mv_plugin *self, mv_engine *e, mv_slot s, const mv_engine *prev)
{
    mv_anchor_source *a = source_of(self, s);
    const char *model = engine_info(e)->path;
    char err[512];
    switch (a->kind) {
    case ANCHOR_SEED:
        engine_anchor_seed(e, s, a->seed);
        return;
    case ANCHOR_FILE:
        if (engine_anchor_from_file(e, s, a->path, NULL, err, sizeof err) == 0) return;
        lv2_log_error(&self->logger, "morphvae: anchor %c: %s\n", slot_letter(s), err);
        break;
    case ANCHOR_CAPTURE: {
        /* The captured notes, encoded again with this model when they fit it. */
        if (prev == e) return;
        const int32_t *window = prev ? engine_anchor_window(prev, s) : NULL;
        if (window && engine_windows_match(prev, e) &&
            engine_anchor_from_window(e, s, window, engine_window_tokens(prev)) == 0)
            return;
        lv2_log_warning(&self->logger,
                        "morphvae: anchor %c: the captured phrase does not fit %s; using the "
                        "model's default\n",
                        slot_letter(s), model);
        break;
    }
    case ANCHOR_VECTOR: {
        if (prev == e) return;
        const int32_t *window =
            prev && engine_windows_match(prev, e) ? engine_anchor_window(prev, s) : NULL;
        if (prev && engine_anchor_from_vector(e, s, engine_anchor_z(prev, s),
                                              engine_info(prev)->z_size, window,
                                              window ? engine_window_tokens(prev) : 0) == 0)
            return;
        lv2_log_warning(&self->logger,
                        "morphvae: anchor %c: the stored vector does not fit %s; using the "
                        "model's default\n",
                        slot_letter(s), model);
        break;
    }
    default:
        break;
    }
    a->kind = ANCHOR_DEFAULT;
    a->path[0] = '\0';
    set_label(a, default_labels[slot_anchor(s)]);
    engine_anchor_default(e, s);
}

static void anchor_seed(mv_plugin *self, mv_slot s, uint32_t seed)
{
    mv_anchor_source *a = source_of(self, s);
    a->kind = ANCHOR_SEED;
    a->seed = seed;
    a->path[0] = '\0';
    snprintf(a->label, sizeof a->label, "seed %u", seed);
    if (self->work_engine) engine_anchor_seed(self->work_engine, s, seed);
}

/* Returns 0 when the anchor changed; a refused file leaves it as it was. */
static int anchor_file(mv_plugin *self, mv_slot s, const char *path)
{
    if (!self->work_engine) {
        lv2_log_error(&self->logger, "morphvae: anchor %c: %s: no model loaded to encode it\n",
                      slot_letter(s), path);
        return -1;
    }
    char err[512];
    uint32_t bar = 0;
    if (engine_anchor_from_file(self->work_engine, s, path, &bar, err, sizeof err)) {
        lv2_log_error(&self->logger, "morphvae: anchor %c not changed: %s\n", slot_letter(s),
                      err);
        return -1;
    }
    mv_anchor_source *a = source_of(self, s);
    a->kind = ANCHOR_FILE;
    snprintf(a->path, sizeof a->path, "%s", path);
    const char *base = strrchr(path, '/');
    const char *name = base ? base + 1 : path;
    snprintf(a->label, sizeof a->label, "%.*s, bar %u",
             (int)utf8_prefix(name, strlen(name), MV_FILE_LABEL_MAX), name, bar + 1);
    lv2_log_note(&self->logger, "morphvae: anchor %c is now %s, bar %u\n", slot_letter(s), path,
                 bar + 1);
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
    mv_slot s = anchor_slot(m->which);
    int z_size = e ? engine_info(e)->z_size : 0;
    if (!e || (int)m->n != z_size) {
        lv2_log_error(&self->logger,
                      "morphvae: anchor %c not changed: a vector of %u values, the model "
                      "needs %d\n",
                      slot_letter(s), m->n, z_size);
        return -1;
    }
    int bad = first_nonfinite(m->z, (int)m->n);
    if (bad >= 0 || engine_anchor_from_vector(e, s, m->z, (int)m->n, NULL, 0)) {
        lv2_log_error(&self->logger,
                      "morphvae: anchor %c not changed: value %d of the vector is not a finite "
                      "number\n",
                      slot_letter(s), bad);
        return -1;
    }
    mv_anchor_source *a = source_of(self, s);
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
    mv_slot s = anchor_slot(m->which);
    int n = e ? engine_window_tokens(e) : 0;
    if (e && m->n == (uint32_t)n) {
        int32_t tokens[MV_MAX_ANCHOR_TOKENS];
        for (int i = 0; i < n; i++) tokens[i] = m->tokens[i];
        if (engine_anchor_set_window(e, s, tokens, n) == 0) return 0;
    }
    lv2_log_error(&self->logger,
                  "morphvae: anchor %c: notes not changed: not a window of %d tokens of the "
                  "model's classes\n",
                  slot_letter(s), n);
    return -1;
}

/* A phrase captured from the MIDI input (capture.h), encoded by the engine
 * exactly as a file's window (engine_anchor_from_capture). Returns 0 when
 * the anchor changed; a phrase without a usable window changes nothing and
 * the log says why. */
static int anchor_capture(mv_plugin *self, const mv_msg_capture *m)
{
    mv_slot s = anchor_slot(m->which);
    mv_engine *e = self->work_engine;
    char err[512], dropped[128] = "";
    if (m->dropped)
        snprintf(dropped, sizeof dropped, " (%u more dropped: capture holds %d notes a phrase)",
                 m->dropped, MV_CAPTURE_MAX_NOTES);
    int length = e ? engine_info(e)->n_bars * engine_info(e)->steps_per_bar : 0;
    self->outbox.capture_status = true;
    if (!e || m->phrase_steps != (uint32_t)length) {
        snprintf(self->capture_status, sizeof self->capture_status,
                 "anchor %c not changed: the phrase of %u steps does not fit the model (%d steps)",
                 slot_letter(s), m->phrase_steps, length);
        lv2_log_error(&self->logger, "morphvae: capture: %s\n", self->capture_status);
        return -1;
    }
    if (engine_anchor_from_capture(e, s, m->notes, m->n_notes, "the captured phrase", err,
                                   sizeof err)) {
        snprintf(self->capture_status, sizeof self->capture_status,
                 "anchor %c not changed: %s, %u notes%s", slot_letter(s), err, m->n_notes,
                 dropped);
        lv2_log_error(&self->logger, "morphvae: capture: %s\n", self->capture_status);
        return -1;
    }
    mv_anchor_source *a = source_of(self, s);
    a->kind = ANCHOR_CAPTURE;
    a->path[0] = '\0';
    snprintf(a->label, sizeof a->label, "captured phrase (%u notes)", m->n_notes);
    snprintf(self->capture_status, sizeof self->capture_status, "captured %u notes%s -> anchor %c",
             m->n_notes, dropped, slot_letter(s));
    lv2_log_note(&self->logger, "morphvae: %s\n", self->capture_status);
    return 0;
}

/* ------------------------------------------------------------ publishing */

void worker_publish(mv_plugin *self)
{
    if (self->publish_paused || self->missing_model[0]) return;
    mv_saved_state *s = snapshot_back(&self->saved);
    const mv_engine *e = self->work_engine;
    const char *path = e ? engine_info(e)->path : "";
    snprintf(s->model_path, sizeof s->model_path, "%s",
             e && strcmp(path, self->default_model) ? path : "");
    s->model_checksum = e ? engine_checksum(e) : 0;
    for (mv_slot slot = MV_SLOT_ANCHOR_A; slot <= MV_SLOT_ANCHOR_B; slot++) {
        int which = slot_anchor(slot);
        s->anchor[which] = self->anchor[which];
        s->z_size[which] = e ? engine_info(e)->z_size : 0;
        if (e)
            memcpy(s->z[which], engine_anchor_z(e, slot),
                   (size_t)s->z_size[which] * sizeof(float));
        const int32_t *window = e ? engine_anchor_window(e, slot) : NULL;
        s->n_tokens[which] = window ? engine_window_tokens(e) : 0;
        if (window)
            memcpy(s->tokens[which], window, (size_t)s->n_tokens[which] * sizeof(int32_t));
    }
    snapshot_publish(&self->saved);
}

/* ------------------------------------------------------------ responses */

/* What the host is told slot s's path is: the model, or an anchor's file. */
static const char *path_of(const mv_plugin *self, mv_slot s)
{
    if (s == MV_SLOT_MODEL)
        return self->missing_model[0] ? self->missing_model
               : self->work_engine    ? engine_info(self->work_engine)->path
                                      : "";
    const mv_anchor_source *a = &self->anchor[slot_anchor(s)];
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
    for (mv_slot s = MV_SLOT_MODEL; s < MV_N_SLOTS; s++) {
        if (!(o->paths & MV_SLOT_BIT(s))) continue;
        m.path.head.type = RESP_PATH;
        m.path.which = (int32_t)s;
        snprintf(m.path.text, sizeof m.path.text, "%s", path_of(self, s));
        m.path.length = (uint32_t)strlen(m.path.text);
        if (!send(self, respond, handle, &m)) goto refused;
        o->paths &= ~MV_SLOT_BIT(s);
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
        for (int which = 0; which < MV_N_ANCHORS; which++) {
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
    self->outbox.paths |= MV_SLOTS_ANCHORS; /* both anchor files */
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
    self->outbox.paths |= MV_SLOT_BIT(MV_SLOT_MODEL);
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
        self->outbox.paths |= MV_SLOT_BIT(MV_SLOT_MODEL);
        return;
    }
    anchor_apply(self, e, MV_SLOT_ANCHOR_A, self->work_engine);
    anchor_apply(self, e, MV_SLOT_ANCHOR_B, self->work_engine);
    replace_work_engine(self, e);
    const mv_engine_info *info = engine_info(e);
    lv2_log_note(&self->logger, "morphvae: loaded %s (%s, %d bars, z %d)\n", path,
                 repr_name(info->repr), info->n_bars, info->z_size);
}

/* Applies what restore() staged: the model (if it names another one), then
 * the anchors, vectors first-hand when they fit the model. */
static void apply_restore(mv_plugin *self)
{
    mv_restore_data *r = &self->restore;
    mv_engine *e = self->work_engine;
    self->missing_model[0] = '\0';
    if (!e || strcmp(r->model_path, engine_info(e)->path)) {
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
                          err, e ? engine_info(e)->path : "nothing");
        }
    }
    self->outbox.paths |= MV_SLOTS_ALL;
    self->outbox.anchors = true;
    for (int which = 0; which < MV_N_ANCHORS; which++) self->anchor[which] = r->anchor[which];
    if (!e) return;
    const mv_engine_info *info = engine_info(e);
    bool same_model = r->model_checksum == 0 || r->model_checksum == engine_checksum(e);
    for (mv_slot s = MV_SLOT_ANCHOR_A; s <= MV_SLOT_ANCHOR_B; s++) {
        int which = slot_anchor(s);
        int kind = r->anchor[which].kind;
        bool fits = r->anchor_z_size[which] == info->z_size;
        /* A MIDI anchor saved with another model is encoded again with this one;
         * otherwise the stored vector is what was heard: use it when it fits. */
        if (kind == ANCHOR_FILE && !same_model) {
            char err[512];
            if (engine_anchor_from_file(e, s, r->anchor[which].path, NULL, err, sizeof err) == 0)
                continue;
            lv2_log_warning(&self->logger, "morphvae: anchor %c: %s\n", slot_letter(s), err);
        }
        /* A captured anchor's notes, encoded again when the model is another. */
        bool notes_fit = r->anchor_n_tokens[which] == info->window_tokens;
        if (kind == ANCHOR_CAPTURE && notes_fit && (!same_model || !fits) &&
            engine_anchor_from_window(e, s, r->anchor_tokens[which], r->anchor_n_tokens[which]) ==
                0)
            continue;
        if ((kind == ANCHOR_VECTOR || kind == ANCHOR_FILE || kind == ANCHOR_CAPTURE) && fits) {
            if (!same_model)
                lv2_log_warning(&self->logger,
                                "morphvae: anchor %c was saved with another model than %s; "
                                "its vector will not sound as it did (regenerate presets "
                                "made for an older model)\n",
                                slot_letter(s), info->path);
            /* With the notes the anchor came from, when they fit this model. */
            if (engine_anchor_from_vector(e, s, r->anchor_z[which], r->anchor_z_size[which],
                                          r->anchor_tokens[which],
                                          r->anchor_n_tokens[which]) == 0)
                continue;
        }
        anchor_apply(self, e, s, NULL);
    }
    lv2_log_note(&self->logger, "morphvae: restored %s, anchors \"%s\" and \"%s\"\n", info->path,
                 self->anchor[0].label, self->anchor[1].label);
}

/* ------------------------------------------------------------ work */

static void decode(mv_plugin *self, const mv_msg_decode *req)
{
    mv_msg_bar *bar = &self->outbox.bar_msg;
    mv_engine *e = self->work_engine;
    const mv_engine_info *info = e ? engine_info(e) : NULL;
    *bar = (mv_msg_bar){.head.type = RESP_BAR,
                        .request = req->request,
                        .version = req->version,
                        .engine_serial = info ? info->serial : 0,
                        .n_steps = info ? (uint32_t)info->steps_per_bar : 0,
                        .kind = info ? info->bar_kind : MV_BAR_TOKENS,
                        .song_bar = req->song_bar,
                        .chord_key = req->chord_key};
    /* The bar's own chords are the last of its chain's. */
    int n_steps = (int)bar->n_steps, n_chords = (int)req->n_chords;
    if (n_chords >= n_steps)
        memcpy(bar->chords, req->chords + n_chords - n_steps, (size_t)n_steps);
    if (req->follow && info && !info->chords && self->chords_warned != info->serial) {
        self->chords_warned = info->serial;
        lv2_log_warning(&self->logger,
                        "morphvae: Chords: %s is not a melody model; Follow input has no "
                        "effect with it\n",
                        info->path);
    }
    /* Decoded with the newest engine: a bar for an engine run() has not been
     * handed yet is dropped there, and asked for again. */
    if (e) engine_decode_bar(e, &req->params, req->song_bar, req->chords, n_chords, &bar->played);
    self->outbox.bar = true;
}

static void free_engines(mv_engine *e)
{
    while (e) {
        mv_engine *next = engine_list_next(e);
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
        anchor_seed(self, anchor_slot(m->seed.which), m->seed.seed);
        anchors_changed(self);
        break;
    case MSG_ANCHOR_FILE: {
        mv_slot s = anchor_slot(m->path.which);
        if (anchor_file(self, s, m->path.text) == 0) anchors_changed(self);
        else self->outbox.paths |= MV_SLOT_BIT(s); /* the file that still counts */
        break;
    }
    case MSG_ANCHOR_VECTOR:
        if (anchor_vector(self, &m->vector) == 0) anchors_changed(self);
        break;
    case MSG_ANCHOR_LABEL:
        set_label(source_of(self, anchor_slot(m->path.which)), m->path.text);
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
    if (e) engine_list_push(&self->free_list, e);
}

static void take_bar(mv_plugin *self, const mv_msg_bar *m)
{
    if (m->request == self->request_in_flight) self->request_in_flight = 0;
    const mv_engine_info *e = self->engine ? engine_info(self->engine) : NULL;
    if (!e || m->engine_serial != e->serial || m->n_steps != (uint32_t)e->steps_per_bar ||
        m->kind != e->bar_kind)
        return; /* decoded by an engine run() does not play (yet) */
    mv_bar_slot *s = &self->slot[m->song_bar & 1];
    s->valid = true;
    s->song_bar = m->song_bar;
    s->version = m->version;
    s->engine_serial = m->engine_serial;
    s->chord_key = m->chord_key;
    memcpy(s->chords, m->chords, m->n_steps);
    memcpy(&s->played, &m->played, m->n_steps * bar_step_bytes(m->kind));
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
        for (int which = 0; which < MV_N_ANCHORS; which++) {
            if (m->anchors.seed[which] != r->seed[which])
                r->due |= report_seed_bit(anchor_slot(which));
            r->seed[which] = m->anchors.seed[which];
        }
        break;
    case RESP_CAPTURE_STATUS:
        if (stale) break;
        memcpy(r->capture_status, m->path.text, m->path.length + 1);
        r->due |= REPORT_CAPTURE;
        break;
    case RESP_PATH:
        if (stale || m->path.which < MV_SLOT_MODEL || m->path.which >= MV_N_SLOTS) break;
        memcpy(r->path[m->path.which], m->path.text, m->path.length + 1);
        r->due |= report_path_bit((mv_slot)m->path.which);
        break;
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
    return LV2_WORKER_SUCCESS;
}
