/* The latent map picture: corpus windows as dots in a square (no axes: the
 * map's coordinates mean nothing by themselves, only nearness does), a colour
 * bar or a label legend on the right, the overlays (morph path, anchors,
 * prior samples) on top and listed under the legend. */
#include <math.h>
#include <stdio.h>

#include "plot.h"
#include "raster.h"

#define IMAGE_W 1040
#define IMAGE_H 760
#define MAP_LEFT 16
#define MAP_TOP 56
#define MAP_SIZE 690
#define PANEL_LEFT (MAP_LEFT + MAP_SIZE + 24)
#define PANEL_CHARS ((IMAGE_W - PANEL_LEFT - 8) / RASTER_GLYPH_W)
#define LINE_H (RASTER_GLYPH_H + 4)
#define BAR_W 16
#define BAR_H 240
#define DOT_RADIUS 2
#define DOT_ALPHA 0.75
#define ANCHOR_RADIUS 6
#define MAX_LEGEND_LABELS 24 /* more labels: colours repeat and only the count is listed */

static const mv_rgb page = {255, 255, 255}, ink = {40, 40, 40}, grey = {150, 150, 150},
                    frame = {215, 215, 215}, path_ink = {20, 20, 20}, prior_ink = {230, 60, 50};

/* viridis at five stops: perceptually even, readable in grey and by most
 * colour-blind readers */
static const mv_rgb viridis_stops[5] = {
    {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
/* Tableau's 10 and their light partners */
static const mv_rgb label_colours[20] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44},   {214, 39, 40},   {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34},  {23, 190, 207},
    {174, 199, 232}, {255, 187, 120}, {152, 223, 138}, {255, 152, 150}, {197, 176, 213},
    {196, 156, 148}, {247, 182, 210}, {199, 199, 199}, {219, 219, 141}, {158, 218, 229}};

static mv_rgb mix(mv_rgb a, mv_rgb b, double t)
{
    return (mv_rgb){(uint8_t)lround(a.r + (b.r - a.r) * t), (uint8_t)lround(a.g + (b.g - a.g) * t),
                    (uint8_t)lround(a.b + (b.b - a.b) * t)};
}

static mv_rgb viridis(double t)
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    int i = t >= 1 ? 3 : (int)(t * 4);
    return mix(viridis_stops[i], viridis_stops[i + 1], t * 4 - i);
}

static void blend(mv_image *im, int x, int y, mv_rgb c, double alpha)
{
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) return;
    image_set(im, x, y, mix(image_get(im, x, y), c, alpha));
}

static void disc(mv_image *im, int cx, int cy, int r, mv_rgb c, double alpha)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (dx * dx + dy * dy <= r * r + r) blend(im, cx + dx, cy + dy, c, alpha);
}

static void cross(mv_image *im, int cx, int cy, int r, mv_rgb c)
{
    image_line(im, cx - r, cy - r, cx + r, cy + r, c);
    image_line(im, cx - r, cy + r, cx + r, cy - r, c);
}

/* A line two pixels wide. */
static void thick_line(mv_image *im, int x0, int y0, int x1, int y1, mv_rgb c)
{
    image_line(im, x0, y0, x1, y1, c);
    image_line(im, x0 + 1, y0, x1 + 1, y1, c);
    image_line(im, x0, y0 + 1, x1, y1 + 1, c);
}

/* Map coordinates -> pixels of the square, one scale for both axes so that
 * distances keep their proportions. */
typedef struct {
    double cx, cy, scale;
} map_frame;

static map_frame fit_points(const float *xy, int n)
{
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            lo[c] = fmin(lo[c], xy[2 * i + c]);
            hi[c] = fmax(hi[c], xy[2 * i + c]);
        }
    double span = fmax(hi[0] - lo[0], hi[1] - lo[1]);
    return (map_frame){(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2,
                       span > 0 ? (MAP_SIZE - 4 * ANCHOR_RADIUS) / span : 1};
}

static void to_pixel(const map_frame *f, const float *p, int *x, int *y)
{
    *x = MAP_LEFT + MAP_SIZE / 2 + (int)lround((p[0] - f->cx) * f->scale);
    *y = MAP_TOP + MAP_SIZE / 2 - (int)lround((p[1] - f->cy) * f->scale);
}

/* ---- the colours of the windows ---- */

typedef struct {
    double lo, hi;
} value_range;

static value_range range_of(const float *v, int n)
{
    value_range r = {INFINITY, -INFINITY};
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) r.lo = fmin(r.lo, v[i]), r.hi = fmax(r.hi, v[i]);
    if (!(r.hi > r.lo)) r.hi = r.lo + 1; /* flat or empty: any colour will do */
    return r;
}

static mv_rgb window_colour(const latent_map *m, value_range r, int i)
{
    if (m->label) return label_colours[m->label[i] % 20];
    if (!isfinite(m->value[i])) return grey;
    return viridis((m->value[i] - r.lo) / (r.hi - r.lo));
}

/* A vertical colour bar with its low, middle and high values; returns the y below it. */
static int colour_bar(mv_image *im, int y, const char *name, value_range r)
{
    image_text(im, PANEL_LEFT, y, name, ink);
    y += LINE_H + 2;
    for (int k = 0; k < BAR_H; k++)
        image_fill(im, PANEL_LEFT, y + k, PANEL_LEFT + BAR_W, y + k + 1,
                   viridis(1 - (double)k / (BAR_H - 1)));
    for (int t = 0; t <= 2; t++) {
        char text[32];
        snprintf(text, sizeof text, "%.3g", r.hi - (r.hi - r.lo) * t / 2);
        int ty = y + (BAR_H - 1) * t / 2;
        image_line(im, PANEL_LEFT + BAR_W, ty, PANEL_LEFT + BAR_W + 4, ty, ink);
        image_text(im, PANEL_LEFT + BAR_W + 8, ty - 3, text, ink);
    }
    return y + BAR_H + LINE_H;
}

/* Text cut to the panel's width. */
static void panel_text(mv_image *im, int x, int y, const char *s, mv_rgb c)
{
    char cut[128];
    int room = PANEL_CHARS - (x - PANEL_LEFT) / RASTER_GLYPH_W;
    snprintf(cut, sizeof cut, "%.*s", room > 0 ? room : 0, s);
    image_text(im, x, y, cut, c);
}

static int label_legend(mv_image *im, int y, const latent_map *m)
{
    image_text(im, PANEL_LEFT, y, m->colour_name, ink);
    y += LINE_H + 2;
    if (m->n_labels > MAX_LEGEND_LABELS) {
        char text[96];
        snprintf(text, sizeof text, "%d of them: colours repeat", m->n_labels);
        image_text(im, PANEL_LEFT, y, text, grey);
        return y + 2 * LINE_H;
    }
    for (int i = 0; i < m->n_labels; i++, y += LINE_H) {
        disc(im, PANEL_LEFT + 4, y + 3, 3, label_colours[i % 20], 1);
        panel_text(im, PANEL_LEFT + 14, y, m->label_names[i], ink);
    }
    return y + LINE_H;
}

/* ---- overlays ---- */

static void draw_path(mv_image *im, const map_frame *f, const latent_map *m)
{
    int px = 0, py = 0;
    for (int k = 0; k < m->path_n; k++) {
        int x, y;
        to_pixel(f, m->xy + 2 * (m->path_at + k), &x, &y);
        if (k) thick_line(im, px, py, x, y, path_ink);
        px = x, py = y;
    }
    for (int k = 1; k + 1 < m->path_n; k++) {
        int x, y;
        to_pixel(f, m->xy + 2 * (m->path_at + k), &x, &y);
        disc(im, x, y, 3, path_ink, 1);
    }
}

static void anchor_marker(mv_image *im, int x, int y, char letter)
{
    disc(im, x, y, ANCHOR_RADIUS + 1, path_ink, 1);
    disc(im, x, y, ANCHOR_RADIUS - 1, page, 1);
    char s[2] = {letter, 0};
    image_text(im, x - 2, y - 3, s, path_ink);
}

static void draw_overlays(mv_image *im, const map_frame *f, const latent_map *m)
{
    for (int k = 0; k < m->prior_n; k++) {
        int x, y;
        to_pixel(f, m->xy + 2 * (m->prior_at + k), &x, &y);
        cross(im, x, y, 3, prior_ink);
    }
    if (m->path_n < 2) return;
    draw_path(im, f, m);
    for (int e = 0; e < 2; e++) {
        int x, y;
        to_pixel(f, m->xy + 2 * (m->path_at + (e ? m->path_n - 1 : 0)), &x, &y);
        anchor_marker(im, x, y, e ? 'B' : 'A');
    }
}

static int overlay_legend(mv_image *im, int y, const latent_map *m)
{
    char text[160];
    if (m->path_n >= 2) {
        for (int e = 0; e < 2; e++, y += 2 * LINE_H) {
            anchor_marker(im, PANEL_LEFT + ANCHOR_RADIUS, y + 3, e ? 'B' : 'A');
            panel_text(im, PANEL_LEFT + 2 * ANCHOR_RADIUS + 6, y, m->anchor_names[e], ink);
        }
        thick_line(im, PANEL_LEFT, y + 3, PANEL_LEFT + 12, y + 3, path_ink);
        disc(im, PANEL_LEFT + 6, y + 3, 3, path_ink, 1);
        snprintf(text, sizeof text, "morph A -> B (slerp, %d steps)", m->path_n - 1);
        panel_text(im, PANEL_LEFT + 2 * ANCHOR_RADIUS + 6, y, text, ink);
        y += 2 * LINE_H;
    }
    if (m->prior_n) {
        cross(im, PANEL_LEFT + 6, y + 3, 3, prior_ink);
        snprintf(text, sizeof text, "%d prior samples z ~ N(0, I)", m->prior_n);
        panel_text(im, PANEL_LEFT + 2 * ANCHOR_RADIUS + 6, y, text, ink);
        y += 2 * LINE_H;
    }
    return y;
}

int plot_latent(const latent_map *m, const char *png_path, char *err, size_t errlen)
{
    mv_image im;
    if (image_init(&im, IMAGE_W, IMAGE_H, page)) {
        snprintf(err, errlen, "%s: out of memory", png_path);
        return -1;
    }
    image_text(&im, MAP_LEFT, 12, m->title, ink);
    image_text(&im, MAP_LEFT, 12 + LINE_H + 4, m->subtitle, grey);
    const int x0 = MAP_LEFT - 1, y0 = MAP_TOP - 1;
    const int x1 = MAP_LEFT + MAP_SIZE, y1 = MAP_TOP + MAP_SIZE;
    image_line(&im, x0, y0, x1, y0, frame);
    image_line(&im, x0, y1, x1, y1, frame);
    image_line(&im, x0, y0, x0, y1, frame);
    image_line(&im, x1, y0, x1, y1, frame);

    map_frame f = fit_points(m->xy, m->n_points);
    value_range r = m->value ? range_of(m->value, m->n_windows) : (value_range){0, 1};
    for (int i = 0; i < m->n_windows; i++) {
        int x, y;
        to_pixel(&f, m->xy + 2 * i, &x, &y);
        disc(&im, x, y, DOT_RADIUS, window_colour(m, r, i), DOT_ALPHA);
    }
    draw_overlays(&im, &f, m);

    int y = MAP_TOP;
    y = m->label ? label_legend(&im, y, m) : colour_bar(&im, y, m->colour_name, r);
    overlay_legend(&im, y + LINE_H, m);
    int rc = image_write_png(&im, png_path, err, errlen);
    image_free(&im);
    return rc;
}
