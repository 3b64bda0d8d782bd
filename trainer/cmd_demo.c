/* morphvae demo: the real LV2 plugin, run headless through lilv with its
 * shipped model and default anchors, plays a morph sweep (morph 0 -> 1) in time
 * with a 120 BPM transport; the notes it sends are written as MIDI, rendered to
 * WAV with FluidSynth and drawn as a piano roll. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "lilv_host.h"
#include "midi_write.h"
#include "plot.h"
#include "render.h"
#include "tokens.h"

#define DEMO_RATE 48000
#define DEMO_BLOCK 512
#define DEMO_STEPS_PER_BAR 16
#define DEMO_MAX_NOTES 8192

static void demo_usage(FILE *f)
{
    fprintf(f,
            "usage: morphvae demo [-o DIR] [--bars N] [--bpm BPM] [--bundle DIR] [--model FILE]\n"
            "\n"
            "Runs the morphvae LV2 plugin (the real bundle, through lilv) with its shipped\n"
            "model and default anchors over an N-bar morph sweep from anchor A to anchor B\n"
            "and writes DIR/demo.mid, DIR/demo.wav (FluidSynth, General MIDI soundfont) and\n"
            "DIR/demo.png (piano roll).\n"
            "  -o DIR        output folder (default: out)\n"
            "  --bars N      bars to play, 1..256 (default: 16)\n"
            "  --bpm BPM     tempo, 30..300 (default: 120)\n"
            "  --model FILE  a model the plugin loads first (e.g. the bundle's mel_4bar.mvae),\n"
            "                played with its own default anchors and phrase length\n"
            "  --bundle DIR  the plugin bundle (default: the one beside this program, in\n"
            "                its build folder (build/morphvae.lv2 for build/trainer/morphvae)\n"
            "                or its installation (PREFIX/lib/lv2/morphvae.lv2 for\n"
            "                PREFIX/bin/morphvae))\n");
}

/* A note-on waiting for its note-off. */
typedef struct open_note {
    int64_t frame;
    uint8_t velocity;
    bool open;
} open_note;

typedef struct demo_notes {
    mv_note notes[DEMO_MAX_NOTES];
    int n;
    int channel;
    open_note open[16][128];
    double frames_per_step;
} demo_notes;

static void close_note(demo_notes *d, int ch, int pitch, int64_t frame)
{
    open_note *o = &d->open[ch][pitch];
    if (!o->open || d->n == DEMO_MAX_NOTES) return;
    o->open = false;
    int32_t step = (int32_t)(o->frame / d->frames_per_step + 0.5);
    int32_t end = (int32_t)(frame / d->frames_per_step + 0.5);
    d->notes[d->n++] = (mv_note){.step = step,
                                 .duration = end > step ? end - step : 1,
                                 .pitch = (uint8_t)pitch,
                                 .velocity = o->velocity};
}

static void collect(demo_notes *d, const mv_host_midi_event *out, int n_out, int64_t block_start)
{
    for (int i = 0; i < n_out; i++) {
        int type = out[i].msg[0] & 0xF0, ch = out[i].msg[0] & 0x0F, pitch = out[i].msg[1] & 0x7F;
        int64_t frame = block_start + out[i].frame;
        if (type == 0x90 && out[i].msg[2] > 0) {
            close_note(d, ch, pitch, frame); /* a repeated pitch ends the previous one */
            d->open[ch][pitch] = (open_note){frame, out[i].msg[2], true};
            d->channel = ch;
        } else if (type == 0x80 || type == 0x90) {
            close_note(d, ch, pitch, frame);
        }
    }
}

/* The bundle beside this program, wherever the build folder or installation
 * was moved: ../morphvae.lv2 from build/trainer/, ../lib/lv2/morphvae.lv2 from
 * PREFIX/bin/. NULL (and why on stderr) when neither holds a manifest. */
static const char *find_bundle(const char *given, char *found, size_t n)
{
    if (given) return given;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        fprintf(stderr, "morphvae demo: cannot tell where this program is; give --bundle\n");
        return NULL;
    }
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    static const char *const beside[] = {"../morphvae.lv2", "../lib/lv2/morphvae.lv2"};
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
        char manifest[4400];
        snprintf(found, n, "%s/%s", exe, beside[i]);
        snprintf(manifest, sizeof manifest, "%s/manifest.ttl", found);
        if (access(manifest, R_OK) == 0) return found;
    }
    fprintf(stderr, "morphvae demo: no plugin bundle beside %s (%s/%s or %s/%s); build it "
                    "(ninja -C build) or give --bundle\n", exe, exe, beside[0], exe, beside[1]);
    return NULL;
}

/* The plugin loads `model` as a host's file chooser would make it (patch:Set);
 * 0, or -1 with the plugin's reason on stderr. */
static int load_model(mv_host *h, const char *model)
{
    static mv_host_midi_event out[64];
    int n_out = 0;
    host_clear_log(h);
    host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    host_run(h, DEMO_BLOCK, out, 64, &n_out);
    host_wait_worker(h);
    host_run(h, DEMO_BLOCK, out, 64, &n_out);
    if (!strstr(host_log(h), "morphvae: loaded ")) {
        fprintf(stderr, "morphvae demo: %s: the plugin did not load it: %s", model, host_log(h));
        return -1;
    }
    return 0;
}

/* Plays the sweep through the plugin; 0 or -1 with a message on stderr. */
static int play_sweep(const char *bundle, const char *model, int bars, double bpm,
                      demo_notes *d)
{
    char err[1024];
    mv_host *h = host_open(bundle, DEMO_RATE, DEMO_BLOCK, err, sizeof err);
    if (!h) {
        fprintf(stderr, "morphvae demo: %s\n", err);
        return -1;
    }
    if (strstr(host_log(h), "error") || strstr(host_log(h), "cannot") ||
        (model && load_model(h, model))) {
        if (!model) fprintf(stderr, "morphvae demo: the plugin says: %s", host_log(h));
        host_close(h);
        return -1;
    }
    d->frames_per_step = DEMO_RATE * 60.0 / bpm / 4.0;
    int64_t end = (int64_t)(bars * DEMO_STEPS_PER_BAR * d->frames_per_step + 0.5);
    static mv_host_midi_event out[4096];
    int n_out = 0, rc = 0;
    /* Stopped at bar 1 first, so the worker has decoded the opening bars. */
    host_send_position(h, 0, 0, 0, bpm, 0);
    for (int i = 0; i < 4; i++) host_run(h, DEMO_BLOCK, out, 4096, &n_out);
    host_send_position(h, 0, 0, 0, bpm, 1);
    for (int64_t frame = 0; frame < end && rc == 0; frame += DEMO_BLOCK) {
        /* One morph value a bar: bar 1 plays anchor A, the last bar anchor B. */
        int bar = (int)((double)frame / (d->frames_per_step * DEMO_STEPS_PER_BAR));
        float morph = bars > 1 ? (float)bar / (float)(bars - 1) : 0.0f;
        if (host_set_control(h, "morph", morph)) {
            fprintf(stderr, "morphvae demo: %s has no morph control\n", bundle);
            rc = -1;
        }
        uint32_t n = end - frame < DEMO_BLOCK ? (uint32_t)(end - frame) : DEMO_BLOCK;
        if (host_run(h, n, out, 4096, &n_out)) {
            fprintf(stderr, "morphvae demo: the plugin wrote an invalid MIDI sequence\n");
            rc = -1;
        }
        collect(d, out, n_out, frame);
    }
    host_send_position(h, 0, 0, 0, bpm, 0); /* stop: the plugin ends its notes */
    host_run(h, DEMO_BLOCK, out, 4096, &n_out);
    collect(d, out, n_out, end);
    for (int ch = 0; ch < 16; ch++)
        for (int p = 0; p < 128; p++) close_note(d, ch, p, end);
    host_close(h);
    return rc;
}

static int note_cmp(const void *a, const void *b)
{
    const mv_note *x = a, *y = b;
    return x->step != y->step ? (x->step > y->step) - (x->step < y->step) : x->pitch - y->pitch;
}

int cmd_demo(int argc, char **argv)
{
    const char *out_dir = "out", *bundle_arg = NULL, *model = NULL;
    long bars = 16;
    double bpm = 120.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            demo_usage(stdout);
            return 0;
        } else if (!strcmp(a, "-o") && v) {
            out_dir = v;
            i++;
        } else if (!strcmp(a, "--bars") && v) {
            if (cli_long("demo", a, v, 1, 256, &bars)) return 2;
            i++;
        } else if (!strcmp(a, "--bpm") && v) {
            if (cli_double("demo", a, v, 30, 300, &bpm)) return 2;
            i++;
        } else if (!strcmp(a, "--bundle") && v) {
            bundle_arg = v;
            i++;
        } else if (!strcmp(a, "--model") && v) {
            model = v;
            i++;
        } else {
            fprintf(stderr, "morphvae demo: unknown or incomplete option '%s'\n\n", a);
            demo_usage(stderr);
            return 2;
        }
    }
    char found[4300];
    const char *bundle = find_bundle(bundle_arg, found, sizeof found);
    if (!bundle) return 1;
    demo_notes *d = calloc(1, sizeof *d);
    if (!d) {
        fprintf(stderr, "morphvae demo: out of memory\n");
        return 1;
    }
    bool created;
    if (cli_make_dir("demo", out_dir, &created)) {
        free(d);
        return 1;
    }
    int rc = 1;
    if (play_sweep(bundle, model, (int)bars, bpm, d)) goto done;
    if (d->n == 0) {
        fprintf(stderr, "morphvae demo: the plugin played no notes\n");
        goto done;
    }
    qsort(d->notes, (size_t)d->n, sizeof d->notes[0], note_cmp);

    char mid[4096], wav[4096], png[4096], err[1024];
    snprintf(mid, sizeof mid, "%s/demo.mid", out_dir);
    snprintf(wav, sizeof wav, "%s/demo.wav", out_dir);
    snprintf(png, sizeof png, "%s/demo.png", out_dir);
    int n_steps = (int)bars * DEMO_STEPS_PER_BAR;
    if (midi_write_notes(mid, d->notes, d->n, DEMO_STEPS_PER_BAR, n_steps, bpm, d->channel, err,
                         sizeof err) ||
        render_midi_to_wav(mid, wav, NULL, err, sizeof err) ||
        plot_roll_notes(d->notes, d->n, DEMO_STEPS_PER_BAR, n_steps, d->channel == 9,
                        "morphvae demo: morph sweep from anchor A to anchor B", png, NULL, err,
                        sizeof err)) {
        fprintf(stderr, "morphvae demo: %s\n", err);
        goto done;
    }
    printf("morphvae demo: %s played %d notes over %ld bars at %.0f BPM (morph 0 -> 1)\n",
           bundle, d->n, bars, bpm);
    cli_wrote(mid, NULL);
    cli_wrote(wav, NULL);
    cli_wrote(png, NULL);
    rc = 0;
done:
    if (rc) cli_drop_dir(out_dir, created);
    free(d);
    return rc;
}
