/* midi_write: notes written to a MIDI file come back from libsmf with the same
 * pitch, onset tick, duration and channel; tempo and 4/4 meter are in the file;
 * a repeated pitch is not cut by its predecessor's note-off; marks are marker
 * events in their part's track, before the notes of their tick; errors name
 * the file. */
#include <dirent.h>
#include <smf.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gen_fixture.h"
#include "midi_write.h"

typedef struct {
    int start, end, pitch, velocity, channel, track;
} read_note;

/* Every note of the file by raw libsmf, paired note-on/note-off in order. */
static int read_notes(const char *path, read_note *out, int max, int *ppqn, int *tempo_us,
                      int *numerator, int *n_tracks)
{
    smf_t *smf = smf_load(path);
    if (!smf) return -1;
    *ppqn = smf->ppqn;
    *n_tracks = smf->number_of_tracks;
    *tempo_us = 0;
    *numerator = 0;
    int n = 0;
    smf_event_t *e;
    while ((e = smf_get_next_event(smf))) {
        unsigned char *b = e->midi_buffer;
        if (b[0] == 0xFF && b[1] == 0x51) *tempo_us = b[3] << 16 | b[4] << 8 | b[5];
        if (b[0] == 0xFF && b[1] == 0x58) *numerator = b[3];
        if (smf_event_is_metadata(e)) continue;
        int status = b[0] & 0xF0;
        if (status == 0x90 && b[2] > 0 && n < max) {
            out[n++] = (read_note){e->time_pulses, -1, b[1], b[2], b[0] & 15, e->track_number};
        } else if (status == 0x80 || status == 0x90) {
            for (int i = 0; i < n; i++)
                if (out[i].end < 0 && out[i].pitch == b[1] && out[i].channel == (b[0] & 15)) {
                    out[i].end = e->time_pulses;
                    break;
                }
        }
    }
    smf_delete(smf);
    return n;
}

static void test_single_part(void)
{
    const char *path = fixture_path("single.mid");
    /* Two repeated C4s back to back (the second must not be cut), a long note,
     * a note running past the end (clipped) and velocity 0 (written as 1). */
    mv_note notes[] = {{0, 2, 60, 100}, {2, 2, 60, 90}, {4, 8, 67, 127}, {14, 6, 72, 0}};
    char err[512];
    CHECK(midi_write_notes(path, notes, 4, 16, 16, 90.0, 3, err, sizeof err) == 0);
    read_note got[8];
    int ppqn, tempo, num, tracks;
    int n = read_notes(path, got, 8, &ppqn, &tempo, &num, &tracks);
    int tps = midi_ticks_per_step(16);
    CHECK(tps == MIDI_WRITE_PPQN / 4);
    CHECK(ppqn == MIDI_WRITE_PPQN);
    CHECK(tempo == 666667); /* 60e6 / 90 */
    CHECK(num == 4);
    CHECK(tracks == 2); /* conductor + one part */
    CHECK_MSG(n == 4, "%d notes", n);
    int want_end[] = {2, 4, 12, 16}; /* steps; the last note is clipped at 16 */
    for (int i = 0; i < n && i < 4; i++) {
        CHECK_MSG(got[i].pitch == notes[i].pitch, "note %d pitch %d", i, got[i].pitch);
        CHECK_MSG(got[i].start == notes[i].step * tps, "note %d start %d", i, got[i].start);
        CHECK_MSG(got[i].end == want_end[i] * tps, "note %d end %d", i, got[i].end);
        CHECK(got[i].channel == 3);
        CHECK(got[i].velocity == (notes[i].velocity ? notes[i].velocity : 1));
    }
}

static void test_parts_follow_each_other(void)
{
    const char *path = fixture_path("parts.mid");
    mv_note a[] = {{0, 4, 64, 100}, {8, 8, 62, 100}};
    mv_note drums[] = {{0, 1, 36, 100}, {4, 1, 38, 100}, {4, 1, 42, 80}};
    mv_midi_part parts[] = {
        {a, 2, 0, 0, 0, "melody", NULL, 0},
        {drums, 3, 16, 9, -1, "drums", NULL, 0},
    };
    char err[512];
    CHECK(midi_write_parts(path, parts, 2, 16, 32, 120, err, sizeof err) == 0);
    read_note got[8];
    int ppqn, tempo, num, tracks;
    int n = read_notes(path, got, 8, &ppqn, &tempo, &num, &tracks);
    int tps = midi_ticks_per_step(16);
    CHECK(tracks == 3);
    CHECK(tempo == 500000);
    CHECK_MSG(n == 5, "%d notes", n);
    int seen_drums = 0;
    for (int i = 0; i < n; i++) {
        if (got[i].channel == 9) {
            seen_drums++;
            CHECK(got[i].track == 3);
            CHECK(got[i].start == (16 + 0) * tps || got[i].start == (16 + 4) * tps);
            CHECK(got[i].end - got[i].start == tps);
        } else {
            CHECK(got[i].channel == 0);
            CHECK(got[i].track == 2);
        }
    }
    CHECK(seen_drums == 3);
}

/* Marks (a chord track's names) become marker events at their steps, counted
 * from the part's offset, each before the notes of its tick; a mark past the
 * file's end is left out. */
static void test_marks(void)
{
    const char *path = fixture_path("marks.mid");
    mv_note chords[] = {{0, 4, 48, 56}, {4, 4, 55, 56}};
    mv_midi_mark marks[] = {{0, "C:maj"}, {4, "G:maj"}, {8, "N"}, {40, "past the end"}};
    mv_midi_part part = {chords, 2, 16, 1, 48, "chords", marks, 4};
    char err[512];
    CHECK_MSG(midi_write_parts(path, &part, 1, 16, 32, 120, err, sizeof err) == 0, "%s", err);
    smf_t *smf = smf_load(path);
    CHECK(smf != NULL);
    if (!smf) return;
    smf_track_t *track = smf_get_track_by_number(smf, 2);
    CHECK(track != NULL);
    const char *want[] = {"C:maj", "G:maj", "N"};
    int tps = midi_ticks_per_step(16), n_marks = 0, notes_before = 0, order_ok = 1;
    smf_event_t *e;
    while (track && (e = smf_track_get_next_event(track))) {
        unsigned char *b = e->midi_buffer;
        if ((b[0] & 0xF0) == 0x90) notes_before++;
        if (b[0] != 0xFF || b[1] != 0x06) continue;
        char *text = smf_event_extract_text(e);
        if (n_marks < 3) {
            CHECK_MSG(text && !strcmp(text, want[n_marks]), "mark %d is '%s'", n_marks,
                      text ? text : "(none)");
            CHECK(e->time_pulses == (16 + 4 * n_marks) * tps);
            order_ok &= notes_before == (n_marks < 2 ? n_marks : 2);
        }
        free(text);
        n_marks++;
    }
    CHECK_MSG(n_marks == 3, "%d marks, expected 3 (the 4th lies past the end)", n_marks);
    CHECK_MSG(order_ok, "a mark does not come before the notes of its tick");
    smf_delete(smf);
    mv_midi_part bad = part;
    bad.n_marks = -1;
    CHECK(midi_write_parts(path, &bad, 1, 16, 32, 120, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "-1 marks") != NULL, "%s", err);
}

/* No temporary file is left next to the output, on success or failure. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

static void test_errors_name_the_file(void)
{
    mv_note n1 = {0, 1, 60, 100};
    char err[512] = "";
    int before = count_files(fixture_dir());
    const char *bad_grid = fixture_path("grid.mid");
    CHECK(midi_write_notes(bad_grid, &n1, 1, 7, 16, 120, 0, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, bad_grid) != NULL, "%s", err);
    CHECK(midi_write_notes(bad_grid, &n1, 1, 16, 16, 120, 16, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "channel") != NULL, "%s", err);
    CHECK(midi_write_notes("/nonexistent/folder/x.mid", &n1, 1, 16, 16, 120, 0, err,
                           sizeof err) == -1);
    CHECK_MSG(strstr(err, "/nonexistent/folder/x.mid") != NULL, "%s", err);
    CHECK(count_files(fixture_dir()) == before);
}

int main(void)
{
    test_single_part();
    test_parts_follow_each_other();
    test_marks();
    test_errors_name_the_file();
    fixture_cleanup();
    return check_report();
}
