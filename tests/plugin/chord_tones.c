/* How well the plugin follows chords: a looped progression C, G, Am, F (one
 * bar each, root-position triads held legato) on the plugin's MIDI input,
 * and the share of the plugin's note-ons whose pitch class belongs to the
 * chord held at that moment, with Chords = Follow input and with Chords off
 * (the chords then reach the input and change nothing). Played through the
 * lilv host (the worker after run()) at 120 BPM, Morph 0, 0.25, 0.5, 0.75
 * and 1, greedy, 16 bars each, Exact ends off.
 * usage: chord_tones BUNDLE_DIR MODEL [MIN_SHARE | off]
 * Prints both shares; with MIN_SHARE, fails (exit 1) when the share with
 * Chords on is below it; with "off", when it is not above the share with
 * Chords off. Meson runs 0.60 (issue 20's target) for
 * models/mel_2bar_chords.mvae at the default Chord pull (README, "Playing to
 * the song"). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "session.h"

#define RATE 48000.0
#define FPB (16 * 6000) /* a bar at 120 BPM */
#define BARS 16

typedef struct progression_chord {
    uint8_t id;
    int notes[4];
} progression_chord;

/* ids: 1 + root * 15 + quality (core/chord.h; maj 0, min 1) */
static const progression_chord progression[4] = {
    {1 + 0 * 15, {60, 64, 67, 0}},     /* C */
    {1 + 7 * 15, {55, 59, 62, 0}},     /* G */
    {1 + 9 * 15 + 1, {57, 60, 64, 0}}, /* Am */
    {1 + 5 * 15, {53, 57, 60, 0}},     /* F */
};

static void send_chord(mv_host *h, uint32_t frame, const progression_chord *c, bool on)
{
    for (int i = 0; c->notes[i]; i++) {
        const uint8_t msg[3] = {(uint8_t)(on ? 0x90 : 0x80), (uint8_t)c->notes[i], on ? 80 : 0};
        host_send_midi(h, frame, msg, 3);
    }
}

/* Note-ons in chord and in all over BARS bars at morph with Chords `chords`. */
static void measure(const char *bundle, const char *model, int chords, float morph, int *in,
                    int *all)
{
    char err[1024];
    mv_host *h = host_open(bundle, RATE, 1024, err, sizeof err);
    if (!h) {
        fprintf(stderr, "host_open: %s\n", err);
        exit(2);
    }
    host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    session_settle(h, 2);
    host_set_control(h, "chords", (float)chords);
    host_set_control(h, "morph", morph);
    host_set_control(h, "exactEnds", 0);
    /* The first chord held before the transport rolls. */
    host_send_position(h, 0, 0, 0, 120, 0);
    send_chord(h, 0, &progression[0], true);
    session_settle(h, 6);
    session s = {.host = h};
    host_send_position(h, 0, 0, 0, 120, 1);
    for (int bar = 0; bar < BARS; bar++) {
        for (int64_t f = 0; f < FPB; f += 1000) {
            if (f == 0 && bar > 0) {
                send_chord(h, 0, &progression[(bar - 1) % 4], false);
                send_chord(h, 0, &progression[bar % 4], true);
            }
            session_block(&s, 1000);
        }
    }
    host_send_position(h, 0, 0, 0, 120, 0);
    session_block(&s, 64);
    for (int i = 0; i < s.n; i++) {
        if (!is_note_on(&s.ev[i]) || s.ev[i].frame >= (int64_t)BARS * FPB) continue;
        uint8_t held = progression[(s.ev[i].frame / FPB) % 4].id;
        (*all)++;
        *in += (chord_pitch_classes(held) >> (s.ev[i].pitch % 12)) & 1;
    }
    session_free(&s);
    host_close(h);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s BUNDLE_DIR MODEL [MIN_SHARE | off]\n", argv[0]);
        return 2;
    }
    static char paths[2][PATH_MAX];
    const char *bundle = realpath(argv[1], paths[0]), *model = realpath(argv[2], paths[1]);
    if (!bundle || !model) {
        fprintf(stderr, "%s: the bundle or the model does not exist\n", argv[0]);
        return 2;
    }
    double share[2];
    for (int chords = 1; chords >= 0; chords--) {
        int in = 0, all = 0;
        for (int m = 0; m <= 4; m++) measure(bundle, model, chords, (float)m / 4.0f, &in, &all);
        share[chords] = all ? (double)in / all : 0.0;
        printf("Chords %s: %d of %d note-ons in the held chord (%.1f %%)\n",
               chords ? "= Follow input" : "off           ", in, all, 100.0 * share[chords]);
    }
    if (argc == 4 && !strcmp(argv[3], "off")) {
        if (share[1] <= share[0]) {
            printf("FAIL: %.3f with Chords on, not above %.3f with Chords off\n", share[1],
                   share[0]);
            return 1;
        }
        printf("ok: %.3f with Chords on, above %.3f off (issue 20's target: 0.60)\n", share[1],
               share[0]);
    } else if (argc == 4) {
        double min = strtod(argv[3], NULL);
        if (share[1] < min) {
            printf("FAIL: %.3f with Chords on, below %.2f\n", share[1], min);
            return 1;
        }
        printf("ok: %.3f >= %.2f\n", share[1], min);
    }
    return 0;
}
