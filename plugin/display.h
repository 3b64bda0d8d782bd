/* The plugin's inline display (Ardour's mixer strip): the page of the phrase
 * being played as a piano roll with the playhead, and under it a bar with the
 * morph position between anchors A and B (their names too when there is
 * room). This part draws a frame into ARGB32 pixels; it is plain arithmetic
 * on the frame, so tests compute where a note or the playhead must be.
 * display_feed.h builds the frames in run() and hands them to render(). */
#ifndef MV_DISPLAY_H
#define MV_DISPLAY_H

#include <stdint.h>

#include "engine.h"

#define DISPLAY_MAX_BARS 4 /* a longer phrase is shown a page of 4 bars at a time */
#define DISPLAY_MAX_STEPS (DISPLAY_MAX_BARS * MV_MAX_STEPS_PER_BAR)
#define DISPLAY_MAX_NOTES 2048 /* a page's notes past these are not shown */
#define DISPLAY_LABEL_MAX 48
#define DISPLAY_MIN_PITCHES 12 /* the roll shows at least an octave */

/* Opaque ARGB32 colours: the tests look for them. */
#define DISPLAY_BACKGROUND 0xFF1C1F24u
#define DISPLAY_BAR_LINE 0xFF3A3F47u
#define DISPLAY_NOTE 0xFF5FD0FFu
#define DISPLAY_PLAYHEAD 0xFFFFB000u
#define DISPLAY_MORPH_TRACK 0xFF3A3F47u
#define DISPLAY_MORPH_FILL 0xFF2F6F8Fu
#define DISPLAY_MORPH_MARK 0xFFFFFFFFu
#define DISPLAY_TEXT 0xFFB8C0CCu

typedef struct mv_display_note {
    int16_t start, end; /* steps from the page's start; end exclusive, > start */
    uint8_t pitch;      /* as played: transposed and snapped to the scale */
} mv_display_note;

/* What one picture shows. */
typedef struct mv_display_frame {
    int32_t steps;     /* steps on the page; 0: nothing to play (no model) */
    int32_t bar_steps; /* steps in a bar, for the bar lines */
    int32_t playhead;  /* the step being played, from the page's start; -1: none */
    float morph;       /* 0: anchor A, 1: anchor B */
    char label[2][DISPLAY_LABEL_MAX]; /* anchors A and B */
    int32_t n_notes;
    mv_display_note notes[DISPLAY_MAX_NOTES]; /* last: a frame is copied up to n_notes */
} mv_display_frame;

/* Where things are in a w x h picture of a frame. The roll fills rows
 * [0, roll_h): pitch p (pitch_lo..pitch_hi, the notes' range widened to
 * DISPLAY_MIN_PITCHES) has the band of rows [display_pitch_top(p),
 * display_pitch_top(p - 1)); step s starts at column display_step_x(s). A
 * note fills the rows display_note_rows gives and columns [x(start),
 * x(end) - 1) (at least one). The playhead is column x(playhead) over the
 * roll. Below the roll: the labels' row (when
 * label_h > 0) and the morph bar (rows [morph_top, h)). */
typedef struct display_geometry {
    int w, h, roll_h, label_top, label_h, morph_top;
    int pitch_lo, pitch_hi, steps;
} display_geometry;

/* The height a picture of width w gets when the host allows max_h rows. */
int display_height(int w, int max_h);
void display_geometry_of(const mv_display_frame *f, int w, int h, display_geometry *g);
int display_step_x(const display_geometry *g, int step);
int display_pitch_top(const display_geometry *g, int pitch);
/* The rows [*y0, *y1) of a note of pitch: its band but the band's last row
 * when the band has 3 rows or more (a gap between neighbours), at least the
 * band's first row (a range taller than the roll shares rows). */
void display_note_rows(const display_geometry *g, int pitch, int *y0, int *y1);

/* Draws f into pixels (h rows of stride_px uint32 each, w used). */
void display_draw(const mv_display_frame *f, uint32_t *pixels, int w, int h, int stride_px);

#endif
