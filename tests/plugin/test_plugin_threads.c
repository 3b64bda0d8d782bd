/* The plugin with its worker in a thread of its own (random delays, within a
 * 16th of audio) while the audio thread plays a morph sweep with anchor seed
 * and model changes, a third thread calls save() over and over and a fourth
 * renders the inline display as Ardour's GUI does: every saved state must be
 * one consistent snapshot (a seed anchor's label, seed and vector agree; a
 * model's vectors have its size), every picture whole, and the audio must stay
 * well-formed. Built with ThreadSanitizer (tools/test.sh, build-tsan), any data
 * race between save(), render(), the worker and run() fails the test.
 * usage: test_plugin_threads BUNDLE_DIR ALT_MODEL */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "rng.h"
#include "session.h"

#define RATE 48000.0
#define FRAMES_PER_BAR (16 * 6000)
#define MAX_Z 8192

static const char *bundle, *alt_model;

typedef struct saved_anchor {
    int32_t kind;
    uint32_t seed;
    char label[256];
    uint32_t z_size;
    float z[MAX_Z];
} saved_anchor;

typedef struct saved_state {
    mv_host *host;
    uint32_t key_kind[2], key_seed[2], key_label[2], key_z[2], key_model, key_checksum;
    char model[PATH_MAX];
    int64_t checksum;
    saved_anchor anchor[2];
} saved_state;

/* The state's vector text: 8 hex digits (a float32's bit pattern) a value. */
static uint32_t parse_vector(const char *text, size_t size, float *z)
{
    size_t length = size ? strnlen(text, size) : 0;
    if (length % 8 || length / 8 > MAX_Z) return 0;
    for (size_t i = 0; i < length / 8; i++) {
        char digits[9];
        memcpy(digits, text + 8 * i, 8);
        digits[8] = '\0';
        uint32_t bits = (uint32_t)strtoul(digits, NULL, 16);
        memcpy(&z[i], &bits, sizeof bits);
    }
    return (uint32_t)(length / 8);
}

static LV2_State_Status store(LV2_State_Handle handle, uint32_t key, const void *value,
                              size_t size, uint32_t type, uint32_t flags)
{
    (void)type;
    (void)flags;
    saved_state *s = handle;
    if (key == s->key_model && size < sizeof s->model) memcpy(s->model, value, size);
    if (key == s->key_checksum && size == 8) memcpy(&s->checksum, value, 8);
    for (int w = 0; w < 2; w++) {
        saved_anchor *a = &s->anchor[w];
        if (key == s->key_kind[w] && size == 4) memcpy(&a->kind, value, 4);
        if (key == s->key_seed[w] && size == 4) memcpy(&a->seed, value, 4);
        if (key == s->key_label[w] && size < sizeof a->label) memcpy(a->label, value, size);
        if (key == s->key_z[w]) a->z_size = parse_vector(value, size, a->z);
    }
    return LV2_STATE_SUCCESS;
}

typedef struct saver {
    mv_host *host;
    atomic_bool done;
    int saves, inconsistent, problems;
    int64_t checksum_of_z_size[2][2]; /* (z size, checksum) pairs seen, per model */
    char first_problem[512];
} saver;

static void problem(saver *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(saver *sv, const char *fmt, ...)
{
    if (!sv->problems++) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sv->first_problem, sizeof sv->first_problem, fmt, ap);
        va_end(ap);
    }
}

static void check_snapshot(saver *sv, const saved_state *s)
{
    int before = sv->problems;
    uint32_t z_size = s->anchor[0].z_size;
    if (z_size == 0 || s->anchor[1].z_size != z_size)
        problem(sv, "anchor vectors of %u and %u floats", z_size, s->anchor[1].z_size);
    for (int w = 0; w < 2; w++) {
        const saved_anchor *a = &s->anchor[w];
        if (a->kind != 1) continue; /* seed anchors are checkable */
        char label[64];
        snprintf(label, sizeof label, "seed %u", a->seed);
        if (strcmp(label, a->label))
            problem(sv, "anchor %c: seed %u but label \"%s\"", 'A' + w, a->seed, a->label);
        mv_rng r;
        rng_seed(&r, a->seed);
        for (uint32_t i = 0; i < a->z_size; i++)
            if (a->z[i] != rng_normal(&r)) {
                problem(sv, "anchor %c: seed %u but its vector is another one", 'A' + w,
                        a->seed);
                break;
            }
    }
    /* One model, one checksum and one vector size. */
    int m = s->model[0] != '\0';
    if (!sv->checksum_of_z_size[m][0]) {
        sv->checksum_of_z_size[m][0] = z_size;
        sv->checksum_of_z_size[m][1] = s->checksum;
    } else if (sv->checksum_of_z_size[m][0] != z_size ||
               sv->checksum_of_z_size[m][1] != s->checksum) {
        problem(sv, "model %s saved with z %u and checksum %lld, before with z %lld, %lld",
                m ? s->model : "(default)", z_size, (long long)s->checksum,
                (long long)sv->checksum_of_z_size[m][0], (long long)sv->checksum_of_z_size[m][1]);
    }
    if (sv->problems != before) sv->inconsistent++;
}

static void *save_loop(void *arg)
{
    saver *sv = arg;
    saved_state *s = malloc(sizeof *s);
    if (!s) return NULL;
    while (!atomic_load(&sv->done)) {
        memset(s, 0, sizeof *s);
        s->key_model = host_map(sv->host, MV_PLUGIN_NS "model");
        s->key_checksum = host_map(sv->host, MV_PLUGIN_NS "modelChecksum");
        const char *names[2][4] = {{"anchorAKind", "anchorASeed", "anchorALabel", "anchorAZ"},
                                   {"anchorBKind", "anchorBSeed", "anchorBLabel", "anchorBZ"}};
        uint32_t *keys[4] = {s->key_kind, s->key_seed, s->key_label, s->key_z};
        for (int w = 0; w < 2; w++)
            for (int k = 0; k < 4; k++) {
                char uri[256];
                snprintf(uri, sizeof uri, "%s%s", MV_PLUGIN_NS, names[w][k]);
                keys[k][w] = host_map(sv->host, uri);
            }
        if (host_call_save(sv->host, store, s)) problem(sv, "save() failed");
        else check_snapshot(sv, s);
        sv->saves++;
        nanosleep(&(struct timespec){0, 200000}, NULL); /* hosts save now and then */
    }
    free(s);
    return NULL;
}

typedef struct renderer {
    mv_host *host;
    atomic_bool done;
    int renders, broken;
} renderer;

/* The inline display at 200 x 100, again and again; a picture is whole when
 * it has the size asked and its morph bar. */
static void *render_loop(void *arg)
{
    renderer *rd = arg;
    while (!atomic_load(&rd->done)) {
        int w = 0, h = 0, stride = 0;
        const uint32_t *px = host_render_inline(rd->host, 200, 100, &w, &h, &stride);
        bool whole = px && w == 200 && h > 8 && px[(size_t)(h - 2) * stride + 1] != 0;
        rd->broken += !whole;
        rd->renders++;
        nanosleep(&(struct timespec){0, 1000000}, NULL); /* a GUI's frame rate, faster */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s BUNDLE ALT_MODEL\n", argv[0]);
        return 2;
    }
    static char paths[2][PATH_MAX];
    bundle = realpath(argv[1], paths[0]);
    alt_model = realpath(argv[2], paths[1]);
    if (!bundle || !alt_model) {
        fprintf(stderr, "%s: the bundle or the model does not exist\n", argv[0]);
        return 2;
    }
    char err[1024], default_model[PATH_MAX + 16];
    snprintf(default_model, sizeof default_model, "%s/model.mvae", bundle);
    session s = {.host = host_open(bundle, RATE, 4096, err, sizeof err)};
    if (!s.host) {
        fprintf(stderr, "host_open: %s\n", err);
        return 1;
    }
    session_set_mode(s.host, "thread", 3);
    saver sv = {.host = s.host};
    pthread_t saver_thread;
    CHECK(pthread_create(&saver_thread, NULL, save_loop, &sv) == 0);
    renderer rd = {.host = s.host};
    pthread_t render_thread;
    CHECK(pthread_create(&render_thread, NULL, render_loop, &rd) == 0);

    mv_rng r;
    rng_seed(&r, 99);
    host_send_position(s.host, 0, 0, 0, 120, 1);
    const int64_t end = 16 * (int64_t)FRAMES_PER_BAR;
    int block = 0;
    while (s.frame < end) {
        uint32_t n = 64 + rng_u32(&r) % 960;
        if (block % 12 == 0)
            host_send_int(s.host, 0, rng_u32(&r) % 2 ? MV_PLUGIN_NS "anchorASeed"
                                                     : MV_PLUGIN_NS "anchorBSeed",
                          (int32_t)(rng_u32(&r) % 1000));
        if (block % 300 == 150)
            host_send_path(s.host, 0, MV_PLUGIN_NS "model",
                           (block / 300) % 2 ? default_model : alt_model);
        host_set_control(s.host, "morph", (float)s.frame / (float)end);
        session_block(&s, n);
        block++;
    }
    atomic_store(&sv.done, true);
    atomic_store(&rd.done, true);
    pthread_join(saver_thread, NULL);
    pthread_join(render_thread, NULL);
    host_send_position(s.host, 0, 0, 0, 120, 0);
    session_block(&s, 256);
    char why[256] = "";
    int sounding = session_sounding(&s, why, sizeof why);
    CHECK_MSG(s.bad_blocks == 0, "%d malformed blocks", s.bad_blocks);
    CHECK_MSG(sounding == 0, "%d notes sounding after stop (%s)", sounding, why);
    CHECK_MSG(session_count_on(&s, 0, s.frame) > 0, "no notes");
    CHECK_MSG(sv.saves >= 10, "only %d saves ran alongside", sv.saves);
    CHECK_MSG(sv.inconsistent == 0, "%d of %d saved states inconsistent, first: %s",
              sv.inconsistent, sv.saves, sv.first_problem);
    CHECK_MSG(rd.renders >= 10 && rd.broken == 0, "%d of %d pictures broken", rd.broken,
              rd.renders);
    printf("%d saves and %d renders during %d blocks\n", sv.saves, rd.renders, block);
    host_close(s.host);
    session_free(&s);
    return check_report();
}
