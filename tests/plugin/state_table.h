/* The plugin's state as a host that keeps the values itself holds it (Carla
 * keeps them as custom data in its project): save() stores into a table,
 * restore() retrieves from it. Strings and paths are kept as lilv hands them
 * back (the size counts the trailing NUL) or as Carla does (a size of
 * strlen(), the value ending without its NUL: the copy is exactly that long,
 * so ASan catches a read past it). Tests change entries to play a corrupted
 * session. */
#ifndef MV_TEST_STATE_TABLE_H
#define MV_TEST_STATE_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lilv_host.h"

#define STATE_TABLE_MAX 64

typedef struct state_entry {
    uint32_t key, type, flags;
    size_t size;
    void *value; /* malloc'ed, size bytes (at least 1) */
} state_entry;

typedef struct state_table {
    state_entry entry[STATE_TABLE_MAX];
    int n;
    bool without_nul;          /* keep text as Carla hands it back */
    uint32_t string_type, path_type;
} state_table;

static inline void state_table_init(state_table *t, mv_host *h, bool without_nul)
{
    memset(t, 0, sizeof *t);
    t->without_nul = without_nul;
    t->string_type = host_map(h, "http://lv2plug.in/ns/ext/atom#String");
    t->path_type = host_map(h, "http://lv2plug.in/ns/ext/atom#Path");
}

static inline void state_table_free(state_table *t)
{
    for (int i = 0; i < t->n; i++) free(t->entry[i].value);
    t->n = 0;
}

static inline state_entry *state_table_find(state_table *t, uint32_t key)
{
    for (int i = 0; i < t->n; i++)
        if (t->entry[i].key == key) return &t->entry[i];
    return NULL;
}

/* Sets (adds or replaces) an entry: size bytes of value, as they are. */
static inline void state_table_set(state_table *t, uint32_t key, const void *value, size_t size,
                                   uint32_t type)
{
    state_entry *e = state_table_find(t, key);
    if (!e) {
        if (t->n == STATE_TABLE_MAX) return;
        e = &t->entry[t->n++];
        e->value = NULL;
    }
    free(e->value);
    e->key = key;
    e->type = type;
    e->flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    e->size = size;
    e->value = malloc(size ? size : 1);
    if (size) memcpy(e->value, value, size);
}

static inline LV2_State_Status state_table_store(LV2_State_Handle handle, uint32_t key,
                                                 const void *value, size_t size, uint32_t type,
                                                 uint32_t flags)
{
    (void)flags;
    state_table *t = handle;
    bool text = type == t->string_type || type == t->path_type;
    if (t->without_nul && text && size && ((const char *)value)[size - 1] == '\0') size--;
    state_table_set(t, key, value, size, type);
    return LV2_STATE_SUCCESS;
}

static inline const void *state_table_retrieve(LV2_State_Handle handle, uint32_t key,
                                               size_t *size, uint32_t *type, uint32_t *flags)
{
    state_entry *e = state_table_find(handle, key);
    if (!e) return NULL;
    *size = e->size;
    *type = e->type;
    *flags = e->flags;
    return e->value;
}

/* The plugin's save() into t (emptied first); 0 on success. */
static inline int state_table_save(state_table *t, mv_host *h)
{
    state_table_free(t);
    return host_call_save(h, state_table_store, t);
}

/* The plugin's restore() from t: its LV2_State_Status (0 success). */
static inline int state_table_restore(state_table *t, mv_host *h)
{
    return host_call_restore(h, state_table_retrieve, t);
}

#endif
