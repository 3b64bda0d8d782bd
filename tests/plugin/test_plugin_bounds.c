/* The real plugin under hostile host input: positions with absurd tempo,
 * speed, bar or meter; controls and patch values far outside their declared
 * ranges; temperature 1e-40; an output buffer far below the declared minimum
 * (64 bytes, 8192-frame blocks, a drum model hitting many notes at once); a
 * FIFO and a directory given as the model. run() must always return, write
 * only well-formed events, leave no note sounding once stopped, and keep
 * playing afterwards. Each case runs in a child process with a watchdog, so
 * that a call that never returns fails that case and the others still run.
 * usage: test_plugin_bounds BUNDLE_DIR DRUM_MODEL TMP_DIR */
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_STEP 6000
#define FRAMES_PER_BAR (16 * FRAMES_PER_STEP)
#define MAX_BLOCK 8192

static const char *bundle, *drum_model, *tmp_dir;
static const char *watched = "";

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_plugin_bounds: a plugin call did not return within 60 s: ";
    ssize_t w = write(2, msg, sizeof msg - 1);
    w = write(2, watched, strlen(watched));
    w = write(2, "\n", 1);
    (void)w;
    _exit(1);
}

static void watch(const char *what)
{
    watched = what;
    alarm(60);
}

/* Runs one case in a child process; its failures (or a hang) fail the test. */
static void run_case(const char *what, void (*fn)(const void *), const void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        check_failures = 0; /* the child's own */
        signal(SIGALRM, on_alarm);
        watch(what);
        fn(arg);
        fflush(NULL);
        _exit(check_failures ? 1 : 0);
    }
    int status = 0;
    CHECK_MSG(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0,
              "case \"%s\" failed", what);
}

static mv_host *open_host(void)
{
    char err[1024];
    mv_host *h = host_open(bundle, RATE, MAX_BLOCK, err, sizeof err);
    if (!h) fprintf(stderr, "host_open: %s\n", err);
    return h;
}

/* Stops the transport and runs a few blocks: every note must have ended. */
static int sounding_after_stop(session *s, int blocks)
{
    host_send_position(s->host, 0, 0, 0, 120, 0);
    for (int i = 0; i < blocks; i++) session_block(s, 512);
    char why[256] = "";
    int n = session_sounding(s, why, sizeof why);
    if (n < 0) fprintf(stderr, "pairing: %s\n", why);
    return n;
}

/* Plays two bars from bar 0 at 120 BPM; returns the note-ons. */
static int notes_in_two_bars(session *s)
{
    host_send_position(s->host, 0, 0, 0, 120, 1);
    int64_t from = s->frame;
    while (s->frame < from + 2 * FRAMES_PER_BAR) session_block(s, 1024);
    return session_count_on(s, from, s->frame);
}

/* A time:Position field set to an absurd value, then a sane position: run()
 * returns, the output stays valid, and the plugin plays on. */
typedef struct position_case {
    const char *what;
    mv_position p;
} position_case;

static void test_absurd_position(const void *arg)
{
    const char *what = ((const position_case *)arg)->what;
    mv_position p = ((const position_case *)arg)->p;
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_position(s.host, 0, 0, 0, 120, 1);
    for (int i = 0; i < 40; i++) session_block(&s, 1024); /* notes are sounding */
    host_send_position_fields(s.host, 17, &p);
    for (int i = 0; i < 8; i++) session_block(&s, MAX_BLOCK);
    host_send_position_fields(s.host, 3, &p); /* twice: now it is not a change */
    for (int i = 0; i < 8; i++) session_block(&s, MAX_BLOCK);
    int notes = notes_in_two_bars(&s);
    int sounding = sounding_after_stop(&s, 2);
    CHECK_MSG(s.bad_blocks == 0, "%s: %d malformed output blocks", what, s.bad_blocks);
    CHECK_MSG(notes > 0, "%s: silent afterwards", what);
    CHECK_MSG(sounding == 0, "%s: %d notes sounding after stop", what, sounding);
    host_close(s.host);
    session_free(&s);
}

static void test_absurd_positions(void)
{
    const double nan = NAN;
    static position_case cases[] = {
        {"bpm 1e300 (double)", {0, 0, 4, 4, 1e300, 1, true}},
        {"speed 1e300 (double)", {0, 0, 4, 4, 120, 1e300, true}},
        {"bpm 3e38 (float)", {0, 0, 4, 4, 3e38, 1, false}},
        {"bpm and speed 3e38 (float)", {0, 0, 4, 4, 3e38, 3e38, false}},
        {"bar 1e300", {1e300, 0, 4, 4, 120, 1, true}},
        {"bar -1e300", {-1e300, 0, 4, 4, 120, 1, true}},
        {"barBeat 1e30", {3, 1e30, 4, 4, 120, 1, true}},
        {"beatsPerBar 1e-30", {0, 0, 1e-30, 4, 120, 1, true}},
        {"beatsPerBar 1e30", {0, 0, 1e30, 4, 120, 1, true}},
        {"beatUnit 1e9", {0, 0, 4, 1e9, 120, 1, true}},
        {"beatUnit 1e-9", {0, 0, 4, 1e-9, 120, 1, true}},
        {"bpm 1e-300", {0, 0, 4, 4, 1e-300, 1, true}},
        {"speed -1e300", {0, 0, 4, 4, 120, -1e300, true}},
        {"NaN everywhere", {0, 0, 0, 0, 0, 0, true}},
    };
    int n = (int)(sizeof cases / sizeof cases[0]);
    cases[n - 1].p = (mv_position){nan, nan, nan, nan, nan, nan, true};
    for (int i = 0; i < n; i++) run_case(cases[i].what, test_absurd_position, &cases[i]);
}

/* Controls and patch values outside their ranges: valid MIDI, nothing stuck. */
static void test_absurd_controls(const void *unused)
{
    (void)unused;
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    const char *symbols[] = {"morph", "density", "register", "range", "syncopation",
                             "temperature", "variation", "phrase_bars", "velocity",
                             "channel", "transpose", "key", "scale"};
    const float values[] = {1e30f, -1e30f, NAN, INFINITY, -INFINITY, 3e38f, -0.0f, 1e-40f};
    host_send_double(s.host, 0, MV_PLUGIN_NS "anchorASeed", 1e300);
    host_send_double(s.host, 0, MV_PLUGIN_NS "anchorBSeed", -1e300);
    host_send_position(s.host, 0, 0, 0, 120, 1);
    int bad_events = 0;
    for (int v = 0; v < 8; v++) {
        for (int i = 0; i < 13; i++) host_set_control(s.host, symbols[i], values[v]);
        int from = s.n;
        for (int b = 0; b < 24; b++) session_block(&s, 1000);
        for (int e = from; e < s.n; e++)
            if (s.ev[e].velocity > 127 || s.ev[e].pitch > 127) bad_events++;
    }
    for (int i = 0; i < 13; i++) host_set_control(s.host, symbols[i], 0.0f);
    host_set_control(s.host, "velocity", 100.0f);
    host_set_control(s.host, "channel", 1.0f);
    host_set_control(s.host, "phrase_bars", 2.0f);
    int notes = notes_in_two_bars(&s);
    int sounding = sounding_after_stop(&s, 2);
    CHECK_MSG(s.bad_blocks == 0 && bad_events == 0, "%d malformed blocks, %d bad events",
              s.bad_blocks, bad_events);
    CHECK_MSG(notes > 0, "silent after absurd controls");
    CHECK_MSG(sounding == 0, "%d notes sounding after stop", sounding);
    host_close(s.host);
    session_free(&s);
}

/* A non-finite control reads as a stated end: NaN as the default, +Inf as
 * the maximum, -Inf as the minimum (docs/plugin.md): the notes are those of
 * that value, with the other controls off their defaults so that it shows. */
typedef struct control_case {
    const char *symbol;
    float min, max, def;
} control_case;

static void set_base_controls(mv_host *h)
{
    host_set_control(h, "morph", 0.4f);
    host_set_control(h, "temperature", 0.5f);
    host_set_control(h, "density", 1.0f);
}

static void test_nonfinite_control(const void *arg)
{
    const control_case *c = arg;
    const float values[3] = {NAN, INFINITY, -INFINITY}, ends[3] = {c->def, c->max, c->min};
    for (int v = 0; v < 3; v++) {
        session odd = {.host = open_host()}, end = {.host = open_host()};
        if (!odd.host || !end.host) {
            CHECK(false);
            return;
        }
        set_base_controls(odd.host);
        set_base_controls(end.host);
        host_set_control(odd.host, c->symbol, values[v]);
        host_set_control(end.host, c->symbol, ends[v]);
        notes_in_two_bars(&odd);
        notes_in_two_bars(&end);
        notes_in_two_bars(&odd);
        notes_in_two_bars(&end);
        CHECK_MSG(session_same_notes(&odd, &end, FRAMES_PER_BAR, end.frame),
                  "%s = %g plays other notes than %s = %g", c->symbol, values[v], c->symbol,
                  ends[v]);
        /* (An end may be silent, e.g. density -4; the default is not.) */
        CHECK_MSG(!isnan(values[v]) || session_count_on(&end, 0, end.frame) > 0,
                  "%s = %g: silent", c->symbol, ends[v]);
        host_close(odd.host);
        host_close(end.host);
        session_free(&odd);
        session_free(&end);
    }
}

static void test_nonfinite_controls(void)
{
    static const control_case controls[] = {
        {"morph", 0, 1, 0},         {"density", -4, 4, 0},     {"register", -4, 4, 0},
        {"range", -4, 4, 0},        {"syncopation", -4, 4, 0}, {"temperature", 0, 2, 0},
        {"variation", 0, 999, 0},   {"phrase_bars", 0, 16, 0}, {"velocity", 1, 127, 100},
        {"channel", 1, 16, 1},      {"transpose", -24, 24, 0}, {"key", 0, 11, 0},
        {"scale", 0, 6, 0},         {"exactEnds", 0, 1, 1},    {"capture", 0, 2, 0},
        {"feel", 0, 1, 1},
    };
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s not finite", controls[i].symbol);
        run_case(what, test_nonfinite_control, &controls[i]);
    }
}

/* Temperature 1e-40 is greedy decoding (as 0), not NaN probabilities. */
static void test_tiny_temperature(const void *unused)
{
    (void)unused;
    session zero = {.host = open_host()}, tiny = {.host = open_host()};
    if (!zero.host || !tiny.host) {
        CHECK(false);
        return;
    }
    host_set_control(zero.host, "temperature", 0.0f);
    host_set_control(tiny.host, "temperature", 1e-40f);
    host_set_control(zero.host, "morph", 0.4f);
    host_set_control(tiny.host, "morph", 0.4f);
    notes_in_two_bars(&zero);
    notes_in_two_bars(&tiny);
    notes_in_two_bars(&zero);
    notes_in_two_bars(&tiny);
    CHECK_MSG(session_count_on(&zero, 0, zero.frame) > 0, "no notes at temperature 0");
    CHECK_MSG(session_same_notes(&zero, &tiny, FRAMES_PER_BAR, zero.frame),
              "temperature 1e-40 plays other notes than temperature 0");
    host_close(zero.host);
    host_close(tiny.host);
    session_free(&zero);
    session_free(&tiny);
}

/* An output buffer of `capacity` bytes (the declared minimum is 8192):
 * drums at 200 BPM in 8192-frame blocks, then a stop. */
typedef struct output_case {
    uint32_t capacity;
    bool start_small; /* else it shrinks while notes sound */
} output_case;

static void test_small_output(const void *arg)
{
    uint32_t capacity = ((const output_case *)arg)->capacity;
    bool start_small = ((const output_case *)arg)->start_small;
    char what[64];
    snprintf(what, sizeof what, "%u-byte output buffer", capacity);
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", drum_model);
    for (int b = 0; b < 3; b++) session_block(&s, 64);
    if (start_small) host_set_output_capacity(s.host, capacity);
    host_send_position(s.host, 0, 0, 0, 200, 1);
    int notes_before = 0;
    for (int b = 0; b < 60; b++) {
        session_block(&s, MAX_BLOCK);
        if (b == 29 && !start_small) {
            notes_before = session_count_on(&s, 0, s.frame);
            host_set_output_capacity(s.host, capacity); /* notes are sounding now */
        }
    }
    host_send_position(s.host, 0, 0, 0, 200, 0);
    for (int b = 0; b < 64; b++) session_block(&s, MAX_BLOCK);
    char why[256] = "";
    int sounding = session_sounding(&s, why, sizeof why);
    CHECK_MSG(s.bad_blocks == 0, "%s: %d blocks with a malformed event", what, s.bad_blocks);
    CHECK_MSG(sounding == 0, "%s: %d notes left sounding after stop (%s)", what, sounding, why);
    if (!start_small) CHECK_MSG(notes_before > 0, "%s: no notes before the buffer shrank", what);
    host_close(s.host);
    session_free(&s);
}

/* A FIFO and a directory given as the model: refused with a message naming
 * the problem, never opened in a way that blocks; the plugin plays on. */
typedef struct path_case {
    const char *path, *expect;
} path_case;

static void test_model_not_a_file(const void *arg)
{
    const char *path = ((const path_case *)arg)->path, *expect = ((const path_case *)arg)->expect;
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", path);
    session_block(&s, 256);
    int notes = notes_in_two_bars(&s);
    CHECK_MSG(strstr(host_log(s.host), expect) && strstr(host_log(s.host), path),
              "model %s: the log does not say \"%s\": %s", path, expect, host_log(s.host));
    CHECK_MSG(notes > 0, "silent after model %s was refused", path);
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BUNDLE DRUM_MODEL TMP_DIR\n", argv[0]);
        return 2;
    }
    static char paths[2][PATH_MAX];
    bundle = realpath(argv[1], paths[0]);
    drum_model = realpath(argv[2], paths[1]);
    tmp_dir = argv[3];
    if (!bundle || !drum_model) {
        fprintf(stderr, "%s: the bundle or the drum model does not exist\n", argv[0]);
        return 2;
    }
    test_absurd_positions();
    run_case("absurd controls", test_absurd_controls, NULL);
    run_case("temperature 1e-40", test_tiny_temperature, NULL);
    test_nonfinite_controls();
    static const output_case outputs[] = {{64, true}, {64, false}, {100, false}, {300, false}};
    for (int i = 0; i < 4; i++) {
        char what[64];
        snprintf(what, sizeof what, "%u-byte output buffer%s", outputs[i].capacity,
                 outputs[i].start_small ? "" : ", shrunk while notes sound");
        run_case(what, test_small_output, &outputs[i]);
    }

    mkdir(tmp_dir, 0755);
    char fifo[PATH_MAX], dir[PATH_MAX];
    snprintf(fifo, sizeof fifo, "%s/model-fifo.mvae", tmp_dir);
    snprintf(dir, sizeof dir, "%s/model-dir.mvae", tmp_dir);
    unlink(fifo);
    CHECK(mkfifo(fifo, 0644) == 0);
    mkdir(dir, 0755);
    path_case not_files[] = {{fifo, "is a FIFO (named pipe), not a regular file"},
                             {dir, "is a folder, not a regular file"}};
    run_case("a FIFO as the model", test_model_not_a_file, &not_files[0]);
    run_case("a directory as the model", test_model_not_a_file, &not_files[1]);
    unlink(fifo);
    rmdir(dir);
    return check_report();
}
