/* Refined MIDI file anchors in the real plugin, through lilv: the anchor z the
 * plugin stores for a file is bit for bit the z of core's refine_window on the
 * file's first MELODY window and the z `morphvae encode --refine` writes for
 * it, and the plugin playing it (morph 0, greedy, exact ends off) reproduces
 * the window's onsets at least as well as the same plugin playing mu. Exact
 * ends: with the toggle on, morph 0 plays the window itself, and so does a
 * fresh instance given the saved state (which stores the window's tokens),
 * and an anchor given as a vector with its window (patch:Set anchorAZ and
 * anchorATokens, as the presets are made), after a state round trip too.
 * usage: test_plugin_refine BUNDLE_DIR MODEL ANCHOR_MID MORPHVAE TMP_DIR [inexact]
 * inexact: the model is known not to decode the window exactly (a small random
 * model), so exact ends must change what is played. */
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

/* Anchor A's vector and window as save() stores them (hex text, state.c). */
typedef struct saved_anchor {
    uint32_t z_key, tokens_key; /* the URIDs of anchorAZ and anchorATokens */
    float z[MV_MAX_SIZE];
    int32_t tokens[1024];
    int n_z, n_tokens;
} saved_anchor;

/* Hex words of `digits` digits in text; the number read (at most max). */
static int parse_words(const char *text, size_t size, int digits, uint32_t *out, int max)
{
    size_t length = strnlen(text, size);
    int n = 0;
    for (; (size_t)(n + 1) * (size_t)digits <= length && n < max; n++) {
        char word[9];
        memcpy(word, text + (size_t)n * (size_t)digits, (size_t)digits);
        word[digits] = '\0';
        out[n] = (uint32_t)strtoul(word, NULL, 16);
    }
    return n;
}

static LV2_State_Status store_anchor(LV2_State_Handle handle, uint32_t key, const void *value,
                                     size_t size, uint32_t type, uint32_t flags)
{
    (void)type;
    (void)flags;
    saved_anchor *s = handle;
    static uint32_t words[MV_MAX_SIZE];
    if (key == s->z_key) {
        s->n_z = parse_words(value, size, 8, words, MV_MAX_SIZE);
        memcpy(s->z, words, (size_t)s->n_z * sizeof(float));
    } else if (key == s->tokens_key) {
        s->n_tokens = parse_words(value, size, 4, words, 1024);
        for (int i = 0; i < s->n_tokens; i++) s->tokens[i] = (int32_t)words[i];
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

/* Plays a fresh instance restored from state at morph 0 with exact ends on;
 * the steps whose onset is the window's. */
static int restored_right(void *state, const int32_t *tokens, int seq_len, int min_pitch)
{
    int played[256];
    session s = {.host = open_host()};
    if (!s.host || host_restore_state(s.host, state)) return -1;
    host_set_control(s.host, "exactEnds", 1.0f);
    play_onsets(&s, seq_len, played);
    host_close(s.host);
    session_free(&s);
    return onsets_right(tokens, played, seq_len, min_pitch);
}

int main(int argc, char **argv)
{
    if (argc != 6 && !(argc == 7 && !strcmp(argv[6], "inexact"))) {
        fprintf(stderr, "usage: %s BUNDLE_DIR MODEL ANCHOR_MID MORPHVAE TMP_DIR [inexact]\n",
                argv[0]);
        return 2;
    }
    bool inexact = argc == 7;
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
    mv_decoder *d = decoder_create(&m, 1);
    mv_refine *r = d ? refine_create(d) : NULL;
    float z[MV_MAX_SIZE], mu[MV_MAX_SIZE];
    mv_refine_report rep;
    mv_refine_options o = refine_defaults();
    CHECK(r && refine_window(r, window_tokens(tokens), &o, z, mu, &rep) == 0);
    printf("core: greedy %d -> %d of %d tokens right after %d steps%s\n", rep.correct_start,
           rep.correct, seq_len, rep.steps, rep.kept_start ? " (kept mu)" : "");

    /* The plugin's anchor vector for the file. */
    session refined = {.host = open_host()}, plain = {.host = open_host()};
    if (!refined.host || !plain.host) return 2;
    host_send_path(refined.host, 0, MV_PLUGIN_NS "model", model_path);
    host_send_path(refined.host, 0, MV_PLUGIN_NS "anchorAFile", anchor_mid);
    session_block(&refined, 256);
    static saved_anchor saved;
    saved.z_key = host_map(refined.host, MV_PLUGIN_NS "anchorAZ");
    saved.tokens_key = host_map(refined.host, MV_PLUGIN_NS "anchorATokens");
    CHECK(host_call_save(refined.host, store_anchor, &saved) == 0);
    CHECK_MSG(saved.n_z == z_size && !memcmp(saved.z, z, sizeof(float) * (size_t)z_size),
              "the plugin's anchor is not core's refined z (%d values)", saved.n_z);
    CHECK_MSG(saved.n_tokens == seq_len &&
                  !memcmp(saved.tokens, tokens, sizeof(int32_t) * (size_t)seq_len),
              "the state does not hold the anchor's window (%d tokens)", saved.n_tokens);

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
    int played_refined[256], played_mu[256], played_exact[256];
    host_set_control(refined.host, "exactEnds", 0.0f);
    host_set_control(plain.host, "exactEnds", 0.0f);
    play_onsets(&refined, seq_len, played_refined);
    play_onsets(&plain, seq_len, played_mu);
    int right_refined = onsets_right(tokens, played_refined, seq_len, (int)hp->min_pitch);
    int right_mu = onsets_right(tokens, played_mu, seq_len, (int)hp->min_pitch);
    printf("played onsets right of %d steps: refined %d, mu %d\n", seq_len, right_refined,
           right_mu);
    CHECK_MSG(right_refined >= right_mu, "the refined anchor plays %d steps right, mu %d",
              right_refined, right_mu);
    CHECK(session_count_on(&refined, 0, refined.frame) > 0);

    /* Exact ends: the window itself, which the model does not decode exactly. */
    if (inexact)
        CHECK_MSG(right_refined < seq_len, "the model plays the window exactly: no test of "
                                           "exact ends with it");
    host_set_control(refined.host, "exactEnds", 1.0f);
    play_onsets(&refined, seq_len, played_exact);
    int right_exact = onsets_right(tokens, played_exact, seq_len, (int)hp->min_pitch);
    CHECK_MSG(right_exact == seq_len, "exact ends played %d of %d steps right", right_exact,
              seq_len);
    void *state = host_save_state(refined.host);
    right_exact = state ? restored_right(state, tokens, seq_len, (int)hp->min_pitch) : -1;
    CHECK_MSG(right_exact == seq_len, "restored: exact ends played %d of %d steps right",
              right_exact, seq_len);
    host_free_state(state);

    /* A vector anchor with its window, as a preset gives it. */
    session vector = {.host = open_host()};
    if (!vector.host) return 2;
    char window_text[256 * 4 + 1];
    for (int i = 0; i < seq_len; i++) snprintf(window_text + 4 * i, 5, "%04x", (unsigned)tokens[i]);
    host_send_path(vector.host, 0, MV_PLUGIN_NS "model", model_path);
    host_send_vector(vector.host, 0, MV_PLUGIN_NS "anchorAZ", z, (uint32_t)z_size);
    host_send_string(vector.host, 0, MV_PLUGIN_NS "anchorATokens", window_text);
    host_set_control(vector.host, "exactEnds", 1.0f);
    play_onsets(&vector, seq_len, played_exact);
    right_exact = onsets_right(tokens, played_exact, seq_len, (int)hp->min_pitch);
    CHECK_MSG(right_exact == seq_len, "vector with its window: %d of %d steps right",
              right_exact, seq_len);
    state = host_save_state(vector.host);
    right_exact = state ? restored_right(state, tokens, seq_len, (int)hp->min_pitch) : -1;
    CHECK_MSG(right_exact == seq_len, "vector restored: %d of %d steps right", right_exact,
              seq_len);
    host_free_state(state);
    /* A window that does not fit the model is refused and changes nothing. */
    host_send_string(vector.host, 0, MV_PLUGIN_NS "anchorATokens", "0002");
    session_block(&vector, 256);
    CHECK_MSG(strstr(host_log(vector.host), "notes not changed"), "log: %s",
              host_log(vector.host));
    play_onsets(&vector, seq_len, played_exact);
    CHECK(onsets_right(tokens, played_exact, seq_len, (int)hp->min_pitch) == seq_len);
    host_close(vector.host);
    session_free(&vector);

    host_close(refined.host);
    host_close(plain.host);
    session_free(&refined);
    session_free(&plain);
    refine_free(r);
    decoder_free(d);
    weights_free(w);
    return check_report();
}
