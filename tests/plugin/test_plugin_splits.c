/* The real plugin under Ardour's automation splits: Ardour 7 runs an LV2
 * plugin whose controls are automated in several sub-blocks per cycle, cut at
 * the automation points (PluginInsert::automate_and_run), each with the
 * control values of its start and a time:Position at its start. Here every
 * 1024-frame cycle is cut at random points into one to four sub-blocks, each
 * gets the transport position of its first frame and the Morph value of an
 * automation ramp 0 -> 1 there, and the worker runs as Ardour's does while
 * exporting (work() inside schedule_work()). Every output event must lie in
 * its sub-block, and all of them, in absolute frames, must go forward in time
 * and pair up (a note-on, then its note-off before that key starts again); a
 * stop mid-cycle ends every note.
 * usage: test_plugin_splits WORKER_MODE BUNDLE_DIR */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "session.h"

#define RATE 48000.0
#define BPM 120.0
#define CYCLE 1024
#define MAX_SPLITS 4
#define FRAMES_PER_BEAT (RATE * 60.0 / BPM)
#define ROLL_SECONDS 16

static const char *bundle, *mode;

static uint32_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

static int compare_frames(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Cut points of one cycle: 0, then up to MAX_SPLITS - 1 distinct frames in
 * (0, CYCLE), sorted, then CYCLE. Returns the number of sub-blocks. */
static int cut_cycle(uint64_t *rng, uint32_t cuts[MAX_SPLITS + 1])
{
    int n = 1 + (int)(next_random(rng) % MAX_SPLITS);
    cuts[0] = 0;
    for (int i = 1; i < n; i++) cuts[i] = 1 + next_random(rng) % (CYCLE - 1);
    qsort(cuts + 1, (size_t)(n - 1), sizeof cuts[0], compare_frames);
    int kept = 1;
    for (int i = 1; i < n; i++)
        if (cuts[i] != cuts[kept - 1]) cuts[kept++] = cuts[i];
    cuts[kept] = CYCLE;
    return kept;
}

/* One sub-block as Ardour runs it: the position of its first frame (4/4 at
 * BPM, rolling at speed) and Morph as the 0 -> 1 ramp gives it there. */
static void run_sub_block(session *s, uint32_t n, double speed, int64_t ramp_frames)
{
    double beats = (double)s->frame / FRAMES_PER_BEAT;
    double bar = (double)(int64_t)(beats / 4);
    host_send_position(s->host, 0, bar, beats - 4 * bar, BPM, speed);
    double morph = (double)s->frame / (double)ramp_frames;
    host_set_control(s->host, "morph", (float)(morph > 1 ? 1 : morph));
    session_block(s, n);
}

static void run_cycles(session *s, uint64_t *rng, int cycles, double speed, int64_t ramp_frames)
{
    for (int c = 0; c < cycles; c++) {
        uint32_t cuts[MAX_SPLITS + 1];
        int n = cut_cycle(rng, cuts);
        for (int i = 0; i < n; i++) run_sub_block(s, cuts[i + 1] - cuts[i], speed, ramp_frames);
    }
}

static void test_automation_splits(uint64_t seed)
{
    session s = {0};
    s.host = session_open_host(bundle, RATE, CYCLE, mode, NULL);
    CHECK(s.host != NULL);
    if (!s.host) return;
    uint64_t rng = seed;
    const int roll_cycles = (int)(ROLL_SECONDS * RATE / CYCLE);
    run_cycles(&s, &rng, roll_cycles, 1.0, (int64_t)roll_cycles * CYCLE);
    int64_t rolled = s.frame;
    int notes = session_count_on(&s, 0, rolled);
    run_cycles(&s, &rng, 8, 0.0, rolled); /* stopped: the first sub-block ends every note */

    char why[256] = "";
    int sounding = session_sounding(&s, why, sizeof why);
    CHECK_MSG(s.bad_blocks == 0, "seed %llu: %d sub-blocks had events outside them or a "
              "broken sequence", (unsigned long long)seed, s.bad_blocks);
    CHECK_MSG(sounding == 0, "seed %llu: %s (%d notes sounding after the stop)",
              (unsigned long long)seed, sounding < 0 ? why : "pairing kept", sounding);
    CHECK_MSG(notes >= ROLL_SECONDS * 2, "seed %llu: only %d note-ons in %d s",
              (unsigned long long)seed, notes, ROLL_SECONDS);
    CHECK_MSG(session_count_on(&s, rolled, s.frame) == 0, "seed %llu: notes after the stop",
              (unsigned long long)seed);
    printf("seed %llu: %d note-ons, %d events over %lld frames in split cycles\n",
           (unsigned long long)seed, notes, s.n, (long long)s.frame);
    host_close(s.host);
    session_free(&s);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORKER_MODE BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    static char path[PATH_MAX];
    bundle = realpath(argv[2], path);
    if (!bundle) {
        fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[2]);
        return 2;
    }
    for (uint64_t seed = 1; seed <= 3; seed++) test_automation_splits(seed);
    return check_report();
}
