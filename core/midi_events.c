/* Building and freeing mv_midi_file. */
#include "midi_events.h"

#include <stdlib.h>
#include <string.h>

int midi_file_init(mv_midi_file *f, uint32_t ticks_per_quarter, uint32_t n_tracks)
{
    memset(f, 0, sizeof *f);
    f->ticks_per_quarter = ticks_per_quarter;
    f->n_tracks = n_tracks;
    if (n_tracks && !(f->tracks = calloc(n_tracks, sizeof *f->tracks))) return -1;
    return 0;
}

/* Grows *items (of item_size bytes) so that one more fits. */
static int reserve_one(void **items, uint32_t *cap, uint32_t count, size_t item_size)
{
    if (count < *cap) return 0;
    if (*cap > UINT32_MAX / 2) return -1;
    uint32_t new_cap = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, (size_t)new_cap * item_size);
    if (!p) return -1;
    *items = p;
    *cap = new_cap;
    return 0;
}

int midi_file_add_note(mv_midi_file *f, const mv_midi_note *n)
{
    if (reserve_one((void **)&f->notes, &f->cap_notes, f->n_notes, sizeof *n)) return -1;
    f->notes[f->n_notes++] = *n;
    if (n->end > f->end_tick) f->end_tick = n->end;
    return 0;
}

int midi_file_add_tempo(mv_midi_file *f, int64_t tick, uint32_t us_per_quarter)
{
    if (reserve_one((void **)&f->tempos, &f->cap_tempos, f->n_tempos, sizeof *f->tempos))
        return -1;
    f->tempos[f->n_tempos++] = (mv_midi_tempo){tick, us_per_quarter};
    return 0;
}

int midi_file_add_meter(mv_midi_file *f, int64_t tick, int numerator, int denominator)
{
    if (reserve_one((void **)&f->meters, &f->cap_meters, f->n_meters, sizeof *f->meters))
        return -1;
    f->meters[f->n_meters++] = (mv_midi_meter){tick, (uint8_t)numerator, (uint8_t)denominator};
    return 0;
}

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

static int cmp_note(const void *pa, const void *pb)
{
    const mv_midi_note *a = pa, *b = pb;
    int c = cmp_i64(a->start, b->start);
    if (!c) c = (a->track > b->track) - (a->track < b->track);
    if (!c) c = (a->pitch > b->pitch) - (a->pitch < b->pitch);
    if (!c) c = cmp_i64(a->end, b->end);
    return c;
}

/* Tempo and meter lists are short and may hold several events at one tick, the
 * last of which is the one that counts: a stable insertion sort keeps them in
 * file order within a tick. */
#define STABLE_SORT_BY_TICK(items, n)                                                  \
    for (uint32_t i = 1; i < (n); i++)                                                 \
        for (uint32_t j = i; j > 0 && (items)[j - 1].tick > (items)[j].tick; j--) {   \
            __typeof__((items)[0]) tmp = (items)[j];                                   \
            (items)[j] = (items)[j - 1];                                               \
            (items)[j - 1] = tmp;                                                      \
        }

void midi_file_finish(mv_midi_file *f)
{
    if (f->n_notes) qsort(f->notes, f->n_notes, sizeof *f->notes, cmp_note);
    STABLE_SORT_BY_TICK(f->tempos, f->n_tempos);
    STABLE_SORT_BY_TICK(f->meters, f->n_meters);
}

void midi_file_free(mv_midi_file *f)
{
    free(f->tracks);
    free(f->notes);
    free(f->tempos);
    free(f->meters);
    memset(f, 0, sizeof *f);
}
