/* Test helpers: scratch folder, random model, running the CLI, PNG decoding. */
#define _GNU_SOURCE
#include "gen_fixture.h"

#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "model.h"
#include "weights.h"

static char scratch[256];

const char *fixture_dir(void)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "/tmp/mv_gen_test_XXXXXX");
        if (!mkdtemp(scratch)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return scratch;
}

void fixture_cleanup(void)
{
    if (!scratch[0]) return;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", scratch);
    scratch[0] = 0;
}

const char *fixture_path(const char *name)
{
    static char paths[FIXTURE_PATHS][512];
    static int next;
    char *path = paths[next++ % FIXTURE_PATHS];
    snprintf(path, sizeof paths[0], "%s/%s", fixture_dir(), name);
    return path;
}

int fixture_random_model(const char *path, const char *preset, uint64_t seed)
{
    mv_hparams hp;
    if (!strcmp(preset, "small_roll")) {
        /* roll_2bar's pitches and grid at a quarter of its width: the CLI's roll
         * paths at a tenth of the cost, which matters under the sanitizers */
        hparams_preset("roll_2bar", &hp);
        hp.z_size = hp.enc_size = hp.cond_size = hp.dec_size = FIXTURE_SMALL_ROLL_Z;
    } else if (hparams_preset(preset, &hp)) {
        return -1;
    }
    size_t bytes = (model_block_floats(&hp) * sizeof(float) + 63) / 64 * 64;
    float *block = aligned_alloc(64, bytes);
    if (!block) return -1;
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(&hp, block, tensors);
    model_init_params(&hp, block, seed);
    const char *source = "gen test fixture";
    mv_meta meta = {.key = "provenance", .type = MV_META_STR, .count = strlen(source),
                    .data = source};
    char err[512];
    int rc = weights_write(path, &hp, tensors, (size_t)n, &meta, 1, err, sizeof err);
    if (rc) fprintf(stderr, "fixture model: %s\n", err);
    free(block);
    return rc ? -1 : 0;
}

static void slurp(const char *path, char *buf, size_t len)
{
    if (!buf || !len) return;
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
}

int fixture_run(const char *morphvae, char *out, size_t outlen, char *errbuf, size_t errlen,
                const char *fmt, ...)
{
    char args[4096], cmd[8192], out_path[512], err_path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(out_path, sizeof out_path, "%s/.stdout", fixture_dir());
    snprintf(err_path, sizeof err_path, "%s/.stderr", fixture_dir());
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", morphvae, args, out_path, err_path);
    int status = system(cmd);
    slurp(out_path, out, outlen);
    slurp(err_path, errbuf, errlen);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int fixture_read_png(const char *path, uint8_t **rgb, int *w, int *h)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) return -1;
    image.format = PNG_FORMAT_RGB;
    *rgb = malloc(PNG_IMAGE_SIZE(image));
    if (!*rgb || !png_image_finish_read(&image, NULL, *rgb, 0, NULL)) {
        free(*rgb);
        png_image_free(&image);
        return -1;
    }
    *w = (int)image.width;
    *h = (int)image.height;
    return 0;
}

int fixture_same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

int fixture_same_notes(const mv_midi_file *a, const mv_midi_file *b)
{
    if (a->n_notes != b->n_notes) return 0;
    for (uint32_t i = 0; i < a->n_notes; i++) {
        const mv_midi_note *x = &a->notes[i], *y = &b->notes[i];
        if (x->pitch != y->pitch || x->start != y->start || x->end != y->end ||
            x->channel != y->channel)
            return 0;
    }
    return 1;
}
