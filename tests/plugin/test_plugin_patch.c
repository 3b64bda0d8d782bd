/* Patch messages of the real plugin: it answers patch:Get with a patch:Set
 * for each of its parameters (model, anchor files, anchor seeds) and reports
 * every change the same way, including a model that was refused (the host's
 * view goes back to the model still playing); the capture status only once
 * there is one. MODE is a worker mode
 * (session.h): in the failing mode the reports must still arrive.
 * usage: test_plugin_patch MODE BUNDLE_DIR ALT_MODEL CORRUPT_MODEL ANCHOR_MID */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0

static const char *mode, *bundle, *alt_model, *corrupt_model, *anchor_mid;
static char default_model[PATH_MAX];

static const char *const parameters[] = {
    MV_PLUGIN_NS "model",       MV_PLUGIN_NS "anchorAFile", MV_PLUGIN_NS "anchorBFile",
    MV_PLUGIN_NS "anchorASeed", MV_PLUGIN_NS "anchorBSeed",
};
#define N_PARAMETERS 5

static mv_host *open_host(void)
{
    char err[1024];
    mv_host *h = host_open(bundle, RATE, 1024, err, sizeof err);
    if (!h) fprintf(stderr, "host_open: %s\n", err);
    else session_set_mode(h, mode, 5);
    return h;
}

/* Runs blocks until the worker has done what was asked and the plugin has
 * had a few runs to report it. */
static void settle(session *s)
{
    for (int i = 0; i < 12; i++) {
        session_block(s, 256);
        host_wait_worker(s->host);
    }
}

static bool reported_is(mv_host *h, const char *property, const char *value)
{
    const char *r = host_reported(h, property);
    if (r && !strcmp(r, value)) return true;
    fprintf(stderr, "%s reported as %s, expected %s\n", property, r ? r : "(nothing)", value);
    return false;
}

/* The first runs report every parameter but the capture status, which says
 * nothing before a capture (Ardour 7 knows only patch:writable properties
 * and warns about a patch:Set of the read-only captureStatus); patch:Get
 * reports them all. */
static void test_get(void)
{
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    settle(&s);
    for (int i = 0; i < N_PARAMETERS; i++)
        CHECK_MSG(host_reported(s.host, parameters[i]), "%s not reported at first", parameters[i]);
    CHECK_MSG(!host_reported(s.host, MV_PLUGIN_NS "captureStatus"),
              "an empty capture status reported: \"%s\"",
              host_reported(s.host, MV_PLUGIN_NS "captureStatus"));
    int before = host_report_count(s.host);
    host_send_get(s.host, 0, NULL);
    settle(&s);
    CHECK_MSG(host_report_count(s.host) - before >= N_PARAMETERS,
              "patch:Get answered with %d patch:Set messages",
              host_report_count(s.host) - before);
    for (int i = 0; i < N_PARAMETERS; i++)
        CHECK_MSG(host_reported(s.host, parameters[i]), "patch:Get: %s not reported",
                  parameters[i]);
    CHECK(reported_is(s.host, MV_PLUGIN_NS "model", default_model));
    CHECK(reported_is(s.host, MV_PLUGIN_NS "anchorAFile", ""));

    before = host_report_count(s.host);
    host_send_get(s.host, 0, MV_PLUGIN_NS "anchorBSeed");
    settle(&s);
    CHECK_MSG(host_report_count(s.host) - before == 1,
              "patch:Get of one property answered with %d messages",
              host_report_count(s.host) - before);
    host_close(s.host);
    session_free(&s);
}

static void test_changes_reported(void)
{
    session s = {.host = open_host()};
    if (!s.host) {
        CHECK(false);
        return;
    }
    host_send_int(s.host, 0, MV_PLUGIN_NS "anchorASeed", 42);
    host_send_path(s.host, 0, MV_PLUGIN_NS "anchorBFile", anchor_mid);
    settle(&s);
    CHECK(reported_is(s.host, MV_PLUGIN_NS "anchorASeed", "42"));
    CHECK(reported_is(s.host, MV_PLUGIN_NS "anchorBFile", anchor_mid));

    host_send_path(s.host, 0, MV_PLUGIN_NS "model", alt_model);
    settle(&s);
    CHECK(reported_is(s.host, MV_PLUGIN_NS "model", alt_model));
    /* A refused model: the report says which model still plays. */
    host_send_path(s.host, 0, MV_PLUGIN_NS "model", corrupt_model);
    settle(&s);
    CHECK(reported_is(s.host, MV_PLUGIN_NS "model", alt_model));
    /* The seed anchor is rebuilt for the new model and still reported. */
    CHECK(reported_is(s.host, MV_PLUGIN_NS "anchorASeed", "42"));
    host_send_int(s.host, 0, MV_PLUGIN_NS "anchorBSeed", 7);
    settle(&s);
    CHECK(reported_is(s.host, MV_PLUGIN_NS "anchorBSeed", "7"));
    CHECK(reported_is(s.host, MV_PLUGIN_NS "anchorBFile", ""));
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s MODE BUNDLE ALT_MODEL CORRUPT_MODEL ANCHOR_MID\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    static char paths[4][PATH_MAX];
    const char **args[4] = {&bundle, &alt_model, &corrupt_model, &anchor_mid};
    for (int i = 0; i < 4; i++)
        if (!(*args[i] = realpath(argv[i + 2], paths[i]))) {
            fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[i + 2]);
            return 2;
        }
    snprintf(default_model, sizeof default_model, "%s/model.mvae", bundle);
    test_get();
    test_changes_reported();
    return check_report();
}
