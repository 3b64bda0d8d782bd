/* Refined MIDI file anchors in the real plugin, through lilv: the anchor z the
 * plugin stores for a file is bit for bit the z of core's refine_window on the
 * file's first MELODY window and the z `morphvae encode --refine` writes for
 * it, and the plugin playing it (morph 0, greedy) reproduces the window's
 * onsets at least as well as the same plugin playing mu.
 * usage: test_plugin_refine BUNDLE_DIR MODEL ANCHOR_MID MORPHVAE TMP_DIR */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "extract.h"
#include "midi_read.h"
#include "model.h"
#include "refine.h"
#include "session.h"
#include "tokens.h"
#include "weights.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000 /* a 16th at 120 BPM */

static const char *bundle, *model_path, *anchor_mid, *morphvae, *tmp_dir;

typedef struct first_window {
    int32_t *tokens;
    int seq_len;
    int found;
} first_window;

static int take_first(void *ctx, const void *tokens, uint32_t bar, int32_t transpose)
{
    (void)bar;
    (void)transpose;
    first_window *w = ctx;
    memcpy(w->tokens, tokens, (size_t)w->seq_len * sizeof(int32_t));
    w->found = 1;
    return 1;
}

/* The file's first window on its MELODY track, as the plugin takes it. */
static int melody_window(const mv_hparams *hp, int32_t *tokens)
{
    mv_midi_file f;
    char err[512];
    if (midi_read_file(anchor_mid, &f, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    mv_extract_config cfg = {.repr = hp->repr,
                             .n_bars = (int)hp->n_bars,
                             .steps_per_bar = (int)hp->steps_per_bar,
                             .min_pitch = (int)hp->min_pitch,
                             .n_pitches = (int)hp->n_classes - 2,
                             .track_name = "MELODY"};
    first_window w = {tokens, (int)(hp->n_bars * hp->steps_per_bar), 0};
    mv_extract_stats st = {0};
    int rc = extract_windows(&f, &cfg, take_first, &w, &st, err, sizeof err);
    midi_file_free(&f);
    return rc < 0 || !w.found ? -1 : 0;
}

/* The anchor A vector save() stores (hex text, state.c). */
typedef struct saved_z {
    uint32_t key; /* the URID of anchorAZ */
    float z[MV_MAX_SIZE];
    int n;
} saved_z;

static LV2_State_Status store_z(LV2_State_Handle handle, uint32_t key, const void *value,
                                size_t size, uint32_t type, uint32_t flags)
{
    (void)type;
    (void)flags;
    saved_z *s = handle;
    if (key != s->key) return LV2_STATE_SUCCESS;
    const char *text = value;
    size_t length = strnlen(text, size);
    for (s->n = 0; (size_t)s->n * 8 + 8 <= length && s->n < MV_MAX_SIZE; s->n++) {
        char word[9];
        memcpy(word, text + (size_t)s->n * 8, 8);
        word[8] = '\0';
        uint32_t bits = (uint32_t)strtoul(word, NULL, 16);
        memcpy(&s->z[s->n], &bits, sizeof bits);
    }
    return LV2_STATE_SUCCESS;
}

static mv_host *open_host(void)
{
    char err[1024];
    mv_host *h = host_open(bundle, RATE, 4096, err, sizeof err);
    if (!h) fprintf(stderr, "host_open: %s\n", err);
    return h;
}

/* Plays the model's window length from bar 0 at morph 0, greedy, and writes
 * the pitch starting on each step (-1: none) into onsets[seq_len]. */
static void play_onsets(session *s, int seq_len, int *onsets)
{
    host_set_control(s->host, "morph", 0.0f);
    host_set_control(s->host, "temperature", 0.0f);
    host_send_position(s->host, 0, 0, 0, 120, 0);
    for (int i = 0; i < 8; i++) session_block(s, 512);
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, 0, 0, 120, 1);
    while (s->frame < (int64_t)seq_len * FRAMES_PER_STEP) session_block(s, 500);
    for (int i = 0; i < seq_len; i++) onsets[i] = -1;
    for (int i = 0; i < s->n; i++) {
        int64_t step = s->ev[i].frame / FRAMES_PER_STEP;
        if (is_note_on(&s->ev[i]) && step < seq_len) onsets[step] = s->ev[i].pitch;
    }
}

/* Steps whose onset (a pitch or none) is the window's. */
static int onsets_right(const int32_t *tokens, const int *onsets, int seq_len, int min_pitch)
{
    int right = 0;
    for (int i = 0; i < seq_len; i++) {
        int want = tokens[i] > MV_MELODY_NOTE_OFF ? min_pitch + tokens[i] - 2 : -1;
        right += onsets[i] == want;
    }
    return right;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s BUNDLE_DIR MODEL ANCHOR_MID MORPHVAE TMP_DIR\n", argv[0]);
        return 2;
    }
    static char paths[3][PATH_MAX];
    bundle = realpath(argv[1], paths[0]);
    model_path = realpath(argv[2], paths[1]);
    anchor_mid = realpath(argv[3], paths[2]);
    morphvae = argv[4];
    tmp_dir = argv[5];
    if (!bundle || !model_path || !anchor_mid) {
        fprintf(stderr, "%s: a path does not exist\n", argv[0]);
        return 2;
    }

    /* What core gives for the window. */
    mv_weights *w = NULL;
    mv_model m;
    char err[1024];
    if (weights_read(model_path, &w, err, sizeof err) != MV_WEIGHTS_OK ||
        model_bind_weights(&m, w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    const mv_hparams *hp = weights_hparams(w);
    int seq_len = (int)(hp->n_bars * hp->steps_per_bar), z_size = (int)hp->z_size;
    if (hp->repr != MV_REPR_MELODY || seq_len > 256 || z_size > 512) {
        fprintf(stderr, "%s: a melody model of at most 256 steps and 512 latent values is needed\n", model_path);
        return 2;
    }
    int32_t tokens[256];
    CHECK_MSG(melody_window(hp, tokens) == 0, "%s has no MELODY window", anchor_mid);
    mv_refine *r = refine_create(&m);
    float z[MV_MAX_SIZE], mu[MV_MAX_SIZE];
    mv_refine_report rep;
    mv_refine_options o = refine_defaults();
    CHECK(r && refine_window(r, tokens, &o, z, mu, &rep) == 0);
    printf("core: greedy %d -> %d of %d tokens right after %d steps%s\n", rep.correct_start,
           rep.correct, seq_len, rep.steps, rep.kept_start ? " (kept mu)" : "");

    /* The plugin's anchor vector for the file. */
    session refined = {.host = open_host()}, plain = {.host = open_host()};
    if (!refined.host || !plain.host) return 2;
    host_send_path(refined.host, 0, MV_PLUGIN_NS "model", model_path);
    host_send_path(refined.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    session_block(&refined, 256);
    static saved_z saved;
    saved.key = host_map(refined.host, MV_PLUGIN_NS "anchorAZ");
    CHECK(host_call_save(refined.host, store_z, &saved) == 0);
    CHECK_MSG(saved.n == z_size && !memcmp(saved.z, z, sizeof(float) * (size_t)z_size),
              "the plugin's anchor is not core's refined z (%d values)", saved.n);

    /* The CLI's z for the same window. */
    mkdir(tmp_dir, 0755);
    char z_file[PATH_MAX], command[4 * PATH_MAX];
    snprintf(z_file, sizeof z_file, "%s/refined-z.bin", tmp_dir);
    snprintf(command, sizeof command, "'%s' encode '%s' '%s' --track MELODY --refine -o '%s'",
             morphvae, model_path, anchor_mid, z_file);
    CHECK_MSG(system(command) == 0, "%s failed", command);
    float cli_z[MV_MAX_SIZE];
    FILE *f = fopen(z_file, "rb");
    size_t got = f ? fread(cli_z, sizeof(float), MV_MAX_SIZE, f) : 0;
    if (f) fclose(f);
    CHECK_MSG(got == (size_t)z_size && !memcmp(cli_z, z, sizeof(float) * (size_t)z_size),
              "morphvae encode --refine gives another z (%zu values)", got);

    /* Played at morph 0, greedy: the refined anchor and mu. */
    host_send_path(plain.host, 0, MV_PLUGIN_NS "model", model_path);
    host_send_vector(plain.host, 0, MV_PLUGIN_NS "anchorAZ", mu, (uint32_t)z_size);
    int played_refined[256], played_mu[256];
    play_onsets(&refined, seq_len, played_refined);
    play_onsets(&plain, seq_len, played_mu);
    int right_refined = onsets_right(tokens, played_refined, seq_len, (int)hp->min_pitch);
    int right_mu = onsets_right(tokens, played_mu, seq_len, (int)hp->min_pitch);
    printf("played onsets right of %d steps: refined %d, mu %d\n", seq_len, right_refined,
           right_mu);
    CHECK_MSG(right_refined >= right_mu, "the refined anchor plays %d steps right, mu %d",
              right_refined, right_mu);
    CHECK(session_count_on(&refined, 0, refined.frame) > 0);

    host_close(refined.host);
    host_close(plain.host);
    session_free(&refined);
    session_free(&plain);
    refine_free(r);
    weights_free(w);
    return check_report();
}
