/* The plugin's state as save() stores it, handed from its writers (the
 * worker after each change, restore(), instantiate) to save() through a
 * triple buffer: the writer fills the back copy and swaps it with the middle
 * one in one atomic exchange; save() swaps the middle one for its own when a
 * new one is there. Each copy has one owner at a time, so save() never reads
 * what the worker is writing, and neither waits for the other.
 * One writer at a time (work() and restore() never run at once), one reader
 * (save() does not run concurrently with itself). */
#ifndef MV_SNAPSHOT_H
#define MV_SNAPSHOT_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine.h"
#include "messages.h"

typedef struct mv_saved_state {
    char model_path[MV_PATH_MAX]; /* "": the bundle's own model */
    uint64_t model_checksum;      /* of the model the vectors belong to; 0: none loaded */
    mv_anchor_source anchor[MV_N_ANCHORS];
    int z_size[MV_N_ANCHORS];                /* floats in z[which]; 0: no vector */
    float z[MV_N_ANCHORS][MV_MAX_SIZE];
    int n_tokens[MV_N_ANCHORS];              /* the window a file anchor came from; 0: none */
    int32_t tokens[MV_N_ANCHORS][MV_MAX_ANCHOR_TOKENS];
} mv_saved_state;

typedef struct mv_snapshot {
    mv_saved_state *copy[3];
    int back, front;           /* the writer's copy, the reader's copy */
    atomic_uint middle;        /* the third copy's index, | SNAPSHOT_FRESH when newer */
} mv_snapshot;

int snapshot_init(mv_snapshot *s); /* 0, or -1 out of memory */
void snapshot_free(mv_snapshot *s);

/* Writer: the copy to fill (all of it), then publish it. */
mv_saved_state *snapshot_back(mv_snapshot *s);
void snapshot_publish(mv_snapshot *s);

/* Reader: the newest published copy, stable until the next snapshot_read. */
const mv_saved_state *snapshot_read(mv_snapshot *s);

#endif
