/* The worker thread (work) and the hand-over back to the audio thread
 * (work_response), following eg-sampler: a new engine is built in work(),
 * swapped in work_response(), and the old one goes back to work() in a second
 * message to be freed there, so the audio thread never frees or allocates. */
#include <stdio.h>
#include <string.h>

#include "plugin.h"

/* ------------------------------------------------------------ anchors */

static void set_label(mv_anchor_source *a, const char *text)
{
    snprintf(a->label, sizeof a->label, "%.*s", (int)sizeof a->label - 1, text);
}

/* Makes anchor `which` of e from its source; a MIDI file that cannot be
 * encoded (any more) falls back to the model's default. prev: the engine the
 * anchor vector was in before (for ANCHOR_VECTOR), or NULL. */
static void anchor_apply(mv_plugin *self, mv_engine *e, int which, const mv_engine *prev)
{
    mv_anchor_source *a = &self->anchor[which];
    char err[512];
    switch (a->kind) {
    case ANCHOR_SEED:
        engine_anchor_from_seed(e, a->seed, e->anchor_z[which]);
        return;
    case ANCHOR_FILE:
        if (engine_encode_file(e, a->path, e->anchor_z[which], err, sizeof err) == 0) return;
        lv2_log_error(&self->logger, "morphvae: anchor %c: %s\n", 'A' + which, err);
        break;
    case ANCHOR_VECTOR:
        if (prev && prev != e && prev->z_size == e->z_size) {
            memcpy(e->anchor_z[which], prev->anchor_z[which], (size_t)e->z_size * sizeof(float));
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
    set_label(a, which ? "model default B" : "model default A");
    engine_anchor_default(e, which, e->anchor_z[which]);
}

static void anchors_apply(mv_plugin *self, mv_engine *e, const mv_engine *prev)
{
    anchor_apply(self, e, 0, prev);
    anchor_apply(self, e, 1, prev);
}

static void anchor_seed(mv_plugin *self, int which, uint32_t seed)
{
    mv_anchor_source *a = &self->anchor[which];
    a->kind = ANCHOR_SEED;
    a->seed = seed;
    a->path[0] = '\0';
    snprintf(a->label, sizeof a->label, "seed %u", seed);
    if (self->work_engine)
        engine_anchor_from_seed(self->work_engine, seed, self->work_engine->anchor_z[which]);
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
    mv_anchor_source *a = &self->anchor[which];
    a->kind = ANCHOR_FILE;
    snprintf(a->path, sizeof a->path, "%s", path);
    const char *base = strrchr(path, '/');
    set_label(a, base ? base + 1 : path);
    lv2_log_note(&self->logger, "morphvae: anchor %c is now %s\n", 'A' + which, path);
    return 0;
}

/* Returns 0 when the anchor changed. */
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
    memcpy(e->anchor_z[m->which], m->z, m->n * sizeof(float));
    mv_anchor_source *a = &self->anchor[m->which];
    a->kind = ANCHOR_VECTOR;
    a->path[0] = '\0';
    set_label(a, "latent vector");
    return 0;
}

/* ------------------------------------------------------------ models */

/* Loads path; on success the new engine becomes the worker's and is sent to the
 * audio thread. A file that cannot be loaded leaves everything as it was. */
static void load_model(mv_plugin *self, const char *path, LV2_Worker_Respond_Function respond,
                       LV2_Worker_Respond_Handle handle)
{
    char err[512];
    mv_engine *e = engine_load(path, err, sizeof err);
    if (!e) {
        lv2_log_error(&self->logger, "morphvae: model not changed: %s\n", err);
        const uint32_t failed = RESP_LOAD_FAILED;
        respond(handle, sizeof failed, &failed);
        return;
    }
    anchors_apply(self, e, self->work_engine);
    self->work_engine = e;
    lv2_log_note(&self->logger, "morphvae: loaded %s (%s, %d bars, z %d)\n", path,
                 repr_name(e->repr), e->n_bars, e->z_size);
    mv_msg_engine msg = {.type = RESP_ENGINE, .engine = e};
    respond(handle, sizeof msg, &msg);
}

/* Applies what restore() left: the model (if it names another one), then the
 * anchors, vectors first-hand when they fit the model. */
static void restore(mv_plugin *self, LV2_Worker_Respond_Function respond,
                    LV2_Worker_Respond_Handle handle)
{
    mv_restore_data *r = &self->restore;
    mv_engine *before = self->work_engine;
    if (!before || strcmp(r->model_path, before->path)) {
        char err[512];
        mv_engine *e = engine_load(r->model_path, err, sizeof err);
        if (e) self->work_engine = e;
        else lv2_log_error(&self->logger, "morphvae: restoring: %s\n", err);
    }
    mv_engine *e = self->work_engine;
    if (!e) return;
    bool same_model = r->model_checksum == 0 || r->model_checksum == weights_checksum(e->weights);
    for (int which = 0; which < 2; which++) {
        self->anchor[which] = r->anchor[which];
        int kind = r->anchor[which].kind;
        bool fits = r->anchor_z_size[which] == e->z_size;
        /* A MIDI anchor saved with another model is encoded again with this one;
         * otherwise the stored vector is what was heard: use it when it fits. */
        if (kind == ANCHOR_FILE && !same_model) {
            char err[512];
            if (engine_encode_file(e, r->anchor[which].path, e->z, err, sizeof err) == 0) {
                memcpy(e->anchor_z[which], e->z, (size_t)e->z_size * sizeof(float));
                continue;
            }
            lv2_log_warning(&self->logger, "morphvae: anchor %c: %s\n", 'A' + which, err);
        }
        if ((kind == ANCHOR_VECTOR || kind == ANCHOR_FILE) && fits) {
            if (!same_model)
                lv2_log_warning(&self->logger,
                                "morphvae: anchor %c was saved with another model than %s; "
                                "its vector will not sound as it did (regenerate presets "
                                "made for an older model)\n",
                                'A' + which, e->path);
            memcpy(e->anchor_z[which], r->anchor_z[which], (size_t)e->z_size * sizeof(float));
            continue;
        }
        anchor_apply(self, e, which, NULL);
    }
    lv2_log_note(&self->logger, "morphvae: restored %s, anchors \"%s\" and \"%s\"\n", e->path,
                 self->anchor[0].label, self->anchor[1].label);
    if (e != before) {
        mv_msg_engine msg = {.type = RESP_ENGINE, .engine = e};
        respond(handle, sizeof msg, &msg);
    } else {
        const uint32_t changed = RESP_ANCHORS;
        respond(handle, sizeof changed, &changed);
    }
}

/* ------------------------------------------------------------ work */

LV2_Worker_Status mv_work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    mv_plugin *self = instance;
    if (size < sizeof(uint32_t)) return LV2_WORKER_ERR_UNKNOWN;
    const uint32_t type = *(const uint32_t *)data;
    const uint32_t changed = RESP_ANCHORS;
    switch (type) {
    case MSG_DECODE: {
        const mv_msg_decode *req = data;
        mv_msg_bar bar = {.type = RESP_BAR,
                          .version = req->version,
                          .engine = req->engine,
                          .song_bar = req->song_bar};
        /* The engine is alive: it is freed only by a later message in this queue. */
        engine_decode_bar((mv_engine *)req->engine, &req->params, req->song_bar, bar.tokens);
        respond(handle, sizeof bar, &bar);
        break;
    }
    case MSG_LOAD_MODEL:
        load_model(self, ((const mv_msg_anchor *)data)->path, respond, handle);
        break;
    case MSG_FREE_ENGINE:
        engine_free(((const mv_msg_engine *)data)->engine);
        break;
    case MSG_ANCHOR_SEED: {
        const mv_msg_anchor *m = data;
        anchor_seed(self, m->which, m->seed);
        respond(handle, sizeof changed, &changed);
        break;
    }
    case MSG_ANCHOR_FILE: {
        const mv_msg_anchor *m = data;
        if (anchor_file(self, m->which, m->path) == 0) respond(handle, sizeof changed, &changed);
        break;
    }
    case MSG_ANCHOR_VECTOR:
        if (anchor_vector(self, data) == 0) respond(handle, sizeof changed, &changed);
        break;
    case MSG_RESTORE:
        restore(self, respond, handle);
        break;
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
    return LV2_WORKER_SUCCESS;
}

/* ------------------------------------------------------------ work_response (audio thread) */

LV2_Worker_Status mv_work_response(LV2_Handle instance, uint32_t size, const void *body)
{
    mv_plugin *self = instance;
    if (size < sizeof(uint32_t)) return LV2_WORKER_ERR_UNKNOWN;
    switch (*(const uint32_t *)body) {
    case RESP_BAR: {
        const mv_msg_bar *m = body;
        self->decode_in_flight = false;
        if (m->engine != self->engine) break; /* asked of a model since replaced */
        mv_bar_slot *s = &self->slot[m->song_bar & 1];
        s->valid = true;
        s->song_bar = m->song_bar;
        s->version = m->version;
        s->engine = m->engine;
        memcpy(s->tokens, m->tokens, sizeof s->tokens);
        break;
    }
    case RESP_ENGINE: {
        const mv_msg_engine *m = body;
        mv_engine *old = (mv_engine *)self->engine;
        self->engine = m->engine;
        if (old && old != m->engine) {
            mv_msg_engine msg = {.type = MSG_FREE_ENGINE, .engine = old};
            self->schedule->schedule_work(self->schedule->handle, sizeof msg, &msg);
        }
        self->notes_off_pending = true;
        self->slot[0].valid = self->slot[1].valid = false;
        self->decode_version++;
        break;
    }
    case RESP_ANCHORS:
        self->decode_version++;
        break;
    case RESP_LOAD_FAILED:
        break;
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
    return LV2_WORKER_SUCCESS;
}
