/* Resident memory of one plugin instance's model: what engine_load adds to the
 * process (weights, bound model, decoder, refiner, anchors), the part of an
 * instance that grows with the model. Loads each MODEL `copies` times and
 * reports the growth of VmRSS per copy, so the allocator's and the loader's
 * fixed costs fall out.
 *
 * Output: a line per model, then "RESULT memory <model> <KiB per instance>".
 * Usage: bench_memory MODEL.mvae... [--copies N] (default 8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define MAX_COPIES 64

/* VmRSS of this process in KiB (0 when /proc cannot tell). */
static long resident_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

static int bench_model(const char *path, int copies)
{
    char err[1024];
    mv_engine *engines[MAX_COPIES];
    /* a first load pages in the code and the allocator's arenas */
    mv_engine *warm = engine_load(path, err, sizeof err);
    if (!warm) {
        fprintf(stderr, "bench_memory: %s\n", err);
        return 1;
    }
    const long before = resident_kib();
    int loaded = 0;
    while (loaded < copies && (engines[loaded] = engine_load(path, err, sizeof err))) loaded++;
    const long after = resident_kib();
    for (int i = 0; i < loaded; i++) engine_free(engines[i]);
    engine_free(warm);
    if (loaded < copies) {
        fprintf(stderr, "bench_memory: %s\n", err);
        return 1;
    }
    const double per_instance = (double)(after - before) / copies;
    printf("%s: %.0f KiB resident per instance (%d copies)\n", path, per_instance, copies);
    printf("RESULT memory %s %.0f\n", path, per_instance);
    return 0;
}

int main(int argc, char **argv)
{
    int copies = 8, status = 0, models = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--copies") && i + 1 < argc) {
            copies = atoi(argv[++i]);
            if (copies < 1 || copies > MAX_COPIES) {
                fprintf(stderr, "bench_memory: --copies must be 1..%d\n", MAX_COPIES);
                return 2;
            }
            continue;
        }
        status |= bench_model(argv[i], copies);
        models++;
    }
    if (!models) {
        fprintf(stderr, "usage: bench_memory MODEL.mvae... [--copies N]\n");
        return 2;
    }
    return status;
}
