/* Raster drawing and PNG writing; text in the 5x7 font of core/font5x7.h. */
#include "raster.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "font5x7.h"

int image_init(mv_image *im, int w, int h, mv_rgb bg)
{
    im->w = im->h = 0;
    im->px = NULL;
    if (w <= 0 || h <= 0 || w > 32768 || h > 32768) return -1;
    im->px = malloc((size_t)w * h * 3);
    if (!im->px) return -1;
    im->w = w;
    im->h = h;
    image_fill(im, 0, 0, w, h, bg);
    return 0;
}

void image_free(mv_image *im)
{
    free(im->px);
    im->px = NULL;
    im->w = im->h = 0;
}

void image_set(mv_image *im, int x, int y, mv_rgb c)
{
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) return;
    uint8_t *p = im->px + ((size_t)y * im->w + x) * 3;
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
}

mv_rgb image_get(const mv_image *im, int x, int y)
{
    const uint8_t *p = im->px + ((size_t)y * im->w + x) * 3;
    return (mv_rgb){p[0], p[1], p[2]};
}

void image_fill(mv_image *im, int x0, int y0, int x1, int y1, mv_rgb c)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > im->w) x1 = im->w;
    if (y1 > im->h) y1 = im->h;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) image_set(im, x, y, c);
}

/* Bresenham: every pixel the ideal line passes closest to. */
void image_line(mv_image *im, int x0, int y0, int x1, int y1, mv_rgb c)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (;;) {
        image_set(im, x0, y0, c);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) { e += dy; x0 += sx; }
        if (e2 <= dx) { e += dx; y0 += sy; }
    }
}

int image_text_width(const char *s)
{
    return (int)strlen(s) * RASTER_GLYPH_W;
}

int image_text(mv_image *im, int x, int y, const char *s, mv_rgb c)
{
    int x_start = x;
    for (; *s; s++, x += RASTER_GLYPH_W) {
        const uint8_t *glyph = font5x7_glyph(*s);
        for (int col = 0; col < FONT5X7_W; col++)
            for (int row = 0; row < FONT5X7_H; row++)
                if (glyph[col] >> row & 1) image_set(im, x + col, y + row, c);
    }
    return x - x_start;
}

static int write_png_file(const mv_image *im, FILE *f)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, im->w, im->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < im->h; y++) png_write_row(png, im->px + (size_t)y * im->w * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int image_write_png(const mv_image *im, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    if (atomic_file_begin(path, tmp, sizeof tmp, err, errlen)) return -1;
    FILE *f = fopen(tmp, "wb");
    int rc = f ? write_png_file(im, f) : -1;
    if (f && fclose(f)) rc = -1;
    if (rc) {
        snprintf(err, errlen, "%s: cannot write the PNG (temporary file %s)", path, tmp);
        atomic_file_abort(tmp);
        return -1;
    }
    return atomic_file_commit(tmp, path, err, errlen);
}
