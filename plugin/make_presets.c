/* make_presets BUNDLE_DIR OUT_BUNDLE PAIRS_FILE DATA_DIR: writes the presets
 * bundle. For each line "name|label|A.mid|B.mid" of PAIRS_FILE, both files are
 * encoded with the bundle's model (the first usable window of each, as the
 * plugin encodes and refines a MIDI anchor), the real plugin is given the two
 * vectors as anchors (patch:Set anchorAZ / anchorBZ) with the windows they came
 * from (anchorATokens / anchorBTokens: the notes Exact ends plays) named after
 * their songs (patch:Set
 * anchorALabel / anchorBLabel: the POP909 index's title and artist, else the
 * file), and its state is saved as a preset through lilv: the preset holds
 * the vectors and the windows, not the files. A pair the model plays as silence at morph 0,
 * 0.5 or 1 is skipped; fewer than 8 presets fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "lilv_host.h"
#include "messages.h"
#include "token_text.h"

#define MIN_PRESETS 8

/* The window as text for patch:Set anchorATokens: at most MV_PATH_MAX - 1
 * characters (a patch message's text). */
typedef char window_text[MV_PATH_MAX];

static int encode(mv_engine *e, const char *data_dir, const char *file, float *z,
                  char *notes)
{
    char path[2048], err[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    if (engine_encode_file(e, path, z, err, sizeof err)) {
        fprintf(stderr, "make_presets: %s\n", err);
        return -1;
    }
    int n = engine_window_tokens(e);
    if (n * MV_TOKEN_TEXT_DIGITS >= MV_PATH_MAX) {
        fprintf(stderr, "make_presets: %s: windows of %d steps are too long for a patch message\n",
                e->path, n);
        return -1;
    }
    token_text_write(e->seq_tokens, n, notes);
    return 0;
}

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

/* Note-ons the plugin plays in the first two bars at a morph value. */
static int notes_in_two_bars(mv_host *h, float morph)
{
    static mv_midi_out midi[1024];
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
                       const float *za, const float *zb, int z_size, const char *window_a,
                       const char *window_b, const char *song_a, const char *song_b)
{
    char err[1024];
    mv_host *h = host_open(bundle, 48000, 512, err, sizeof err);
    if (!h) {
        fprintf(stderr, "make_presets: %s\n", err);
        return -1;
    }
    host_send_vector(h, 0, MV_PLUGIN_NS "anchorAZ", za, (uint32_t)z_size);
    host_send_vector(h, 0, MV_PLUGIN_NS "anchorBZ", zb, (uint32_t)z_size);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorATokens", window_a);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorBTokens", window_b);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorALabel", song_a);
    host_send_string(h, 0, MV_PLUGIN_NS "anchorBLabel", song_b);
    mv_midi_out midi[64];
    int n_midi = 0;
    host_run(h, 512, midi, 64, &n_midi);
    int rc = 0;
    int notes_a = notes_in_two_bars(h, 0.0f), notes_b = notes_in_two_bars(h, 1.0f),
        notes_mid = notes_in_two_bars(h, 0.5f);
    host_set_control(h, "morph", 0.0f);
    if (strstr(host_log(h), "not changed")) {
        fprintf(stderr, "make_presets: %s: the plugin refused the anchors: %s", name,
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

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: make_presets BUNDLE_DIR OUT_BUNDLE PAIRS_FILE DATA_DIR\n");
        return 2;
    }
    const char *bundle = argv[1], *out = argv[2], *pairs = argv[3], *data = argv[4];
    char model_path[2048], err[1024];
    snprintf(model_path, sizeof model_path, "%s/model.mvae", bundle);
    mv_engine *e = engine_load(model_path, err, sizeof err);
    if (!e) {
        fprintf(stderr, "make_presets: %s\n", err);
        return 1;
    }
    FILE *f = fopen(pairs, "r");
    if (!f) {
        fprintf(stderr, "make_presets: cannot open %s\n", pairs);
        engine_free(e);
        return 1;
    }
    float *za = malloc((size_t)e->z_size * sizeof(float));
    float *zb = malloc((size_t)e->z_size * sizeof(float));
    window_text notes_a, notes_b;
    char line[4096];
    int n = 0, rc = 0, line_no = 0;
    while (rc == 0 && za && zb && fgets(line, sizeof line, f)) {
        line_no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        char *name = strtok(line, "|"), *label = strtok(NULL, "|"), *a = strtok(NULL, "|"),
             *b = strtok(NULL, "|");
        if (!name || !label || !a || !b) {
            fprintf(stderr, "make_presets: %s:%d: expected name|label|A.mid|B.mid\n", pairs,
                    line_no);
            rc = 1;
        } else if (encode(e, data, a, za, notes_a) || encode(e, data, b, zb, notes_b)) {
            rc = 1;
        } else {
            char song_a[512], song_b[512];
            song_name(data, a, song_a, sizeof song_a);
            song_name(data, b, song_b, sizeof song_b);
            int made = make_preset(bundle, out, name, label, za, zb, e->z_size, notes_a, notes_b,
                                   song_a, song_b);
            if (made < 0) rc = 1;
            if (made == 0) {
                printf("%s: %s (%s -> %s)\n", name, label, song_a, song_b);
                n++;
            }
        }
    }
    if (rc == 0 && n < MIN_PRESETS) {
        fprintf(stderr, "make_presets: only %d presets, at least %d wanted: add pairs to %s\n",
                n, MIN_PRESETS, pairs);
        rc = 1;
    }
    fclose(f);
    free(za);
    free(zb);
    engine_free(e);
    if (rc == 0) printf("make_presets: %d presets in %s for %s\n", n, out, model_path);
    return rc;
}
