/* Real files from shared/data through the reader (midi/) and extraction. The
 * facts checked were read off the files by hand (note lists printed from the
 * reader and cross-checked with the raw bytes). Also: paths that are not
 * regular files (a FIFO, a folder) are refused without blocking.
 * usage: test_midi_files SHARED_DATA_DIR WORK_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "extract.h"
#include "hparams.h"
#include "midi_read.h"
#include "tokens.h"

#define MAX_WINDOWS 512

static const char *data_dir;

typedef struct collected {
    int n;
    size_t bytes;
    uint8_t *data; /* MAX_WINDOWS windows of bytes each */
    uint32_t bar[MAX_WINDOWS];
} collected;

static int collect(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    collected *c = ctx;
    (void)transpose;
    if (c->n == MAX_WINDOWS) return 1;
    memcpy(c->data + (size_t)c->n * c->bytes, tokens, c->bytes);
    c->bar[c->n++] = bar;
    return 0;
}

static int read_shared(const char *rel, mv_midi_file *f, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, rel);
    return midi_read_file(path, f, err, errlen);
}

static int extract(const mv_midi_file *f, const mv_extract_config *cfg, collected *c)
{
    char err[300];
    mv_extract_stats st = {0};
    int steps = cfg->n_bars * cfg->steps_per_bar;
    c->n = 0;
    c->bytes = cfg->repr == MV_REPR_ROLL ? (size_t)steps * 2 * cfg->n_pitches : (size_t)steps * 4;
    free(c->data);
    c->data = malloc(MAX_WINDOWS * c->bytes);
    int rc = extract_windows(f, cfg, collect, c, &st, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return c->n;
}

static const int32_t *window(const collected *c, int i)
{
    return (const int32_t *)(c->data + (size_t)i * c->bytes);
}

/* POP909 song 004: MELODY is track 1 (156 notes, 480 ticks per quarter, so a
 * step is 120 ticks); index.csv gives 2 beats of 2 quavers (2/4). The melody
 * starts with 73 71 70 68 on steps 44 48 52 56 (ticks 5280 ...), then 70 at
 * ticks 7440 and 7560 (steps 62 and 63: a repeated note). */
static void test_pop909_melody(collected *c)
{
    mv_midi_file f;
    char err[300];
    CHECK_MSG(read_shared("pop909/004/004.mid", &f, err, sizeof err) == 0, "%s", err);
    CHECK(f.ticks_per_quarter == 480 && f.n_tracks == 4);
    CHECK(!strcmp(f.tracks[1].name, "MELODY") && !strcmp(f.tracks[3].name, "PIANO"));
    int melody_notes = 0;
    for (uint32_t i = 0; i < f.n_notes; i++) melody_notes += f.notes[i].track == 1;
    CHECK(melody_notes == 156);
    mv_extract_config cfg = {.repr = MV_REPR_MELODY, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = "MELODY", .meter_steps = 8};
    int n = extract(&f, &cfg, c);
    /* The melody's notes lie in 4/4-sized bars 2-24 and 30-50 (bar = tick /
     * 1920), each phrase's last note held into the next bar; the rest is
     * instrumental. A 2-bar window may start in every bar of a phrase (its last
     * bar included, thanks to that held note): 23 + 21 windows. */
    CHECK_MSG(n == 44, "%d windows", n);
    /* Bar 1 (steps 16..47) is silent up to step 44: a bar of silence; bar 2 is
     * the first window. */
    CHECK(c->bar[0] == 2);
    const int32_t *t = window(c, 0);
    for (int s = 0; s < 12; s++) CHECK(t[s] == MV_MELODY_NO_EVENT);
    int want[] = {73, 71, 70, 68};
    for (int k = 0; k < 4; k++) CHECK_MSG(t[12 + 4 * k] == 2 + want[k] - 21, "step %d", 12 + 4 * k);
    CHECK(t[30] == 2 + 70 - 21 && t[31] == 2 + 70 - 21); /* repeated, not held */
    for (int i = 1; i < n; i++) CHECK(c->bar[i] > c->bar[i - 1]);
    CHECK(c->bar[23] == 30 && c->bar[n - 1] == 50);
    midi_file_free(&f);
}

/* Groove drummer1/session1/1_funk_80: kick 36 at tick 1919 and open hat 46 at
 * 1925 (step 16), closed hat 42 at 2046 (step 17), kick + closed hat at
 * 2157/2167 (step 18); 480 ticks per quarter. */
static void test_groove_drums(collected *c)
{
    mv_midi_file f;
    char err[300];
    CHECK_MSG(read_shared("groove/drummer1/session1/1_funk_80_beat_4-4.mid", &f, err,
                          sizeof err) == 0, "%s", err);
    for (uint32_t i = 0; i < f.n_notes; i++) CHECK(f.notes[i].channel == MV_MIDI_DRUM_CHANNEL);
    mv_extract_config cfg = {.repr = MV_REPR_DRUMS, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 0, .n_pitches = 0, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    int n = extract(&f, &cfg, c);
    CHECK(n > 10);
    CHECK(c->bar[0] == 0);
    const int32_t *t = window(c, 0);
    CHECK_MSG(t[16] == (1 << 0 | 1 << 3), "step 16: %d", t[16]);
    CHECK_MSG(t[17] == 1 << 2, "step 17: %d", t[17]);
    CHECK_MSG(t[18] == (1 << 0 | 1 << 2), "step 18: %d", t[18]);
    for (int i = 0; i < n; i++)
        for (int s = 0; s < 32; s++) CHECK(window(c, i)[s] >= 0 && window(c, i)[s] < 512);
    midi_file_free(&f);
}

/* JSB train_000: SATB on tracks 1..4; step 0 is 74 70 65 58, step 4 has new
 * notes 75, 58, 55 while the alto's 70 is held. */
static void test_jsb_roll(collected *c)
{
    mv_midi_file f;
    char err[300];
    CHECK_MSG(read_shared("jsb/train/train_000.mid", &f, err, sizeof err) == 0, "%s", err);
    mv_extract_config cfg = {.repr = MV_REPR_ROLL, .n_bars = 2, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    int n = extract(&f, &cfg, c);
    CHECK(n >= 5);
    const uint8_t *r = c->data;
    int w = 176, on = 88;
    int chord[] = {74, 70, 65, 58};
    for (int k = 0; k < 4; k++) CHECK(r[chord[k] - 21] && r[on + chord[k] - 21]);
    CHECK(r[4 * w + 70 - 21] && !r[4 * w + on + 70 - 21]); /* held */
    int fresh[] = {75, 58, 55};
    for (int k = 0; k < 3; k++) CHECK(r[4 * w + fresh[k] - 21] && r[4 * w + on + fresh[k] - 21]);
    for (int i = 0; i < n; i++)
        for (int s = 0; s < 32; s++) {
            int active = 0;
            for (int p = 0; p < 88; p++) active += c->data[(size_t)i * c->bytes + s * w + p];
            CHECK_MSG(active <= 4, "window %d step %d: %d voices", i, s, active);
        }
    midi_file_free(&f);
}

/* synthetic/tempo_meter_changes_fmt1: 96 ticks per quarter; 4/4 at 0, 3/4 at
 * tick 384 (step 16), 7/8 at tick 672 (step 28); tempo changes at the same
 * ticks; quarter notes C D E F, then G A B, then C C D E ... */
static void test_meter_changes(collected *c)
{
    mv_midi_file f;
    char err[300];
    CHECK_MSG(read_shared("midi-edge/synthetic/tempo_meter_changes_fmt1.mid", &f, err,
                          sizeof err) == 0, "%s", err);
    CHECK(f.n_meters == 3 && f.n_tempos == 3);
    mv_extract_config cfg = {.repr = MV_REPR_MELODY, .n_bars = 1, .steps_per_bar = 16, .min_pitch = 21, .n_pitches = 88, .max_transpose = 0, .track_name = NULL, .meter_steps = 0};
    CHECK(extract(&f, &cfg, c) == 1); /* only the 4/4 bar */
    CHECK(c->bar[0] == 0 && window(c, 0)[0] == 2 + 60 - 21 && window(c, 0)[12] == 2 + 65 - 21);
    cfg.steps_per_bar = 12;
    CHECK(extract(&f, &cfg, c) == 1); /* only the 3/4 bar: G A B */
    CHECK(c->bar[0] == 16 / 12);
    CHECK(window(c, 0)[0] == 2 + 67 - 21 && window(c, 0)[4] == 2 + 69 - 21 &&
          window(c, 0)[8] == 2 + 71 - 21);
    cfg.steps_per_bar = 14;
    CHECK(extract(&f, &cfg, c) == 2); /* the two 7/8 bars */
    CHECK(c->bar[0] == 28 / 14 && window(c, 0)[0] == 2 + 72 - 21);
    midi_file_free(&f);
}

static void expect_notes(const char *rel, int count, int first_pitch)
{
    mv_midi_file f;
    char err[300];
    if (read_shared(rel, &f, err, sizeof err)) {
        CHECK_MSG(0, "%s", err);
        return;
    }
    CHECK_MSG((int)f.n_notes == count, "%s: %u notes", rel, f.n_notes);
    CHECK_MSG(f.n_notes && f.notes[0].pitch == first_pitch, "%s", rel);
    midi_file_free(&f);
}

static void expect_refusal(const char *rel, const char *words)
{
    mv_midi_file f;
    char err[300] = "";
    CHECK_MSG(read_shared(rel, &f, err, sizeof err) == -1, "%s was read", rel);
    CHECK_MSG(strstr(err, words) != NULL, "%s: '%s' lacks '%s'", rel, err, words);
    CHECK_MSG(strstr(err, rel) != NULL, "'%s' does not name the file", err);
}

static void test_edge_cases(void)
{
    /* the C major scale, whatever the wrapping */
    expect_notes("midi-edge/jazz-soft/midi/test-c-major-scale.mid", 8, 60);
    expect_notes("midi-edge/jazz-soft/midi/test-running-status-sysex.mid", 8, 60);
    expect_notes("midi-edge/jazz-soft/midi/test-running-status-metaevent.mid", 8, 60);
    expect_notes("midi-edge/jazz-soft/midi/test-illegal-message-all.mid", 8, 60);
    expect_notes("midi-edge/synthetic/rmid_wrapper.rmi", 8, 60);
    expect_notes("midi-edge/synthetic/header_len_8.mid", 8, 60);
    expect_notes("midi-edge/synthetic/trailing_garbage.mid", 8, 60);
    expect_notes("midi-edge/synthetic/ntracks_too_large.mid", 8, 60);
    expect_refusal("midi-edge/jazz-soft/midi/test-corrupt-file-missing-byte.mid", "bytes");
    expect_refusal("midi-edge/jazz-soft/midi/test-2-tracks-type-2.mid", "format 2");
    expect_refusal("midi-edge/jazz-soft/midi/test-empty-file.mid", "empty");
    expect_refusal("midi-edge/jazz-soft/midi/test-not-a-midi-file.mid", "not a MIDI file");
    expect_refusal("midi-edge/synthetic/smpte_25fps_40tpf.mid", "SMPTE");
    expect_refusal("midi-edge/synthetic/smpte_29df_80tpf.mid", "SMPTE");
    expect_refusal("midi-edge/nonexistent.mid", "cannot open");
}

/* Hand-made bytes: running status across sysex and meta, a data byte without
 * status, an event cut off by the chunk's end. */
static void test_hand_made_bytes(void)
{
    static const uint8_t head[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96};
    static const uint8_t running[] = {0x00, 0x90, 60, 100, 0x60, 60, 0, 0x00, 0xf0, 0x01,
                                      0xf7, 0x00, 62,   100,  0x60, 62, 0, 0x00, 0xff, 0x2f, 0};
    static const uint8_t no_status[] = {0x00, 60, 100, 0x00, 0xff, 0x2f, 0};
    static const uint8_t cut[] = {0x00, 0x90, 60};
    const uint8_t *tracks[] = {running, no_status, cut};
    size_t lens[] = {sizeof running, sizeof no_status, sizeof cut};
    for (int k = 0; k < 3; k++) {
        uint8_t buf[64];
        memcpy(buf, head, sizeof head);
        memcpy(buf + 14, "MTrk", 4);
        buf[18] = buf[19] = buf[20] = 0;
        buf[21] = (uint8_t)lens[k];
        memcpy(buf + 22, tracks[k], lens[k]);
        mv_midi_file f;
        char err[300] = "";
        int rc = midi_read_memory(buf, 22 + lens[k], &f, err, sizeof err);
        if (k == 0) {
            CHECK_MSG(rc == 0, "%s", err);
            CHECK(rc == 0 && f.n_notes == 2 && f.notes[1].pitch == 62 && f.notes[1].start == 96);
            if (rc == 0) midi_file_free(&f);
        } else {
            CHECK(rc == -1);
            CHECK_MSG(strstr(err, k == 1 ? "without a status" : "past the chunk"), "%s", err);
        }
    }
}

/* A FIFO with no writer and a folder: refused at once with what they are (a
 * blocking open of the FIFO would hang here, and a folder once read as "larger
 * than 64 MiB"); the reason names the path. */
static void test_not_regular_files(const char *work_dir)
{
    char fifo[1024], folder[1024], err[600];
    snprintf(fifo, sizeof fifo, "%s/reader_fifo.mid", work_dir);
    snprintf(folder, sizeof folder, "%s/reader_folder.mid", work_dir);
    unlink(fifo);
    rmdir(folder);
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK(mkdir(folder, 0700) == 0);
    mv_midi_file f;
    CHECK(midi_read_file(fifo, &f, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, fifo) && strstr(err, "FIFO"), "%s", err);
    CHECK(midi_read_file(folder, &f, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, folder) && strstr(err, "a folder") && !strstr(err, "MiB"), "%s", err);
    CHECK(midi_read_file("/dev/null", &f, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "a device"), "%s", err);
    unlink(fifo);
    rmdir(folder);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_midi_files SHARED_DATA_DIR WORK_DIR\n");
        return 2;
    }
    data_dir = argv[1];
    collected c = {0};
    test_pop909_melody(&c);
    test_groove_drums(&c);
    test_jsb_roll(&c);
    test_meter_changes(&c);
    test_edge_cases();
    test_hand_made_bytes();
    test_not_regular_files(argv[2]);
    free(c.data);
    return check_report();
}
