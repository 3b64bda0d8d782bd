/* Pictures: a piano roll has coloured pixels exactly where its notes are (for
 * grid notes and for a real Bach chorale), grey grid lines elsewhere; a morph
 * folder becomes one panel per step (morph.mid left out); training curves get
 * one panel per group of columns present. PNGs are decoded back with libpng. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "midi_read.h"
#include "gen_fixture.h"
#include "midi_write.h"
#include "plot.h"
#include "raster.h"

typedef struct {
    uint8_t *rgb;
    int w, h;
} picture;

static int load(const char *path, picture *p)
{
    return fixture_read_png(path, &p->rgb, &p->w, &p->h);
}

static const uint8_t *pixel(const picture *p, int x, int y)
{
    return p->rgb + ((size_t)y * p->w + x) * 3;
}

static int coloured(const picture *p, int x, int y)
{
    const uint8_t *c = pixel(p, x, y);
    return c[0] != c[1] || c[1] != c[2];
}

/* Whether text, drawn by the raster's font at (x, y), shows in the picture: every
 * pixel the font sets is dark there (grey text on a light page). */
static int shows_text(const picture *p, int x, int y, const char *text)
{
    int w = image_text_width(text), set = 0, bad = 0;
    mv_image im;
    if (image_init(&im, x + w + 1, y + RASTER_GLYPH_H + 1, (mv_rgb){255, 255, 255})) return 0;
    image_text(&im, x, y, text, (mv_rgb){0, 0, 0});
    for (int yy = y; yy < y + RASTER_GLYPH_H && yy < p->h; yy++)
        for (int xx = x; xx < x + w && xx < p->w; xx++) {
            int ink = image_get(&im, xx, yy).r == 0;
            int dark = pixel(p, xx, yy)[0] < 160;
            set += ink;
            bad += ink != dark;
        }
    image_free(&im);
    return set > 0 && bad == 0;
}

/* Whether (x, y) lies in the drawn rectangle of a note (plot.h's contract). */
static int in_note(const mv_roll_geometry *g, const mv_midi_note *n, int x, int y)
{
    int row = roll_row(g, n->pitch);
    if (row < g->pitch_lo || row > g->pitch_hi) return 0;
    int x0 = roll_x(g, (int)n->start), x1 = roll_x(g, (int)n->end) - 1;
    if (x1 <= x0) x1 = x0 + 1;
    int y0 = roll_y(g, row);
    return x >= x0 && x < x1 && y >= y0 && y < y0 + g->px_per_pitch - 1;
}

/* Counts pixels of rows [y_lo, y_hi) whose colouredness disagrees with the notes. */
static int mismatches(const picture *p, const mv_roll_geometry *g, const mv_midi_note *notes,
                      int n, int y_lo, int y_hi)
{
    int bad = 0;
    for (int y = y_lo; y < y_hi; y++)
        for (int x = 0; x < p->w; x++) {
            int want = 0;
            for (int i = 0; i < n && !want; i++) want = in_note(g, &notes[i], x, y);
            if (want != coloured(p, x, y)) {
                if (bad < 5) fprintf(stderr, "pixel %d,%d: coloured %d, note %d\n", x, y, !want, want);
                bad++;
            }
        }
    return bad;
}

static void test_roll_of_grid_notes(void)
{
    mv_note notes[] = {{0, 4, 60, 127}, {4, 4, 60, 20}, {8, 2, 64, 100}, {12, 20, 67, 80},
                       {31, 1, 48, 100}};
    const char *png = fixture_path("grid.png");
    mv_roll_geometry g;
    char err[512];
    CHECK_MSG(plot_roll_notes(notes, 5, 16, 32, 0, "two bars of grid notes", png, &g, err,
                              sizeof err) == 0, "%s", err);
    picture p;
    CHECK(load(png, &p) == 0);
    CHECK(g.ticks_per_beat == 4);
    CHECK(!g.drums);
    /* two bars are stretched to the minimum width, under their title */
    CHECK_MSG(p.w >= ROLL_MIN_WIDTH, "width %d", p.w);
    CHECK(roll_x(&g, 32) + 6 == p.w);
    CHECK_MSG(shows_text(&p, g.left, 1, "two bars of grid notes"), "no title");
    CHECK(g.pitch_lo <= 47 && g.pitch_hi >= 68);
    mv_midi_note as_ticks[5];
    for (int i = 0; i < 5; i++)
        as_ticks[i] = (mv_midi_note){notes[i].step, notes[i].step + notes[i].duration, 0, 0,
                                     notes[i].pitch, notes[i].velocity};
    CHECK(mismatches(&p, &g, as_ticks, 5, 0, p.h) == 0);
    /* The loud note is more saturated than the soft one of the same pitch. */
    const uint8_t *loud = pixel(&p, roll_x(&g, 1), roll_y(&g, 60) + 1);
    const uint8_t *soft = pixel(&p, roll_x(&g, 5), roll_y(&g, 60) + 1);
    CHECK(loud[2] - loud[0] > soft[2] - soft[0]);
    /* Bar line at the start of bar 2 and a beat line, in a row without notes. */
    int y = roll_y(&g, 62) + 2;
    CHECK(pixel(&p, roll_x(&g, 16), y)[0] < pixel(&p, roll_x(&g, 4), y)[0]);
    CHECK(pixel(&p, roll_x(&g, 4), y)[0] < pixel(&p, roll_x(&g, 2), y)[0]);
    free(p.rgb);
}

static void test_roll_of_a_chorale(const char *shared_data)
{
    char mid[1024];
    snprintf(mid, sizeof mid, "%s/jsb/train/train_000.mid", shared_data);
    const char *png = fixture_path("chorale.png");
    mv_roll_geometry g;
    char err[512];
    CHECK_MSG(plot_roll_midi(mid, png, &g, err, sizeof err) == 0, "%s", err);
    mv_midi_file f;
    CHECK_MSG(midi_read_file(mid, &f, err, sizeof err) == 0, "%s", err);
    CHECK(f.n_notes > 20);
    picture p;
    CHECK(load(png, &p) == 0);
    CHECK(g.ticks_per_beat == (int)f.ticks_per_quarter);
    CHECK(mismatches(&p, &g, f.notes, (int)f.n_notes, 0, p.h) == 0);
    midi_file_free(&f);
    free(p.rgb);
}

/* A drum file (every note on channel 10) draws one lane per instrument of the
 * 9 drum classes, each labelled with its name, notes in their class's lane,
 * under a title naming the file; one bar is still ROLL_MIN_WIDTH wide. */
static void test_drum_roll(void)
{
    /* kick, snare, closed hat (42), open hat (46), low tom (45), crash (49),
     * ride (51), and 44 (pedal hat: the closed hat's class) */
    mv_note notes[] = {{0, 1, 36, 110}, {4, 1, 38, 100}, {2, 1, 42, 80}, {6, 1, 46, 90},
                       {8, 1, 45, 100}, {12, 1, 49, 120}, {14, 1, 51, 70}, {10, 1, 44, 60}};
    const int n = (int)(sizeof notes / sizeof notes[0]);
    const char *mid = fixture_path("beat.mid"), *png = fixture_path("beat.png");
    char err[512];
    CHECK_MSG(midi_write_notes(mid, notes, n, 16, 16, 120, 9, err, sizeof err) == 0, "%s", err);
    mv_roll_geometry g;
    CHECK_MSG(plot_roll_midi(mid, png, &g, err, sizeof err) == 0, "%s", err);
    picture p;
    if (load(png, &p)) {
        CHECK(0);
        return;
    }
    CHECK(g.drums == 1 && g.pitch_lo == 0 && g.pitch_hi == MV_DRUM_CLASSES - 1);
    CHECK_MSG(p.w >= ROLL_MIN_WIDTH, "width %d", p.w);
    for (int c = 0; c < MV_DRUM_CLASSES; c++)
        CHECK_MSG(shows_text(&p, 2, roll_y(&g, c) + (g.px_per_pitch - RASTER_GLYPH_H) / 2 + 1,
                             drum_class_name(c)),
                  "lane %d is not labelled '%s'", c, drum_class_name(c));
    CHECK(!strcmp(drum_class_name(0), "kick") && !strcmp(drum_class_name(2), "closed hat"));
    CHECK_MSG(shows_text(&p, g.left, 1, "beat.mid: 8 notes, 1 bar, drums by instrument"),
              "no title naming the file");
    mv_midi_file f;
    CHECK_MSG(midi_read_file(mid, &f, err, sizeof err) == 0, "%s", err);
    CHECK(mismatches(&p, &g, f.notes, (int)f.n_notes, 0, p.h) == 0);
    /* the pedal hat (44) lies in the closed hat's lane, not a row of its own */
    CHECK(coloured(&p, roll_x(&g, f.ticks_per_quarter * 10 / 4) + 1, roll_y(&g, 2) + 2));
    midi_file_free(&f);
    free(p.rgb);
}

static void write_step(const char *name, int pitch)
{
    mv_note notes[] = {{0, 8, (uint8_t)pitch, 100}, {8, 8, (uint8_t)(pitch + 2), 100}};
    char err[512];
    CHECK(midi_write_notes(fixture_path(name), notes, 2, 16, 32, 120, 0, err, sizeof err) == 0);
}

static void test_interp_column(void)
{
    char dir[512], err[512];
    snprintf(dir, sizeof dir, "%s/morph", fixture_dir());
    CHECK(mkdir(dir, 0777) == 0);
    write_step("morph/step_00.mid", 60);
    write_step("morph/step_01.mid", 64);
    write_step("morph/morph.mid", 100); /* must not be drawn */
    const char *png = fixture_path("interp.png");
    mv_roll_geometry g;
    int n_panels = 0;
    CHECK_MSG(plot_interp(dir, png, &g, &n_panels, err, sizeof err) == 0, "%s", err);
    CHECK(n_panels == 2);
    CHECK(g.pitch_hi < 100);
    picture p;
    CHECK(load(png, &p) == 0);
    CHECK(p.h % 2 == 0);
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/step_%02d.mid", dir, i);
        mv_midi_file f;
        CHECK(midi_read_file(path, &f, err, sizeof err) == 0);
        mv_roll_geometry panel = g;
        panel.top += i * p.h / 2;
        CHECK_MSG(mismatches(&p, &panel, f.notes, (int)f.n_notes, i * p.h / 2, (i + 1) * p.h / 2) == 0,
                  "panel %d", i);
        midi_file_free(&f);
    }
    free(p.rgb);
    char empty[512];
    snprintf(empty, sizeof empty, "%s/empty", fixture_dir());
    CHECK(mkdir(empty, 0777) == 0);
    CHECK(plot_interp(empty, png, NULL, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, empty) != NULL, "%s", err);
}

static int has_colour(const picture *p, uint8_t r, uint8_t g, uint8_t b)
{
    for (int i = 0; i < p->w * p->h; i++)
        if (p->rgb[3 * i] == r && p->rgb[3 * i + 1] == g && p->rgb[3 * i + 2] == b) return 1;
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_curves(void)
{
    const char *csv = fixture_path("run.csv"), *png = fixture_path("curves.png");
    write_text(csv, "step,seconds,split,recon,kl,elbo,acc_tf,acc_sampled,lr,onset_f1_tf,"
                    "onset_f1_sampled\n"
                    "0,0.1,train,90,0.5,-90.5,0.1,,0.001,,\n"
                    "100,10,train,60,4,-64,0.5,,0.0009,,\n"
                    "100,12,valid,65,4.5,-69.5,0.45,0.3,,0.4,0.3\n"
                    "200,20,train,40,6,-46,0.7,,0.0008,,\n"
                    "200,22,valid,45,6.5,-51.5,0.65,0.5,,0.5,0.4\n");
    char err[512];
    CHECK_MSG(plot_curves(csv, png, err, sizeof err) == 0, "%s", err);
    picture p;
    CHECK(load(png, &p) == 0);
    CHECK(p.w == 900);
    CHECK_MSG(p.h == 20 + 6 * 240,
              "height %d: a title, loss, KL, ELBO, accuracy, onset F1 and learning rate panels",
              p.h);
    CHECK_MSG(shows_text(&p, 70, 6, "training curves of run.csv (to step 200)"), "no title");
    CHECK(has_colour(&p, 31, 119, 180));  /* recon, train */
    /* The legend sits right of the plot area (x > 720) and covers no data:
     * accuracy teacher-forced ends at the top right corner of its plot area
     * (step 200, 0.7), where a legend box once painted it over. */
    int acc_top = 20 + 3 * 240 + 22, hidden = 0;
    for (int x = 600; x <= 720; x++) { /* the curve's last 120 px, every column */
        int seen = 0;
        for (int y = acc_top; y < acc_top + 40; y++) {
            const uint8_t *c = pixel(&p, x, y);
            seen |= c[0] == 148 && c[1] == 103 && c[2] == 189; /* acc_tf train */
        }
        hidden += !seen;
    }
    CHECK_MSG(hidden == 0, "%d columns of the accuracy curve's end are covered", hidden);
    CHECK_MSG(shows_text(&p, 720 + 14 + 16, 20 + 22 + 2, "recon train"),
              "no legend entry right of the loss panel");
    /* validation is a darker shade of its hue, not a pale one */
    CHECK(has_colour(&p, 31 * 11 / 20, 119 * 11 / 20, 180 * 11 / 20));
    CHECK(has_colour(&p, 127, 127, 127)); /* lr, train */
    CHECK(!has_colour(&p, 23, 190, 207)); /* beta: no such column */
    free(p.rgb);

    write_text(csv, "recon,step\n10,0\n5,1\n");
    CHECK_MSG(plot_curves(csv, png, err, sizeof err) == 0, "%s", err);
    CHECK(load(png, &p) == 0);
    CHECK(p.h == 20 + 240);
    CHECK(has_colour(&p, 31, 119, 180));
    free(p.rgb);

    write_text(csv, "epoch,recon\n0,10\n");
    CHECK(plot_curves(csv, png, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, csv) && strstr(err, "step"), "%s", err);
    const char *missing = fixture_path("missing.csv");
    CHECK(plot_curves(missing, png, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, missing) != NULL, "%s", err);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_plot SHARED_DATA\n");
        return 2;
    }
    test_roll_of_grid_notes();
    test_roll_of_a_chorale(argv[1]);
    test_drum_roll();
    test_interp_column();
    test_curves();
    fixture_cleanup();
    return check_report();
}
