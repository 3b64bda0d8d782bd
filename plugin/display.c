/* Drawing the inline display: rectangles and 5x7 text into ARGB32 pixels. */
#include "display.h"

#include <stdio.h>
#include <string.h>

#include "font5x7.h"

#define MORPH_MIN_H 4
#define MORPH_MAX_H 8
#define LABEL_ROW_H (FONT5X7_H + 3)
#define LABEL_MIN_W 80  /* narrower: no names under the roll */
#define LABEL_MIN_H 48  /* lower: the roll needs the rows */
#define GLYPH_ADVANCE (FONT5X7_W + 1)

int display_height(int w, int max_h)
{
    int h = w / 2 > 40 ? w / 2 : 40; /* a strip wider than high, as a phrase is */
    return h < max_h ? h : max_h;
}

static void pitch_range(const mv_display_frame *f, int *lo, int *hi)
{
    *lo = 127, *hi = 0;
    for (int i = 0; i < f->n_notes; i++) {
        if (f->notes[i].pitch < *lo) *lo = f->notes[i].pitch;
        if (f->notes[i].pitch > *hi) *hi = f->notes[i].pitch;
    }
    if (f->n_notes == 0) *lo = *hi = 60;
    int missing = DISPLAY_MIN_PITCHES - (*hi - *lo + 1);
    if (missing > 0) {
        *lo -= missing / 2;
        *hi += missing - missing / 2;
    }
}

void display_geometry_of(const mv_display_frame *f, int w, int h, display_geometry *g)
{
    int morph_h = h / 8 < MORPH_MIN_H ? MORPH_MIN_H : h / 8 > MORPH_MAX_H ? MORPH_MAX_H : h / 8;
    g->w = w, g->h = h;
    g->morph_top = h - morph_h;
    g->label_h = w >= LABEL_MIN_W && h >= LABEL_MIN_H ? LABEL_ROW_H : 0;
    g->label_top = g->morph_top - g->label_h;
    g->roll_h = g->label_top - 1; /* a row of background between roll and what is below */
    g->steps = f->steps > 0 ? f->steps : 1;
    pitch_range(f, &g->pitch_lo, &g->pitch_hi);
}

int display_step_x(const display_geometry *g, int step)
{
    return (int)((int64_t)step * g->w / g->steps);
}

int display_pitch_top(const display_geometry *g, int pitch)
{
    int rows = g->pitch_hi - g->pitch_lo + 1;
    return (int)((int64_t)(g->pitch_hi - pitch) * g->roll_h / rows);
}

void display_note_rows(const display_geometry *g, int pitch, int *y0, int *y1)
{
    *y0 = display_pitch_top(g, pitch);
    *y1 = display_pitch_top(g, pitch - 1);
    if (*y1 - *y0 >= 3) --*y1;
    if (*y1 <= *y0) *y1 = *y0 + 1;
}

typedef struct {
    uint32_t *px;
    int w, h, stride;
} canvas;

static void fill(const canvas *c, int x0, int y0, int x1, int y1, uint32_t argb)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > c->w) x1 = c->w;
    if (y1 > c->h) y1 = c->h;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) c->px[(size_t)y * c->stride + x] = argb;
}

/* Text from x, cut at x_end; returns the width drawn. */
static int text(const canvas *c, int x, int y, int x_end, const char *s, uint32_t argb)
{
    int x0 = x;
    for (; *s && x + FONT5X7_W <= x_end; s++, x += GLYPH_ADVANCE) {
        const uint8_t *glyph = font5x7_glyph(*s);
        for (int col = 0; col < FONT5X7_W; col++)
            for (int row = 0; row < FONT5X7_H; row++)
                if (glyph[col] >> row & 1)
                    fill(c, x + col, y + row, x + col + 1, y + row + 1, argb);
    }
    return x - x0;
}

static void draw_roll(const canvas *c, const mv_display_frame *f, const display_geometry *g)
{
    for (int s = f->bar_steps; f->bar_steps > 0 && s < f->steps; s += f->bar_steps)
        fill(c, display_step_x(g, s), 0, display_step_x(g, s) + 1, g->roll_h, DISPLAY_BAR_LINE);
    for (int i = 0; i < f->n_notes; i++) {
        const mv_display_note *n = &f->notes[i];
        int x0 = display_step_x(g, n->start), x1 = display_step_x(g, n->end) - 1, y0, y1;
        display_note_rows(g, n->pitch, &y0, &y1);
        fill(c, x0, y0, x1 > x0 ? x1 : x0 + 1, y1, DISPLAY_NOTE);
    }
    if (f->playhead >= 0 && f->playhead < f->steps) {
        int x = display_step_x(g, f->playhead);
        fill(c, x, 0, x + 1, g->roll_h, DISPLAY_PLAYHEAD);
    }
}

/* "A name" at the left, "B name" at the right, each in half the width. */
static void draw_labels(const canvas *c, const mv_display_frame *f, const display_geometry *g)
{
    char line[DISPLAY_LABEL_MAX + 3];
    int half = g->w / 2, y = g->label_top + 1;
    snprintf(line, sizeof line, "A %s", f->label[0]);
    text(c, 1, y, half - 3, line, DISPLAY_TEXT);
    snprintf(line, sizeof line, "%s B", f->label[1]);
    int chars = (int)strlen(line), room = (g->w - 1 - (half + 3)) / GLYPH_ADVANCE;
    const char *shown = chars > room ? line + (chars - room) : line; /* keep "... B" */
    text(c, g->w - 1 - (int)strlen(shown) * GLYPH_ADVANCE + 1, y, g->w, shown, DISPLAY_TEXT);
}

static void draw_morph(const canvas *c, const mv_display_frame *f, const display_geometry *g)
{
    int x0 = 1, x1 = g->w - 1, y0 = g->morph_top, y1 = g->h - 1;
    float t = f->morph < 0 ? 0 : f->morph > 1 ? 1 : f->morph;
    int at = x0 + (int)(t * (float)(x1 - x0 - 2) + 0.5f);
    fill(c, x0, y0, x1, y1, DISPLAY_MORPH_TRACK);
    fill(c, x0, y0, at, y1, DISPLAY_MORPH_FILL);
    fill(c, at, y0 - 1, at + 2, y1 + 1, DISPLAY_MORPH_MARK);
}

void display_draw(const mv_display_frame *f, uint32_t *pixels, int w, int h, int stride_px)
{
    canvas c = {pixels, w, h, stride_px};
    display_geometry g;
    display_geometry_of(f, w, h, &g);
    fill(&c, 0, 0, w, h, DISPLAY_BACKGROUND);
    if (f->steps > 0) draw_roll(&c, f, &g);
    if (g.label_h) draw_labels(&c, f, &g);
    draw_morph(&c, f, &g);
}
