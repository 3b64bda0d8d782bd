/* Chords per step (trainer/chord_track.c) and in extracted windows:
 * - an annotation in seconds lands on the right steps across a tempo change
 *   (120 BPM for bar 1, 60 BPM after it), "N" is no chord, bad lines and bad
 *   symbols are refused naming the file, the line and the symbol;
 * - the recogniser finds the accompaniment's chords per beat (root position,
 *   an inversion, a seventh, added tones, silence) and ignores the melody's
 *   track;
 * - extraction copies each window's chords, transposed with the window.
 * usage: test_chord_track SCRATCH_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "chord_track.h"
#include "extract.h"
#include "hparams.h"

#define TPQ 480
#define BAR (4 * TPQ)

static void note(mv_midi_file *f, int track, int64_t start, int64_t end, int pitch)
{
    mv_midi_note n = {start, end, (uint16_t)track, 0, (uint8_t)pitch, 100};
    CHECK(midi_file_add_note(f, &n) == 0);
}

static void chord3(mv_midi_file *f, int64_t start, int64_t end, int a, int b, int c)
{
    note(f, 1, start, end, a);
    note(f, 1, start, end, b);
    note(f, 1, start, end, c);
}

/* A MELODY track of repeated Bb4 and a PIANO track: bar 1 C E G, bar 2 G/B
 * (B D G), bar 3 A C E G (Am7), bar 4 beat 1 F A C with an added G (add9),
 * then silence; 120 BPM, 60 BPM from bar 2. */
static void make_song(mv_midi_file *f)
{
    CHECK(midi_file_init(f, TPQ, 2) == 0);
    snprintf(f->tracks[0].name, sizeof f->tracks[0].name, "MELODY");
    snprintf(f->tracks[1].name, sizeof f->tracks[1].name, "PIANO");
    CHECK(midi_file_add_tempo(f, 0, 500000) == 0);
    CHECK(midi_file_add_tempo(f, BAR, 1000000) == 0);
    for (int64_t t = 0; t < 4 * BAR; t += TPQ) note(f, 0, t, t + TPQ / 2, 70);
    chord3(f, 0, BAR, 48, 52, 55);
    chord3(f, BAR, 2 * BAR, 47, 50, 55);
    chord3(f, 2 * BAR, 3 * BAR, 45, 48, 52);
    note(f, 1, 2 * BAR, 3 * BAR, 55);
    chord3(f, 3 * BAR, 3 * BAR + TPQ, 41, 45, 48);
    note(f, 1, 3 * BAR, 3 * BAR + TPQ, 67);
    f->end_tick = 4 * BAR;
    midi_file_finish(f);
}

static int write_text(const char *path, const char *text)
{
    FILE *o = fopen(path, "w");
    if (!o) return -1;
    fputs(text, o);
    return fclose(o);
}

static int all_steps(const mv_chord_track *t, int from, int to, uint8_t id)
{
    for (int s = from; s < to; s++)
        if (s >= t->n_steps || t->chords[s] != id) {
            printf("step %d: chord %d, expected %d\n", s, s < t->n_steps ? t->chords[s] : -1, id);
            return 0;
        }
    return 1;
}

static void test_annotation(const mv_midi_file *f, const char *dir)
{
    /* bar 1 is 2 s (120 BPM), each later bar 4 s (60 BPM) */
    CHECK(chord_track_seconds_to_step(f, 0.0) == 0);
    CHECK(chord_track_seconds_to_step(f, 1.0) == 8);
    CHECK(chord_track_seconds_to_step(f, 2.0) == 16);
    CHECK(chord_track_seconds_to_step(f, 3.0) == 20);
    CHECK(chord_track_seconds_to_step(f, 6.0) == 32);
    CHECK(chord_track_seconds_to_step(f, 6.1) == 32); /* to the nearest step (0.25 s) */
    char path[4200], err[600];
    snprintf(path, sizeof path, "%s/chord_midi.txt", dir);
    CHECK(write_text(path, "0.0\t2.0\tC:maj\n2.0 4.0 G:maj/5\n\n4.0\t6.0\tA:min7\n"
                           "6.0\t8.0\tN\n8.0 10.0 F:maj\n") == 0);
    mv_chord_track t;
    CHECK(chord_track_read(path, f, &t, err, sizeof err) == 0);
    CHECK(t.n_steps == 64);
    CHECK(all_steps(&t, 0, 16, chord_id(0, MV_CHORD_MAJ)));
    CHECK(all_steps(&t, 16, 24, chord_id(7, MV_CHORD_MAJ)));
    CHECK(all_steps(&t, 24, 32, chord_id(9, MV_CHORD_MIN7)));
    CHECK(all_steps(&t, 32, 40, MV_CHORD_NONE));
    CHECK(all_steps(&t, 40, 48, chord_id(5, MV_CHORD_MAJ)));
    CHECK(all_steps(&t, 48, 64, MV_CHORD_NONE));
    chord_track_free(&t);

    CHECK(write_text(path, "0.0 2.0 C:maj\n2.0 x G:maj\n") == 0);
    CHECK(chord_track_read(path, f, &t, err, sizeof err) == -1);
    CHECK(strstr(err, path) && strstr(err, "line 2"));
    CHECK(write_text(path, "0.0 2.0 C:maj\n2.0 4.0 C:maj\n4.0 5.0 Q:min\n") == 0);
    CHECK(chord_track_read(path, f, &t, err, sizeof err) == -1);
    CHECK(strstr(err, path) && strstr(err, "line 3") && strstr(err, "'Q:min'"));
    printf("refused: %s\n", err);
    CHECK(write_text(path, "2.0 1.0 C:maj\n") == 0); /* ends before it starts */
    CHECK(chord_track_read(path, f, &t, err, sizeof err) == -1 && strstr(err, "line 1"));
    snprintf(path, sizeof path, "%s/no_such_annotation.txt", dir);
    CHECK(chord_track_read(path, f, &t, err, sizeof err) == -1 && strstr(err, path));
}

static void test_recognise(const mv_midi_file *f)
{
    mv_chord_track t;
    char err[300];
    CHECK(chord_track_recognise(f, "MELODY", &t, err, sizeof err) == 0);
    CHECK(all_steps(&t, 0, 16, chord_id(0, MV_CHORD_MAJ)));
    CHECK(all_steps(&t, 16, 32, chord_id(7, MV_CHORD_MAJ)));  /* G over B */
    CHECK(all_steps(&t, 32, 48, chord_id(9, MV_CHORD_MIN7))); /* A C E G over A */
    CHECK(all_steps(&t, 48, 52, chord_id(5, MV_CHORD_MAJ)));  /* F A C + G over F */
    CHECK(all_steps(&t, 52, 64, MV_CHORD_NONE));              /* only the melody */
    chord_track_free(&t);
    /* with the melody's track counted, its Bb joins bar 1: C E G Bb is C7 */
    CHECK(chord_track_recognise(f, NULL, &t, err, sizeof err) == 0);
    CHECK(t.chords[0] == chord_id(0, MV_CHORD_DOM7));
    chord_track_free(&t);
}

typedef struct seen {
    int windows, wrong;
    const uint8_t *chords;
    const mv_chord_track *track;
} seen;

static int take(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    (void)tokens;
    seen *s = ctx;
    s->windows++;
    for (int i = 0; i < 32; i++) {
        int64_t at = (int64_t)bar * 16 + i;
        uint8_t want = chord_transpose(at < s->track->n_steps ? s->track->chords[at] : 0, transpose);
        s->wrong += s->chords[i] != want;
    }
    return 0;
}

static void test_extract(const mv_midi_file *f)
{
    mv_chord_track t;
    char err[300];
    CHECK(chord_track_recognise(f, "MELODY", &t, err, sizeof err) == 0);
    uint8_t window_chords[32];
    mv_extract_config cfg = {.repr = MV_REPR_MELODY, .n_bars = 2, .steps_per_bar = 16,
                             .min_pitch = 21, .n_pitches = 88, .max_transpose = 2,
                             .track_name = "MELODY", .step_chords = t.chords,
                             .n_step_chords = t.n_steps, .window_chords = window_chords};
    seen s = {0, 0, window_chords, &t};
    mv_extract_stats st = {0};
    CHECK(extract_windows(f, &cfg, take, &s, &st, err, sizeof err) == 0);
    printf("%d windows (with transpositions), %d steps with a wrong chord\n", s.windows, s.wrong);
    CHECK(s.windows == 3 * 5 && s.wrong == 0); /* 3 windows x 5 transpositions */
    chord_track_free(&t);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_chord_track SCRATCH_DIR\n");
        return 2;
    }
    mv_midi_file f;
    make_song(&f);
    test_annotation(&f, argv[1]);
    test_recognise(&f);
    test_extract(&f);
    midi_file_free(&f);
    return check_report();
}
