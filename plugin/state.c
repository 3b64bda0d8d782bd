/* LV2 state: the model path and both anchors (kind, seed, MIDI path, label,
 * the latent vector itself and, for an anchor made from notes (a file, a
 * captured phrase, a preset's song), the window it came from, so a session
 * reloads the very notes it had even if the MIDI file is gone).
 *
 * save() may run while run() and the worker do: it stores the copy the worker
 * last published (snapshot.h), never the worker's own fields.
 * restore() publishes what it restored at once (a save right after it stores
 * that), then applies it: at once when the plugin is not active (nothing else
 * runs then), else through the worker, which the next run() asks.
 * The plugin does not declare state:threadSafeRestore, so it never calls the
 * work:schedule a host may pass to restore(): jalv 1.6 passes one that is not
 * set up for such plugins, and calling it crashes the host.
 *
 * restore() returns, as eg-sampler does, what it could not use (the first
 * problem met; docs/plugin.md's table): LV2_STATE_ERR_BAD_TYPE for a key of
 * another type or size than save() stores, LV2_STATE_ERR_NO_PROPERTY for an
 * anchor without what its kind is made from, LV2_STATE_ERR_UNKNOWN for a
 * value it cannot use (a model that does not load, a number out of range,
 * text or a vector that does not parse). The plugin stays usable: the model
 * that played plays on, such an anchor is the model's default.
 * Beside them: the chord Chords = Follow input follows (morphvae:chord). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/state/state.h>

#include "chord.h"
#include "chord_name.h"
#include "plugin.h"
#include "token_text.h"
#include "utf8_text.h"

static const LV2_Feature *find_feature(const LV2_Feature *const *features, const char *uri)
{
    for (int i = 0; features && features[i]; i++)
        if (!strcmp(features[i]->URI, uri)) return features[i];
    return NULL;
}

static void free_path(const LV2_Feature *const *features, char *path)
{
    const LV2_Feature *f = find_feature(features, LV2_STATE__freePath);
    if (f) {
        const LV2_State_Free_Path *fp = f->data;
        fp->free_path(fp->handle, path);
    } else {
        free(path);
    }
}

static LV2_State_Status store_path(mv_plugin *self, LV2_State_Store_Function store,
                                   LV2_State_Handle handle, LV2_URID key, const char *path,
                                   const LV2_Feature *const *features)
{
    const LV2_Feature *f = find_feature(features, LV2_STATE__mapPath);
    const LV2_State_Map_Path *map_path = f ? f->data : NULL;
    char *abstract = map_path ? map_path->abstract_path(map_path->handle, path) : NULL;
    const char *value = abstract ? abstract : path;
    LV2_State_Status st = store(handle, key, value, strlen(value) + 1, self->uris.atom_Path,
                                LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (abstract) free_path(features, abstract);
    return st;
}

/* The vectors are stored as text: each float32 as the 8 hex digits of its
 * IEEE 754 bit pattern, most significant first, one after the other. Exact
 * (decimal floats would round and change the notes), the same on every
 * machine and locale, and a plain string to every host and validator (an
 * atom:Chunk is written as base64 broken into lines, which the xsd:base64Binary
 * check of sord_validate refuses). */
static void store_vector(mv_plugin *self, LV2_State_Store_Function store,
                         LV2_State_Handle handle, LV2_URID key, const float *z, int n)
{
    static const char hex[] = "0123456789abcdef";
    char *text = malloc((size_t)n * 8 + 1);
    if (!text) return;
    for (int i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &z[i], sizeof bits);
        for (int d = 0; d < 8; d++) text[i * 8 + d] = hex[(bits >> (28 - 4 * d)) & 15u];
    }
    text[(size_t)n * 8] = '\0';
    store(handle, key, text, (size_t)n * 8 + 1, self->uris.atom_String,
          LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    free(text);
}

/* An anchor's window (token_text.h). */
static void store_tokens(mv_plugin *self, LV2_State_Store_Function store,
                         LV2_State_Handle handle, LV2_URID key, const int32_t *tokens, int n)
{
    char text[MV_MAX_ANCHOR_TOKENS * MV_TOKEN_TEXT_DIGITS + 1];
    token_text_write(tokens, n, text);
    store(handle, key, text, strlen(text) + 1, self->uris.atom_String,
          LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses store_vector's text into z; the number of floats, or 0 if the text
 * is not such a vector (of at most max floats). */
static int parse_vector(const char *text, size_t size, float *z, int max)
{
    size_t length = size ? strnlen(text, size) : 0;
    if (length == 0 || length % 8 || length / 8 > (size_t)max) return 0;
    for (size_t i = 0; i < length / 8; i++) {
        uint32_t bits = 0;
        for (int d = 0; d < 8; d++) {
            int v = hex_digit(text[i * 8 + (size_t)d]);
            if (v < 0) return 0;
            bits = bits << 4 | (uint32_t)v;
        }
        memcpy(&z[i], &bits, sizeof bits);
    }
    return (int)(length / 8);
}

/* The length of the plugin's bundle folder in the default model's path, its
 * last '/' included. */
static size_t bundle_dir_length(const mv_plugin *self)
{
    const char *slash = strrchr(self->default_model, '/');
    return slash ? (size_t)(slash - self->default_model) + 1 : 0;
}

/* The file name of a model in the plugin's bundle beside the default one (the
 * bundled drum and piano-roll models), or NULL for any other path. */
static const char *bundle_model_name(const mv_plugin *self, const char *path)
{
    size_t dir = bundle_dir_length(self);
    if (!dir || strncmp(path, self->default_model, dir)) return NULL;
    const char *name = path + dir;
    return name[0] && !strchr(name, '/') && strcmp(path, self->default_model) ? name : NULL;
}

static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features)
{
    (void)flags;
    mv_plugin *self = instance;
    const mv_uris *u = &self->uris;
    const mv_saved_state *s = snapshot_read(&self->saved);
    const uint32_t pod = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    /* No model key means the bundle's model, and another model of the bundle
     * is stored by its file name, so presets and sessions made with them
     * follow the shipped models wherever the bundle is installed. */
    const char *bundled = bundle_model_name(self, s->model_path);
    if (bundled)
        store(handle, u->mv_bundle_model, bundled, strlen(bundled) + 1, u->atom_String, pod);
    else if (s->model_path[0])
        store_path(self, store, handle, u->mv_model, s->model_path, features);
    /* Which model the vectors below belong to (they mean nothing to another). */
    if (s->model_checksum) {
        const int64_t checksum = (int64_t)s->model_checksum;
        store(handle, u->mv_model_checksum, &checksum, sizeof checksum, u->atom_Long, pod);
    }
    for (int which = 0; which < MV_N_ANCHORS; which++) {
        const mv_anchor_source *a = &s->anchor[which];
        const int32_t kind = a->kind, seed = (int32_t)a->seed;
        store(handle, u->mv_anchor_kind[which], &kind, sizeof kind, u->atom_Int, pod);
        store(handle, u->mv_anchor_seed[which], &seed, sizeof seed, u->atom_Int, pod);
        store(handle, u->mv_anchor_label[which], a->label, strlen(a->label) + 1, u->atom_String,
              pod);
        if (a->kind == ANCHOR_FILE)
            store_path(self, store, handle, u->mv_anchor_file[which], a->path, features);
        if (s->z_size[which] > 0)
            store_vector(self, store, handle, u->mv_anchor_z[which], s->z[which],
                         s->z_size[which]);
        if (s->n_tokens[which] > 0)
            store_tokens(self, store, handle, u->mv_anchor_tokens[which], s->tokens[which],
                         s->n_tokens[which]);
    }
    /* The chord followed (Chords = Follow input), by name ("C:maj"; "N":
     * none), so that a session plays under it until another is held. */
    char chord[32];
    chord_name((uint8_t)atomic_load_explicit(&self->chord_saved, memory_order_relaxed), chord,
               sizeof chord);
    store(handle, u->mv_chord, chord, strlen(chord) + 1, u->atom_String, pod);
    return LV2_STATE_SUCCESS;
}

/* One restore() call: what it reads from, and the first problem it met,
 * which decides the status it returns (the header comment). */
typedef struct restore_ctx {
    mv_plugin *self;
    LV2_State_Retrieve_Function retrieve;
    LV2_State_Handle handle;
    const LV2_Feature *const *features;
    LV2_State_Status status;
} restore_ctx;

/* A property restore() could not use: logged, and the first one's status
 * is what restore() returns. */
static void problem(restore_ctx *c, LV2_State_Status status, const char *key, const char *why)
{
    if (c->status == LV2_STATE_SUCCESS) c->status = status;
    lv2_log_warning(&c->self->logger, "morphvae: restoring: %s %s\n", key, why);
}

/* The value of key if it has want_type (NULL if absent, or of another type:
 * a problem, LV2_STATE_ERR_BAD_TYPE). */
static const void *retrieve_typed(restore_ctx *c, LV2_URID key, const char *name,
                                  LV2_URID want_type, size_t *size)
{
    uint32_t type = 0, flags = 0;
    *size = 0;
    const void *value = c->retrieve(c->handle, key, size, &type, &flags);
    if (!value) return NULL;
    if (type == want_type) return value;
    problem(c, LV2_STATE_ERR_BAD_TYPE, name, "has another type than the plugin saves; ignored");
    return NULL;
}

/* A number of want_type and `bytes` bytes, or NULL (another size is a bad
 * type too: an atom:Int is 4 bytes). */
static const void *retrieve_number(restore_ctx *c, LV2_URID key, const char *name,
                                   LV2_URID want_type, size_t bytes)
{
    size_t size = 0;
    const void *value = retrieve_typed(c, key, name, want_type, &size);
    if (!value || size == bytes) return value;
    problem(c, LV2_STATE_ERR_BAD_TYPE, name, "is not a number of the size the plugin saves; ignored");
    return NULL;
}

/* A text value (atom:String or atom:Path) copied into out with its NUL.
 * Hosts hand text back with a size that counts the trailing NUL (lilv, as
 * save() stored it) or not (Carla: strlen()), and the value may then end
 * without one: both are taken. Text with a NUL inside, or longer than out
 * holds, is not (false, out "": a problem, LV2_STATE_ERR_UNKNOWN). */
static bool retrieve_text(restore_ctx *c, LV2_URID key, const char *name, LV2_URID type,
                          char *out, size_t out_size)
{
    size_t size = 0;
    const char *value = retrieve_typed(c, key, name, type, &size);
    out[0] = '\0';
    if (!value) return false;
    size_t length = size && value[size - 1] == '\0' ? size - 1 : size;
    if (length >= out_size || memchr(value, '\0', length)) {
        problem(c, LV2_STATE_ERR_UNKNOWN, name,
                length >= out_size ? "is too long; ignored" : "holds a NUL; ignored");
        return false;
    }
    memcpy(out, value, length);
    out[length] = '\0';
    return true;
}

/* Copies a restored path, mapped to an absolute one, into out ("" if absent). */
static void restore_path(restore_ctx *c, LV2_URID key, const char *name, char *out,
                         size_t out_size)
{
    char value[MV_PATH_MAX];
    out[0] = '\0';
    if (!retrieve_text(c, key, name, c->self->uris.atom_Path, value, sizeof value) || !value[0])
        return;
    const LV2_Feature *f = find_feature(c->features, LV2_STATE__mapPath);
    const LV2_State_Map_Path *map_path = f ? f->data : NULL;
    char *absolute = map_path ? map_path->absolute_path(map_path->handle, value) : NULL;
    snprintf(out, out_size, "%s", absolute ? absolute : value);
    if (absolute) free_path(c->features, absolute);
}

/* A model of the bundle named by its file name (save()): found in the bundle
 * this plugin runs from. A name that is not a plain file name (or not UTF-8:
 * it is saved as a string again), or too long for a path, is ignored. */
static void restore_bundle_model(restore_ctx *c)
{
    mv_plugin *self = c->self;
    char name[MV_PATH_MAX];
    if (!retrieve_text(c, self->uris.mv_bundle_model, "bundleModel", self->uris.atom_String,
                       name, sizeof name) ||
        !name[0])
        return;
    mv_restore_data *r = &self->restore;
    size_t dir = bundle_dir_length(self), length = strlen(name);
    if (strchr(name, '/') || name[0] == '.' || utf8_prefix(name, length, sizeof name) != length ||
        dir + length >= sizeof r->model_path) {
        problem(c, LV2_STATE_ERR_UNKNOWN, "bundleModel", "is not a file name of the bundle; ignored");
        return;
    }
    memcpy(r->model_path, self->default_model, dir);
    memcpy(r->model_path + dir, name, length + 1);
}

static void restore_anchor(restore_ctx *c, mv_slot slot)
{
    mv_plugin *self = c->self;
    const mv_uris *u = &self->uris;
    mv_restore_data *r = &self->restore;
    const int which = slot_anchor(slot);
    mv_anchor_source *a = &r->anchor[which];
    memset(a, 0, sizeof *a);
    char name[32];
#define KEY(what) (snprintf(name, sizeof name, "anchor%c" what, slot_letter(slot)), name)
    size_t size = 0;
    const int32_t *kind = retrieve_number(c, u->mv_anchor_kind[which], KEY("Kind"), u->atom_Int,
                                          sizeof *kind);
    if (kind && *kind >= ANCHOR_DEFAULT && *kind <= ANCHOR_CAPTURE) a->kind = *kind;
    else if (kind) problem(c, LV2_STATE_ERR_UNKNOWN, KEY("Kind"), "is no kind of anchor; the model's default");
    const int32_t *seed = retrieve_number(c, u->mv_anchor_seed[which], KEY("Seed"), u->atom_Int,
                                          sizeof *seed);
    if (seed && (*seed < 0 || *seed > MV_SEED_MAX))
        problem(c, LV2_STATE_ERR_UNKNOWN, KEY("Seed"), "is out of range; clamped");
    if (seed) a->seed = *seed < 0 ? 0 : *seed > MV_SEED_MAX ? MV_SEED_MAX : (uint32_t)*seed;
    char label[MV_PATH_MAX]; /* a longer one is cut to fit a->label */
    if (retrieve_text(c, u->mv_anchor_label[which], KEY("Label"), u->atom_String, label,
                      sizeof label))
        utf8_copy(a->label, sizeof a->label, label, strlen(label));
    restore_path(c, u->mv_anchor_file[which], KEY("File"), a->path, sizeof a->path);

    const char *z = retrieve_typed(c, u->mv_anchor_z[which], KEY("Z"), u->atom_String, &size);
    r->anchor_z_size[which] = z ? parse_vector(z, size, r->anchor_z[which], MV_MAX_SIZE) : 0;
    if (z && !r->anchor_z_size[which])
        problem(c, LV2_STATE_ERR_UNKNOWN, KEY("Z"), "is not a vector; not used");
    /* Made again from what else the state holds (its file, its window), or
     * the model's default: a vector with NaN or Inf decodes to nothing. */
    int bad = first_nonfinite(r->anchor_z[which], r->anchor_z_size[which]);
    if (bad >= 0) {
        lv2_log_error(&self->logger,
                      "morphvae: anchor %c: value %d of the stored vector is not a finite "
                      "number; not used\n",
                      slot_letter(slot), bad);
        if (c->status == LV2_STATE_SUCCESS) c->status = LV2_STATE_ERR_UNKNOWN;
        r->anchor_z_size[which] = 0;
    }
    const char *tokens = retrieve_typed(c, u->mv_anchor_tokens[which], KEY("Tokens"),
                                        u->atom_String, &size);
    /* The engine checks that the window fits its model. */
    bool from_notes = a->kind == ANCHOR_FILE || a->kind == ANCHOR_VECTOR ||
                      a->kind == ANCHOR_CAPTURE;
    r->anchor_n_tokens[which] =
        tokens && from_notes
            ? token_text_parse(tokens, size, r->anchor_tokens[which], MV_MAX_ANCHOR_TOKENS)
            : 0;
    if (tokens && from_notes && !r->anchor_n_tokens[which])
        problem(c, LV2_STATE_ERR_UNKNOWN, KEY("Tokens"), "is not a window; not used");
    /* What the kind needs to be made again: a file anchor its file or its
     * vector, a vector its vector, a captured phrase its vector or its notes. */
    bool have_z = r->anchor_z_size[which] > 0, have_notes = r->anchor_n_tokens[which] > 0;
    const char *missing = a->kind == ANCHOR_FILE && !a->path[0] && !have_z ? "File"
                          : a->kind == ANCHOR_VECTOR && !have_z           ? "Z"
                          : a->kind == ANCHOR_CAPTURE && !have_z && !have_notes ? "Z"
                                                                                 : NULL;
    if (missing) {
        snprintf(name, sizeof name, "anchor%c%s", slot_letter(slot), missing);
        problem(c, LV2_STATE_ERR_NO_PROPERTY, name,
                "is missing and the anchor needs it; the model's default");
    }
#undef KEY
}

/* The chord followed: a name chord_parse reads ("N", or absent: none). restore()
 * never runs at the same time as run() (no state:threadSafeRestore), so it
 * sets run()'s own fields; run() forgets the chord if Chords is off. */
static void restore_chord(restore_ctx *c)
{
    mv_plugin *self = c->self;
    char name[MV_PATH_MAX];
    uint8_t id = MV_CHORD_NONE;
    if (retrieve_text(c, self->uris.mv_chord, "chord", self->uris.atom_String, name,
                      sizeof name)) {
        char err[256];
        if (chord_parse(name, strlen(name), &id, err, sizeof err)) {
            problem(c, LV2_STATE_ERR_UNKNOWN, "chord", "is not a chord; none");
            id = MV_CHORD_NONE;
        }
    }
    self->chords_on = true;
    self->chord_in.memory = id;
    atomic_store_explicit(&self->chord_saved, id, memory_order_relaxed);
}

/* What a save() right after this restore() stores: the restored state. */
static void publish_restored(mv_plugin *self)
{
    const mv_restore_data *r = &self->restore;
    mv_saved_state *s = snapshot_back(&self->saved);
    snprintf(s->model_path, sizeof s->model_path, "%s",
             strcmp(r->model_path, self->default_model) ? r->model_path : "");
    s->model_checksum = r->model_checksum;
    for (int which = 0; which < MV_N_ANCHORS; which++) {
        s->anchor[which] = r->anchor[which];
        s->z_size[which] = r->anchor_z_size[which];
        memcpy(s->z[which], r->anchor_z[which], (size_t)r->anchor_z_size[which] * sizeof(float));
        s->n_tokens[which] = r->anchor_n_tokens[which];
        memcpy(s->tokens[which], r->anchor_tokens[which],
               (size_t)r->anchor_n_tokens[which] * sizeof(int32_t));
    }
    snapshot_publish(&self->saved);
}

static LV2_Worker_Status respond_at_once(LV2_Worker_Respond_Handle handle, uint32_t size,
                                         const void *data)
{
    return mv_work_response(handle, size, data);
}

/* Not active: nothing else runs, so the worker's part and the audio thread's
 * part of the restore happen here, one after the other. Responses still
 * queued in the host from before carry the old epoch and are dropped; so are
 * requests run() had not sent yet (the restore replaces what they asked). */
static void apply_at_once(mv_plugin *self)
{
    atomic_fetch_add_explicit(&self->epoch, 1u, memory_order_acq_rel);
    atomic_store_explicit(&self->restore_forward, false, memory_order_relaxed);
    self->request_in_flight = 0;
    self->retry.count = 0;
    self->outbox.bar = false;
    const mv_msg_head m = {.type = MSG_RESTORE};
    mv_work(self, respond_at_once, self, sizeof m, &m);
    /* The worker kept an engine it had already sent in a message that is now
     * stale: play it from here (the stale message then finds it playing and
     * leaves it alone). */
    if (self->engine != self->work_engine && self->work_engine) {
        mv_msg take = {.engine = {.head = {RESP_ENGINE, atomic_load(&self->epoch)},
                                  .engine = self->work_engine}};
        mv_work_response(self, msg_size(&take), &take);
        self->handed_engine = self->work_engine;
    }
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    mv_plugin *self = instance;
    restore_ctx c = {self, retrieve, handle, features, LV2_STATE_SUCCESS};
    mv_restore_data *r = &self->restore;
    restore_path(&c, self->uris.mv_model, "model", r->model_path, sizeof r->model_path);
    restore_bundle_model(&c);
    if (!r->model_path[0])
        snprintf(r->model_path, sizeof r->model_path, "%s", self->default_model);
    const int64_t *checksum = retrieve_number(&c, self->uris.mv_model_checksum, "modelChecksum",
                                              self->uris.atom_Long, sizeof *checksum);
    r->model_checksum = checksum ? (uint64_t)*checksum : 0;
    restore_anchor(&c, MV_SLOT_ANCHOR_A);
    restore_anchor(&c, MV_SLOT_ANCHOR_B);
    restore_chord(&c);
    publish_restored(self);

    if (!self->active) {
        apply_at_once(self);
        /* The worker could not load the model: the one before plays on. */
        if (self->missing_model[0] && c.status == LV2_STATE_SUCCESS)
            c.status = LV2_STATE_ERR_UNKNOWN;
        return c.status;
    }
    /* Active: the next run() asks the worker to apply it, and until it has,
     * the worker publishes nothing older. Whether the model can be loaded is
     * checked here (the worker loads it again). */
    self->publish_paused = true;
    atomic_store_explicit(&self->restore_forward, true, memory_order_release);
    char err[512];
    if (c.status == LV2_STATE_SUCCESS && engine_check_model(r->model_path, err, sizeof err))
        c.status = LV2_STATE_ERR_UNKNOWN;
    return c.status;
}

const void *mv_state_interface(void)
{
    static const LV2_State_Interface state = {save, restore};
    return &state;
}
