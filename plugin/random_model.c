/* random_model OUT PRESET SEED [corrupt]: writes a weights file with random
 * (untrained) weights for a named hparams preset, with two attribute vectors
 * (note_density, mean_pitch) and the two default anchors in its metadata
 * (PRESET: an hparams preset name, tiny_drums, tiny_roll, tiny_4bar,
 * tiny_16bar or tiny_chords). The
 * plugin bundle ships it when no trained model is configured, and the plugin
 * tests load it. With "corrupt", one payload byte is flipped afterwards so the
 * checksum fails (the file a user must see refused). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "weights.h"

static void random_unit(float *v, int n, mv_rng *r)
{
    double norm = 0;
    for (int i = 0; i < n; i++) {
        v[i] = rng_normal(r);
        norm += (double)v[i] * v[i];
    }
    for (int i = 0; i < n; i++) v[i] = (float)(v[i] / (norm > 0 ? sqrt(norm) : 1.0));
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: random_model OUT PRESET SEED [corrupt]\n");
        return 2;
    }
    mv_hparams hp;
    if (!strcmp(argv[2], "tiny_drums")) {
        /* A drum model as small as "tiny", for fast tests. */
        hparams_preset("drums_2bar", &hp);
        hp.z_size = hp.enc_size = hp.cond_size = hp.dec_size = 16;
    } else if (!strcmp(argv[2], "tiny_roll")) {
        /* A piano-roll model (88 pitches from 21) as small as "tiny". */
        hparams_preset("roll_2bar", &hp);
        hp.z_size = hp.enc_size = hp.cond_size = hp.dec_size = 16;
    } else if (!strcmp(argv[2], "tiny_4bar")) {
        /* "tiny" with 4-bar phrases: the conductor plans four bars. */
        hparams_preset("tiny", &hp);
        hp.n_bars = 4;
    } else if (!strcmp(argv[2], "tiny_16bar")) {
        /* "tiny" with 16-bar phrases, the longest the plugin plays. */
        hparams_preset("tiny", &hp);
        hp.n_bars = 16;
    } else if (!strcmp(argv[2], "tiny_chords")) {
        /* "tiny" with chord input (core/chord.h): a melody model that follows chords. */
        hparams_preset("tiny", &hp);
        hp.chords = MV_CHORDS_V1;
    } else if (hparams_preset(argv[2], &hp)) {
        fprintf(stderr, "random_model: unknown preset %s\n", argv[2]);
        return 2;
    }
    uint64_t seed = strtoull(argv[3], NULL, 10);
    uint64_t n_floats = model_block_floats(&hp);
    float *block = aligned_alloc(64, (n_floats * sizeof(float) + 63) / 64 * 64);
    int z = (int)hp.z_size;
    float *meta_floats = malloc(sizeof(float) * (size_t)(4 * z + 8));
    if (!block || !meta_floats) {
        fprintf(stderr, "random_model: out of memory\n");
        return 1;
    }
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(&hp, block, tensors);
    model_init_params(&hp, block, seed);

    mv_rng r;
    rng_seed(&r, seed ^ 0xA5A5u);
    float *density = meta_floats, *pitch = density + z, *anchor_a = pitch + z,
          *anchor_b = anchor_a + z, *stats = anchor_b + z;
    random_unit(density, z, &r);
    random_unit(pitch, z, &r);
    for (int i = 0; i < z; i++) anchor_a[i] = rng_normal(&r);
    for (int i = 0; i < z; i++) anchor_b[i] = rng_normal(&r);
    const float stat_values[8] = {4.0f, 1.5f, 0.0f, 1.0f, 64.0f, 5.0f, 0.0f, 1.0f};
    memcpy(stats, stat_values, sizeof stat_values);
    const mv_meta meta[] = {
        {"attribute.note_density.vector", MV_META_F32, (uint64_t)z, density},
        {"attribute.note_density.stats", MV_META_F32, 4, stats},
        {"attribute.note_density.unit", MV_META_STR, 9, "notes/bar"},
        {"attribute.mean_pitch.vector", MV_META_F32, (uint64_t)z, pitch},
        {"attribute.mean_pitch.stats", MV_META_F32, 4, stats + 4},
        {"attribute.mean_pitch.unit", MV_META_STR, 9, "semitones"},
        {"anchor.a.z", MV_META_F32, (uint64_t)z, anchor_a},
        {"anchor.b.z", MV_META_F32, (uint64_t)z, anchor_b},
        {"anchor.a.source", MV_META_STR, 11, "prior draw "},
        {"anchor.b.source", MV_META_STR, 11, "prior draw "},
    };
    char err[512];
    int rc = weights_write(argv[1], &hp, tensors, (size_t)n, meta, sizeof meta / sizeof meta[0],
                           err, sizeof err);
    free(block);
    free(meta_floats);
    if (rc) {
        fprintf(stderr, "random_model: %s\n", err);
        return 1;
    }
    if (argc > 4 && !strcmp(argv[4], "corrupt")) {
        FILE *f = fopen(argv[1], "r+b");
        int byte = f && !fseek(f, -100, SEEK_END) ? fgetc(f) : EOF;
        if (byte == EOF || fseek(f, -100, SEEK_END) || fputc(byte ^ 0xFF, f) == EOF ||
            fclose(f)) {
            fprintf(stderr, "random_model: cannot corrupt %s\n", argv[1]);
            return 1;
        }
    }
    return 0;
}
