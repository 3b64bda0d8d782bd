/* make_presets BUNDLE_DIR OUT_BUNDLE PAIRS_FILE DATA_DIR: writes the presets
 * bundle. For each line "name|label|A.mid|B.mid[|MODEL]" of PAIRS_FILE, both
 * files are encoded with the bundle's model MODEL (a file name in the plugin's
 * bundle; default model.mvae) as the plugin encodes a MIDI anchor (the first
 * varied window of each, refined), the real plugin is given
 * the model (patch:Set model, when not the default), the two vectors as
 * anchors (patch:Set anchorAZ / anchorBZ) with the windows they came from
 * (anchorATokens / anchorBTokens: the notes Exact ends plays) named after
 * their songs and bars (patch:Set anchorALabel / anchorBLabel: the POP909
 * index's title and artist, else the file; ", bar N"), and its state is saved as a preset through
 * lilv: the preset holds the model's file name, the vectors and the windows,
 * not the files. A last field "follow" saves the preset with Chords = Follow
 * input (a chord model's presets: they play to the chords on the track).
 * A pair the model plays as silence at morph 0, 0.5 or 1 is
 * skipped; fewer than 8 presets of the default model, or 3 of another, fail. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "lilv_host.h"
#include "messages.h"
#include "token_text.h"

#define MIN_PRESETS 8       /* of the default model */
#define MIN_MODEL_PRESETS 3 /* of each other model of the bundle */
#define MAX_MODELS 8
#define DEFAULT_MODEL "model.mvae"

/* The window as text for patch:Set anchorATokens (token_text.h). */
typedef char window_text[MV_MAX_ANCHOR_TOKENS * MV_TOKEN_TEXT_DIGITS + 1];

/* What an anchor is called: for pop909/NNN/NNN.mid the song's title and
 * artist from pop909/index.csv (song_id,name,artist,...), "Bach chorale" and
 * the file for jsb/, else the file's path under the data folder. */
static void song_name(const char *data_dir, const char *file, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s", file);
    char id[16];
    if (sscanf(file, "pop909/%15[0-9]/", id) == 1) {
        char index[2048], line[1024];
        snprintf(index, sizeof index, "%s/pop909/index.csv", data_dir);
        FILE *f = fopen(index, "r");
        size_t id_len = strlen(id);
        while (f && fgets(line, sizeof line, f)) {
            if (strncmp(line, id, id_len) || line[id_len] != ',') continue;
            char *name = strtok(line + id_len + 1, ","), *artist = strtok(NULL, ",");
            if (name && artist) snprintf(out, out_size, "%s - %s (POP909 %s)", name, artist, id);
            break;
        }
        if (f) fclose(f);
    } else if (!strncmp(file, "jsb/", 4)) {
        const char *base = strrchr(file, '/') + 1;
        snprintf(out, out_size, "Bach chorale (JSB %.*s)", (int)strcspn(base, "."), base);
    }
}

/* Encodes a file's anchor (z, its window as text) and names it after its song
 * and the bar its window starts at. */
static int encode(mv_engine *e, const char *data_dir, const char *file, float *z,
                  char *notes, char *name, size_t name_size)
{
    char path[2048], err[1024];
    uint32_t bar = 0;
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    if (engine_anchor_from_file(e, MV_SLOT_ANCHOR_A, path, &bar, err, sizeof err)) {
        fprintf(stderr, "make_presets: %s\n", err);
        return -1;
    }
    memcpy(z, engine_anchor_z(e, MV_SLOT_ANCHOR_A), (size_t)engine_info(e)->z_size * sizeof *z);
    const int32_t *window = engine_anchor_window(e, MV_SLOT_ANCHOR_A);
    if (window) token_text_write(window, engine_window_tokens(e), notes);
    else notes[0] = '\0';
    song_name(data_dir, file, name, name_size);
    const size_t n = strlen(name);
    snprintf(name + n, name_size - n, ", bar %u", bar + 1);
    return 0;
}

/* Note-ons the plugin plays in the first two bars at a morph value. */
static int notes_in_two_bars(mv_host *h, float morph)
{
    static mv_host_midi_event midi[1024];
    int n_midi = 0, notes = 0;
    host_set_control(h, "morph", morph);
    host_send_position(h, 0, 0, 0, 120, 0);
    for (int i = 0; i < 8; i++) host_run(h, 512, midi, 1024, &n_midi);
    host_send_position(h, 0, 0, 0, 120, 1);
    for (int i = 0; i < 2 * 96000 / 512; i++) {
        host_run(h, 512, midi, 1024, &n_midi);
        for (int k = 0; k < n_midi; k++) notes += (midi[k].msg[0] & 0xF0) == 0x90;
    }
    host_send_position(h, 0, 0, 0, 120, 0);
    host_run(h, 512, midi, 1024, &n_midi);
    return notes;
}

/* Returns 0 when written, 1 when skipped (silent somewhere), -1 on error. */
static int make_preset(const char *bundle, const char *out, const char *name, const char *label,
                       int follow,
                       const mv_engine *e, const float *za, const float *zb,
                       const char *window_a, const char *window_b, const char *song_a,
                       const char *song_b)
{
    char err[1024];
    mv_host *h = host_open(bundle, 48000, 512, err, sizeof err);
    if (!h) {
        fprintf(stderr, "make_presets: %s\n", err);
        return -1;
    }
    const int z_size = engine_info(e)->z_size;
    const char *model = engine_info(e)->path;
    if (strcmp(strrchr(model, '/') + 1, DEFAULT_MODEL)) {
        host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    }
    host_send_vector(h, 0, MV_PLUGIN_NS "anchorAZ", za, (uint32_t)z_size);
    host_send_vector(h, 0, MV_PLUGIN_NS "anchorBZ", zb, (uint32_t)z_size);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorATokens", window_a);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorBTokens", window_b);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorALabel", song_a);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorBLabel", song_b);
    mv_host_midi_event midi[64];
    int n_midi = 0;
    host_run(h, 512, midi, 64, &n_midi);
    host_wait_worker(h);
    int rc = 0;
    int notes_a = notes_in_two_bars(h, 0.0f), notes_b = notes_in_two_bars(h, 1.0f),
        notes_mid = notes_in_two_bars(h, 0.5f);
    host_set_control(h, "morph", 0.0f);
    host_set_control(h, "chords", follow ? 1.0f : 0.0f);
    if (strstr(host_log(h), "not changed")) {
        fprintf(stderr, "make_presets: %s: the plugin refused the model or the anchors: %s", name,
                host_log(h));
        rc = -1;
    } else if (notes_a == 0 || notes_b == 0 || notes_mid == 0) {
        fprintf(stderr, "make_presets: %s skipped: the model plays %s as silence\n", name,
                notes_a == 0 ? "anchor A" : notes_b == 0 ? "anchor B" : "the midpoint");
        rc = 1;
    } else if (host_save_preset(h, out, name, label)) {
        fprintf(stderr, "make_presets: cannot write preset %s into %s\n", name, out);
        rc = -1;
    }
    host_close(h);
    return rc;
}

/* The engine of a model of the bundle, loaded when the pairs move to another
 * model; NULL (with a message) when it cannot be. */
static mv_engine *model_engine(mv_engine **current, const char *bundle, const char *file)
{
    char path[PATH_MAX + 256], err[1024];
    snprintf(path, sizeof path, "%s/%s", bundle, file);
    if (*current && !strcmp(engine_info(*current)->path, path)) return *current;
    engine_free(*current);
    *current = engine_load(path, err, sizeof err);
    if (!*current) fprintf(stderr, "make_presets: %s\n", err);
    return *current;
}

/* Presets made per model file, to check each model has enough. */
typedef struct model_count {
    char file[256];
    int presets;
} model_count;

static int check_counts(const model_count *counts, int n_models, const char *pairs)
{
    for (int i = 0; i < n_models; i++) {
        int wanted = strcmp(counts[i].file, DEFAULT_MODEL) ? MIN_MODEL_PRESETS : MIN_PRESETS;
        if (counts[i].presets < wanted) {
            fprintf(stderr, "make_presets: only %d presets of %s, at least %d wanted: add pairs "
                            "to %s\n",
                    counts[i].presets, counts[i].file, wanted, pairs);
            return 1;
        }
        printf("make_presets: %d presets of %s\n", counts[i].presets, counts[i].file);
    }
    return 0;
}

static void count_preset(model_count *counts, int *n_models, const char *file)
{
    int i = 0;
    while (i < *n_models && strcmp(counts[i].file, file)) i++;
    if (i == *n_models) {
        if (i == MAX_MODELS) return;
        snprintf(counts[i].file, sizeof counts[i].file, "%s", file);
        counts[i].presets = 0;
        (*n_models)++;
    }
    counts[i].presets++;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: make_presets BUNDLE_DIR OUT_BUNDLE PAIRS_FILE DATA_DIR\n");
        return 2;
    }
    /* The bundle's absolute path: the plugin knows its models by it (state.c). */
    char bundle[PATH_MAX];
    if (!realpath(argv[1], bundle)) {
        fprintf(stderr, "make_presets: cannot find the bundle %s\n", argv[1]);
        return 1;
    }
    const char *out = argv[2], *pairs = argv[3], *data = argv[4];
    FILE *f = fopen(pairs, "r");
    if (!f) {
        fprintf(stderr, "make_presets: cannot open %s\n", pairs);
        return 1;
    }
    static float za[MV_MAX_SIZE], zb[MV_MAX_SIZE];
    static window_text notes_a, notes_b;
    char song_a[512], song_b[512];
    model_count counts[MAX_MODELS];
    mv_engine *e = NULL;
    char line[4096];
    int n_models = 0, rc = 0, line_no = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line_no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        char *name = strtok(line, "|"), *label = strtok(NULL, "|"), *a = strtok(NULL, "|"),
             *b = strtok(NULL, "|"), *model = strtok(NULL, "|"), *extra = strtok(NULL, "|");
        const int follow = extra && !strcmp(extra, "follow");
        if (!model) model = DEFAULT_MODEL;
        if (!name || !label || !a || !b || strchr(model, '/') || (extra && !follow)) {
            fprintf(stderr,
                    "make_presets: %s:%d: expected name|label|A.mid|B.mid[|MODEL.mvae[|follow]]\n",
                    pairs, line_no);
            rc = 1;
        } else if (!model_engine(&e, bundle, model) ||
                   encode(e, data, a, za, notes_a, song_a, sizeof song_a) ||
                   encode(e, data, b, zb, notes_b, song_b, sizeof song_b)) {
            rc = 1;
        } else {
            int made = make_preset(bundle, out, name, label, follow, e, za, zb, notes_a, notes_b, song_a,
                                   song_b);
            if (made < 0) rc = 1;
            if (made == 0) {
                printf("%s: %s (%s -> %s, %s)\n", name, label, song_a, song_b, model);
                count_preset(counts, &n_models, model);
            }
        }
    }
    if (rc == 0) rc = check_counts(counts, n_models, pairs);
    fclose(f);
    engine_free(e);
    if (rc == 0) printf("make_presets: presets in %s\n", out);
    return rc;
}
