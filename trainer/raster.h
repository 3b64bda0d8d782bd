/* A small RGB raster for the trainer's pictures (piano rolls, training curves):
 * rectangles, lines, text in a built-in 5x7 bitmap font, PNG output (libpng). */
#ifndef MV_RASTER_H
#define MV_RASTER_H

#include <stddef.h>
#include <stdint.h>

#define RASTER_GLYPH_W 6 /* 5 columns and a space */
#define RASTER_GLYPH_H 8 /* 7 rows and a space */

typedef struct mv_rgb {
    uint8_t r, g, b;
} mv_rgb;

typedef struct mv_image {
    int w, h;
    uint8_t *px; /* h rows of w RGB triples */
} mv_image;

/* Allocates a w x h image filled with bg; returns 0, or -1 if too big / out of memory. */
int image_init(mv_image *im, int w, int h, mv_rgb bg);
void image_free(mv_image *im);

void image_set(mv_image *im, int x, int y, mv_rgb c); /* ignores points outside */
mv_rgb image_get(const mv_image *im, int x, int y);
/* Fills [x0, x1) x [y0, y1), clipped to the image. */
void image_fill(mv_image *im, int x0, int y0, int x1, int y1, mv_rgb c);
void image_line(mv_image *im, int x0, int y0, int x1, int y1, mv_rgb c);
/* Draws printable ASCII with the top-left corner at (x, y); returns the width drawn. */
int image_text(mv_image *im, int x, int y, const char *s, mv_rgb c);
int image_text_width(const char *s);

/* Writes an 8-bit RGB PNG atomically. Returns 0, or -1 with a message naming
 * the file in err. */
int image_write_png(const mv_image *im, const char *path, char *err, size_t errlen);

#endif
