/* render: a MIDI file becomes a 16-bit stereo 44.1 kHz WAV as long as the file
 * plus the tail, loud where notes sound and quiet between them; a real Groove
 * file renders to its own length; errors name the file. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "midi_read.h"
#include "gen_fixture.h"
#include "midi_write.h"
#include "render.h"

typedef struct {
    int format, channels, rate, bits;
    int16_t *samples; /* interleaved */
    long frames;
} wav;

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static int le16(const uint8_t *p) { return p[0] | p[1] << 8; }

/* Reads a RIFF WAVE file by walking its chunks to "fmt " and "data". */
static int read_wav(const char *path, wav *w)
{
    memset(w, 0, sizeof *w);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(size);
    int ok = b && fread(b, 1, size, f) == (size_t)size && size >= 12 && !memcmp(b, "RIFF", 4) &&
             !memcmp(b + 8, "WAVE", 4) && le32(b + 4) == (uint32_t)size - 8;
    fclose(f);
    for (long at = 12; ok && at + 8 <= size;) {
        uint32_t len = le32(b + at + 4);
        if (!memcmp(b + at, "fmt ", 4)) {
            w->format = le16(b + at + 8);
            w->channels = le16(b + at + 10);
            w->rate = (int)le32(b + at + 12);
            w->bits = le16(b + at + 22);
        } else if (!memcmp(b + at, "data", 4) && at + 8 + (long)len <= size && w->channels) {
            w->frames = len / (2 * w->channels);
            w->samples = malloc(len);
            if (w->samples) memcpy(w->samples, b + at + 8, len);
        }
        at += 8 + len + (len & 1);
    }
    free(b);
    return ok && w->samples ? 0 : -1;
}

static double rms(const wav *w, double t0, double t1)
{
    long a = (long)(t0 * w->rate), b = (long)(t1 * w->rate);
    double s = 0;
    for (long i = a * w->channels; i < b * w->channels; i++) s += (double)w->samples[i] * w->samples[i];
    return sqrt(s / ((b - a) * w->channels));
}

static void check_format(const wav *w)
{
    CHECK(w->format == 1); /* PCM */
    CHECK(w->channels == 2);
    CHECK(w->rate == RENDER_SAMPLE_RATE);
    CHECK(w->bits == 16);
}

static void test_known_notes(void)
{
    /* 120 bpm, 16ths of 0.125 s: a note at 0-0.5 s, silence, a note at 4.0-4.5 s,
     * 48 steps = 6 s in all. */
    mv_note notes[] = {{0, 4, 60, 110}, {32, 4, 67, 110}};
    const char *mid = fixture_path("two.mid"), *out = fixture_path("two.wav");
    char err[512];
    CHECK(midi_write_notes(mid, notes, 2, 16, 48, 120, 0, err, sizeof err) == 0);
    CHECK_MSG(render_midi_to_wav(mid, out, NULL, err, sizeof err) == 0, "%s", err);
    wav w;
    CHECK(read_wav(out, &w) == 0);
    check_format(&w);
    double expected = (6.0 + RENDER_TAIL_SECONDS) * RENDER_SAMPLE_RATE;
    CHECK_MSG(fabs(w.frames - expected) <= 64, "%ld frames, expected %.0f", w.frames, expected);
    double first = rms(&w, 0.05, 0.45), gap = rms(&w, 2.5, 3.5), second = rms(&w, 4.05, 4.45);
    CHECK_MSG(first > 300, "rms of the first note %.1f", first);
    CHECK_MSG(second > 300, "rms of the second note %.1f", second);
    CHECK_MSG(gap < 0.01 * first, "rms between the notes %.1f vs %.1f", gap, first);
    free(w.samples);
}

static void test_real_groove_file(const char *shared_data)
{
    char mid[1024];
    snprintf(mid, sizeof mid, "%s/groove/drummer1/session1/44_latin-samba_116_fill_4-4.mid",
             shared_data);
    const char *out = fixture_path("groove.wav");
    char err[512];
    mv_midi_file f;
    CHECK_MSG(midi_read_file(mid, &f, err, sizeof err) == 0, "%s", err);
    double seconds = midi_length_seconds(&f);
    double first_onset = f.n_notes ? midi_length_seconds(&(mv_midi_file){
                                         .ticks_per_quarter = f.ticks_per_quarter,
                                         .tempos = f.tempos, .n_tempos = f.n_tempos,
                                         .end_tick = f.notes[0].start}) : 0;
    CHECK(f.n_notes > 0);
    midi_file_free(&f);
    CHECK_MSG(render_midi_to_wav(mid, out, NULL, err, sizeof err) == 0, "%s", err);
    wav w;
    CHECK(read_wav(out, &w) == 0);
    check_format(&w);
    double expected = (seconds + RENDER_TAIL_SECONDS) * RENDER_SAMPLE_RATE;
    CHECK_MSG(fabs(w.frames - expected) <= 64, "%ld frames, expected %.0f", w.frames, expected);
    CHECK_MSG(rms(&w, first_onset, first_onset + 0.2) > 100, "rms after the first hit %.1f",
              rms(&w, first_onset, first_onset + 0.2));
    free(w.samples);
}

static void test_errors_name_the_file(void)
{
    char err[1024];
    const char *missing = fixture_path("missing.mid"), *out = fixture_path("x.wav");
    CHECK(render_midi_to_wav(missing, out, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, missing) != NULL, "%s", err);

    const char *text = fixture_path("notes.mid");
    FILE *f = fopen(text, "w");
    fputs("these are not MIDI bytes\n", f);
    fclose(f);
    CHECK(render_midi_to_wav(text, out, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, text) != NULL, "%s", err);

    mv_note n = {0, 4, 60, 100};
    const char *mid = fixture_path("one.mid"), *sf = fixture_path("no.sf2");
    CHECK(midi_write_notes(mid, &n, 1, 16, 16, 120, 0, err, sizeof err) == 0);
    CHECK(render_midi_to_wav(mid, out, sf, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, sf) != NULL, "%s", err);
    FILE *o = fopen(out, "rb");
    CHECK_MSG(o == NULL, "a failed render left %s", out);
    if (o) fclose(o);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_render SHARED_DATA\n");
        return 2;
    }
    test_known_notes();
    test_real_groove_file(argv[1]);
    test_errors_name_the_file();
    fixture_cleanup();
    return check_report();
}
