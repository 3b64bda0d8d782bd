/* A 5x7 bitmap font for ASCII 32..126, shared by the trainer's pictures
 * (trainer/raster.h) and the plugin's inline display: text without a font
 * library, drawn without allocating. */
#ifndef MV_FONT5X7_H
#define MV_FONT5X7_H

#include <stdint.h>

#define FONT5X7_W 5
#define FONT5X7_H 7

/* The glyph of c ('?' for a character outside 32..126): FONT5X7_W columns,
 * bit r of a column set where row r (0 at the top) is ink. */
const uint8_t *font5x7_glyph(char c);

#endif
