/* Piano rolls: pitch rows (black-key rows shaded) with pitch labels on the C
 * rows, or for drums one lane per instrument with its name; beat and bar
 * lines, bar numbers, notes coloured by track and velocity, a title line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi_read.h"
#include "plot.h"
#include "raster.h"

#define ROLL_LEFT 30         /* room for "C-1".."C9" labels */
#define ROLL_LEFT_DRUMS 66   /* room for "closed hat" */
#define ROLL_TOP 12          /* room for bar numbers */
#define ROLL_LABEL_H 10      /* a panel title line (plot_interp, single rolls) */
#define ROLL_MARGIN 6
#define ROLL_PX_PER_PITCH 6
#define ROLL_PX_PER_LANE 12  /* a drum instrument's row, its name beside it */
#define ROLL_MAX_WIDTH 3200  /* long files get fewer pixels per beat */
#define ROLL_MIN_PITCHES 25  /* two octaves at least, so short riffs keep their shape */

static const mv_rgb white_key_row = {236, 236, 236}, black_key_row = {222, 222, 222};
static const mv_rgb beat_line = {200, 200, 200}, bar_line = {140, 140, 140};
static const mv_rgb label_grey = {90, 90, 90}, page = {255, 255, 255};

/* Hues per track or part (Tableau 10); every one is far from grey. */
static const mv_rgb voice_hues[] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {23, 190, 207}, {188, 189, 34},
};

/* Soft notes fade towards white, loud ones keep the full hue. */
static mv_rgb note_colour(int voice, int velocity)
{
    mv_rgb h = voice_hues[voice % (int)(sizeof voice_hues / sizeof voice_hues[0])];
    float fade = 0.6f * (1.0f - velocity / 127.0f);
    return (mv_rgb){(uint8_t)(h.r + fade * (255 - h.r)), (uint8_t)(h.g + fade * (255 - h.g)),
                    (uint8_t)(h.b + fade * (255 - h.b))};
}

static int is_black_key(int pitch)
{
    int pc = pitch % 12;
    return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

void roll_geometry_drums(int ticks_per_beat, int length, int drums, int pitch_lo, int pitch_hi,
                         mv_roll_geometry *g)
{
    int beats = (length + ticks_per_beat - 1) / ticks_per_beat;
    int ppb = beats > 0 ? ROLL_MAX_WIDTH / beats : 32;
    g->px_per_beat = ppb > 32 ? 32 : ppb < 2 ? 2 : ppb;
    g->left = drums ? ROLL_LEFT_DRUMS : ROLL_LEFT;
    /* a short phrase is stretched to ROLL_MIN_WIDTH rather than drawn 300 px wide */
    long room = ROLL_MIN_WIDTH - g->left - ROLL_MARGIN;
    if (length > 0 && (long long)length * g->px_per_beat / ticks_per_beat < room)
        g->px_per_beat = (int)((room * ticks_per_beat + length - 1) / length);
    g->ticks_per_beat = ticks_per_beat;
    g->top = ROLL_TOP;
    g->drums = drums;
    g->px_per_pitch = drums ? ROLL_PX_PER_LANE : ROLL_PX_PER_PITCH;
    g->pitch_lo = drums ? 0 : pitch_lo;
    g->pitch_hi = drums ? MV_DRUM_CLASSES - 1 : pitch_hi;
    g->length = length;
}

void roll_geometry_for(int ticks_per_beat, int length, int pitch_lo, int pitch_hi,
                       mv_roll_geometry *g)
{
    roll_geometry_drums(ticks_per_beat, length, 0, pitch_lo, pitch_hi, g);
}

/* Whether every note is a drum hit (MIDI channel 10) and there is one. */
static int all_drums(const mv_midi_note *notes, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (notes[i].channel != MV_MIDI_DRUM_CHANNEL) return 0;
    return n > 0;
}

/* Pitch range of the notes, one free row each side, widened to ROLL_MIN_PITCHES. */
static void pitch_range(const mv_midi_note *notes, uint32_t n, int *lo, int *hi)
{
    int a = 127, b = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (notes[i].pitch < a) a = notes[i].pitch;
        if (notes[i].pitch > b) b = notes[i].pitch;
    }
    if (n == 0) a = b = 60;
    a--, b++;
    while (b - a + 1 < ROLL_MIN_PITCHES) a--, b++;
    if (a < 0) b -= a, a = 0;
    if (b > 127) a -= b - 127, b = 127;
    if (a < 0) a = 0;
    *lo = a;
    *hi = b;
}

static int panel_width(const mv_roll_geometry *g)
{
    return roll_x(g, g->length) + ROLL_MARGIN;
}

static int panel_height(const mv_roll_geometry *g)
{
    return g->top + (g->pitch_hi - g->pitch_lo + 1) * g->px_per_pitch + ROLL_MARGIN;
}

static void draw_grid(mv_image *im, const mv_roll_geometry *g, int bar_ticks)
{
    int x_end = roll_x(g, g->length);
    for (int p = g->pitch_lo; p <= g->pitch_hi; p++) {
        int y = roll_y(g, p);
        image_fill(im, g->left, y, x_end, y + g->px_per_pitch,
                   (g->drums ? p % 2 : is_black_key(p)) ? black_key_row : white_key_row);
        if (g->drums) {
            image_text(im, 2, y + (g->px_per_pitch - RASTER_GLYPH_H) / 2 + 1,
                       drum_class_name(p), label_grey);
        } else if (p % 12 == 0) {
            char name[16];
            snprintf(name, sizeof name, "C%d", p / 12 - 1);
            image_text(im, 2, y + g->px_per_pitch / 2 - 3, name, label_grey);
        }
    }
    int y0 = roll_y(g, g->pitch_hi), y1 = roll_y(g, g->pitch_lo) + g->px_per_pitch;
    /* Number every bar, or every 2nd, 4th, ... when the numbers would touch. */
    int label_every = 1, bar_px = bar_ticks > 0 ? roll_x(g, bar_ticks) - g->left : 1;
    char widest[16];
    snprintf(widest, sizeof widest, "%d", bar_ticks > 0 ? g->length / bar_ticks + 1 : 1);
    while (bar_px * label_every < image_text_width(widest) + 4) label_every *= 2;
    for (int t = 0; t <= g->length; t += g->ticks_per_beat) {
        int x = roll_x(g, t);
        int is_bar = bar_ticks > 0 && t % bar_ticks == 0;
        image_fill(im, x, y0, x + 1, y1, is_bar ? bar_line : beat_line);
        if (is_bar && t < g->length && (t / bar_ticks) % label_every == 0) {
            char num[16];
            snprintf(num, sizeof num, "%d", t / bar_ticks + 1);
            image_text(im, x + 2, g->top - RASTER_GLYPH_H - 1, num, label_grey);
        }
    }
}

static void draw_notes(mv_image *im, const mv_roll_geometry *g, const mv_midi_note *notes,
                       uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const mv_midi_note *note = &notes[i];
        int row = roll_row(g, note->pitch);
        if (row < g->pitch_lo || row > g->pitch_hi || note->start >= g->length) continue;
        int end = note->end < g->length ? (int)note->end : g->length;
        int x0 = roll_x(g, (int)note->start), x1 = roll_x(g, end) - 1; /* a gap before the next note */
        if (x1 <= x0) x1 = x0 + 1;
        int y = roll_y(g, row);
        image_fill(im, x0, y, x1, y + g->px_per_pitch - 1,
                   note_colour(note->track, note->velocity));
    }
}

/* Bar length from the first time signature; 4/4 when there is none. */
static int bar_ticks_of(const mv_midi_file *f)
{
    int tpq = (int)f->ticks_per_quarter;
    if (f->n_meters && f->meters[0].numerator && f->meters[0].denominator)
        return tpq * 4 * f->meters[0].numerator / f->meters[0].denominator;
    return 4 * tpq;
}

static int length_of(const mv_midi_file *f)
{
    return f->end_tick > 0 && f->end_tick < (1 << 28) ? (int)f->end_tick : bar_ticks_of(f);
}

/* A panel of notes at the geometry's position, with an optional title above. */
static void draw_panel(mv_image *im, const mv_roll_geometry *g, const mv_midi_file *f,
                       const char *title)
{
    draw_grid(im, g, bar_ticks_of(f));
    draw_notes(im, g, f->notes, f->n_notes);
    if (title) image_text(im, g->left, g->top - ROLL_TOP - ROLL_LABEL_H + 1, title, label_grey);
}

static int write_single_roll(const mv_midi_file *f, int drums, const char *title,
                             const char *png_path, mv_roll_geometry *geometry, char *err,
                             size_t errlen)
{
    mv_roll_geometry g;
    int lo, hi;
    pitch_range(f->notes, f->n_notes, &lo, &hi);
    roll_geometry_drums((int)f->ticks_per_quarter, length_of(f), drums, lo, hi, &g);
    g.top += ROLL_LABEL_H;
    mv_image im;
    if (image_init(&im, panel_width(&g), panel_height(&g), page)) {
        snprintf(err, errlen, "%s: picture of %dx%d pixels is too big", png_path,
                 panel_width(&g), panel_height(&g));
        return -1;
    }
    draw_panel(&im, &g, f, title);
    int rc = image_write_png(&im, png_path, err, errlen);
    image_free(&im);
    if (geometry) *geometry = g;
    return rc;
}

int plot_roll_midi(const char *mid_path, const char *png_path, mv_roll_geometry *geometry,
                   char *err, size_t errlen)
{
    mv_midi_file f;
    if (midi_read_file(mid_path, &f, err, errlen)) return -1;
    const char *slash = strrchr(mid_path, '/'), *name = slash ? slash + 1 : mid_path;
    int drums = all_drums(f.notes, f.n_notes), bars = (length_of(&f) + bar_ticks_of(&f) - 1) /
                                                      bar_ticks_of(&f);
    char title[512];
    snprintf(title, sizeof title, "%s: %u notes, %d bar%s%s", name, f.n_notes, bars,
             bars == 1 ? "" : "s", drums ? ", drums by instrument" : "");
    int rc = write_single_roll(&f, drums, title, png_path, geometry, err, errlen);
    midi_file_free(&f);
    return rc;
}

/* Grid notes as a MIDI description with one tick per step. */
static int file_of_notes(const mv_note *notes, int n_notes, int steps_per_bar, int n_steps,
                         int drums, mv_midi_file *f)
{
    if (midi_file_init(f, steps_per_bar / 4, 1)) return -1;
    for (int i = 0; i < n_notes; i++) {
        mv_midi_note m = {notes[i].step, notes[i].step + notes[i].duration, 0,
                          drums ? MV_MIDI_DRUM_CHANNEL : 0, notes[i].pitch, notes[i].velocity};
        if (midi_file_add_note(f, &m)) return -1;
    }
    if (midi_file_add_meter(f, 0, 4, 4)) return -1;
    midi_file_finish(f);
    f->end_tick = n_steps;
    return 0;
}

int plot_roll_notes(const mv_note *notes, int n_notes, int steps_per_bar, int n_steps,
                    int drums, const char *title, const char *png_path,
                    mv_roll_geometry *geometry, char *err, size_t errlen)
{
    if (steps_per_bar <= 0 || steps_per_bar % 4 || n_steps <= 0 || n_notes < 0) {
        snprintf(err, errlen, "%s: a roll needs a 4/4 grid, not %d steps per bar and %d steps",
                 png_path, steps_per_bar, n_steps);
        return -1;
    }
    mv_midi_file f;
    int rc = file_of_notes(notes, n_notes, steps_per_bar, n_steps, drums, &f);
    if (rc) snprintf(err, errlen, "%s: out of memory", png_path);
    else rc = write_single_roll(&f, drums, title, png_path, geometry, err, errlen);
    midi_file_free(&f);
    return rc;
}

/* ---- a morph directory ---- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_step_file(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".mid") && strcmp(name, "morph.mid");
}

/* The sorted names of the step files of dir; returns the count or -1. */
static int list_steps(const char *dir, char ***names, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open the folder", dir);
        return -1;
    }
    int n = 0, cap = 16;
    char **list = malloc(sizeof *list * cap);
    struct dirent *e;
    while (list && (e = readdir(d))) {
        if (!is_step_file(e->d_name)) continue;
        if (n == cap) {
            char **bigger = realloc(list, sizeof *list * (cap *= 2));
            if (!bigger) break;
            list = bigger;
        }
        list[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (!list) return -1;
    qsort(list, n, sizeof *list, compare_names);
    *names = list;
    if (n == 0) snprintf(err, errlen, "%s: no step MIDI files (*.mid besides morph.mid)", dir);
    return n;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* Reads every step; fills the shared pitch range and length. */
static int read_steps(const char *dir, char **names, int n, mv_midi_file *steps, int *lo,
                      int *hi, int *length, char *err, size_t errlen)
{
    *lo = 127, *hi = 0, *length = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (midi_read_file(path, &steps[i], err, errlen)) return -1;
        if (steps[i].ticks_per_quarter != steps[0].ticks_per_quarter) {
            snprintf(err, errlen, "%s: %u ticks per quarter, but %s has %u", path,
                     steps[i].ticks_per_quarter, names[0], steps[0].ticks_per_quarter);
            return -1;
        }
        int a, b;
        pitch_range(steps[i].notes, steps[i].n_notes, &a, &b);
        if (steps[i].n_notes && a < *lo) *lo = a;
        if (steps[i].n_notes && b > *hi) *hi = b;
        if (length_of(&steps[i]) > *length) *length = length_of(&steps[i]);
    }
    if (*lo > *hi) pitch_range(NULL, 0, lo, hi);
    return 0;
}

static int draw_column(const char *png_path, char **names, mv_midi_file *steps, int n, int lo,
                       int hi, int length, mv_roll_geometry *first, char *err, size_t errlen)
{
    mv_roll_geometry g;
    int drums = 0, pitched = 0; /* drum lanes when every step's notes are drums */
    for (int i = 0; i < n; i++) {
        if (!steps[i].n_notes) continue;
        if (all_drums(steps[i].notes, steps[i].n_notes)) drums = 1;
        else pitched = 1;
    }
    roll_geometry_drums((int)steps[0].ticks_per_quarter, length, drums && !pitched, lo, hi, &g);
    g.top += ROLL_LABEL_H;
    if (first) *first = g;
    int row_h = panel_height(&g);
    mv_image im;
    if (image_init(&im, panel_width(&g), row_h * n, page)) {
        snprintf(err, errlen, "%s: picture of %d rolls is too big", png_path, n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        mv_roll_geometry row = g;
        row.top += i * row_h;
        draw_panel(&im, &row, &steps[i], names[i]);
    }
    int rc = image_write_png(&im, png_path, err, errlen);
    image_free(&im);
    return rc;
}

int plot_interp(const char *dir, const char *png_path, mv_roll_geometry *first, int *n_panels,
                char *err, size_t errlen)
{
    char **names = NULL;
    int n = list_steps(dir, &names, err, errlen);
    if (n <= 0) {
        if (names) free_names(names, 0);
        return -1;
    }
    mv_midi_file *steps = calloc(n, sizeof *steps);
    int lo, hi, length, rc = -1;
    if (!steps) snprintf(err, errlen, "%s: out of memory", dir);
    else if (!read_steps(dir, names, n, steps, &lo, &hi, &length, err, errlen))
        rc = draw_column(png_path, names, steps, n, lo, hi, length, first, err, errlen);
    if (n_panels) *n_panels = n;
    for (int i = 0; steps && i < n; i++) midi_file_free(&steps[i]);
    free(steps);
    free_names(names, n);
    return rc;
}
