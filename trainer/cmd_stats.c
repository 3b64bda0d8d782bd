/* morphvae stats: phrase statistics (phrase_stats.h) of real, sampled and
 * reconstructed material on one table, one row per source: MIDI files (a
 * file or a folder, windows extracted as `morphvae data` extracts them), a
 * corpus split, a model's prior samples at a temperature, or a model's greedy
 * reconstructions of a corpus split. Melody, drum and piano-roll phrases each
 * have their own columns; groove phrases have the drum columns and the feel
 * of their hits (data/groove_feel.h: velocity, distance from the grid), so
 * that the data's feel and a model's (its prior samples, decoded with the
 * model's stored spread as the plugin plays them) stand side by side. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "data/corpus.h"
#include "data/groove_feel.h"
#include "extract.h"
#include "gen_model.h"
#include "midi_folder.h"
#include "midi_read.h"
#include "phrase_stats.h"
#include "sequence_io.h"

#define STATS_MAX_SOURCES 64
#define STATS_MAX_TEMPERATURES 16
#define STATS_BATCH 64

typedef enum { SRC_MIDI, SRC_CORPUS, SRC_RECON, SRC_PRIOR } source_kind;

typedef struct stats_source {
    source_kind kind;
    char *path; /* MIDI file or folder, or corpus file (without :SPLIT) */
    int split;
    double temperature; /* prior; < 0 until set to the model's default */
} stats_source;

typedef struct stats_options {
    stats_source src[STATS_MAX_SOURCES];
    int n_src;
    const char *model, *config, *track;
    long prior_n, max;
    long chain; /* prior phrases: this many model phrases in a row from one z */
    double temperatures[STATS_MAX_TEMPERATURES];
    int n_temperatures, json;
    uint64_t seed;
} stats_options;

/* What the sources are measured against: the phrase shape, and the model
 * when one is given. */
typedef struct stats_context {
    const stats_options *o;
    mv_hparams hp;
    mv_gen_model g;
    int have_model;
} stats_context;

/* One row of the table. */
typedef struct stats_row {
    char label[512];
    phrase_stats s;
    long files, files_unread; /* MIDI sources */
    long chain;               /* prior: model phrases per phrase */
    groove_feel feel;         /* groove: the hits' velocities and offsets */
} stats_row;

static const char *const split_names[MV_SPLITS] = {"train", "valid", "test"};

static int usage(FILE *f, int status)
{
    fprintf(f,
            "usage: morphvae stats [SOURCE...] [--model M.mvae [--prior N] [--temperature T[,T...]]\n"
            "                      [--chain K] [--seed S] [--recon CORPUS.bin:SPLIT]] [--max N]\n"
            "                      [--config PRESET] [--track NAME] [--json]\n"
            "Phrase statistics, one row per source; a phrase is one model window (n_bars bars).\n"
            "Sources:\n"
            "  DIR or FILE.mid        MIDI files (a folder is searched recursively); windows\n"
            "                         extracted as `morphvae data` does, untransposed (windows\n"
            "                         holding a silent bar are not phrases there)\n"
            "  CORPUS.bin:SPLIT       the windows of a corpus split (train, valid, test)\n"
            "  --prior N              N samples of --model from z ~ N(0, I) at each temperature\n"
            "                         of --temperature (default as sample: %g, piano roll %g,\n"
            "                         groove %g; 0 = greedy), seed --seed (default 1): the phrases\n"
            "                         `morphvae sample` writes\n"
            "  --chain K              each prior phrase is K of the model's phrases in a row,\n"
            "                         all from one z, each decoded under its own seed: what\n"
            "                         the plugin plays with Phrase length K x the model's bars\n"
            "                         (the table's phrases are then K x the model's bars long;\n"
            "                         not with --recon)\n"
            "  --recon CORPUS.bin:SPLIT  greedy reconstructions from mu of a split's windows\n"
            "                         by --model (repeatable)\n"
            "  --max N                at most N evenly spaced windows of each corpus split\n"
            "The phrase shape (bars, steps, representation) is the model's, else the first\n"
            "corpus's, else --config's (default mel_2bar); a flat model's phrase (one bar of\n"
            "all its steps) is read in bars of 16 steps. --track NAME[,NAME...]: MIDI tracks\n"
            "of those names.\n"
            "Melody columns: phrases; note-ons per phrase; monotonous share (<= %d distinct\n"
            "pitches or a run of >= %d note-ons on one pitch, of all phrases); repeated-pitch\n"
            "share of the intervals between successive note-ons; distinct pitches and range in\n"
            "semitones (means over non-empty phrases); share of empty phrases; structure:\n"
            "echoed bars (share of the bars after the first with a note-on that play an\n"
            "earlier bar of the phrase again, as it was or transposed: note-ons on the same\n"
            "steps, one interval apart), rhythm echoed (of those bars, the share with an\n"
            "earlier bar's note-on steps, pitches aside) and contour span (semitones between\n"
            "the highest and lowest bar mean pitch, mean over non-empty phrases).\n"
            "Drum columns: phrases; hits per bar (all instruments); share of phrases with a\n"
            "kick on beat 1 of some bar, with a snare on beats 2 and 4 of some bar; bar\n"
            "repetition (share of steps equal to the same step of the bar before); empty share.\n"
            "Piano-roll columns: phrases; notes (onsets) per bar; polyphony (pitches sounding\n"
            "per step where any sounds); range in semitones of the onsets (mean over non-empty\n"
            "phrases); empty share.\n"
            "Groove columns: the drum columns, then the feel of all hits of all instruments:\n"
            "velocity mean and sd, mean |offset| and offset sd (in 16th steps, from the\n"
            "grid), share of hits on the grid (offset 0); --json also gives it per\n"
            "instrument (\"feel\": {..., \"instruments\": {\"kick\": {...}, ...}}).\n"
            "--json: one JSON object per row instead.\n",
            SAMPLE_DEFAULT_TEMPERATURE, ROLL_DEFAULT_TEMPERATURE, GROOVE_DEFAULT_TEMPERATURE,
            PHRASE_MONOTONOUS_PITCHES,
            PHRASE_MONOTONOUS_RUN);
    return status;
}

/* ---- options ---- */

static int split_of(const char *name)
{
    for (int s = 0; s < MV_SPLITS; s++)
        if (!strcmp(name, split_names[s])) return s;
    return -1;
}

/* "PATH:SPLIT" -> a corpus source; -1 when arg has no ":SPLIT" suffix. */
static int parse_split_source(const char *arg, source_kind kind, stats_source *out)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || split_of(colon + 1) < 0) return -1;
    *out = (stats_source){kind, strndup(arg, (size_t)(colon - arg)), split_of(colon + 1), 0};
    return out->path ? 0 : -1;
}

static int parse_temperatures(const char *s, stats_options *o)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    o->n_temperatures = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (o->n_temperatures == STATS_MAX_TEMPERATURES) {
            fprintf(stderr, "morphvae stats: at most %d temperatures\n", STATS_MAX_TEMPERATURES);
            return -1;
        }
        if (cli_double("stats", "--temperature", tok, 0, 100,
                       &o->temperatures[o->n_temperatures++]))
            return -1;
    }
    return o->n_temperatures ? 0 : -1;
}

static int add_source(stats_options *o, stats_source s)
{
    if (o->n_src == STATS_MAX_SOURCES) {
        fprintf(stderr, "morphvae stats: at most %d sources\n", STATS_MAX_SOURCES);
        free(s.path);
        return -1;
    }
    o->src[o->n_src++] = s;
    return 0;
}

/* 0 ok, 2 usage error, -1 help printed. */
static int parse_options(int argc, char **argv, stats_options *o)
{
    *o = (stats_options){.temperatures = {-1 /* the model's default */}, .n_temperatures = 1,
                         .seed = 1, .chain = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) return usage(stdout, 0) - 1;
        if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        }
        if (a[0] != '-') {
            stats_source s;
            if (parse_split_source(a, SRC_CORPUS, &s))
                s = (stats_source){SRC_MIDI, strdup(a), 0, 0};
            if (!s.path || add_source(o, s)) return 2;
            continue;
        }
        static const char *const with_value[] = {"--model", "--config", "--track", "--prior",
                                                 "--chain", "--max", "--seed", "--temperature",
                                                 "--recon", NULL};
        const char *v = cli_option_value("stats", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "--config")) o->config = v;
        else if (!strcmp(a, "--track")) o->track = v;
        else if (!strcmp(a, "--prior")) {
            if (cli_long("stats", a, v, 1, 1000000, &o->prior_n)) return 2;
        } else if (!strcmp(a, "--chain")) {
            if (cli_long("stats", a, v, 1, 64, &o->chain)) return 2;
        } else if (!strcmp(a, "--max")) {
            if (cli_long("stats", a, v, 1, 1L << 40, &o->max)) return 2;
        } else if (!strcmp(a, "--seed")) {
            if (cli_u64("stats", a, v, &o->seed)) return 2;
        } else if (!strcmp(a, "--temperature")) {
            if (parse_temperatures(v, o)) return 2;
        } else if (!strcmp(a, "--recon")) {
            stats_source s;
            if (parse_split_source(v, SRC_RECON, &s)) {
                fprintf(stderr, "morphvae stats: --recon wants CORPUS.bin:train|valid|test, not "
                                "'%s'\n", v);
                return 2;
            }
            if (add_source(o, s)) return 2;
        }
    }
    for (int t = 0; o->prior_n && t < o->n_temperatures; t++)
        if (add_source(o, (stats_source){SRC_PRIOR, NULL, 0, o->temperatures[t]})) return 2;
    for (int i = 0; i < o->n_src; i++)
        if (o->src[i].kind >= SRC_RECON && !o->model) {
            fprintf(stderr, "morphvae stats: --prior and --recon need --model\n");
            return 2;
        }
    if (o->chain > 1 && !o->prior_n) {
        fprintf(stderr, "morphvae stats: --chain %ld chains prior samples: it needs --prior N\n",
                o->chain);
        return 2;
    }
    for (int i = 0; o->chain > 1 && i < o->n_src; i++)
        if (o->src[i].kind == SRC_RECON) {
            fprintf(stderr, "morphvae stats: --chain %ld makes phrases of %ld model phrases; "
                            "a reconstruction is one: run --recon without --chain\n",
                    o->chain, o->chain);
            return 2;
        }
    if (!o->n_src)
        return cli_required("stats", "a source (a MIDI folder, CORPUS.bin:SPLIT, --prior or "
                                     "--recon)");
    return 0;
}

/* ---- the phrase shape ---- */

static int corpus_fits(const mv_hparams *hp, const mv_corpus *c, const char *path)
{
    char err[512];
    if (corpus_fits_model(c, path, hp, err, sizeof err)) return 1;
    fprintf(stderr, "morphvae stats: %s\n", err);
    return 0;
}

/* The model's shape, else the first corpus's, else the preset's. 0 or -1. */
static int resolve_shape(stats_context *x)
{
    const stats_options *o = x->o;
    char err[512];
    if (o->model) {
        if (gen_model_open(&x->g, o->model, STATS_BATCH, err, sizeof err)) {
            fprintf(stderr, "morphvae stats: %s\n", err);
            return -1;
        }
        x->have_model = 1;
        x->hp = x->g.hp;
        x->hp.n_bars *= (uint32_t)o->chain; /* the phrases are chains of model phrases */
        /* a flat model's one "bar" is its whole phrase: count musical bars */
        const uint32_t bar = hparams_musical_bar(&x->hp);
        x->hp.n_bars = hparams_seq_len(&x->hp) / bar;
        x->hp.steps_per_bar = bar;
        return 0;
    }
    for (int i = 0; i < o->n_src; i++) {
        if (o->src[i].kind != SRC_CORPUS) continue;
        mv_corpus *c;
        if (corpus_open(o->src[i].path, &c, err, sizeof err)) {
            fprintf(stderr, "morphvae stats: %s\n", err);
            return -1;
        }
        x->hp = (mv_hparams){.repr = corpus_repr(c), .n_classes = corpus_n_classes(c),
                             .min_pitch = corpus_min_pitch(c), .n_bars = corpus_n_bars(c),
                             .steps_per_bar = corpus_steps_per_bar(c)};
        corpus_close(c);
        return 0;
    }
    const char *preset = o->config ? o->config : "mel_2bar";
    if (hparams_preset(preset, &x->hp)) {
        fprintf(stderr, "morphvae stats: --config %s is not a preset\n", preset);
        return -1;
    }
    return 0;
}

/* ---- phrases ---- */

/* Adds one phrase (hparams_seq_len(hp) steps of hp's representation) to a
 * row: its phrase statistics and, for groove, the feel of its hits. */
static void row_add(stats_row *row, const mv_hparams *hp, const void *window)
{
    phrase_stats_add_window(&row->s, hp, window);
    if (hp->repr == MV_REPR_GROOVE)
        groove_feel_add(&row->feel, window, (int)hparams_seq_len(hp));
}

/* ---- MIDI files ---- */

/* Adds one window (tokens, a roll, or groove steps with their feel: the
 * extraction of `morphvae data --repr groove`) to the row. */
typedef struct phrase_sink {
    const mv_hparams *hp;
    stats_row *row;
} phrase_sink;

static int take_phrase(void *ctx, const void *window, uint32_t bar, int32_t transpose)
{
    (void)bar;
    phrase_sink *k = ctx;
    if (transpose == 0) row_add(k->row, k->hp, window);
    return 0;
}

/* Adds the phrases of one file; a file that cannot be read is reported and skipped. */
static void midi_file_phrases(const stats_context *x, const char *path, stats_row *row)
{
    mv_midi_file f;
    char err[512];
    row->files++;
    if (midi_read_file(path, &f, err, sizeof err)) {
        fprintf(stderr, "morphvae stats: skipping %s\n", err);
        row->files_unread++;
        return;
    }
    mv_extract_config cfg = sequence_extract_config(&x->hp, x->o->track);
    phrase_sink sink = {&x->hp, row};
    mv_extract_stats st = {0};
    if (extract_windows(&f, &cfg, take_phrase, &sink, &st, err, sizeof err) < 0) {
        fprintf(stderr, "morphvae stats: skipping %s: %s\n", path, err);
        row->files_unread++;
    }
    midi_file_free(&f);
}

static int midi_phrases(const stats_context *x, const char *path, stats_row *row)
{
    struct stat st;
    if (stat(path, &st)) {
        fprintf(stderr, "morphvae stats: %s: no such file or folder (sources are MIDI files or "
                        "folders, or CORPUS.bin:train|valid|test)\n", path);
        return -1;
    }
    mv_midi_paths files = {0};
    int rc = S_ISDIR(st.st_mode) ? midi_folder_list(path, &files, "morphvae stats")
                                 : midi_paths_add(&files, path);
    if (rc) fprintf(stderr, "morphvae stats: out of memory listing %s\n", path);
    if (!rc && files.n == 0) {
        fprintf(stderr, "morphvae stats: %s: no MIDI files (.mid, .midi, .kar, .rmi)\n", path);
        rc = -1;
    }
    if (!rc) {
        cli_progress progress;
        cli_progress_start(&progress, "stats", "MIDI files read", files.n, false);
        for (size_t i = 0; i < files.n; i++) {
            midi_file_phrases(x, files.paths[i], row);
            cli_progress_update(&progress, i + 1);
        }
        cli_progress_done(&progress);
        snprintf(row->label, sizeof row->label, "%s (%ld MIDI files%s)", path, row->files,
                 row->files_unread || files.unreadable ? ", some unread" : "");
    }
    midi_paths_free(&files);
    return rc;
}

/* ---- corpus splits and the model ---- */

/* The windows i * n / want (i < want) of a split, as eval takes them. */
static uint64_t chosen_window(uint64_t i, uint64_t n, uint64_t want)
{
    return i * n / want;
}

static int corpus_phrases(stats_context *x, const stats_source *src, stats_row *row)
{
    char err[512];
    mv_corpus *c;
    if (corpus_open(src->path, &c, err, sizeof err)) {
        fprintf(stderr, "morphvae stats: %s\n", err);
        return -1;
    }
    int rc = corpus_fits(&x->hp, c, src->path) ? 0 : -1;
    const uint64_t n = corpus_count(c, src->split);
    const uint64_t want = x->o->max > 0 && (uint64_t)x->o->max < n ? (uint64_t)x->o->max : n;
    const size_t W = sequence_window_bytes(&x->hp);
    uint8_t *windows = malloc(W * STATS_BATCH);
    float *mu = src->kind == SRC_RECON ? malloc(sizeof(float) * STATS_BATCH * x->hp.z_size) : NULL;
    if (!rc && (!windows || (src->kind == SRC_RECON && !mu))) {
        fprintf(stderr, "morphvae stats: out of memory\n");
        rc = -1;
    }
    cli_progress progress;
    cli_progress_start(&progress, "stats",
                       src->kind == SRC_RECON ? "windows reconstructed" : "windows", want, false);
    for (uint64_t i = 0; !rc && i < want; i += STATS_BATCH) {
        const int B = want - i < STATS_BATCH ? (int)(want - i) : STATS_BATCH;
        for (int b = 0; b < B; b++)
            memcpy(windows + b * W,
                   corpus_window_steps(c, src->split, chosen_window(i + b, n, want)), W);
        if (src->kind == SRC_RECON) {
            gen_encode(&x->g, windows, B, mu, NULL);
            gen_decode(&x->g, mu, B, 0, 0, windows);
        }
        for (int b = 0; b < B; b++) row_add(row, &x->hp, windows + b * W);
        cli_progress_update(&progress, i + (uint64_t)B);
    }
    cli_progress_done(&progress);
    snprintf(row->label, sizeof row->label, "%s%s:%s%s", src->kind == SRC_RECON ? "recon " : "",
             src->path, split_names[src->split],
             src->kind == SRC_RECON ? " (greedy from mu)" : "");
    free(windows);
    free(mu);
    corpus_close(c);
    return rc;
}

/* z of prior sample i: the draws `morphvae sample` makes for it. */
static void prior_z(uint64_t seed, long i, int z_size, float *z)
{
    mv_rng r;
    rng_seed(&r, gen_sequence_seed(seed ^ 0x5A5A5A5A5A5A5A5Aull, (uint64_t)i));
    for (int k = 0; k < z_size; k++) z[k] = rng_normal(&r);
}

/* Prior phrases: from each z, K = --chain model phrases in a row (one when
 * not chained), phrase k of sample i decoded under the sequence seed of
 * i * K + k (with K = 1 exactly the phrases `morphvae sample` writes). The
 * model's window is its steps in order, so K windows one after the other are
 * one window K times as long. */
static int prior_phrases(stats_context *x, const stats_source *src, stats_row *row)
{
    const int Z = x->g.z_size;
    const long K = x->o->chain;
    const size_t W = x->g.window_bytes;
    const float T = (float)src->temperature;
    float *z = malloc(sizeof(float) * STATS_BATCH * Z);
    uint8_t *windows = malloc(W * STATS_BATCH), *chains = malloc(W * K * STATS_BATCH);
    if (!z || !windows || !chains) {
        fprintf(stderr, "morphvae stats: out of memory\n");
        free(z);
        free(windows);
        free(chains);
        return -1;
    }
    cli_progress progress;
    cli_progress_start(&progress, "stats", "prior samples", (uint64_t)x->o->prior_n, false);
    for (long i = 0; i < x->o->prior_n; i += STATS_BATCH) {
        const int B = x->o->prior_n - i < STATS_BATCH ? (int)(x->o->prior_n - i) : STATS_BATCH;
        for (int b = 0; b < B; b++) prior_z(x->o->seed, i + b, Z, z + (size_t)b * Z);
        for (long k = 0; k < K; k++) {
            /* the sequence seeds of the batch's k-th phrases, one decode over all */
            for (int b = 0; b < B; b++)
                rng_seed(&x->g.rngs[b], gen_sequence_seed(x->o->seed, (uint64_t)((i + b) * K + k)));
            mv_rng *rngs = T > 0 ? x->g.rngs : NULL;
            decoder_decode(x->g.decoder, z, B, T, rngs, window_for(x->g.hp.repr, windows));
            for (int b = 0; b < B; b++)
                memcpy(chains + ((size_t)b * K + k) * W, windows + (size_t)b * W, W);
        }
        for (int b = 0; b < B; b++) row_add(row, &x->hp, chains + (size_t)b * K * W);
        cli_progress_update(&progress, (uint64_t)(i + B));
    }
    cli_progress_done(&progress);
    row->chain = K;
    char chained[48] = "";
    if (K > 1) snprintf(chained, sizeof chained, " chained x%ld", K);
    snprintf(row->label, sizeof row->label, "prior T=%g%s (%s, seed %llu)", src->temperature,
             chained, x->o->model, (unsigned long long)x->o->seed);
    free(z);
    free(windows);
    free(chains);
    return 0;
}

/* ---- the table ---- */

static void print_cell(double v, int width, int decimals)
{
    if (isnan(v)) printf(" %*s", width, "-");
    else printf(" %*.*f", width, decimals, v);
}

static void print_header(const mv_hparams *hp)
{
    if (hp->repr == MV_REPR_ROLL) {
        printf("%8s %6s %9s %6s %6s  %s\n", "phrases", "notes", "polyphony", "range", "empty",
               "source");
        printf("%8s %6s %9s %6s %6s\n", "", "/bar", "", "(st)", "share");
    } else if (hp->repr == MV_REPR_MELODY) {
        printf("%8s %6s %10s %9s %8s %6s %6s %6s %6s %7s  %s\n", "phrases", "notes",
               "monotonous", "repeated", "distinct", "range", "empty", "echoed", "rhythm",
               "contour", "source");
        printf("%8s %6s %10s %9s %8s %6s %6s %6s %6s %7s\n", "", "/phr", "share", "intervals",
               "pitches", "(st)", "share", "bars", "echoed", "(st)");
    } else if (hp->repr == MV_REPR_GROOVE) {
        printf("%8s %6s %8s %8s %8s %6s %6s %5s %8s %7s %6s  %s\n", "phrases", "hits",
               "kick on", "snare on", "bar", "empty", "vel", "vel", "|offset|", "offset", "on",
               "source");
        printf("%8s %6s %8s %8s %8s %6s %6s %5s %8s %7s %6s\n", "", "/bar", "beat 1", "2 and 4",
               "repeat", "share", "mean", "sd", "(steps)", "sd", "grid");
    } else {
        printf("%8s %6s %8s %8s %8s %6s  %s\n", "phrases", "hits", "kick on", "snare on",
               "bar", "empty", "source");
        printf("%8s %6s %8s %8s %8s %6s\n", "", "/bar", "beat 1", "2 and 4", "repeat", "share");
    }
}

static void print_text_row(const mv_hparams *hp, const stats_row *r)
{
    const phrase_figures f = phrase_stats_figures(&r->s);
    printf("%8ld", r->s.phrases);
    if (hp->repr == MV_REPR_ROLL) {
        print_cell(f.notes_per_bar, 6, 2);
        print_cell(f.polyphony, 9, 2);
        print_cell(f.range, 6, 2);
        print_cell(f.empty, 6, 3);
    } else if (hp->repr == MV_REPR_MELODY) {
        print_cell(f.notes_per_phrase, 6, 2);
        print_cell(f.monotonous, 10, 3);
        print_cell(f.repeated_intervals, 9, 3);
        print_cell(f.distinct, 8, 2);
        print_cell(f.range, 6, 2);
        print_cell(f.empty, 6, 3);
        print_cell(f.bar_echoes, 6, 3);
        print_cell(f.rhythm_echoes, 6, 3);
        print_cell(f.contour, 7, 2);
    } else {
        print_cell(f.hits_per_bar, 6, 2);
        print_cell(f.kick_one, 8, 3);
        print_cell(f.snare_two_four, 8, 3);
        print_cell(f.bar_repetition, 8, 3);
        print_cell(f.empty, 6, 3);
    }
    if (hp->repr == MV_REPR_GROOVE) { /* all instruments' hits together */
        const groove_feel_figures g = groove_feel_of(&r->feel, GROOVE_FEEL_ALL);
        print_cell(g.velocity_mean, 6, 1);
        print_cell(g.velocity_sd, 5, 1);
        print_cell(g.abs_offset_mean, 8, 3);
        print_cell(g.offset_sd, 7, 3);
        print_cell(g.on_grid, 6, 3);
    }
    printf("  %s\n", r->label);
}

static void json_pair(const char *key, double v)
{
    printf(",\"%s\":", key);
    if (isfinite(v)) printf("%.6g", v);
    else printf("null");
}

/* The feel of one instrument's hits or all of them, as JSON members (each
 * after a comma: the caller opens the object with its first member). */
static void json_feel_figures(const groove_feel_figures *g)
{
    json_pair("velocity_mean", g->velocity_mean);
    json_pair("velocity_sd", g->velocity_sd);
    json_pair("offset_mean", g->offset_mean);
    json_pair("offset_sd", g->offset_sd);
    json_pair("abs_offset_mean", g->abs_offset_mean);
    json_pair("on_grid", g->on_grid);
}

/* ,"feel":{"hits":N, figures of all hits, "instruments":{"kick":{"hits":N,
 * figures}, ...}}: every instrument, null figures where it has no hits
 * (instrument names with '_' for ' '). */
static void json_feel(const groove_feel *feel)
{
    groove_feel_figures g = groove_feel_of(feel, GROOVE_FEEL_ALL);
    printf(",\"feel\":{\"hits\":%llu", (unsigned long long)g.hits);
    json_feel_figures(&g);
    printf(",\"instruments\":{");
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        g = groove_feel_of(feel, i);
        printf("%s\"", i ? "," : "");
        for (const char *c = drum_class_name(i); *c; c++) putchar(*c == ' ' ? '_' : *c);
        printf("\":{\"hits\":%llu", (unsigned long long)g.hits);
        json_feel_figures(&g);
        printf("}");
    }
    printf("}}");
}

static void print_json_row(const mv_hparams *hp, const stats_source *src, const stats_row *r)
{
    static const char *const kinds[] = {"midi", "corpus", "recon", "prior"};
    const phrase_figures f = phrase_stats_figures(&r->s);
    printf("{\"source\":\"");
    for (const char *c = r->label; *c; c++) {
        if (*c == '"' || *c == '\\') printf("\\%c", *c);
        else if ((unsigned char)*c >= 0x20) putchar(*c);
    }
    printf("\",\"kind\":\"%s\"", kinds[src->kind]);
    if (src->kind == SRC_PRIOR) json_pair("temperature", src->temperature);
    if (src->kind == SRC_PRIOR) json_pair("chain", (double)r->chain);
    json_pair("phrases", (double)r->s.phrases);
    json_pair("empty", f.empty);
    if (hp->repr == MV_REPR_ROLL) {
        json_pair("notes_per_bar", f.notes_per_bar);
        json_pair("polyphony", f.polyphony);
        json_pair("range", f.range);
    } else if (hp->repr == MV_REPR_MELODY) {
        json_pair("notes_per_phrase", f.notes_per_phrase);
        json_pair("monotonous", f.monotonous);
        json_pair("repeated_intervals", f.repeated_intervals);
        json_pair("distinct_pitches", f.distinct);
        json_pair("range", f.range);
        json_pair("echoed_bars", f.bar_echoes);
        json_pair("rhythm_echoed_bars", f.rhythm_echoes);
        json_pair("contour_span", f.contour);
    } else {
        json_pair("hits_per_bar", f.hits_per_bar);
        json_pair("kick_on_one", f.kick_one);
        json_pair("snare_on_two_and_four", f.snare_two_four);
        json_pair("bar_repetition", f.bar_repetition);
    }
    if (hp->repr == MV_REPR_GROOVE) json_feel(&r->feel);
    printf("}\n");
}

static int source_row(stats_context *x, const stats_source *src, stats_row *row)
{
    memset(row, 0, sizeof *row);
    switch (src->kind) {
    case SRC_MIDI: return midi_phrases(x, src->path, row);
    case SRC_CORPUS:
    case SRC_RECON: return corpus_phrases(x, src, row);
    case SRC_PRIOR: return prior_phrases(x, src, row);
    }
    return -1;
}

int cmd_stats(int argc, char **argv)
{
    stats_options o;
    int rc = parse_options(argc, argv, &o);
    stats_context x = {.o = &o};
    if (!rc && resolve_shape(&x)) rc = 1;
    for (int i = 0; !rc && i < o.n_src; i++)
        if (o.src[i].kind == SRC_PRIOR && o.src[i].temperature < 0)
            o.src[i].temperature = gen_default_temperature(&x.g);
    if (!rc && !o.json)
        printf("%s phrases of %u bars x %u steps\n", repr_name(x.hp.repr), x.hp.n_bars,
               x.hp.steps_per_bar);
    if (!rc && !o.json) print_header(&x.hp);
    static stats_row row;
    for (int i = 0; !rc && i < o.n_src; i++) {
        if (source_row(&x, &o.src[i], &row)) rc = 1;
        else if (o.json) print_json_row(&x.hp, &o.src[i], &row);
        else print_text_row(&x.hp, &row);
        fflush(stdout);
    }
    if (x.have_model) gen_model_close(&x.g);
    for (int i = 0; i < o.n_src; i++) free(o.src[i].path);
    return rc < 0 ? 0 : rc;
}
