/* The inline display through the lilv host, as Ardour shows it in a mixer
 * strip: while the plugin plays its shipped melody model at 120 BPM between
 * two MIDI-file anchors (transposed, snapped to a scale), render() at two
 * sizes lights exactly the rows of the pitches played on the page (the 2-bar
 * phrase), every note's first pixel and the playhead's column, which moves
 * with the step being played; the morph bar's marker follows the Morph
 * control; anchor names appear only where there is room. The same rows for a
 * piano-roll model's chords. run() asks for a redraw while the picture
 * changes and never when it does not, and neither allocates nor calls a lock
 * function with the display active (the worker inside schedule_work(), as
 * Ardour runs it while exporting). The pictures are written as PNG files
 * into the output folder (docs/ shows the large melody one). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc_counter.h"
#include "check.h"
#include "display.h"
#include "raster.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* 120 BPM, 4 steps a beat, 48 kHz */
#define PAGE_STEPS 32        /* the default phrase: 2 bars of 16 steps */

static const char *bundle, *anchor_file[2], *roll_model, *out_dir;

static void count_run(bool in_plugin, bool is_run)
{
    (void)is_run;
    alloc_counting(in_plugin);
}

typedef struct picture {
    const uint32_t *px;
    int w, h, stride;
} picture;

static uint32_t at(const picture *p, int x, int y)
{
    return p->px[(size_t)y * p->stride + x];
}

static picture render(mv_host *h, int w, int max_h)
{
    picture p = {0};
    p.px = host_render_inline(h, (uint32_t)w, (uint32_t)max_h, &p.w, &p.h, &p.stride);
    return p;
}

/* The notes played in steps [first, first + PAGE_STEPS) of the session, as
 * the display must show them (steps from first; a note still sounding ends
 * at the page's end); their count, or -1 when there are more than it shows. */
static int page_notes(const session *s, int64_t first, mv_display_frame *f)
{
    memset(f, 0, sizeof *f);
    f->steps = PAGE_STEPS;
    f->bar_steps = 16;
    int64_t from = first * FRAMES_PER_STEP, to = from + PAGE_STEPS * FRAMES_PER_STEP;
    for (int i = 0; i < s->n; i++) {
        const rec_event *e = &s->ev[i];
        if (!is_note_on(e) || e->frame < from || e->frame >= to) continue;
        if (f->n_notes == DISPLAY_MAX_NOTES) return -1; /* more than the display shows */
        int64_t end = to;
        for (int j = i + 1; j < s->n; j++)
            if (is_note_off(&s->ev[j]) && s->ev[j].pitch == e->pitch) {
                end = s->ev[j].frame < to ? s->ev[j].frame : to;
                break;
            }
        f->notes[f->n_notes++] = (mv_display_note){
            (int16_t)((e->frame - from) / FRAMES_PER_STEP),
            (int16_t)((end - from + FRAMES_PER_STEP - 1) / FRAMES_PER_STEP), e->pitch};
    }
    return f->n_notes;
}

static bool row_lit(const picture *p, int y, int skip_x)
{
    for (int x = 0; x < p->w; x++)
        if (x != skip_x && at(p, x, y) == DISPLAY_NOTE) return true;
    return false;
}

/* The roll of the picture against the notes played on the page: a row is lit
 * iff a played note's rows hold it (display.h), each note's first pixel is
 * drawn. */
static void check_notes(const picture *p, const mv_display_frame *played, int playhead)
{
    display_geometry g;
    display_geometry_of(played, p->w, p->h, &g);
    int x_play = display_step_x(&g, playhead);
    for (int y = 0; y < g.roll_h; y++) {
        bool want = false;
        for (int i = 0; i < played->n_notes; i++) {
            int y0, y1;
            display_note_rows(&g, played->notes[i].pitch, &y0, &y1);
            want |= y >= y0 && y < y1;
        }
        CHECK_MSG(row_lit(p, y, x_play) == want, "%dx%d: row %d lit %d, played notes there %d",
                  p->w, p->h, y, !want, want);
    }
    for (int i = 0; i < played->n_notes; i++) {
        const mv_display_note *n = &played->notes[i];
        int x = display_step_x(&g, n->start), y = display_pitch_top(&g, n->pitch);
        if (x != x_play)
            CHECK_MSG(at(p, x, y) == DISPLAY_NOTE, "%dx%d: note %d at step %d not drawn", p->w,
                      p->h, n->pitch, n->start);
    }
}

/* The playhead: one column over the roll, at the step being played. */
static void check_playhead(const picture *p, int steps, int playhead)
{
    int x_play = (int)((int64_t)playhead * p->w / steps), columns = 0;
    for (int x = 0; x < p->w; x++) columns += at(p, x, 0) == DISPLAY_PLAYHEAD;
    CHECK_MSG(columns == 1 && at(p, x_play, 0) == DISPLAY_PLAYHEAD,
              "%dx%d: playhead not (only) at column %d of step %d", p->w, p->h, x_play, playhead);
}

static int morph_marker_x(const picture *p)
{
    for (int x = 0; x < p->w; x++)
        if (at(p, x, p->h - 2) == DISPLAY_MORPH_MARK) return x;
    return -1;
}

static int text_pixels(const picture *p)
{
    int n = 0;
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) n += at(p, x, y) == DISPLAY_TEXT;
    return n;
}

/* The picture as a PNG (trainer/raster.h's writer). */
static void write_png(const picture *p, const char *name)
{
    char path[4096], err[512];
    mv_image im;
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    if (image_init(&im, p->w, p->h, (mv_rgb){0, 0, 0})) return;
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            uint32_t c = at(p, x, y);
            image_set(&im, x, y, (mv_rgb){(uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c});
        }
    CHECK_MSG(image_write_png(&im, path, err, sizeof err) == 0, "%s", err);
    image_free(&im);
}

/* Plays one step (one block of a 16th); true when run() asked for a redraw. */
static bool play_step(session *s)
{
    int before = host_queue_draw_count(s->host);
    session_block(s, FRAMES_PER_STEP);
    return host_queue_draw_count(s->host) > before;
}

/* The plugin in the host, the worker inside schedule_work(); model NULL:
 * the bundle's own. */
static session open_session(const char *model)
{
    session s = {.host = session_open_host(bundle, RATE, FRAMES_PER_STEP, "in-schedule",
                                           count_run)};
    if (s.host && model) host_send_path(s.host, 0, MV_PLUGIN_NS "model", model);
    return s;
}

/* Plays the first two pages, then the third; the pictures of the third at
 * two sizes against the notes played there (the playhead on its last step).
 * Returns the text pixels of each picture in text[2]. */
static void check_third_page(session *s, const char *name, int text[2])
{
    bool redraw_every_step = true;
    for (int step = 0; step < 2 * PAGE_STEPS; step++) redraw_every_step &= play_step(s);
    CHECK_MSG(redraw_every_step, "%s: a step went by without a redraw request", name);
    mv_display_frame played;
    for (int step = 0; step < PAGE_STEPS; step++) play_step(s);
    CHECK_MSG(page_notes(s, 2 * PAGE_STEPS, &played) > 0, "%s: the model played no note", name);
    const int sizes[2][2] = {{200, 100}, {64, 40}};
    for (int k = 0; k < 2; k++) {
        picture p = render(s->host, sizes[k][0], sizes[k][1]);
        CHECK(p.px && p.w == sizes[k][0] && p.h > 0 && p.h <= sizes[k][1]);
        if (!p.px) continue;
        check_notes(&p, &played, PAGE_STEPS - 1);
        check_playhead(&p, PAGE_STEPS, PAGE_STEPS - 1);
        text[k] = text_pixels(&p);
        char file[256];
        snprintf(file, sizeof file, "%s_%d.png", name, p.w);
        write_png(&p, file);
    }
}

static void test_melody(void)
{
    session s = open_session(NULL);
    if (!s.host) {
        CHECK(0);
        return;
    }
    host_send_path(s.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_file[0]);
    host_send_path(s.host, 0, MV_PLUGIN_NS "anchorBFile", anchor_file[1]);
    host_set_control(s.host, "morph", 0.25f);
    host_set_control(s.host, "transpose", 5);
    host_set_control(s.host, "scale", 4); /* major pentatonic */
    host_send_position(s.host, 0, 0, 0, 120, 1);
    long allocs = alloc_count(), locks = lock_count();
    int text[2] = {0, 0};
    check_third_page(&s, "inline_display", text);
    CHECK_MSG(text[0] > 0 && text[1] == 0, "anchor names: %d text pixels large, %d small",
              text[0], text[1]);

    /* the playhead moves with the step played (onto the next page, whose
     * notes are not all played yet); the morph marker with Morph */
    for (int step = 0; step < 5; step++) play_step(&s);
    picture p = render(s.host, 200, 100);
    if (p.px) check_playhead(&p, PAGE_STEPS, 4);
    int marker_before = p.px ? morph_marker_x(&p) : -1;
    CHECK_MSG(marker_before > 0 && marker_before < p.w / 2, "morph 0.25 marked at %d",
              marker_before);
    host_set_control(s.host, "morph", 0.75f);
    CHECK(play_step(&s));
    p = render(s.host, 200, 100);
    CHECK_MSG(p.px && morph_marker_x(&p) > p.w / 2, "the morph marker did not move right");

    /* stopped: nothing changes, nothing to redraw */
    host_send_position(s.host, 0, 0, 0, 120, 0);
    play_step(&s);
    bool quiet = true;
    for (int i = 0; i < 8; i++) quiet &= !play_step(&s);
    CHECK_MSG(quiet, "run() asked for redraws while nothing changed");
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    CHECK_MSG(lock_count() == locks, "%ld lock calls in run()", lock_count() - locks);
    CHECK(s.bad_blocks == 0);
    session_free(&s);
    host_close(s.host);
}

/* A piano-roll model's chords: every pitch of every chord on its rows. */
static void test_roll(void)
{
    session s = open_session(roll_model);
    if (!s.host) {
        CHECK(0);
        return;
    }
    host_send_position(s.host, 0, 0, 0, 120, 1);
    long allocs = alloc_count(), locks = lock_count();
    int text[2];
    check_third_page(&s, "inline_display_roll", text);
    CHECK_MSG(alloc_count() == allocs, "%ld allocations in run()", alloc_count() - allocs);
    CHECK_MSG(lock_count() == locks, "%ld lock calls in run()", lock_count() - locks);
    session_free(&s);
    host_close(s.host);
}

/* The counters see what they count (else zero would prove nothing). */
static void test_counters_count(void)
{
    long allocs = alloc_count(), locks = lock_count();
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    alloc_counting(true);
    void *volatile block = malloc(16);
    free(block);
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    alloc_counting(false);
    CHECK_MSG(alloc_count() == allocs + 2, "the allocation counter missed malloc/free");
#if !defined(__SANITIZE_THREAD__)
    CHECK_MSG(lock_count() == locks + 1, "the lock counter missed pthread_mutex_lock");
#else
    (void)locks;
#endif
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: test_plugin_display BUNDLE A.mid B.mid ROLL_MODEL OUT_DIR\n");
        return 2;
    }
    bundle = argv[1], anchor_file[0] = argv[2], anchor_file[1] = argv[3];
    roll_model = argv[4], out_dir = argv[5];
    mkdir(out_dir, 0755);
    test_counters_count();
    test_melody();
    test_roll();
    return check_report();
}
