/* Pictures for people: piano rolls of MIDI files or of generated notes, a morph
 * as a column of piano rolls, and the training curves of a run (PNG files). */
#ifndef MV_PLOT_H
#define MV_PLOT_H

#include <stddef.h>

#include "tokens.h"

/* Where things land in a piano-roll panel, so that callers (and tests) can find
 * a note's pixels: the note of pitch p from tick a to tick b fills the columns
 * [roll_x(a), roll_x(b) - 1) (at least one) and the rows
 * [roll_y(p), roll_y(p) + px_per_pitch - 1). Outside notes every pixel is grey.
 * A drum roll (drums: every note on MIDI channel 10) has one row, labelled
 * with its instrument, per drum class of core/tokens.h instead of one per
 * pitch: "pitch" is then the class (0 kick at the bottom .. 8 ride on top,
 * drum_class_of_pitch), and a note of no class is not drawn. */
typedef struct mv_roll_geometry {
    int left, top;       /* image position of tick 0 and of the top of pitch_hi */
    int px_per_beat, ticks_per_beat;
    int px_per_pitch;
    int pitch_lo, pitch_hi; /* inclusive, pitch_hi drawn on top */
    int length;          /* ticks shown */
    int drums;           /* rows are drum classes (instrument lanes), not pitches */
} mv_roll_geometry;

#define ROLL_MIN_WIDTH 640 /* every roll picture is at least this wide */

/* The row of a note of pitch p in a panel of geometry g: p, or its drum class
 * in a drum roll (-1: not drawn). */
static inline int roll_row(const mv_roll_geometry *g, int pitch)
{
    return g->drums ? drum_class_of_pitch(pitch) : pitch;
}

static inline int roll_x(const mv_roll_geometry *g, int tick)
{
    return g->left + (int)((long long)tick * g->px_per_beat / g->ticks_per_beat);
}

static inline int roll_y(const mv_roll_geometry *g, int pitch)
{
    return g->top + (g->pitch_hi - pitch) * g->px_per_pitch;
}

/* The geometry of one pitched panel (drums 0) or drum panel (drums 1, the
 * pitch range then ignored) without a title: a panel at least ROLL_MIN_WIDTH
 * wide. plot_roll_midi and plot_roll_notes return theirs (moved down by their
 * title line) when geometry is not NULL. */
void roll_geometry_for(int ticks_per_beat, int length, int pitch_lo, int pitch_hi,
                       mv_roll_geometry *g);
void roll_geometry_drums(int ticks_per_beat, int length, int drums, int pitch_lo, int pitch_hi,
                         mv_roll_geometry *g);

/* Piano roll of a MIDI file, titled with the file's name: one row per pitch
 * over the file's pitch range (one per drum instrument when every note is on
 * channel 10), bar and beat lines from its first time signature, notes
 * coloured by track (hue) and velocity (strength). Returns 0, or -1 with a
 * message naming the file in err. */
int plot_roll_midi(const char *mid_path, const char *png_path, mv_roll_geometry *geometry,
                   char *err, size_t errlen);

/* Piano roll of grid notes (4/4, steps_per_bar steps per bar, n_steps shown)
 * under the title line title; drums: the notes are drums (instrument lanes). */
int plot_roll_notes(const mv_note *notes, int n_notes, int steps_per_bar, int n_steps,
                    int drums, const char *title, const char *png_path,
                    mv_roll_geometry *geometry, char *err, size_t errlen);

/* A morph as a column of piano rolls: every *.mid file of dir in name order,
 * except the whole morph (morph.mid), on a shared pitch range and time axis,
 * each labelled with its file name. Panel i is the first panel moved down by
 * i * (image height / *n_panels); first and n_panels may be NULL. */
int plot_interp(const char *dir, const char *png_path, mv_roll_geometry *first, int *n_panels,
                char *err, size_t errlen);

/* Training curves from a CSV with a header naming its columns: step, split, and
 * any of recon and loss (loss panel), kl, elbo, acc_tf and acc_sampled (accuracy
 * panel), beta and sample_prob (schedule panel); one line per column and split.
 * Missing columns and panels without values are skipped. */
int plot_curves(const char *csv_path, const char *png_path, char *err, size_t errlen);

/* A 2-D map of latent vectors (`morphvae plot latent`): xy [n_points, 2] holds
 * the corpus windows first (n_windows of them), coloured by value [n_windows]
 * (a colour bar; NAN grey) or, when label is not NULL, by label [n_windows]
 * (indices into label_names, a legend); then the overlays at their indices:
 * the morph path (path_n points from path_at, the first and last being the
 * anchors A and B, named anchor_names; path_n 0: none) and prior samples. */
typedef struct latent_map {
    const char *title, *subtitle, *colour_name;
    const float *xy;
    int n_points, n_windows;
    const float *value;
    const int *label;
    const char *const *label_names;
    int n_labels;
    int path_at, path_n;
    const char *anchor_names[2];
    int prior_at, prior_n;
} latent_map;

int plot_latent(const latent_map *m, const char *png_path, char *err, size_t errlen);

#endif
