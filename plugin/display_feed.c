/* Frames for the inline display from run(), pictures for render(). */
#include "display_feed.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "extract.h"
#include "groove.h"
#include "lv2_inline_display.h"
#include "notes.h"
#include "tokens.h"

#define FRAME_FRESH 4u /* above the indices 0..2 */

/* What the notes on the page depend on: when it is unchanged, so are they. */
typedef struct notes_key {
    int64_t page_start;
    int32_t page_bars, bar_steps;
    uint32_t bar_changes, engine_serial;
    int32_t transpose, key, scale;
} notes_key;

struct mv_display {
    const LV2_Inline_Display *host; /* the queue_draw feature, or NULL */

    /* --- run() only --- */
    mv_bar_slot bars[DISPLAY_MAX_BARS]; /* the page's bars as they were decoded */
    uint32_t bar_changes;
    notes_key built_for;
    mv_display_frame built; /* the newest frame */
    int32_t page_tokens[DISPLAY_MAX_STEPS];
    mv_note notes[DISPLAY_MAX_NOTES];

    /* --- run() -> render(): a triple buffer as snapshot.h's --- */
    mv_display_frame frame[3];
    int back, front;
    atomic_uint middle;

    /* --- render() only --- */
    uint32_t *pixels;
    size_t n_pixels;
    LV2_Inline_Display_Image_Surface surface;
};

mv_display *display_create(const LV2_Feature *const *features)
{
    mv_display *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    for (int i = 0; features[i]; i++)
        if (!strcmp(features[i]->URI, MV_INLINEDISPLAY__queue_draw)) d->host = features[i]->data;
    d->back = 0, d->front = 2;
    atomic_init(&d->middle, 1u);
    d->built_for.page_bars = -1; /* nothing built yet */
    d->built.playhead = -1;
    return d;
}

void display_free(mv_display *d)
{
    if (!d) return;
    free(d->pixels);
    free(d);
}

/* ---- run(): the page and its bars ---- */

static int64_t floor_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* The page holding bar: phrases (phrase_bars long, from bar 0) cut into pages
 * of at most DISPLAY_MAX_BARS bars. */
static void page_of(int64_t bar, int phrase_bars, int64_t *start, int *bars)
{
    int64_t in_phrase = floor_mod(bar, phrase_bars), phrase_start = bar - in_phrase;
    *start = phrase_start + in_phrase / DISPLAY_MAX_BARS * DISPLAY_MAX_BARS;
    int64_t left = phrase_start + phrase_bars - *start;
    *bars = left < DISPLAY_MAX_BARS ? (int)left : DISPLAY_MAX_BARS;
}

/* Copies the decoded bars run() holds that lie on the page. */
static void keep_page_bars(mv_display *d, const mv_plugin *self, int64_t page_start,
                           int page_bars)
{
    for (int i = 0; i < 2; i++) {
        const mv_bar_slot *s = &self->slot[i];
        int64_t at = s->song_bar - page_start;
        if (!s->valid || s->engine_serial != engine_info(self->engine)->serial || at < 0 || at >= page_bars)
            continue;
        mv_bar_slot *kept = &d->bars[at];
        if (kept->valid && kept->song_bar == s->song_bar && kept->version == s->version &&
            kept->engine_serial == s->engine_serial)
            continue;
        *kept = *s;
        d->bar_changes++;
    }
}

/* The page's bar i as kept, or NULL when it is not decoded yet. */
static const mv_bar_slot *page_bar(const mv_display *d, const notes_key *k, int i)
{
    const mv_bar_slot *b = &d->bars[i];
    return b->valid && b->song_bar == k->page_start + i && b->engine_serial == k->engine_serial
               ? b : NULL;
}

/* ---- run(): notes ---- */

/* The page's tokens: each bar's own steps, then silence (a note-off where a
 * bar ends early or is missing, as run() ends its notes); a groove bar's
 * hits as drum tokens (drawn on their steps, without their feel). */
static void page_tokens(mv_display *d, const mv_engine_info *e, const notes_key *k)
{
    const bool drums = extract_is_drums(e->repr);
    for (int i = 0; i < k->page_bars; i++) {
        const mv_bar_slot *b = page_bar(d, k, i);
        for (int s = 0; s < k->bar_steps; s++) {
            int32_t t = drums ? 0 : s == 0 || s == e->steps_per_bar
                                                        ? MV_MELODY_NOTE_OFF : MV_MELODY_NO_EVENT;
            int32_t *out = &d->page_tokens[i * k->bar_steps + s];
            if (!b || s >= e->steps_per_bar) *out = t;
            else if (e->repr == MV_REPR_GROOVE) groove_hit_tokens(b->played.groove[s], 1, out);
            else *out = b->played.tokens[s];
        }
    }
}

static const mv_roll_step *roll_step_at(const mv_display *d, const mv_engine_info *e,
                                        const notes_key *k, int s)
{
    const mv_bar_slot *b = page_bar(d, k, s / k->bar_steps);
    int in_bar = s % k->bar_steps;
    return b && in_bar < e->steps_per_bar ? &b->played.roll[in_bar] : NULL;
}

static int add_note(mv_display *d, int n, int start, int end, int pitch)
{
    if (n == DISPLAY_MAX_NOTES) return n;
    d->notes[n] = (mv_note){.step = start, .duration = end - start, .pitch = (uint8_t)pitch};
    return n + 1;
}

/* A roll's notes as run() plays them: a pitch's note starts where it begins
 * to sound or is struck again, and lasts while it sounds. */
static int roll_notes(mv_display *d, const mv_engine_info *e, const notes_key *k, int steps)
{
    int n = 0;
    for (int p = 0; p < e->n_pitches; p++) {
        int open = -1;
        for (int s = 0; s < steps; s++) {
            const mv_roll_step *st = roll_step_at(d, e, k, s);
            int sounds = st && roll_bit(st->sounds, p), starts = st && roll_bit(st->starts, p);
            if (open >= 0 && (!sounds || starts)) {
                n = add_note(d, n, open, s, (int)e->min_pitch + p);
                open = -1;
            }
            if (sounds && open < 0) open = s;
        }
        if (open >= 0) n = add_note(d, n, open, steps, (int)e->min_pitch + p);
    }
    return n;
}

static void build_notes(mv_display *d, const mv_engine_info *e, const notes_key *k)
{
    int steps = k->page_bars * k->bar_steps, n;
    if (e->repr == MV_REPR_ROLL) {
        n = roll_notes(d, e, k, steps);
    } else {
        page_tokens(d, e, k);
        n = extract_is_drums(e->repr)
                ? drums_to_notes(d->page_tokens, steps, 100, d->notes, DISPLAY_MAX_NOTES)
                : melody_to_notes(d->page_tokens, steps, (int)e->min_pitch, (int)e->n_classes, 100,
                                  d->notes, DISPLAY_MAX_NOTES);
    }
    mv_display_frame *f = &d->built;
    f->steps = steps;
    f->bar_steps = k->bar_steps;
    f->n_notes = n;
    for (int i = 0; i < n; i++) {
        const mv_note *m = &d->notes[i];
        int pitch = extract_is_drums(e->repr)
                        ? m->pitch : notes_shape_pitch(m->pitch, k->transpose, k->key, k->scale);
        f->notes[i] = (mv_display_note){(int16_t)m->step, (int16_t)(m->step + m->duration),
                                        (uint8_t)pitch};
    }
}

/* ---- run(): the frame ---- */

/* Sets an anchor's label to the name of its MIDI file (path "" : none, no
 * label); returns whether it changed. A bounded copy: run() calls it. */
static bool set_label(char *label, const char *path)
{
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    size_t n = strnlen(name, DISPLAY_LABEL_MAX - 1);
    if (!strncmp(label, name, n) && label[n] == '\0') return false;
    memcpy(label, name, n);
    label[n] = '\0';
    return true;
}

static void publish(mv_display *d)
{
    memcpy(&d->frame[d->back], &d->built,
           offsetof(mv_display_frame, notes) + sizeof d->built.notes[0] * (size_t)d->built.n_notes);
    /* release: the frame before its index; acquire: the frame coming back
     * was released by render() */
    unsigned old = atomic_exchange_explicit(&d->middle, (unsigned)d->back | FRAME_FRESH,
                                            memory_order_acq_rel);
    d->back = (int)(old & 3u);
    if (d->host) d->host->queue_draw(d->host->handle);
}

/* The notes' key of the page of the last step played, and where that step
 * is on the page (-1: past the bar's steps shown); false when no model plays. */
static bool key_now(const mv_plugin *self, int transpose, int key, int scale, notes_key *k,
                    int32_t *playhead)
{
    const mv_clock *c = &self->clock;
    memset(k, 0, sizeof *k); /* padding too: keys are compared with memcmp */
    if (!self->engine) return false;
    int64_t step = c->next_step - 1, bar = clock_bar_of(c, step);
    int in_bar = clock_step_in_bar(c, step);
    page_of(bar, engine_phrase_bars(self->engine, &self->params), &k->page_start,
            &k->page_bars);
    k->bar_steps = c->bar_steps < MV_MAX_STEPS_PER_BAR ? c->bar_steps : MV_MAX_STEPS_PER_BAR;
    k->engine_serial = engine_info(self->engine)->serial;
    k->transpose = transpose, k->key = key, k->scale = scale;
    *playhead = in_bar < k->bar_steps ? (int32_t)(bar - k->page_start) * k->bar_steps + in_bar : -1;
    return true;
}

void display_update(mv_display *d, const mv_plugin *self, int transpose, int key, int scale)
{
    notes_key k;
    int32_t playhead = -1;
    bool changed = false;
    if (key_now(self, transpose, key, scale, &k, &playhead)) {
        keep_page_bars(d, self, k.page_start, k.page_bars);
        k.bar_changes = d->bar_changes;
        if (memcmp(&k, &d->built_for, sizeof k)) {
            build_notes(d, engine_info(self->engine), &k);
            d->built_for = k;
            changed = true;
        }
    } else if (d->built.steps) { /* the model is gone */
        d->built.steps = d->built.n_notes = 0;
        d->built_for.page_bars = -1;
        changed = true;
    }
    changed |= playhead != d->built.playhead || self->params.morph != d->built.morph;
    d->built.playhead = playhead;
    d->built.morph = self->params.morph;
    for (int which = 0; which < 2; which++)
        changed |= set_label(d->built.label[which], self->reported.path[1 + which]);
    if (changed) publish(d);
}

/* ---- render() ---- */

static const mv_display_frame *newest_frame(mv_display *d)
{
    if (atomic_load_explicit(&d->middle, memory_order_relaxed) & FRAME_FRESH) {
        unsigned old = atomic_exchange_explicit(&d->middle, (unsigned)d->front,
                                                memory_order_acq_rel);
        d->front = (int)(old & 3u);
    }
    return &d->frame[d->front];
}

static LV2_Inline_Display_Image_Surface *render(LV2_Handle instance, uint32_t w, uint32_t max_h)
{
    mv_display *d = ((mv_plugin *)instance)->display;
    int width = w > 4096 ? 4096 : (int)w;
    int height = display_height(width, max_h > 4096 ? 4096 : (int)max_h);
    if (width <= 0 || height <= 0) return NULL;
    size_t need = (size_t)width * (size_t)height;
    if (need > d->n_pixels) {
        uint32_t *pixels = realloc(d->pixels, need * sizeof *pixels);
        if (!pixels) return NULL;
        d->pixels = pixels;
        d->n_pixels = need;
    }
    display_draw(newest_frame(d), d->pixels, width, height, width);
    d->surface = (LV2_Inline_Display_Image_Surface){(unsigned char *)d->pixels, width, height,
                                                   width * (int)sizeof *d->pixels};
    return &d->surface;
}

const void *display_interface(void)
{
    static const LV2_Inline_Display_Interface interface = {render};
    return &interface;
}
