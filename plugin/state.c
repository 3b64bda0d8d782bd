/* LV2 state: the model path and both anchors (kind, seed, MIDI path, label and
 * the latent vector itself, so a session reloads the very notes it had even if
 * the MIDI file is gone). restore() only records what to apply; the worker
 * applies it (loading the model there), asked by the next run(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/state/state.h>

#include "plugin.h"

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

static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features)
{
    (void)flags;
    mv_plugin *self = instance;
    const mv_uris *u = &self->uris;
    const mv_engine *e = self->work_engine;
    if (!e) return LV2_STATE_SUCCESS;
    const uint32_t pod = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    /* No model key means the bundle's model, so presets and sessions made with
     * it follow the shipped model wherever the bundle is installed. */
    if (strcmp(e->path, self->default_model))
        store_path(self, store, handle, u->mv_model, e->path, features);
    /* Which model the vectors below belong to (they mean nothing to another). */
    const int64_t checksum = (int64_t)weights_checksum(e->weights);
    store(handle, u->mv_model_checksum, &checksum, sizeof checksum, u->atom_Long, pod);

    for (int which = 0; which < 2; which++) {
        const mv_anchor_source *a = &self->anchor[which];
        const int32_t kind = a->kind, seed = (int32_t)a->seed;
        store(handle, u->mv_anchor_kind[which], &kind, sizeof kind, u->atom_Int, pod);
        store(handle, u->mv_anchor_seed[which], &seed, sizeof seed, u->atom_Int, pod);
        store(handle, u->mv_anchor_label[which], a->label, strlen(a->label) + 1, u->atom_String,
              pod);
        if (a->kind == ANCHOR_FILE)
            store_path(self, store, handle, u->mv_anchor_file[which], a->path, features);
        /* The vector as raw float32 bytes (base64 in Turtle): exact, where a
         * list of decimal floats would round it and change the notes. */
        store(handle, u->mv_anchor_z[which], e->anchor_z[which],
              (uint32_t)e->z_size * sizeof(float), u->atom_Chunk, LV2_STATE_IS_POD);
    }
    return LV2_STATE_SUCCESS;
}

static const void *retrieve_typed(LV2_State_Retrieve_Function retrieve, LV2_State_Handle handle,
                                  LV2_URID key, LV2_URID want_type, size_t *size)
{
    uint32_t type = 0, flags = 0;
    const void *value = retrieve(handle, key, size, &type, &flags);
    return value && type == want_type ? value : NULL;
}

/* Copies a restored path, mapped to an absolute one, into out ("" if absent). */
static void restore_path(mv_plugin *self, LV2_State_Retrieve_Function retrieve,
                         LV2_State_Handle handle, LV2_URID key,
                         const LV2_Feature *const *features, char *out, size_t out_size)
{
    size_t size = 0;
    const char *value = retrieve_typed(retrieve, handle, key, self->uris.atom_Path, &size);
    out[0] = '\0';
    if (!value || size == 0 || value[size - 1] != '\0') return;
    const LV2_Feature *f = find_feature(features, LV2_STATE__mapPath);
    const LV2_State_Map_Path *map_path = f ? f->data : NULL;
    char *absolute = map_path ? map_path->absolute_path(map_path->handle, value) : NULL;
    snprintf(out, out_size, "%s", absolute ? absolute : value);
    if (absolute) free_path(features, absolute);
}

static void restore_anchor(mv_plugin *self, LV2_State_Retrieve_Function retrieve,
                           LV2_State_Handle handle, const LV2_Feature *const *features,
                           int which)
{
    const mv_uris *u = &self->uris;
    mv_restore_data *r = &self->restore;
    mv_anchor_source *a = &r->anchor[which];
    memset(a, 0, sizeof *a);
    size_t size = 0;
    const int32_t *kind = retrieve_typed(retrieve, handle, u->mv_anchor_kind[which], u->atom_Int,
                                         &size);
    if (kind && size == sizeof *kind && *kind >= ANCHOR_DEFAULT && *kind <= ANCHOR_VECTOR)
        a->kind = *kind;
    const int32_t *seed = retrieve_typed(retrieve, handle, u->mv_anchor_seed[which], u->atom_Int,
                                         &size);
    if (seed && size == sizeof *seed) a->seed = (uint32_t)*seed;
    const char *label = retrieve_typed(retrieve, handle, u->mv_anchor_label[which],
                                       u->atom_String, &size);
    if (label && size > 0 && label[size - 1] == '\0')
        snprintf(a->label, sizeof a->label, "%s", label);
    restore_path(self, retrieve, handle, u->mv_anchor_file[which], features, a->path,
                 sizeof a->path);

    r->anchor_z_size[which] = 0;
    const float *z = retrieve_typed(retrieve, handle, u->mv_anchor_z[which], u->atom_Chunk,
                                    &size);
    size_t n = size / sizeof(float);
    if (!z || n == 0 || n > MV_MAX_SIZE || n * sizeof(float) != size) return;
    memcpy(r->anchor_z[which], z, n * sizeof(float));
    r->anchor_z_size[which] = (int)n;
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    mv_plugin *self = instance;
    restore_path(self, retrieve, handle, self->uris.mv_model, features,
                 self->restore.model_path, sizeof self->restore.model_path);
    if (!self->restore.model_path[0])
        snprintf(self->restore.model_path, sizeof self->restore.model_path, "%s",
                 self->default_model);
    size_t size = 0;
    const int64_t *checksum = retrieve_typed(retrieve, handle, self->uris.mv_model_checksum,
                                             self->uris.atom_Long, &size);
    self->restore.model_checksum = checksum && size == sizeof *checksum ? (uint64_t)*checksum : 0;
    restore_anchor(self, retrieve, handle, features, 0);
    restore_anchor(self, retrieve, handle, features, 1);
    atomic_store_explicit(&self->restore_pending, true, memory_order_release);
    return LV2_STATE_SUCCESS;
}

const void *mv_state_interface(void)
{
    static const LV2_State_Interface state = {save, restore};
    return &state;
}
