/* Writes the sample model (tests/weights/sample_model.c) to a weights file and
 * what the C reader reads back from it as JSON, for the Python reader test:
 *   write_sample OUT.mvae OUT.json
 * Floats are given as their uint32 bit patterns so that the comparison is exact
 * (-0.0 and subnormals included). */
#include <stdio.h>
#include <string.h>

#include "sample_model.h"
#include "weights.h"

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void put_float_bits(FILE *f, const float *x, uint64_t n)
{
    fputc('[', f);
    for (uint64_t i = 0; i < n; i++) fprintf(f, "%s%u", i ? "," : "", bits_of(x[i]));
    fputc(']', f);
}

static void put_weights_json(FILE *f, const mv_weights *w)
{
    static const char *const fields[MV_HPARAMS_FIELDS + 1] = {
        "repr", "n_classes", "min_pitch", "n_bars", "steps_per_bar", "z_size",
        "enc_size", "enc_layers", "cond_size", "cond_layers", "dec_size", "dec_layers",
        "chords"};
    const uint32_t *hp = (const uint32_t *)weights_hparams(w);
    fprintf(f, "{\"hparams\": {");
    for (int i = 0; i < MV_HPARAMS_FIELDS + 1; i++)
        fprintf(f, "%s\"%s\": %u", i ? ", " : "", fields[i], hp[i]);
    fprintf(f, "},\n \"checksum\": %llu,\n \"tensors\": [\n",
            (unsigned long long)weights_checksum(w));
    for (size_t i = 0; i < weights_tensor_count(w); i++) {
        const mv_tensor *t = weights_tensor_at(w, i);
        uint64_t n = t->ndim == 2 ? t->dims[0] * t->dims[1] : t->dims[0];
        fprintf(f, "  {\"name\": \"%s\", \"shape\": [%llu", t->name, (unsigned long long)t->dims[0]);
        if (t->ndim == 2) fprintf(f, ", %llu", (unsigned long long)t->dims[1]);
        fprintf(f, "], \"bits\": ");
        put_float_bits(f, t->data, n);
        fprintf(f, "}%s\n", i + 1 < weights_tensor_count(w) ? "," : "");
    }
    fprintf(f, " ],\n \"metadata\": [\n");
    for (size_t i = 0; i < weights_meta_count(w); i++) {
        const mv_meta *m = weights_meta_at(w, i);
        fprintf(f, "  {\"key\": \"%s\", ", m->key);
        if (m->type == MV_META_STR) {
            fprintf(f, "\"type\": \"STR\", \"value\": ");
            put_json_string(f, m->data);
        } else if (m->type == MV_META_F32) {
            fprintf(f, "\"type\": \"F32\", \"bits\": ");
            put_float_bits(f, m->data, m->count);
        } else {
            fprintf(f, "\"type\": \"I64\", \"value\": [");
            for (uint64_t k = 0; k < m->count; k++)
                fprintf(f, "%s%lld", k ? "," : "", (long long)((const int64_t *)m->data)[k]);
            fputc(']', f);
        }
        fprintf(f, "}%s\n", i + 1 < weights_meta_count(w) ? "," : "");
    }
    fprintf(f, " ]}\n");
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "chords"))) {
        fprintf(stderr, "usage: write_sample OUT.mvae OUT.json [chords]\n");
        return 2;
    }
    sample_model m;
    char err[512];
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    hp.chords = argc == 4 ? MV_CHORDS_V1 : MV_CHORDS_NONE; /* a format version 2 file */
    if (sample_model_init_hp(&m, &hp, 7) != 0) {
        fprintf(stderr, "write_sample: cannot build the sample model\n");
        return 1;
    }
    int rc = weights_write(argv[1], &m.hp, m.tensors, (size_t)m.n_tensors, m.meta, SAMPLE_META,
                           err, sizeof err);
    sample_model_free(&m);
    mv_weights *w = NULL;
    if (rc || weights_read(argv[1], &w, err, sizeof err)) {
        fprintf(stderr, "write_sample: %s\n", err);
        return 1;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        weights_free(w);
        return 1;
    }
    put_weights_json(f, w);
    weights_free(w);
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
