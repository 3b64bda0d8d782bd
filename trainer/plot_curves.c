/* Training curves: the CSV a training run writes, as line plots in panels
 * (loss, KL, ELBO, accuracy, onset F1, learning rate, schedule) with ticked
 * axes, under a title naming the log; each panel's legend sits in a strip
 * right of its plot area, never over the data. Columns are found by their
 * names in the header, so older or newer logs still plot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_fields.h"
#include "plot.h"
#include "raster.h"
#include "regular_file.h"

#define CURVES_W 900
#define PANEL_H 240
#define CURVES_TITLE_H 20 /* the title line above the panels */
#define PLOT_LEFT 70
#define PLOT_RIGHT 180 /* the legend strip: "onset_f1_sampled valid" and room */
#define LEGEND_GAP 14
#define PLOT_TOP 22
#define PLOT_BOTTOM 30
#define MAX_SPLITS 4
#define MAX_FIELDS 64

typedef struct {
    const char *title;
    const char *columns[2];
} panel_spec;

static const panel_spec panels[] = {
    {"loss (nats per sequence)", {"recon", "loss"}},
    {"KL (nats)", {"kl", NULL}},
    {"ELBO (nats)", {"elbo", NULL}},
    {"accuracy", {"acc_tf", "acc_sampled"}},
    {"onset F1 (what is heard)", {"onset_f1_tf", "onset_f1_sampled"}},
    {"learning rate", {"lr", NULL}},
    {"schedule", {"beta", "sample_prob"}},
};
#define N_PANELS (int)(sizeof panels / sizeof panels[0])
#define N_SERIES_COLUMNS 11
static const char *series_columns[N_SERIES_COLUMNS] = {
    "recon", "loss", "kl", "elbo", "acc_tf", "acc_sampled", "onset_f1_tf", "onset_f1_sampled",
    "lr", "beta", "sample_prob"};
static const mv_rgb series_hues[N_SERIES_COLUMNS] = {
    {31, 119, 180}, {140, 86, 75}, {214, 39, 40}, {44, 160, 44}, {148, 103, 189}, {255, 127, 14},
    {227, 119, 194}, {0, 128, 128}, {127, 127, 127}, {23, 190, 207}, {188, 189, 34}};
static const mv_rgb ink = {40, 40, 40}, tick_grey = {120, 120, 120}, grid = {230, 230, 230};
static const mv_rgb page = {255, 255, 255};

/* The log: one row per line, NAN where a column is missing or empty. */
typedef struct {
    int n, cap;
    double *step;
    int *split;
    double *value[N_SERIES_COLUMNS];
    char split_names[MAX_SPLITS][16];
    int n_splits;
    int has_column[N_SERIES_COLUMNS];
} curves;

static void curves_free(curves *c)
{
    free(c->step);
    free(c->split);
    for (int k = 0; k < N_SERIES_COLUMNS; k++) free(c->value[k]);
}

static int grow(curves *c)
{
    int cap = c->cap ? 2 * c->cap : 256;
    double *step = realloc(c->step, sizeof *step * cap);
    if (step) c->step = step;
    int *split = realloc(c->split, sizeof *split * cap);
    if (split) c->split = split;
    if (!step || !split) return -1;
    for (int k = 0; k < N_SERIES_COLUMNS; k++) {
        double *v = realloc(c->value[k], sizeof *v * cap);
        if (!v) return -1;
        c->value[k] = v;
    }
    c->cap = cap;
    return 0;
}

static int split_index(curves *c, const char *name)
{
    for (int i = 0; i < c->n_splits; i++)
        if (!strcmp(c->split_names[i], name)) return i;
    if (c->n_splits == MAX_SPLITS) return -1;
    snprintf(c->split_names[c->n_splits], sizeof c->split_names[0], "%s", name);
    return c->n_splits++;
}

static double parse_number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end == s || !isfinite(v) ? NAN : v;
}

typedef struct {
    int step, split, series[N_SERIES_COLUMNS];
} column_map;

static int map_header(char *line, column_map *map, curves *c)
{
    char *fields[MAX_FIELDS];
    int n = csv_split_fields(line, fields, MAX_FIELDS);
    map->step = map->split = -1;
    for (int k = 0; k < N_SERIES_COLUMNS; k++) map->series[k] = -1;
    for (int i = 0; i < n; i++) {
        if (!strcmp(fields[i], "step")) map->step = i;
        if (!strcmp(fields[i], "split")) map->split = i;
        for (int k = 0; k < N_SERIES_COLUMNS; k++)
            if (!strcmp(fields[i], series_columns[k])) map->series[k] = i;
    }
    for (int k = 0; k < N_SERIES_COLUMNS; k++) c->has_column[k] = map->series[k] >= 0;
    return map->step >= 0 ? 0 : -1;
}

static int add_row(curves *c, char *line, const column_map *map)
{
    char *fields[MAX_FIELDS];
    int n = csv_split_fields(line, fields, MAX_FIELDS);
    if (n <= map->step || !fields[map->step][0]) return 0; /* a blank or short line */
    if (c->n == c->cap && grow(c)) return -1;
    int r = c->n;
    c->step[r] = parse_number(fields[map->step]);
    c->split[r] = split_index(c, map->split >= 0 && map->split < n ? fields[map->split] : "train");
    for (int k = 0; k < N_SERIES_COLUMNS; k++)
        c->value[k][r] = map->series[k] >= 0 && map->series[k] < n
                             ? parse_number(fields[map->series[k]]) : NAN;
    if (!isnan(c->step[r]) && c->split[r] >= 0) c->n++;
    return 0;
}

static int read_curves(const char *path, curves *c, char *err, size_t errlen)
{
    FILE *f = regular_file_fopen(path, err, errlen);
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    column_map map;
    int rc = 0;
    if (getline(&line, &cap, f) < 0 || map_header(line, &map, c)) {
        snprintf(err, errlen, "%s: no header line with a 'step' column", path);
        rc = -1;
    }
    while (!rc && getline(&line, &cap, f) >= 0)
        if (add_row(c, line, &map)) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        }
    free(line);
    fclose(f);
    if (!rc && c->n == 0) {
        snprintf(err, errlen, "%s: no data rows", path);
        rc = -1;
    }
    return rc;
}

/* ---- drawing ---- */

typedef struct {
    double lo, hi;
} range;

typedef struct {
    int x0, y0, x1, y1; /* plot area, inclusive corners */
    range x, y;
} axes;

static int map_x(const axes *a, double v)
{
    return a->x0 + (int)lround((v - a->x.lo) / (a->x.hi - a->x.lo) * (a->x1 - a->x0));
}

static int map_y(const axes *a, double v)
{
    return a->y1 - (int)lround((v - a->y.lo) / (a->y.hi - a->y.lo) * (a->y1 - a->y0));
}

/* A tick spacing of 1, 2 or 5 times a power of ten giving about 5 ticks. */
static double nice_step(range r)
{
    double raw = (r.hi - r.lo) / 5, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* Extends a data range to whole ticks; a flat range gets some room. */
static range nice_range(double lo, double hi)
{
    if (hi - lo < 1e-12 * fmax(1, fabs(hi))) {
        double pad = fabs(hi) > 0 ? fabs(hi) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    range r = {lo, hi};
    double s = nice_step(r);
    return (range){floor(lo / s) * s, ceil(hi / s) * s};
}

static void draw_axes(mv_image *im, const axes *a, const char *title)
{
    for (int pass = 0; pass < 2; pass++) {
        range r = pass ? a->y : a->x;
        double s = nice_step(r);
        for (double v = r.lo; v <= r.hi + s * 1e-6; v += s) {
            char label[32];
            snprintf(label, sizeof label, "%g", fabs(v) < s * 1e-6 ? 0.0 : v);
            if (pass) {
                int y = map_y(a, v);
                image_line(im, a->x0 + 1, y, a->x1, y, grid);
                image_line(im, a->x0 - 4, y, a->x0, y, ink);
                image_text(im, a->x0 - 6 - image_text_width(label), y - 3, label, tick_grey);
            } else {
                int x = map_x(a, v);
                image_line(im, x, a->y0, x, a->y1 - 1, grid);
                image_line(im, x, a->y1, x, a->y1 + 4, ink);
                image_text(im, x - image_text_width(label) / 2, a->y1 + 7, label, tick_grey);
            }
        }
    }
    image_line(im, a->x0, a->y0, a->x0, a->y1, ink);
    image_line(im, a->x0, a->y1, a->x1, a->y1, ink);
    image_text(im, a->x0, a->y0 - 14, title, ink);
    image_text(im, a->x1 - image_text_width("step"), a->y1 + 18, "step", tick_grey);
}

/* Validation (split 1 and later) is a darker shade of the same hue, marked
 * at each point, as it has few points; readable as text too. */
static mv_rgb series_colour(int column, int split)
{
    mv_rgb h = series_hues[column];
    if (split == 0) return h;
    return (mv_rgb){(uint8_t)(h.r * 11 / 20), (uint8_t)(h.g * 11 / 20), (uint8_t)(h.b * 11 / 20)};
}

static void draw_series(mv_image *im, const axes *a, const curves *c, int column, int split)
{
    mv_rgb colour = series_colour(column, split);
    int have_prev = 0, px = 0, py = 0;
    for (int r = 0; r < c->n; r++) {
        double v = c->value[column][r];
        if (c->split[r] != split || isnan(v)) continue;
        int x = map_x(a, c->step[r]), y = map_y(a, v);
        if (have_prev) image_line(im, px, py, x, y, colour);
        if (split) image_fill(im, x - 1, y - 1, x + 2, y + 2, colour);
        px = x, py = y, have_prev = 1;
    }
}

static int column_index(const char *name)
{
    for (int k = 0; k < N_SERIES_COLUMNS; k++)
        if (!strcmp(series_columns[k], name)) return k;
    return -1;
}

/* The value range over the panel's columns; returns 0 if it has no values. */
static int panel_ranges(const curves *c, const panel_spec *p, range *x, range *y)
{
    int any = 0;
    *x = (range){INFINITY, -INFINITY};
    *y = *x;
    for (int j = 0; j < 2 && p->columns[j]; j++) {
        int k = column_index(p->columns[j]);
        for (int r = 0; r < c->n; r++) {
            if (isnan(c->value[k][r])) continue;
            any = 1;
            x->lo = fmin(x->lo, c->step[r]), x->hi = fmax(x->hi, c->step[r]);
            y->lo = fmin(y->lo, c->value[k][r]), y->hi = fmax(y->hi, c->value[k][r]);
        }
    }
    return any;
}

static int series_has_values(const curves *c, int column, int split)
{
    for (int r = 0; r < c->n; r++)
        if (c->split[r] == split && !isnan(c->value[column][r])) return 1;
    return 0;
}

/* Series, then the legend of those with values in the strip right of the plot
 * area (a short line of the series' colour, then its name). */
static void draw_panel(mv_image *im, int top, const curves *c, const panel_spec *p)
{
    range xr, yr;
    panel_ranges(c, p, &xr, &yr);
    axes a = {PLOT_LEFT, top + PLOT_TOP, CURVES_W - PLOT_RIGHT, top + PANEL_H - PLOT_BOTTOM,
              nice_range(xr.lo, xr.hi), nice_range(yr.lo, yr.hi)};
    draw_axes(im, &a, p->title);
    char labels[2 * MAX_SPLITS][48];
    mv_rgb colours[2 * MAX_SPLITS];
    int n_labels = 0;
    for (int j = 0; j < 2 && p->columns[j]; j++) {
        int k = column_index(p->columns[j]);
        for (int s = 0; s < c->n_splits; s++) {
            if (!series_has_values(c, k, s)) continue;
            draw_series(im, &a, c, k, s);
            snprintf(labels[n_labels], sizeof labels[0], "%s %s", p->columns[j], c->split_names[s]);
            colours[n_labels] = series_colour(k, s);
            n_labels++;
        }
    }
    int line_h = RASTER_GLYPH_H + 4, x = a.x1 + LEGEND_GAP, y = a.y0 + 2;
    for (int i = 0; i < n_labels; i++) {
        int yl = y + i * line_h;
        image_fill(im, x, yl + 2, x + 12, yl + 4, colours[i]);
        image_text(im, x + 16, yl, labels[i], colours[i]);
    }
}

int plot_curves(const char *csv_path, const char *png_path, char *err, size_t errlen)
{
    curves c = {0};
    if (read_curves(csv_path, &c, err, errlen)) {
        curves_free(&c);
        return -1;
    }
    int shown[N_PANELS], n_shown = 0;
    for (int i = 0; i < N_PANELS; i++) {
        range x, y;
        if (panel_ranges(&c, &panels[i], &x, &y)) shown[n_shown++] = i;
    }
    int rc = -1;
    mv_image im;
    if (n_shown == 0)
        snprintf(err, errlen, "%s: none of the columns recon, loss, kl, elbo, acc_tf, "
                 "acc_sampled, beta, sample_prob has values", csv_path);
    else if (image_init(&im, CURVES_W, CURVES_TITLE_H + PANEL_H * n_shown, page))
        snprintf(err, errlen, "%s: out of memory", png_path);
    else {
        const char *slash = strrchr(csv_path, '/'), *name = slash ? slash + 1 : csv_path;
        double last = 0;
        for (int r = 0; r < c.n; r++) last = fmax(last, c.step[r]);
        char title[512];
        snprintf(title, sizeof title, "training curves of %s (to step %.0f)", name, last);
        image_text(&im, PLOT_LEFT, 6, title, ink);
        for (int i = 0; i < n_shown; i++)
            draw_panel(&im, CURVES_TITLE_H + i * PANEL_H, &c, &panels[shown[i]]);
        rc = image_write_png(&im, png_path, err, errlen);
        image_free(&im);
    }
    curves_free(&c);
    return rc;
}
