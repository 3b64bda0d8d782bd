/* bench_plugin BUNDLE_DIR MODEL...: the plugin's two costs.
 *  1. run() per 256-frame block at 48 kHz, 120 BPM, transport rolling, measured
 *     around the real plugin's run() in a lilv host (median and worst, ns), with
 *     the morph fixed and with the morph automated (a change every block, so a
 *     decode is asked for every block), for each MODEL loaded into the plugin.
 *  2. The worker's decode of one bar (engine_decode_bar, what work() does for
 *     a decode request) for each MODEL: median and worst per bar of the model.
 * Percentiles are printed too: on a shared machine the worst case is mostly the
 * scheduler preempting the process, not the plugin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "engine.h"
#include "lilv_host.h"

#define BLOCK 256
#define RUN_BLOCKS 20000
#define DECODE_REPEATS 50

static double run_started, run_ns[RUN_BLOCKS];
static int run_count;

static void time_run(bool in_plugin, bool is_run)
{
    if (!is_run) return; /* work_response: not part of run() */
    if (in_plugin) {
        run_started = bench_now_ns();
    } else if (run_count < RUN_BLOCKS) {
        run_ns[run_count++] = bench_now_ns() - run_started;
    }
}

static void report(const char *what, double *ns, int n)
{
    bench_sort(ns, n);
    printf("  %-44s median %9.0f  p99 %9.0f  p99.9 %9.0f  worst %9.0f ns  (%d runs)\n",
           what, ns[n / 2], ns[(int)(n * 0.99)], ns[(int)(n * 0.999)], ns[n - 1], n);
}

static int bench_run(const char *bundle, const char *model, bool automate)
{
    char err[1024];
    mv_host *h = host_open(bundle, 48000, BLOCK, err, sizeof err);
    if (!h) {
        fprintf(stderr, "bench_plugin: %s\n", err);
        return -1;
    }
    static mv_host_midi_event out[1024];
    int n_out;
    host_send_path(h, 0, MV_PLUGIN_NS "model", model);
    host_send_position(h, 0, 0, 0, 120, 1);
    host_run(h, BLOCK, out, 1024, &n_out);
    host_set_run_hook(h, time_run);
    run_count = 0;
    int notes = 0;
    for (int i = 0; i < RUN_BLOCKS; i++) {
        if (automate) host_set_control(h, "morph", (float)(i % 1000) / 1000.0f);
        host_run(h, BLOCK, out, 1024, &n_out);
        notes += n_out;
    }
    char what[256];
    snprintf(what, sizeof what, "run(), %s morph%s", automate ? "automated" : "fixed",
             notes ? "" : " (NO NOTES)");
    report(what, run_ns, run_count);
    host_close(h);
    return 0;
}

static int bench_decode(const char *model)
{
    char err[1024];
    mv_engine *e = engine_load(model, err, sizeof err);
    if (!e) {
        fprintf(stderr, "bench_plugin: %s\n", err);
        return -1;
    }
    static mv_bar_steps played;
    static double ns[DECODE_REPEATS];
    const mv_engine_info *info = engine_info(e);
    mv_decode_params p = {.morph = 0.5f, .phrase_bars = info->n_bars};
    for (int bar = 0; bar < info->n_bars; bar++) {
        for (int r = 0; r < DECODE_REPEATS; r++) {
            p.morph = (float)r / DECODE_REPEATS;
            double t0 = bench_now_ns();
            engine_decode_bar(e, &p, bar, NULL, 0, &played);
            ns[r] = bench_now_ns() - t0;
        }
        char what[128];
        snprintf(what, sizeof what, "worker decode of bar %d (%s, z %d, %d steps/bar)", bar + 1,
                 repr_name(info->repr), info->z_size, info->steps_per_bar);
        report(what, ns, DECODE_REPEATS);
    }
    engine_free(e);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_plugin BUNDLE_DIR MODEL...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        printf("%s\n", argv[i]);
        if (bench_run(argv[1], argv[i], false) || bench_run(argv[1], argv[i], true) ||
            bench_decode(argv[i]))
            return 1;
    }
    return 0;
}
