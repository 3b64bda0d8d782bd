/* morphvae drumify: GrooVAE's Drumify (tap to drum) on a trained groove
 * model. Any rhythm in (the onsets of the named tracks, or of every note off
 * MIDI channel 10), a drum pattern out that plays at its onsets: hits only at
 * steps where the rhythm has an onset, at least one at each (core's groove
 * rules: allow every instrument there with at_least_one, nothing elsewhere).
 * The latent code of each of the model's windows is the one, of N seeded
 * prior samples, whose free greedy decode best matches the window's onsets
 * (onset F1). Each hit is played at its onset's own time (the performer's
 * timing, which GrooVAE's tap-to-drum keeps too), at the model's velocity
 * scaled by the onset's velocity over the rhythm's mean. */
#include <math.h>
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

#define DRUMIFY_DEFAULT_CANDIDATES 16

static int usage(FILE *f, int status)
{
    fprintf(f,
            "usage: morphvae drumify IN.mid -o OUT.mid [--track NAME] [--model GROOVE_MODEL]\n"
            "                        [--candidates %d] [--seed 1] [--temperature T]\n"
            "Drumify (GrooVAE's tap to drum): a drum pattern (MIDI channel 10) that plays at\n"
            "the onsets of a rhythm: the notes of the tracks named by --track (any channel),\n"
            "else every note off channel 10 (a file of drums alone: its drums). A groove\n"
            "model decodes each window (2 bars of 16ths for the shipped one) with hits only\n"
            "at steps where the rhythm has an onset and at least one at each, from the z of\n"
            "the N prior samples whose free decode best matches the window's onsets. Each\n"
            "hit sounds at its onset's own time, at the model's velocity scaled by the\n"
            "onset's velocity over the rhythm's mean. Tempo and time signature are kept;\n"
            "the output holds the drums alone. Prints a summary on stderr.\n"
            "  --model FILE      a groove model (default: the shipped models/%s)\n"
            "  --candidates N    prior samples to choose each window's z from (1..1024)\n"
            "  --seed S          which prior samples (and the draws at T > 0)\n"
            "  --temperature T   0 (default): greedy hits; T > 0: hits drawn at T (velocities\n"
            "                    around the model's with its stored spread)\n",
            DRUMIFY_DEFAULT_CANDIDATES, GROOVE_CLI_MODEL);
    return status;
}

typedef struct {
    const char *in, *out, *model, *track;
    long candidates;
    double temperature;
    uint64_t seed;
} drumify_args;

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, drumify_args *a)
{
    *a = (drumify_args){NULL, NULL, NULL, NULL, DRUMIFY_DEFAULT_CANDIDATES, 0, 1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (a->in) return cli_extra_argument("drumify", o);
            a->in = o;
            continue;
        }
        static const char *const with_value[] = {"-o", "--model", "--track", "--candidates",
                                                 "--seed", "--temperature", NULL};
        const char *v = cli_option_value("drumify", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "-o")) a->out = v;
        else if (!strcmp(o, "--model")) a->model = v;
        else if (!strcmp(o, "--track")) a->track = v;
        else if (!strcmp(o, "--candidates")) {
            if (cli_long("drumify", o, v, 1, 1024, &a->candidates)) return 2;
        } else if (!strcmp(o, "--seed")) {
            if (cli_u64("drumify", o, v, &a->seed)) return 2;
        } else if (!strcmp(o, "--temperature")) {
            if (cli_double("drumify", o, v, 0, 10, &a->temperature)) return 2;
        }
    }
    if (!a->in) return cli_required("drumify", "IN.mid");
    return a->out ? 0 : cli_required("drumify", "-o OUT.mid");
}

/* The rhythm on the grid: per step, the loudest velocity of the notes
 * starting there (0: no onset) and the tick of the first of them. */
typedef struct {
    int n_steps;
    uint8_t *velocity;
    int64_t *tick;
    long onsets;
    double mean_velocity;
    const char *source; /* what was read, for the summary */
} rhythm;

static void rhythm_free(rhythm *r)
{
    free(r->velocity);
    free(r->tick);
}

/* Whether note m is part of the rhythm (pass 0: off channel 10 or of the
 * named tracks; pass 1: any note, for a file of drums alone). */
static int in_rhythm(const drumify_args *a, const mv_midi_file *f, const mv_midi_note *m,
                     int pass)
{
    if (a->track)
        return m->track < f->n_tracks && extract_track_named(f->tracks[m->track].name, a->track);
    return pass || m->channel != MV_MIDI_DRUM_CHANNEL;
}

/* Reads the rhythm of f; 0, or 1 after saying why there is none. */
static int read_rhythm(const drumify_args *a, const mv_midi_file *f, int seq_len, rhythm *r)
{
    char names[600];
    memset(r, 0, sizeof *r);
    if (!f->n_notes) {
        fprintf(stderr, "morphvae drumify: %s: the file has no notes; no rhythm to drum to\n",
                a->in);
        return 1;
    }
    if (a->track && !groove_cli_track_exists(f, a->track)) {
        groove_cli_track_names(f, names, sizeof names);
        fprintf(stderr, "morphvae drumify: %s: no track is named %s (the file's tracks: %s)\n",
                a->in, a->track, names);
        return 1;
    }
    int pass = 0;
    long n = 0;
    for (; pass < 2 && !n; pass++) {
        if (pass && a->track) break;
        for (uint32_t k = 0; k < f->n_notes; k++) n += in_rhythm(a, f, &f->notes[k], pass);
    }
    if (!n) { /* only with --track: the tracks exist but hold nothing */
        fprintf(stderr, "morphvae drumify: %s: the tracks named %s hold no notes\n", a->in,
                a->track);
        return 1;
    }
    pass--;
    r->source = a->track ? "the named tracks" : pass ? "its drums (it has no other notes)"
                                                     : "its notes off channel 10";
    int64_t last = 0;
    for (uint32_t k = 0; k < f->n_notes; k++)
        if (in_rhythm(a, f, &f->notes[k], pass)) {
            int64_t s = groove_cli_step(f->notes[k].start, f->ticks_per_quarter);
            if (s > last) last = s;
        }
    if (last >= MV_EXTRACT_MAX_STEPS) {
        fprintf(stderr, "morphvae drumify: %s: the rhythm runs for %lld steps, more than the %d "
                        "this command takes\n", a->in, (long long)last + 1, MV_EXTRACT_MAX_STEPS);
        return 1;
    }
    r->n_steps = (int)((last / seq_len + 1) * seq_len);
    r->velocity = calloc((size_t)r->n_steps, 1);
    r->tick = calloc((size_t)r->n_steps, sizeof *r->tick);
    if (!r->velocity || !r->tick) {
        fprintf(stderr, "morphvae drumify: %s: out of memory\n", a->in);
        return 1;
    }
    double sum = 0;
    for (uint32_t k = 0; k < f->n_notes; k++) { /* in onset order */
        const mv_midi_note *m = &f->notes[k];
        if (!in_rhythm(a, f, m, pass)) continue;
        const int64_t s = groove_cli_step(m->start, f->ticks_per_quarter);
        const uint8_t v = m->velocity ? m->velocity : 1;
        if (!r->velocity[s]) r->tick[s] = m->start, r->onsets++;
        if (v > r->velocity[s]) r->velocity[s] = v;
    }
    for (int s = 0; s < r->n_steps; s++) sum += r->velocity[s];
    r->mean_velocity = sum / (double)r->onsets;
    return 0;
}

/* Onset F1 of a window's steps with any hit against the rhythm's onsets. */
static double onset_f1(const uint8_t *window, const uint8_t *onset_velocity, int T)
{
    int tp = 0, fp = 0, fn = 0;
    for (int t = 0; t < T; t++) {
        const uint8_t *step = window + (size_t)t * MV_GROOVE_STEP_BYTES;
        int hit = 0;
        for (int i = 0; i < MV_GROOVE_VOICES; i++) hit |= step[MV_GROOVE_HIT + i];
        tp += hit && onset_velocity[t], fp += hit && !onset_velocity[t];
        fn += !hit && onset_velocity[t];
    }
    return tp ? 2.0 * tp / (2.0 * tp + fp + fn) : (fp + fn ? 0 : 1);
}

typedef struct {
    int n_windows;
    long hits;
    double mean_f1;
    groove_feel out;
} drumify_result;

/* Prior sample k's z: standard normal draws from its own generator. */
static void prior_z(uint64_t seed, long k, int Z, float *z)
{
    mv_rng r;
    rng_seed(&r, gen_sequence_seed(seed ^ 0x5A5A5A5A5A5A5A5Aull, (uint64_t)k));
    for (int i = 0; i < Z; i++) z[i] = rng_normal(&r);
}

/* Each window's z: the candidate of the best onset F1 (the first of equals).
 * Fills z [W, Z]; returns the mean F1, or -1 when out of memory. */
static double choose_latents(const drumify_args *a, mv_gen_model *g, const rhythm *r, int W,
                             float *z)
{
    const int N = (int)a->candidates, Z = g->z_size, T = g->seq_len;
    float *cz = malloc(sizeof *cz * N * Z);
    uint8_t *cw = malloc(g->window_bytes * N);
    if (!cz || !cw) {
        free(cz), free(cw);
        return -1;
    }
    for (int k = 0; k < N; k++) prior_z(a->seed, k, Z, cz + (size_t)k * Z);
    decoder_set_groove_rules(g->decoder, NULL, 1);
    gen_decode(g, cz, N, 0, a->seed, cw); /* free and greedy */
    double total = 0;
    for (int w = 0; w < W; w++) {
        int best = 0;
        double best_f1 = -1;
        for (int k = 0; k < N; k++) {
            const double f1 = onset_f1(cw + (size_t)k * g->window_bytes,
                                       r->velocity + (size_t)w * T, T);
            if (f1 > best_f1) best_f1 = f1, best = k;
        }
        memcpy(z + (size_t)w * Z, cz + (size_t)best * Z, sizeof *z * Z);
        total += best_f1;
    }
    free(cz), free(cw);
    return total / W;
}

/* The drum notes of the decoded windows into o (track 0, channel 10). */
static int drum_notes(const rhythm *r, const uint8_t *windows, uint32_t tpq, mv_midi_file *o,
                      drumify_result *res)
{
    const int64_t half_step = tpq / 8 > 0 ? tpq / 8 : 1; /* a 32nd */
    for (int s = 0; s < r->n_steps; s++) {
        if (!r->velocity[s]) continue;
        const uint8_t *step = windows + (size_t)s * MV_GROOVE_STEP_BYTES;
        const double scale = r->velocity[s] / r->mean_velocity;
        for (int i = 0; i < MV_GROOVE_VOICES; i++) {
            if (!step[MV_GROOVE_HIT + i]) continue;
            long v = lround(step[MV_GROOVE_VELOCITY + i] * scale);
            v = v < 1 ? 1 : v > 127 ? 127 : v;
            const mv_midi_note n = {r->tick[s], r->tick[s] + half_step, 0, MV_MIDI_DRUM_CHANNEL,
                                    (uint8_t)drum_pitch_of_class(i), (uint8_t)v};
            if (midi_file_add_note(o, &n)) return -1;
            groove_feel_add_hit(&res->out, i, (int)v, groove_cli_offset(r->tick[s], tpq));
            res->hits++;
        }
    }
    return 0;
}

/* The work once model and file are open: returns the exit status. */
static int drumify(const drumify_args *a, mv_gen_model *g, const mv_midi_file *f,
                   const rhythm *r, drumify_result *res)
{
    const int T = g->seq_len, Z = g->z_size, W = r->n_steps / T;
    float *z = malloc(sizeof *z * W * Z);
    mv_groove_rule *rules = calloc((size_t)W * T, sizeof *rules);
    uint8_t *windows = calloc((size_t)W, g->window_bytes);
    mv_midi_file o;
    int rc = 1, made = 0;
    if (!z || !rules || !windows || (res->mean_f1 = choose_latents(a, g, r, W, z)) < 0 ||
        !(made = !midi_file_init(&o, f->ticks_per_quarter, 1))) {
        fprintf(stderr, "morphvae drumify: %s: out of memory for %d windows\n", a->in, W);
        goto done;
    }
    for (int s = 0; s < W * T; s++)
        if (r->velocity[s]) rules[s] = (mv_groove_rule){MV_GROOVE_ALL_VOICES, 0, 1};
    for (int at = 0; at < W; at += g->max_batch) {
        const int batch = W - at < g->max_batch ? W - at : g->max_batch;
        for (int b = 0; b < batch; b++) rng_seed(&g->rngs[b], gen_sequence_seed(a->seed, at + b));
        decoder_set_chords(g->decoder, NULL, batch);
        decoder_set_groove_rules(g->decoder, rules + (size_t)at * T, batch);
        decoder_decode(g->decoder, z + (size_t)at * Z, batch, (float)a->temperature,
                       a->temperature > 0 ? g->rngs : NULL,
                       window_groove(windows + (size_t)at * g->window_bytes));
    }
    decoder_set_groove_rules(g->decoder, NULL, 1);
    snprintf(o.tracks[0].name, sizeof o.tracks[0].name, "drums");
    int failed = drum_notes(r, windows, f->ticks_per_quarter, &o, res);
    for (uint32_t i = 0; i < f->n_tempos && !failed; i++)
        failed = midi_file_add_tempo(&o, f->tempos[i].tick, f->tempos[i].us_per_quarter);
    for (uint32_t i = 0; i < f->n_meters && !failed; i++)
        failed = midi_file_add_meter(&o, f->meters[i].tick, f->meters[i].numerator,
                                     f->meters[i].denominator);
    if (failed) {
        fprintf(stderr, "morphvae drumify: %s: out of memory\n", a->out);
        goto done;
    }
    midi_file_finish(&o);
    char err[1024];
    if (midi_copy_write(a->out, &o, err, sizeof err)) {
        fprintf(stderr, "morphvae drumify: %s\n", err);
        goto done;
    }
    res->n_windows = W;
    rc = 0;
done:
    if (made) midi_file_free(&o);
    free(z), free(rules), free(windows);
    return rc;
}

int cmd_drumify(int argc, char **argv)
{
    drumify_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    mv_gen_model g;
    if (groove_cli_open("drumify", a.model, &g)) return 1;
    mv_midi_file f;
    char err[1024];
    if (midi_read_file(a.in, &f, err, sizeof err)) {
        fprintf(stderr, "morphvae drumify: %s\n", err);
        gen_model_close(&g);
        return 1;
    }
    rhythm r;
    drumify_result res = {0};
    rc = read_rhythm(&a, &f, g.seq_len, &r);
    if (!rc) rc = drumify(&a, &g, &f, &r, &res);
    if (!rc) {
        const groove_feel_figures out = groove_feel_of(&res.out, GROOVE_FEEL_ALL);
        cli_wrote(a.out, "drums to the %ld onsets of %s by %s", r.onsets, a.in, g.path);
        fprintf(stderr,
                "morphvae drumify: %s: %d windows, %ld onset steps (%s), %ld hits, mean "
                "|offset| %.3f steps, velocity sd %.1f (mean %.1f); onset F1 of the chosen "
                "free decodes %.3f (best of %ld, seed %llu), temperature %g\n",
                a.out, res.n_windows, r.onsets, r.source, res.hits,
                out.abs_offset_mean, out.velocity_sd, out.velocity_mean, res.mean_f1, a.candidates,
                (unsigned long long)a.seed, a.temperature);
    }
    rhythm_free(&r);
    midi_file_free(&f);
    gen_model_close(&g);
    return rc;
}
