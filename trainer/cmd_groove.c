/* morphvae groove: GrooVAE's Groove (humanize) on a trained groove model. A
 * drum pattern's hits stay as they are; their velocities and timing become
 * the model's. The pattern is cut into the model's windows one after another
 * from the file's start (the last padded with silence); each window is
 * encoded as a flat, quantised performance (every hit at the data's mean
 * velocity, on the grid: its own feel withheld, which is within what the
 * encoder saw in training), and decoded from its z with its hits forced
 * (core's groove rules: allow = require = the window's hits), so that each
 * step the decoder hears is the input's hits with the model's feel. Each
 * input note takes the velocity and offset of its hit; pitch, length and
 * track stay, and every other note, the tempo map and the meter are kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "extract.h"
#include "groove.h"
#include "groove_cli.h"
#include "midi_copy.h"
#include "midi_read.h"
#include "tokens.h"

/* Velocity of every hit of the flattened input: the Groove MIDI Dataset's
 * mean (docs/data.md: 71.1 +- 35.2 over 673,678 hits). */
#define GROOVE_FLAT_VELOCITY 71

static int usage(FILE *f, int status)
{
    fprintf(f,
            "usage: morphvae groove IN.mid -o OUT.mid [--model GROOVE_MODEL] [--track NAME]\n"
            "                       [--temperature T] [--seed 1]\n"
            "Humanize (GrooVAE's Groove): the drums of IN.mid (MIDI channel 10, the model's 9\n"
            "instruments) keep their hits; each hit takes the velocity and the timing off the\n"
            "grid that a groove model gives it. The pattern is read in the model's windows\n"
            "(2 bars of 16ths for the shipped one) from the start, each encoded with every hit\n"
            "at velocity %d on the grid, then decoded with its hits forced. Pitches, lengths,\n"
            "other notes, tempo and time signature are kept. Prints a summary on stderr.\n"
            "  --model FILE     a groove model (default: the shipped models/%s)\n"
            "  --track NAME     only the drums of the tracks of these comma-separated names\n"
            "  --temperature T  %g (default, as `sample` for groove models): z drawn from\n"
            "                   N(mu, (T sigma)^2) and each velocity and offset drawn around\n"
            "                   the model's with sd sqrt(T) x its stored spread (`morphvae\n"
            "                   spread`), seeded by --seed; 0: the model's expected feel from\n"
            "                   z = mu, the same every run, and much tighter than a drummer\n",
            GROOVE_FLAT_VELOCITY, GROOVE_CLI_MODEL, GROOVE_DEFAULT_TEMPERATURE);
    return status;
}

typedef struct {
    const char *in, *out, *model, *track;
    double temperature;
    uint64_t seed;
} groove_args;

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, groove_args *a)
{
    *a = (groove_args){NULL, NULL, NULL, NULL, GROOVE_DEFAULT_TEMPERATURE, 1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (a->in) return cli_extra_argument("groove", o);
            a->in = o;
            continue;
        }
        static const char *const with_value[] = {"-o", "--model", "--track", "--temperature",
                                                 "--seed", NULL};
        const char *v = cli_option_value("groove", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "-o")) a->out = v;
        else if (!strcmp(o, "--model")) a->model = v;
        else if (!strcmp(o, "--track")) a->track = v;
        else if (!strcmp(o, "--temperature")) {
            if (cli_double("groove", o, v, 0, 10, &a->temperature)) return 2;
        } else if (!strcmp(o, "--seed")) {
            if (cli_u64("groove", o, v, &a->seed)) return 2;
        }
    }
    if (!a->in) return cli_required("groove", "IN.mid");
    return a->out ? 0 : cli_required("groove", "-o OUT.mid");
}

/* The hits: notes on MIDI channel 10 (of the named tracks) at a pitch of the
 * model's drum classes; their indices into hits. Returns the count, or -1
 * after saying why there is none (exit 1). */
static long find_hits(const groove_args *a, const mv_midi_file *f, uint32_t *hits)
{
    char names[600];
    if (!f->n_notes) {
        fprintf(stderr, "morphvae groove: %s: the file has no notes; nothing to humanize\n", a->in);
        return -1;
    }
    if (a->track && !groove_cli_track_exists(f, a->track)) {
        groove_cli_track_names(f, names, sizeof names);
        fprintf(stderr, "morphvae groove: %s: no track is named %s (the file's tracks: %s)\n",
                a->in, a->track, names);
        return -1;
    }
    long n = 0, drum = 0;
    for (uint32_t k = 0; k < f->n_notes; k++) {
        const mv_midi_note *m = &f->notes[k];
        if (m->channel != MV_MIDI_DRUM_CHANNEL) continue;
        if (a->track && !(m->track < f->n_tracks &&
                          extract_track_named(f->tracks[m->track].name, a->track)))
            continue;
        drum++;
        if (drum_class_of_pitch(m->pitch) >= 0) hits[n++] = k;
    }
    if (!n) {
        fprintf(stderr,
                "morphvae groove: %s: no drum hits to humanize: of the %s%u notes, %ld are on "
                "MIDI channel 10 and none at a pitch of the model's drums (General MIDI kick, "
                "snare, hi-hats, toms, crash, ride); groove reads drums on channel 10\n",
                a->in, a->track ? "named tracks' " : "file's ", f->n_notes, drum);
        return -1;
    }
    return n;
}

/* Decodes windows [n] from z [n, Z] under rules [n, T] at the temperature,
 * window i seeded from (seed, i). */
static void decode_ruled(mv_gen_model *g, const float *z, const mv_groove_rule *rules, int n,
                         float temperature, uint64_t seed, uint8_t *windows)
{
    for (int at = 0; at < n; at += g->max_batch) {
        const int batch = n - at < g->max_batch ? n - at : g->max_batch;
        for (int b = 0; b < batch; b++) rng_seed(&g->rngs[b], gen_sequence_seed(seed, at + b));
        decoder_set_chords(g->decoder, NULL, batch);
        decoder_set_groove_rules(g->decoder, rules + (size_t)at * g->seq_len, batch);
        decoder_decode(g->decoder, z + (size_t)at * g->z_size, batch, temperature,
                       temperature > 0 ? g->rngs : NULL,
                       window_groove(windows + (size_t)at * g->window_bytes));
    }
    decoder_set_groove_rules(g->decoder, NULL, 1);
}

typedef struct {
    long n_hits, n_windows;
    groove_feel in, out;
} groove_result;

/* The work once model and file are open: returns the exit status. */
static int humanize(const groove_args *a, mv_gen_model *g, mv_midi_file *f, groove_result *r)
{
    const int T = g->seq_len, Z = g->z_size;
    const uint32_t tpq = f->ticks_per_quarter;
    uint32_t *hits = malloc(sizeof *hits * (f->n_notes ? f->n_notes : 1));
    if (!hits) {
        fprintf(stderr, "morphvae groove: %s: out of memory\n", a->in);
        return 1;
    }
    long n = find_hits(a, f, hits);
    if (n < 0) {
        free(hits);
        return 1;
    }
    int64_t last = 0;
    for (long h = 0; h < n; h++) {
        const int64_t s = groove_cli_step(f->notes[hits[h]].start, tpq);
        if (s > last) last = s;
    }
    if (last >= MV_EXTRACT_MAX_STEPS) {
        fprintf(stderr, "morphvae groove: %s: the drums run for %lld steps, more than the %d "
                        "this command takes\n", a->in, (long long)last + 1, MV_EXTRACT_MAX_STEPS);
        free(hits);
        return 1;
    }
    const int W = (int)(last / T) + 1;
    const size_t wb = g->window_bytes;
    uint8_t *in = calloc((size_t)W, wb), *out = calloc((size_t)W, wb);
    mv_groove_rule *rules = calloc((size_t)W * T, sizeof *rules);
    float *mu = malloc(sizeof *mu * W * Z), *sigma = malloc(sizeof *sigma * W * Z);
    int rc = 1;
    if (!in || !out || !rules || !mu || !sigma) {
        fprintf(stderr, "morphvae groove: %s: out of memory for %d windows\n", a->in, W);
        goto done;
    }
    /* the flat input and its rules */
    for (long h = 0; h < n; h++) {
        const mv_midi_note *m = &f->notes[hits[h]];
        const int64_t s = groove_cli_step(m->start, tpq);
        const int c = drum_class_of_pitch(m->pitch);
        uint8_t *step = in + (size_t)s * MV_GROOVE_STEP_BYTES;
        step[MV_GROOVE_HIT + c] = 1;
        step[MV_GROOVE_VELOCITY + c] = GROOVE_FLAT_VELOCITY;
        rules[s].allow = rules[s].require = (uint16_t)(rules[s].allow | 1u << c);
        groove_feel_add_hit(&r->in, c, m->velocity, groove_cli_offset(m->start, tpq));
    }
    gen_encode(g, in, W, mu, sigma);
    if (a->temperature > 0)
        for (int w = 0; w < W; w++) {
            mv_rng rng;
            rng_seed(&rng, gen_sequence_seed(a->seed ^ 0x6A09E667F3BCC908ull, (uint64_t)w));
            for (int k = 0; k < Z; k++)
                mu[(size_t)w * Z + k] +=
                    (float)a->temperature * sigma[(size_t)w * Z + k] * rng_normal(&rng);
        }
    decode_ruled(g, mu, rules, W, (float)a->temperature, a->seed, out);
    /* each note takes its hit's feel */
    for (long h = 0; h < n; h++) {
        mv_midi_note *m = &f->notes[hits[h]];
        const int64_t s = groove_cli_step(m->start, tpq);
        const int c = drum_class_of_pitch(m->pitch);
        const uint8_t *step = out + (size_t)s * MV_GROOVE_STEP_BYTES;
        if (!step[MV_GROOVE_HIT + c]) { /* the rules force every hit: cannot happen */
            fprintf(stderr, "morphvae groove: internal error: hit at step %lld lost\n",
                    (long long)s);
            goto done;
        }
        const double offset = groove_offset_steps(step, c);
        const int64_t length = m->end - m->start;
        m->start = groove_cli_tick(s, offset, tpq);
        m->end = m->start + length;
        m->velocity = step[MV_GROOVE_VELOCITY + c];
        groove_feel_add_hit(&r->out, c, m->velocity, offset);
    }
    midi_file_finish(f); /* notes in onset order again */
    char err[1024];
    if (midi_copy_write(a->out, f, err, sizeof err)) {
        fprintf(stderr, "morphvae groove: %s\n", err);
        goto done;
    }
    r->n_hits = n;
    r->n_windows = W;
    rc = 0;
done:
    free(hits), free(in), free(out), free(rules), free(mu), free(sigma);
    return rc;
}

int cmd_groove(int argc, char **argv)
{
    groove_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    mv_gen_model g;
    if (groove_cli_open("groove", a.model, &g)) return 1;
    mv_midi_file f;
    char err[1024];
    if (midi_read_file(a.in, &f, err, sizeof err)) {
        fprintf(stderr, "morphvae groove: %s\n", err);
        gen_model_close(&g);
        return 1;
    }
    groove_result r = {0};
    rc = humanize(&a, &g, &f, &r);
    if (!rc) {
        const groove_feel_figures out = groove_feel_of(&r.out, GROOVE_FEEL_ALL),
                                  in = groove_feel_of(&r.in, GROOVE_FEEL_ALL);
        cli_wrote(a.out, "%ld drum hits of %s humanized by %s", r.n_hits, a.in, g.path);
        fprintf(stderr,
                "morphvae groove: %s: %ld windows, %ld hits, mean |offset| %.3f steps, velocity "
                "sd %.1f (mean %.1f); the input had %.3f steps, sd %.1f (mean %.1f); temperature "
                "%g, seed %llu\n",
                a.out, r.n_windows, r.n_hits, out.abs_offset_mean, out.velocity_sd,
                out.velocity_mean, in.abs_offset_mean, in.velocity_sd, in.velocity_mean,
                a.temperature, (unsigned long long)a.seed);
    }
    midi_file_free(&f);
    gen_model_close(&g);
    return rc;
}
