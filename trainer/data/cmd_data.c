/* `morphvae data`: MIDI files -> a corpus of training windows, with a summary
 * of what was read, skipped and filtered. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chord.h"
#include "chord_track.h"
#include "cli.h"
#include "commands.h"
#include "corpus.h"
#include "extract.h"
#include "groove.h"
#include "groove_feel.h"
#include "hparams.h"
#include "midi_folder.h"
#include "midi_read.h"
#include "regular_file.h"
#include "tokens.h"

#define FIRST_NAMES 3 /* file names listed per skip reason */

static const char *const split_names[MV_SPLITS] = {"train", "valid", "test"};

typedef struct data_options {
    mv_extract_config cfg;
    const char *out;
    const char *meter_table;
    int meter_steps;
    uint64_t seed;
    double split[MV_SPLITS];
    int quiet;
    int verbose; /* one line per file on stderr */
    int chords;  /* --chords: a chord per step (chord_track.h) */
} data_options;

/* The annotation `data --chords` looks for beside each MIDI file (POP909's). */
#define CHORD_ANNOTATION "chord_midi.txt"

/* ---- small growable arrays ---- */

typedef struct str_list {
    char **items;
    size_t *key_at; /* where the split key starts in each item (0: the whole string) */
    size_t n, cap;
} str_list;

static int str_list_add_keyed(str_list *l, const char *s, size_t key_at)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->items, cap * sizeof *p);
        if (!p) return -1;
        l->items = p;
        size_t *k = realloc(l->key_at, cap * sizeof *k);
        if (!k) return -1;
        l->key_at = k;
        l->cap = cap;
    }
    if (!(l->items[l->n] = strdup(s))) return -1;
    l->key_at[l->n] = key_at;
    l->n++;
    return 0;
}

static int str_list_add(str_list *l, const char *s)
{
    return str_list_add_keyed(l, s, 0);
}

static void str_list_free(str_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    free(l->key_at);
    memset(l, 0, sizeof *l);
}

/* ---- the POP909 meter table: song id -> measure length ---- */

typedef struct meter_entry {
    char id[32];
    int steps;
} meter_entry;

typedef struct meter_table {
    meter_entry *items;
    size_t n;
} meter_table;

static int csv_column(char *header, const char *name)
{
    int col = 0;
    for (char *tok = strtok(header, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), col++)
        if (!strcmp(tok, name)) return col;
    return -1;
}

/* The field number col of a CSV line without quoted commas. */
static const char *csv_field(char *line, int col, char *buf, size_t n)
{
    char *p = line;
    for (int i = 0; i < col && p; i++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    if (!p) return NULL;
    size_t len = strcspn(p, ",\r\n");
    if (len >= n) len = n - 1;
    memcpy(buf, p, len);
    buf[len] = 0;
    return buf;
}

/* Reads song_id, num_beats_per_measure and num_quavers_per_beat (a beat of
 * q quavers is q * 2 sixteenths). */
static int meter_table_load(const char *path, meter_table *t)
{
    char err[1200];
    FILE *f = regular_file_fopen(path, err, sizeof err);
    if (!f) {
        fprintf(stderr, "morphvae data: the meter table %s\n", err);
        return -1;
    }
    char line[1024], header[1024];
    int id_col = -1, beats_col = -1, quavers_col = -1;
    if (fgets(line, sizeof line, f)) {
        strcpy(header, line);
        id_col = csv_column(header, "song_id");
        strcpy(header, line);
        beats_col = csv_column(header, "num_beats_per_measure");
        strcpy(header, line);
        quavers_col = csv_column(header, "num_quavers_per_beat");
    }
    if (id_col < 0 || beats_col < 0 || quavers_col < 0) {
        fprintf(stderr,
                "morphvae data: %s: the meter table needs the columns song_id, "
                "num_beats_per_measure and num_quavers_per_beat\n",
                path);
        fclose(f);
        return -1;
    }
    size_t cap = 0;
    for (int row = 2; fgets(line, sizeof line, f); row++) {
        char id[32], beats[16], quavers[16];
        if (!csv_field(line, id_col, id, sizeof id) ||
            !csv_field(line, beats_col, beats, sizeof beats) ||
            !csv_field(line, quavers_col, quavers, sizeof quavers) || !id[0]) {
            if (strspn(line, " \r\n") == strlen(line)) continue;
            fprintf(stderr, "morphvae data: %s: row %d has missing fields\n", path, row);
            fclose(f);
            return -1;
        }
        int b = atoi(beats), q = atoi(quavers);
        if (b < 1 || b > 32 || q < 1 || q > 8) {
            fprintf(stderr, "morphvae data: %s: row %d: %s beats of %s quavers is not a meter\n",
                    path, row, beats, quavers);
            fclose(f);
            return -1;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 1024;
            meter_entry *p = realloc(t->items, cap * sizeof *p);
            if (!p) {
                fclose(f);
                return -1;
            }
            t->items = p;
        }
        snprintf(t->items[t->n].id, sizeof t->items[t->n].id, "%s", id);
        t->items[t->n++].steps = b * q * 2;
    }
    fclose(f);
    return 0;
}

/* The table's measure length for a file named after its song id ("001.mid"), or 0. */
static int meter_table_find(const meter_table *t, const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len = strcspn(base, ".");
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->items[i].id) == len && !strncmp(t->items[i].id, base, len))
            return t->items[i].steps;
    return 0;
}

/* ---- split by source file ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull ^ mix64(seed);
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return mix64(h);
}

/* A file's split depends only on its key (its path below the folder given, or
 * a file's own name) and the seed: adding files does not move the others between
 * splits, and ../data/pop909, /abs/data/pop909 and pop909/ split alike. */
static int split_of(const data_options *o, const char *key)
{
    double u = (double)(hash_bytes(key, strlen(key), o->seed) >> 11) / (double)(1ull << 53);
    if (u < o->split[0]) return MV_SPLIT_TRAIN;
    if (u < o->split[0] + o->split[1]) return MV_SPLIT_VALID;
    return MV_SPLIT_TEST;
}

/* ---- de-duplication: a set of 64-bit window hashes ---- */

typedef struct hash_set {
    uint64_t *slots; /* 0 = empty */
    size_t cap, n;
} hash_set;

/* Returns 1 if h was new (and adds it), 0 if present, -1 out of memory. */
static int hash_set_add(hash_set *s, uint64_t h)
{
    if (!h) h = 1;
    if (2 * (s->n + 1) > s->cap) {
        hash_set bigger = {calloc(s->cap ? s->cap * 2 : 4096, 8), s->cap ? s->cap * 2 : 4096, 0};
        if (!bigger.slots) return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i]) hash_set_add(&bigger, s->slots[i]);
        free(s->slots);
        *s = bigger;
    }
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == h) return 0;
        if (!s->slots[i]) {
            s->slots[i] = h;
            s->n++;
            return 1;
        }
    }
}

/* ---- the run's tallies ---- */

typedef struct reason_group {
    char key[160];     /* the reason with numbers replaced by N */
    char example[300]; /* the first full message */
    size_t count;
    char *names[FIRST_NAMES];
} reason_group;

enum { RULE_TABLE, RULE_OPTION, RULE_FILE, RULES };
static const char *const rule_names[RULES] = {"meter table", "--meter", "file's time signatures"};

#define DENSITY_BUCKETS 6
static const char *const density_names[DENSITY_BUCKETS] = {"<1",  "1-1.9", "2-3.9",
                                                           "4-7.9", "8-15.9", ">=16"};

typedef struct tally {
    size_t files, files_read, files_no_windows;
    size_t entries_unreadable; /* folders or entries the walk could not read */
    reason_group *groups;
    size_t n_groups;
    size_t rule_files[RULES];
    uint64_t rule_windows[RULES], rule_dropped[RULES];
    mv_extract_stats stats;
    uint64_t windows[MV_SPLITS], duplicates[MV_SPLITS];
    size_t split_files[MV_SPLITS];
    uint64_t pitch_hist[128];
    uint64_t density[DENSITY_BUCKETS];
    groove_feel feel; /* --repr groove */
    /* --chords, over untransposed windows of each chord source (0 annotated,
     * 1 recognised): files, steps, steps with a chord, onsets, onsets on a
     * chord tone */
    size_t chord_files[2];
    uint64_t chord_steps[2], chord_steps_some[2], chord_onsets[2], chord_onsets_on_tone[2];
} tally;

static void reason_key(const char *why, char *key, size_t n)
{
    size_t k = 0;
    for (const char *p = why; *p && k + 2 < n; p++) {
        if (*p >= '0' && *p <= '9') {
            key[k++] = 'N';
            while (p[1] >= '0' && p[1] <= '9') p++;
        } else {
            key[k++] = *p;
        }
    }
    key[k] = 0;
}

static void tally_skip(tally *t, const char *path, const char *why)
{
    char key[160];
    reason_key(why, key, sizeof key);
    reason_group *g = NULL;
    for (size_t i = 0; i < t->n_groups && !g; i++)
        if (!strcmp(t->groups[i].key, key)) g = &t->groups[i];
    if (!g) {
        reason_group *p = realloc(t->groups, (t->n_groups + 1) * sizeof *p);
        if (!p) return;
        t->groups = p;
        g = &t->groups[t->n_groups++];
        memset(g, 0, sizeof *g);
        snprintf(g->key, sizeof g->key, "%s", key);
        snprintf(g->example, sizeof g->example, "%s", why);
    }
    if (g->count < FIRST_NAMES) g->names[g->count] = strdup(path);
    g->count++;
}

static void tally_free(tally *t)
{
    for (size_t i = 0; i < t->n_groups; i++)
        for (size_t k = 0; k < FIRST_NAMES && k < t->groups[i].count; k++)
            free(t->groups[i].names[k]);
    free(t->groups);
}

static void add_stats(mv_extract_stats *sum, const mv_extract_stats *s)
{
    uint64_t *a = (uint64_t *)sum;
    const uint64_t *b = (const uint64_t *)s;
    for (size_t i = 0; i < sizeof *s / sizeof(uint64_t); i++) a[i] += b[i];
}

/* ---- per window ---- */

typedef struct window_sink {
    const data_options *o;
    mv_corpus_writer *writer;
    hash_set seen[MV_SPLITS];
    tally *t;
    const char *source;
    int split;
    uint64_t kept;        /* windows of the current file after de-duplication */
    uint8_t *chords;      /* --chords: the window's chords (extraction fills it) */
    int chords_annotated; /* the current file's chords come from an annotation */
} window_sink;

static size_t window_bytes(const mv_extract_config *cfg)
{
    size_t steps = (size_t)cfg->n_bars * cfg->steps_per_bar;
    return cfg->repr == MV_REPR_ROLL     ? steps * 2 * cfg->n_pitches
           : cfg->repr == MV_REPR_GROOVE ? steps * MV_GROOVE_STEP_BYTES
                                         : steps * sizeof(int32_t);
}

/* The key windows are de-duplicated on: their bytes, except that a groove
 * window counts by its hits alone, so that it keeps exactly the windows
 * `--repr drums` keeps (two takes of one pattern are one window there). */
static uint64_t window_hash(const mv_extract_config *cfg, const void *tokens)
{
    if (cfg->repr != MV_REPR_GROOVE) return hash_bytes(tokens, window_bytes(cfg), 0);
    const uint8_t *steps = tokens;
    uint64_t h = 0;
    for (int s = 0; s < cfg->n_bars * cfg->steps_per_bar; s++)
        h = hash_bytes(steps + (size_t)s * MV_GROOVE_STEP_BYTES + MV_GROOVE_HIT, MV_GROOVE_VOICES,
                       h);
    return h;
}

/* Onsets per pitch for the histogram; returns the window's onset count. */
static uint64_t count_onsets(const mv_extract_config *cfg, const void *tokens, uint64_t *hist)
{
    int steps = cfg->n_bars * cfg->steps_per_bar;
    uint64_t n = 0;
    if (cfg->repr == MV_REPR_ROLL) {
        const uint8_t *r = tokens;
        for (int s = 0; s < steps; s++)
            for (int p = 0; p < cfg->n_pitches; p++)
                if (r[(size_t)s * 2 * cfg->n_pitches + cfg->n_pitches + p]) {
                    hist[cfg->min_pitch + p]++;
                    n++;
                }
        return n;
    }
    if (cfg->repr == MV_REPR_GROOVE) {
        const uint8_t *g = tokens;
        for (int s = 0; s < steps; s++)
            for (int c = 0; c < MV_GROOVE_VOICES; c++)
                if (g[(size_t)s * MV_GROOVE_STEP_BYTES + MV_GROOVE_HIT + c]) {
                    hist[drum_pitch_of_class(c)]++;
                    n++;
                }
        return n;
    }
    const int32_t *t = tokens;
    for (int s = 0; s < steps; s++) {
        if (cfg->repr == MV_REPR_MELODY && t[s] >= 2) {
            hist[cfg->min_pitch + t[s] - 2]++;
            n++;
        }
        for (int c = 0; cfg->repr == MV_REPR_DRUMS && c < MV_DRUM_CLASSES; c++)
            if (t[s] >> c & 1) {
                hist[drum_pitch_of_class(c)]++;
                n++;
            }
    }
    return n;
}

/* The --chords summary's counts for one untransposed melody window. */
static void count_chord_tones(window_sink *k, const int32_t *tokens, int steps)
{
    int src = k->chords_annotated ? 0 : 1;
    tally *t = k->t;
    for (int s = 0; s < steps; s++) {
        t->chord_steps[src]++;
        t->chord_steps_some[src] += k->chords[s] != MV_CHORD_NONE;
        if (tokens[s] < 2) continue;
        t->chord_onsets[src]++;
        int pc = (k->o->cfg.min_pitch + tokens[s] - 2) % 12;
        t->chord_onsets_on_tone[src] += chord_pitch_classes(k->chords[s]) >> pc & 1u;
    }
}

static int take_window(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    window_sink *k = ctx;
    const mv_extract_config *cfg = &k->o->cfg;
    int steps = cfg->n_bars * cfg->steps_per_bar;
    /* on the notes alone: with --chords the same windows as without (the first
     * chords of a repeated melody stay), so that figures compare */
    int fresh = hash_set_add(&k->seen[k->split], window_hash(cfg, tokens));
    if (fresh < 0) return 1;
    if (!fresh) {
        k->t->duplicates[k->split]++;
        return 0;
    }
    if (corpus_writer_add_chords(k->writer, k->split, tokens, k->chords, k->source, bar,
                                 transpose))
        return 1;
    k->t->windows[k->split]++;
    if (k->chords && transpose == 0) count_chord_tones(k, tokens, steps);
    if (cfg->repr == MV_REPR_GROOVE) groove_feel_add(&k->t->feel, tokens, steps);
    k->kept++;
    if (transpose == 0) {
        double per_bar = (double)count_onsets(cfg, tokens, k->t->pitch_hist) / cfg->n_bars;
        int b = per_bar < 1 ? 0 : per_bar < 2 ? 1 : per_bar < 4 ? 2 : per_bar < 8 ? 3
                : per_bar < 16 ? 4 : 5;
        k->t->density[b]++;
    }
    return 0;
}

/* ---- per file ---- */

/* Why a file that read gave no windows, from what extraction counted for it. */
static const char *no_window_reason(const data_options *o, uint32_t file_notes,
                                    const mv_extract_stats *s)
{
    if (file_notes == 0) return "no notes";
    if (s->notes == 0)
        return o->cfg.track_name ? "no notes on a track of the requested name"
               : extract_is_drums(o->cfg.repr) ? "no notes on channel 10"
                                              : "no notes outside channel 10";
    if (s->windows) return "all its windows repeat windows already taken";
    if (s->segments == 0 && s->segments_bad_meter) return "its meter does not fill a bar";
    if (s->windows_gap + s->windows_no_onset + s->windows_bad_meter == 0)
        return "shorter than one window";
    return "every window had a bar of silence";
}

/* The chords of a file for --chords: its folder's annotation when there is
 * one, else recognised from its tracks other than --track's. A bad annotation
 * skips the file (counted, named) rather than train on misaligned chords. */
static int file_chords(const data_options *o, const char *path, const mv_midi_file *f,
                       mv_chord_track *out, window_sink *sink, tally *t)
{
    char annotation[4200], err[600];
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    snprintf(annotation, sizeof annotation, "%.*s%s", dir_len, path, CHORD_ANNOTATION);
    struct stat st;
    sink->chords_annotated = stat(annotation, &st) == 0;
    int rc = sink->chords_annotated ? chord_track_read(annotation, f, out, err, sizeof err)
                                    : chord_track_recognise(f, o->cfg.track_name, out, err,
                                                            sizeof err);
    if (rc) {
        char why[700];
        snprintf(why, sizeof why, "chords: %s", err);
        tally_skip(t, path, why);
        if (o->verbose) fprintf(stderr, "skipped %s: %s\n", path, why);
        return -1;
    }
    t->chord_files[sink->chords_annotated ? 0 : 1]++;
    return 0;
}

static void process_file(const data_options *o, const meter_table *mt, const char *path,
                         const char *split_key, window_sink *sink, tally *t)
{
    char err[512];
    mv_midi_file f;
    if (midi_read_file(path, &f, err, sizeof err)) {
        size_t skip = strlen(path) + 2; /* the reason without "path: " */
        tally_skip(t, path, strlen(err) > skip ? err + skip : err);
        if (o->verbose) fprintf(stderr, "skipped %s\n", err);
        return;
    }
    t->files_read++;
    mv_extract_config cfg = o->cfg;
    int split = split_of(o, split_key), rule = RULE_FILE;
    int table_steps = mt->n ? meter_table_find(mt, path) : 0;
    if (table_steps) {
        cfg.meter_steps = table_steps;
        rule = RULE_TABLE;
    } else if (o->meter_steps) {
        cfg.meter_steps = o->meter_steps;
        rule = RULE_OPTION;
    }
    if (split != MV_SPLIT_TRAIN) cfg.max_transpose = 0; /* augmentation for training only */
    mv_chord_track chords = {0};
    if (o->chords && file_chords(o, path, &f, &chords, sink, t)) {
        midi_file_free(&f);
        t->files_read--;
        return;
    }
    cfg.step_chords = chords.chords;
    cfg.n_step_chords = chords.n_steps;
    cfg.window_chords = sink->chords;
    sink->source = path;
    sink->split = split;
    sink->kept = 0;
    mv_extract_stats s = {0};
    int rc = extract_windows(&f, &cfg, take_window, sink, &s, err, sizeof err);
    uint32_t file_notes = f.n_notes;
    midi_file_free(&f);
    chord_track_free(&chords);
    add_stats(&t->stats, &s);
    t->rule_files[rule]++;
    t->rule_windows[rule] += s.windows;
    t->rule_dropped[rule] += s.windows_bad_meter;
    if (rc) {
        const char *why = rc < 0 ? err : "out of memory while storing windows";
        tally_skip(t, path, why);
        if (o->verbose) fprintf(stderr, "skipped %s: %s\n", path, why);
        t->files_read--;
        return;
    }
    if (sink->kept == 0) {
        t->files_no_windows++;
        char why[160];
        snprintf(why, sizeof why, "read, but no windows: %s", no_window_reason(o, file_notes, &s));
        tally_skip(t, path, why);
        if (o->verbose) fprintf(stderr, "skipped %s: %s\n", path, why);
        return;
    }
    t->split_files[split]++;
    if (o->verbose)
        fprintf(stderr, "read %s: %llu windows (%s)\n", path, (unsigned long long)sink->kept,
                split_names[split]);
}

/* ---- summary ---- */

static void print_summary(const data_options *o, const tally *t, double seconds)
{
    const mv_extract_stats *s = &t->stats;
    uint64_t total = t->windows[0] + t->windows[1] + t->windows[2];
    printf("files: %zu found, %zu gave windows, %zu read without windows, %zu unreadable "
           "(%.1f s)\n",
           t->files, t->files_read - t->files_no_windows, t->files_no_windows,
           t->files - t->files_read, seconds);
    if (t->entries_unreadable)
        printf("  %zu folders or entries could not be read (warned above)\n", t->entries_unreadable);
    for (size_t i = 0; i < t->n_groups; i++) {
        const reason_group *g = &t->groups[i];
        printf("  skipped %zu: %s\n", g->count, g->example);
        for (size_t k = 0; k < g->count && k < FIRST_NAMES; k++)
            printf("      %s\n", g->names[k] ? g->names[k] : "?");
        if (g->count > FIRST_NAMES) printf("      ... and %zu more\n", g->count - FIRST_NAMES);
    }
    printf("windows: %llu (%s, %d bars of %d steps)\n", (unsigned long long)total,
           repr_name(o->cfg.repr), o->cfg.n_bars, o->cfg.steps_per_bar);
    for (int k = 0; k < MV_SPLITS; k++)
        printf("  %-5s %8llu windows from %zu files\n", split_names[k],
               (unsigned long long)t->windows[k], t->split_files[k]);
    printf("meter rules:\n");
    for (int r = 0; r < RULES; r++)
        if (t->rule_files[r])
            printf("  %-22s %zu files, %llu windows kept, %llu dropped (meter does not fill "
                   "a %d-step bar)\n",
                   rule_names[r], t->rule_files[r], (unsigned long long)t->rule_windows[r],
                   (unsigned long long)t->rule_dropped[r], o->cfg.steps_per_bar);
    printf("filters:\n");
    printf("  notes considered            %llu\n", (unsigned long long)s->notes);
    printf("  notes outside the range     %llu\n", (unsigned long long)s->notes_out_of_range);
    if (o->cfg.repr == MV_REPR_MELODY)
        printf("  notes under a higher onset  %llu (highest note wins)\n",
               (unsigned long long)s->notes_polyphonic);
    if (o->cfg.repr == MV_REPR_GROOVE)
        printf("  second hits on a step       %llu (an instrument's louder hit wins)\n",
               (unsigned long long)s->notes_doubled);
    printf("  windows in a wrong meter    %llu (%llu segments)\n",
           (unsigned long long)s->windows_bad_meter, (unsigned long long)s->segments_bad_meter);
    printf("  windows with no onset       %llu\n", (unsigned long long)s->windows_no_onset);
    printf("  windows with a silent bar   %llu\n", (unsigned long long)s->windows_gap);
    printf("  transpositions out of range %llu\n",
           (unsigned long long)s->windows_transpose_out_of_range);
    printf("  duplicates removed          %llu\n",
           (unsigned long long)(t->duplicates[0] + t->duplicates[1] + t->duplicates[2]));
    printf("%s histogram (onsets in untransposed windows):\n",
           extract_is_drums(o->cfg.repr) ? "drum class" : "pitch");
    uint64_t peak = 1;
    for (int p = 0; p < 128; p++)
        if (t->pitch_hist[p] > peak) peak = t->pitch_hist[p];
    int drums = extract_is_drums(o->cfg.repr); /* counted under each class's first pitch */
    for (int k = 0; k < (drums ? MV_DRUM_CLASSES : 128); k++) {
        int p = drums ? drum_pitch_of_class(k) : k;
        if (!t->pitch_hist[p]) continue;
        if (drums) printf("  %-10s", drum_class_name(k));
        else printf("  %3d", p);
        printf(" %9llu %.*s\n", (unsigned long long)t->pitch_hist[p],
               (int)(40 * t->pitch_hist[p] / peak), "########################################");
    }
    for (int src = 0; o->chords && src < 2; src++) {
        if (!t->chord_files[src]) continue;
        printf("chords %s (%s): %zu files, %.1f %% of steps with a chord, %.1f %% of melody "
               "onsets on a chord tone (untransposed windows)\n",
               src ? "recognised" : "annotated",
               src ? "from the other tracks, per beat" : CHORD_ANNOTATION, t->chord_files[src],
               100.0 * (double)t->chord_steps_some[src] /
                   (double)(t->chord_steps[src] ? t->chord_steps[src] : 1),
               100.0 * (double)t->chord_onsets_on_tone[src] /
                   (double)(t->chord_onsets[src] ? t->chord_onsets[src] : 1));
    }
    if (o->cfg.repr == MV_REPR_GROOVE) groove_feel_print(&t->feel, stdout);
    printf("note density (onsets per bar, untransposed windows):\n");
    for (int b = 0; b < DENSITY_BUCKETS; b++)
        printf("  %-7s %llu\n", density_names[b], (unsigned long long)t->density[b]);
}

/* Says on stderr that the inputs gave no window, naming them. */
static void report_no_windows(const data_options *o, const str_list *inputs, const tally *t)
{
    fprintf(stderr, "morphvae data: no usable window in ");
    for (size_t i = 0; i < inputs->n; i++)
        fprintf(stderr, "%s%s", i ? (i + 1 == inputs->n ? " and " : ", ") : "", inputs->items[i]);
    if (t->files == 0)
        fprintf(stderr, ": no MIDI files there (.mid, .midi, .kar, .rmi)");
    else
        fprintf(stderr, " (%zu MIDI files, %zu read): see the skip reasons above; --meter, "
                        "--track, --bars and --steps-per-bar change what is kept",
                t->files, t->files_read);
    fprintf(stderr, "; %s not written\n", o->out);
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: morphvae data --repr melody|drums|roll|groove --bars N\n"
            "         [--steps-per-bar 16] [--transpose N] [--track NAME[,NAME...]]\n"
            "         [--pitches LO-HI] [--meter N/D] [--meter-table CSV] [--chords]\n"
            "         [--seed S] [--split 0.8,0.1,0.1] [--quiet] [--verbose]\n"
            "         DIR_OR_FILE... -o CORPUS\n"
            "Reads every .mid .midi .kar .rmi file under the folders (sorted), extracts\n"
            "windows of N bars with a one-bar hop and writes them to CORPUS, split into\n"
            "train/valid/test by source file. --transpose adds shifted copies of training\n"
            "windows; --meter or a meter table (POP909 index.csv) replaces the files' time\n"
            "signatures. --pitches sets the pitch range of melody and roll models (default\n"
            "21-108; notes outside it are dropped and counted). --verbose prints one line\n"
            "per file (read or skipped, and why); --chords (melody) stores the chord of\n"
            "every step: from a chord_midi.txt beside the file (POP909's annotation:\n"
            "'start end chord' in seconds) or recognised per beat from its tracks other\n"
            "than --track's; --repr groove keeps the drums' hits with their velocity and\n"
            "their distance from the 16th grid (GrooVAE; the summary shows both per\n"
            "instrument);\n"
            "--quiet hides the progress bar.\n");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* Three fractions from 0 to 1 summing to 1 (within 0.001); NaN is none
 * (it passed every comparison, and "nan,0,0" made an empty corpus). */
static int parse_split(const char *s, double *out)
{
    char *end;
    double sum = 0;
    for (int k = 0; k < MV_SPLITS; k++) {
        out[k] = strtod(s, &end);
        if (end == s || !(out[k] >= 0 && out[k] <= 1) || (k < 2 && *end != ',') ||
            (k == 2 && *end))
            return -1;
        sum += out[k];
        s = end + 1;
    }
    if (sum < 0.999 || sum > 1.001) return -1;
    return 0;
}

static int bad_option(const char *opt, const char *value, const char *expected)
{
    fprintf(stderr, "morphvae data: %s '%s': expected %s\n", opt, value ? value : "", expected);
    return 2;
}

static int parse_options(int argc, char **argv, data_options *o, str_list *inputs)
{
    memset(o, 0, sizeof *o);
    o->cfg.repr = UINT32_MAX;
    o->cfg.steps_per_bar = 16;
    o->cfg.min_pitch = 21;
    o->cfg.n_pitches = 88;
    o->split[0] = 0.8;
    o->split[1] = 0.1;
    o->split[2] = 0.1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
            continue;
        } else if (!strcmp(a, "--verbose")) {
            o->verbose = 1;
            continue;
        } else if (!strcmp(a, "--chords")) {
            o->chords = 1;
            continue;
        } else if (a[0] != '-') {
            if (str_list_add(inputs, a)) return 1;
            continue;
        }
        if (!v) return cli_misuse("data", "%s needs a value", a);
        i++;
        if (!strcmp(a, "--repr")) {
            o->cfg.repr = !strcmp(v, "melody") ? MV_REPR_MELODY
                          : !strcmp(v, "drums") ? MV_REPR_DRUMS
                          : !strcmp(v, "roll")  ? MV_REPR_ROLL
                          : !strcmp(v, "groove") ? MV_REPR_GROOVE
                                                : UINT32_MAX;
            if (o->cfg.repr == UINT32_MAX)
                return bad_option(a, v, "melody, drums, roll or groove");
        } else if (!strcmp(a, "--bars")) {
            if (parse_int(v, 1, 64, &o->cfg.n_bars)) return bad_option(a, v, "1..64");
        } else if (!strcmp(a, "--steps-per-bar")) {
            if (parse_int(v, 1, 256, &o->cfg.steps_per_bar)) return bad_option(a, v, "1..256");
        } else if (!strcmp(a, "--transpose")) {
            if (parse_int(v, 0, 24, &o->cfg.max_transpose)) return bad_option(a, v, "0..24");
        } else if (!strcmp(a, "--track")) {
            o->cfg.track_name = v;
        } else if (!strcmp(a, "--pitches")) {
            int lo, hi;
            char extra;
            if (sscanf(v, "%d-%d%c", &lo, &hi, &extra) != 2 || lo < 0 || hi > 127 || hi < lo)
                return bad_option(a, v, "a pitch range LO-HI within 0-127, e.g. 36-84");
            o->cfg.min_pitch = lo;
            o->cfg.n_pitches = hi - lo + 1;
        } else if (!strcmp(a, "--meter")) {
            int num, den;
            char extra;
            if (sscanf(v, "%d/%d%c", &num, &den, &extra) != 2 || !(n = meter_steps(num, den)))
                return bad_option(a, v, "a meter such as 4/4 or 6/8");
            o->meter_steps = n;
        } else if (!strcmp(a, "--meter-table")) {
            o->meter_table = v;
        } else if (!strcmp(a, "--seed")) {
            if (cli_u64("data", a, v, &o->seed)) return 2;
        } else if (!strcmp(a, "--split")) {
            if (parse_split(v, o->split))
                return bad_option(a, v,
                                  "three fractions from 0 to 1 summing to 1, e.g. 0.8,0.1,0.1");
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->out = v;
        } else {
            return cli_unknown_option("data", a);
        }
    }
    if (o->cfg.repr == UINT32_MAX) return cli_required("data", "--repr melody|drums|roll|groove");
    if (!o->cfg.n_bars) return cli_required("data", "--bars N");
    if (!o->out) return cli_required("data", "-o CORPUS.bin");
    if (!inputs->n) return cli_required("data", "at least one input (a MIDI file or folder)");
    if (o->chords && o->cfg.repr != MV_REPR_MELODY)
        return cli_misuse("data", "--chords: only melody corpora hold chords (not %s)",
                          repr_name(o->cfg.repr));
    char err[200];
    if (extract_config_check(&o->cfg, err, sizeof err)) {
        fprintf(stderr, "morphvae data: %s\n", err);
        return 2;
    }
    return -1; /* go on */
}

/* Adds the MIDI files under dir (midi_folder_list) to out, each keyed by its
 * path below the folder the user named (key_at: that folder's length with its
 * separator), so that the split does not depend on how the folder was spelled. */
static int add_folder(const char *dir, str_list *out, size_t key_at, size_t *unreadable)
{
    mv_midi_paths found = {0};
    int rc = midi_folder_list(dir, &found, "morphvae data");
    for (size_t i = 0; i < found.n && !rc; i++) rc = str_list_add_keyed(out, found.paths[i], key_at);
    *unreadable += found.unreadable;
    midi_paths_free(&found);
    return rc;
}

static int collect_inputs(const str_list *inputs, str_list *files, size_t *unreadable)
{
    for (size_t i = 0; i < inputs->n; i++) {
        struct stat st;
        if (stat(inputs->items[i], &st) != 0) {
            fprintf(stderr, "morphvae data: %s: %s\n", inputs->items[i], strerror(errno));
            return -1;
        }
        const char *given = inputs->items[i], *slash = strrchr(given, '/');
        size_t len = strlen(given);
        size_t key_at = S_ISDIR(st.st_mode) ? len + (len && given[len - 1] == '/' ? 0 : 1)
                        : slash                ? (size_t)(slash + 1 - given)
                                               : 0;
        if (S_ISDIR(st.st_mode) ? add_folder(given, files, key_at, unreadable)
                                : str_list_add_keyed(files, given, key_at)) {
            fprintf(stderr, "morphvae data: out of memory listing %s\n", inputs->items[i]);
            return -1;
        }
    }
    return 0;
}

int cmd_data(int argc, char **argv)
{
    data_options o;
    str_list inputs = {0}, files = {0};
    meter_table mt = {0};
    tally t = {0};
    window_sink sink = {0};
    int rc = parse_options(argc, argv, &o, &inputs);
    if (rc >= 0) goto done;
    rc = 1;
    if (collect_inputs(&inputs, &files, &t.entries_unreadable)) goto done;
    if (o.meter_table && meter_table_load(o.meter_table, &mt)) goto done;
    uint32_t n_classes = o.cfg.repr == MV_REPR_MELODY   ? (uint32_t)o.cfg.n_pitches + 2
                         : o.cfg.repr == MV_REPR_DRUMS  ? 512u
                         : o.cfg.repr == MV_REPR_GROOVE ? (uint32_t)MV_GROOVE_STEP_BYTES
                                                        : 2u * (uint32_t)o.cfg.n_pitches;
    uint32_t min_pitch = extract_is_drums(o.cfg.repr) ? 0 : (uint32_t)o.cfg.min_pitch;
    char err[512];
    sink.o = &o;
    sink.t = &t;
    sink.writer = corpus_writer_open(o.out, o.cfg.repr, n_classes, min_pitch,
                                     (uint32_t)o.cfg.n_bars, (uint32_t)o.cfg.steps_per_bar, err,
                                     sizeof err);
    if (!sink.writer) {
        fprintf(stderr, "morphvae data: %s\n", err);
        goto done;
    }
    if (o.chords && (corpus_writer_set_chords(sink.writer) ||
                     !(sink.chords = malloc((size_t)o.cfg.n_bars * o.cfg.steps_per_bar)))) {
        corpus_writer_discard(sink.writer);
        fprintf(stderr, "morphvae data: out of memory\n");
        goto done;
    }
    t.files = files.n;
    double started = cli_now();
    cli_progress progress;
    cli_progress_start(&progress, "data", "files", files.n, o.quiet);
    for (size_t i = 0; i < files.n; i++) {
        process_file(&o, &mt, files.items[i], files.items[i] + files.key_at[i], &sink, &t);
        cli_progress_update(&progress, i + 1);
    }
    cli_progress_done(&progress);
    if (t.windows[0] + t.windows[1] + t.windows[2] == 0) {
        corpus_writer_discard(sink.writer);
        print_summary(&o, &t, cli_now() - started);
        report_no_windows(&o, &inputs, &t);
        goto done;
    }
    if (corpus_writer_close(sink.writer, err, sizeof err)) {
        fprintf(stderr, "morphvae data: %s\n", err);
        goto done;
    }
    print_summary(&o, &t, cli_now() - started);
    cli_wrote(o.out, NULL);
    rc = 0;
done:
    for (int k = 0; k < MV_SPLITS; k++) free(sink.seen[k].slots);
    free(sink.chords);
    tally_free(&t);
    free(mt.items);
    str_list_free(&files);
    str_list_free(&inputs);
    return rc;
}
