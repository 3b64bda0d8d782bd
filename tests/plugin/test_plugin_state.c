/* LV2 state and presets of the real plugin, through lilv: a state saved from
 * one instance and restored into a fresh one plays the same notes (in memory,
 * and through a preset file on disk), with the default model and with another
 * one; a save right after a restore returns the restored state, whether the
 * plugin runs (restore() given the host's worker or not) or is deactivated;
 * a model of the plugin's bundle is saved by its file name and found again in
 * the bundle; every preset of the shipped presets bundle loads and plays, and
 * names the songs its anchors come from, and those of the piano-roll model
 * play chords.
 * usage: test_plugin_state BUNDLE_DIR ALT_MODEL ANCHOR_MID PRESETS_BUNDLE TMP_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)

static const char *bundle, *alt_model, *anchor_mid, *presets_bundle, *tmp_dir;

static mv_host *open_host(void)
{
    char err[1024];
    mv_host *h = host_open(bundle, RATE, 4096, err, sizeof err);
    if (!h) fprintf(stderr, "host_open: %s\n", err);
    return h;
}

/* Lets the worker apply what is pending (transport stopped at bar 0, so the
 * first bars get decoded), then plays n_bars from bar 0 in odd-sized blocks. */
static void record_from_start(session *s, int n_bars)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    for (int i = 0; i < 8; i++) session_block(s, 512);
    session_free(s);
    s->frame = 0;
    host_send_position(s->host, 0, 0, 0, 120, 1);
    while (s->frame < (int64_t)n_bars * FRAMES_PER_BAR) session_block(s, 333);
}

static void set_up_session(mv_host *h, const char *model)
{
    host_set_control(h, "morph", 0.35f);
    host_set_control(h, "temperature", 0.8f);
    host_set_control(h, "variation", 5);
    host_set_control(h, "transpose", 2);
    if (model) host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    host_send_int(h, 0, MV_PLUGIN_NS "anchorASeed", 11);
    host_send_path(h, 0, MV_PLUGIN_NS "anchorBFile", anchor_mid);
}

static void test_round_trip(const char *model)
{
    session a = {.host = open_host()}, b = {.host = open_host()};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    set_up_session(a.host, model);
    session_block(&a, 256);
    void *saved = host_save_state(a.host);
    CHECK(saved != NULL);
    record_from_start(&a, 4);

    CHECK(host_restore_state(b.host, saved) == 0);
    record_from_start(&b, 4);
    void *again = host_save_state(b.host);
    bool equal = host_states_equal(a.host, saved, again);
    CHECK_MSG(equal, "restored state saves differently (model %s)", model ? model : "default");
    if (!equal) {
        char *x = host_state_string(a.host, saved), *y = host_state_string(b.host, again);
        fprintf(stderr, "saved:\n%s\nrestored and saved again:\n%s\n", x, y);
        free(x);
        free(y);
    }
    CHECK_MSG(host_get_control(b.host, "morph") == 0.35f, "morph not restored");

    int notes = session_count_on(&a, 0, a.frame);
    CHECK_MSG(notes > 4, "only %d notes", notes);
    CHECK_MSG(session_same_notes(&a, &b, 0, a.frame),
              "the restored instance plays other notes (model %s)", model ? model : "default");

    /* The same through Turtle on disk: save as a preset, load it elsewhere. */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/state-%s.lv2/", tmp_dir, model ? "alt" : "default");
    mkdir(tmp_dir, 0755);
    CHECK(host_save_preset(a.host, dir, "roundtrip", "Round trip") == 0);
    /* Saving links the files a state names; it must never move or delete them. */
    CHECK_MSG(access(anchor_mid, R_OK) == 0, "saving the state removed %s", anchor_mid);
    if (model) CHECK_MSG(access(model, R_OK) == 0, "saving the state removed %s", model);
    session c = {.host = open_host()};
    if (c.host) {
        host_load_bundle(c.host, dir);
        char uri[256];
        snprintf(uri, sizeof uri, "%spreset_roundtrip", MV_PLUGIN_NS);
        CHECK_MSG(host_load_preset(c.host, uri) == 0, "cannot load the saved preset");
        record_from_start(&c, 4);
        void *loaded = host_save_state(c.host);
        bool equal_loaded = host_states_equal(c.host, saved, loaded);
        CHECK_MSG(equal_loaded, "the preset on disk restores another state (model %s)",
                  model ? model : "default");
        if (!equal_loaded) {
            char *x = host_state_string(a.host, saved), *y = host_state_string(c.host, loaded);
            fprintf(stderr, "saved:\n%s\nloaded from disk:\n%s\nlog: %s\n", x, y,
                    host_log(c.host));
            free(x);
            free(y);
        }
        host_free_state(loaded);
        CHECK_MSG(session_same_notes(&a, &c, 0, a.frame),
                  "the state saved to disk plays other notes (model %s)",
                  model ? model : "default");
        host_close(c.host);
        session_free(&c);
    } else {
        CHECK(false);
    }
    host_free_state(saved);
    host_free_state(again);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

enum restore_case { RUNNING_WITH_WORKER, RUNNING_WITHOUT_WORKER, DEACTIVATED };

/* Saved right after restore() (no run() in between): the restored state. */
static void test_save_after_restore(enum restore_case how, const char *model)
{
    static const char *names[] = {"running, restore() given the worker",
                                  "running, restore() without the worker", "deactivated"};
    session a = {.host = open_host()}, b = {.host = open_host()};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    set_up_session(a.host, model);
    for (int i = 0; i < 4; i++) session_block(&a, 256);
    void *saved = host_save_state(a.host);
    record_from_start(&b, 1); /* b plays its defaults */
    if (how == DEACTIVATED) host_deactivate(b.host);
    host_restore_state_features(b.host, saved, how == RUNNING_WITH_WORKER);
    void *again = host_save_state(b.host);
    bool equal = host_states_equal(a.host, saved, again);
    CHECK_MSG(equal, "%s, model %s: a save right after restore returns another state", names[how],
              model ? model : "default");
    if (!equal) {
        char *x = host_state_string(a.host, saved), *y = host_state_string(b.host, again);
        fprintf(stderr, "restored:\n%s\nsaved right after:\n%s\n", x, y);
        free(x);
        free(y);
    }
    if (how == DEACTIVATED) host_activate(b.host);
    record_from_start(&a, 3);
    record_from_start(&b, 3);
    CHECK_MSG(session_count_on(&a, 0, a.frame) > 0 && session_same_notes(&a, &b, 0, a.frame),
              "%s, model %s: the restored instance plays other notes", names[how],
              model ? model : "default");
    host_free_state(saved);
    host_free_state(again);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* A restore while deactivated with the worker's answer to a model change
 * still queued in the host (the worker in its own thread): the answer is
 * stale, the restored state plays, and nothing is freed twice or used after
 * it was freed (the sanitizer builds check that). state_model: the model the
 * restored state names (NULL: the bundle's), new_model: the one asked for
 * before. */
static void test_restore_with_queued_answer(const char *state_model, const char *new_model)
{
    session a = {.host = open_host()}, b = {.host = open_host()};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    set_up_session(a.host, state_model);
    for (int i = 0; i < 4; i++) session_block(&a, 256);
    void *saved = host_save_state(a.host);
    session_set_mode(b.host, "thread", 7);
    record_from_start(&b, 1);
    host_send_path(b.host, 0, MV_PLUGIN_NS "model", new_model);
    session_block(&b, 256);
    host_finish_work(b.host); /* the new model is loaded, its answer queued */
    host_deactivate(b.host);
    host_restore_state(b.host, saved);
    void *again = host_save_state(b.host);
    CHECK_MSG(host_states_equal(a.host, saved, again),
              "restored with an answer queued (state model %s, asked %s): saves another state",
              state_model ? state_model : "default", new_model);
    host_activate(b.host);
    host_wait_worker(b.host);
    record_from_start(&a, 3);
    record_from_start(&b, 3);
    host_wait_worker(b.host);
    /* From bar 2: the thread's first answers may come a little late. */
    CHECK_MSG(session_count_on(&a, FRAMES_PER_BAR, a.frame) > 0 &&
                  session_same_notes(&a, &b, FRAMES_PER_BAR, a.frame),
              "restored with an answer queued (state model %s, asked %s): plays other notes",
              state_model ? state_model : "default", new_model);
    host_free_state(saved);
    host_free_state(again);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* A model of the plugin's bundle (not the default) is saved by its file name,
 * not its path, and a fresh instance finds it in its own bundle: presets and
 * sessions made with the bundled drum or piano-roll model play it wherever the
 * bundle is installed. */
static void test_bundled_model(const char *file)
{
    char path[PATH_MAX + 64], name[128];
    snprintf(path, sizeof path, "%s/%s", bundle, file);
    snprintf(name, sizeof name, "\"%s\"", file);
    session a = {.host = open_host()}, b = {.host = open_host()};
    if (!a.host || !b.host) {
        CHECK(false);
        return;
    }
    host_send_path(a.host, 0, MV_PLUGIN_NS "model", path);
    session_block(&a, 256);
    host_wait_worker(a.host);
    void *saved = host_save_state(a.host);
    char *turtle = saved ? host_state_string(a.host, saved) : NULL;
    CHECK_MSG(turtle && strstr(turtle, "bundleModel") && strstr(turtle, name) &&
                  !strstr(turtle, bundle),
              "a state with the bundled %s names it by its path, not its file name:\n%s", file,
              turtle ? turtle : "(no state)");
    CHECK(saved && host_restore_state(b.host, saved) == 0);
    record_from_start(&a, 2);
    record_from_start(&b, 2);
    const char *reported = host_reported(b.host, MV_PLUGIN_NS "model");
    CHECK_MSG(reported && !strcmp(reported, path), "restored model %s, expected %s",
              reported ? reported : "(none)", path);
    CHECK_MSG(session_count_on(&a, 0, a.frame) > 0 && session_same_notes(&a, &b, 0, a.frame),
              "the instance restored with the bundled %s plays other notes", file);
    free(turtle);
    host_free_state(saved);
    host_close(a.host);
    host_close(b.host);
    session_free(&a);
    session_free(&b);
}

/* The most note-ons at one frame: chords strike several at once. */
static int largest_chord(const session *s)
{
    int largest = 0;
    for (int i = 0; i < s->n;) {
        int j = i, on = 0;
        for (; j < s->n && s->ev[j].frame == s->ev[i].frame; j++) on += is_note_on(&s->ev[j]);
        if (on > largest) largest = on;
        i = j;
    }
    return largest;
}

/* Every shipped preset loads and plays notes on the grid (Feel 0); presets
 * differ; presets of the piano-roll models play chords; the *Drums* presets (2
 * and 4 bars) play groove models, whose hits at Feel 1 leave the grid. */
static void test_presets(void)
{
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_load_bundle(s.host, presets_bundle);
    int n = host_preset_count(s.host);
    CHECK_MSG(n >= 8, "%d presets, expected at least 8", n);
    session first = {0};
    int same_as_first = 0, rolls = 0;
    for (int i = 0; i < n; i++) {
        const char *uri = host_preset_uri(s.host, i);
        host_clear_log(s.host);
        CHECK_MSG(host_load_preset(s.host, uri) == 0, "preset %s does not load", uri);
        host_set_control(s.host, "morph", 0.5f);
        const bool groove = !strncmp(host_preset_label(s.host, i), "Drums", 5);
        if (groove) {
            host_set_control(s.host, "feel", 1.0f);
            record_from_start(&s, 2);
            int late_or_early = 0;
            for (int e = 0; e < s.n; e++)
                if (is_note_on(&s.ev[e]) && s.ev[e].frame % FRAMES_PER_STEP) late_or_early++;
            CHECK_MSG(late_or_early > 0, "preset %s plays no hit off the grid at Feel 1", uri);
        }
        host_set_control(s.host, "feel", 0.0f);
        record_from_start(&s, 2);
        host_set_control(s.host, "feel", 1.0f);
        int notes = session_count_on(&s, 0, s.frame), off_grid = 0;
        for (int e = 0; e < s.n; e++)
            if (is_note_on(&s.ev[e]) && s.ev[e].frame % FRAMES_PER_STEP) off_grid++;
        CHECK_MSG(notes > 0 && off_grid == 0, "preset %s (%s): %d notes, %d off the grid",
                  host_preset_label(s.host, i), uri, notes, off_grid);
        CHECK_MSG(!strstr(host_log(s.host), "does not fit") &&
                      !strstr(host_log(s.host), "another model"),
                  "preset %s was made for another model than the bundle's: run "
                  "presets/make_presets.sh (%s)", uri, host_log(s.host));
        /* Labelled "Group: what", anchors named after their songs. */
        const char *label = host_preset_label(s.host, i);
        void *state = host_save_state(s.host);
        char *turtle = state ? host_state_string(s.host, state) : NULL;
        CHECK_MSG(label && strchr(label, ':'), "preset %s: label \"%s\" has no colon", uri,
                  label ? label : "");
        CHECK_MSG(turtle && strstr(turtle, "anchorALabel") && !strstr(turtle, "latent vector"),
                  "preset %s: its anchors are not named after songs", uri);
        if (turtle && (strstr(turtle, "roll_2bar.mvae") || strstr(turtle, "chorale_2bar.mvae"))) {
            rolls++;
            CHECK_MSG(largest_chord(&s) >= 2, "piano-roll preset %s plays no chord", uri);
        }
        free(turtle);
        host_free_state(state);
        if (i == 0) {
            first = s;
            s.ev = NULL;
            s.n = s.cap = 0;
        } else if (session_same_notes(&first, &s, 0, s.frame)) {
            same_as_first++;
        }
        host_send_position(s.host, 0, 0, 0, 120, 0);
        session_block(&s, 64);
    }
    CHECK_MSG(same_as_first < n - 1 || n < 2, "every preset plays the same notes");
    CHECK_MSG(rolls >= 6, "%d presets of the piano-roll models, expected at least 6", rolls);
    session_free(&first);
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s BUNDLE ALT_MODEL ANCHOR_MID PRESETS_BUNDLE TMP_DIR\n",
                argv[0]);
        return 2;
    }
    /* Absolute paths, as a host gives them (states store them). */
    static char paths[3][PATH_MAX];
    bundle = realpath(argv[1], paths[0]);
    alt_model = realpath(argv[2], paths[1]);
    anchor_mid = realpath(argv[3], paths[2]);
    presets_bundle = argv[4];
    tmp_dir = argv[5];
    if (!bundle || !alt_model || !anchor_mid) {
        fprintf(stderr, "%s: a bundle, model or MIDI path does not exist\n", argv[0]);
        return 2;
    }
    test_round_trip(NULL);
    test_round_trip(alt_model);
    for (int how = RUNNING_WITH_WORKER; how <= DEACTIVATED; how++) {
        test_save_after_restore(how, NULL);
        test_save_after_restore(how, alt_model);
    }
    char default_model[PATH_MAX + 16];
    snprintf(default_model, sizeof default_model, "%s/model.mvae", bundle);
    test_restore_with_queued_answer(alt_model, alt_model);
    test_restore_with_queued_answer(NULL, alt_model);
    test_restore_with_queued_answer(alt_model, default_model);
    test_bundled_model("roll_2bar.mvae");
    test_bundled_model("drums_2bar.mvae");
    test_bundled_model("chorale_2bar.mvae");
    test_presets();
    return check_report();
}
