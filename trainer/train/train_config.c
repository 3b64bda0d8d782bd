#include "regular_file.h"
#include "train_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mv_hparams field names, in the struct's order */
static const char *const field_names[MV_HPARAMS_FIELDS] = {
    "repr",        "n_classes", "min_pitch", "n_bars",      "steps_per_bar", "z_size",
    "enc_size",    "enc_layers", "cond_size", "cond_layers", "dec_size",      "dec_layers"};

static uint32_t *field(mv_hparams *hp, int i)
{
    uint32_t *fields[MV_HPARAMS_FIELDS] = {
        &hp->repr,       &hp->n_classes,  &hp->min_pitch, &hp->n_bars,
        &hp->steps_per_bar, &hp->z_size,  &hp->enc_size,  &hp->enc_layers,
        &hp->cond_size,  &hp->cond_layers, &hp->dec_size, &hp->dec_layers};
    return fields[i];
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = 0;
    return s;
}

static int read_config_file(const char *path, mv_hparams *hp, char *err, size_t errlen)
{
    char why[1200];
    FILE *f = regular_file_fopen(path, why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "not a configuration name (mel_2bar, mel_4bar, drums_2bar), and "
                              "the file %s", why);
        return -1;
    }
    char line[256];
    int line_no = 0, status = 0;
    while (status == 0 && fgets(line, sizeof line, f)) {
        line_no++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, line_no);
            status = -1;
            break;
        }
        *eq = 0;
        char *key = trim(s), *value = trim(eq + 1);
        if (!strcmp(key, "base")) {
            if (hparams_preset(value, hp)) {
                snprintf(err, errlen, "%s:%d: unknown base configuration '%s'", path, line_no,
                         value);
                status = -1;
            }
            continue;
        }
        int i = 0;
        while (i < MV_HPARAMS_FIELDS && strcmp(field_names[i], key)) i++;
        char *end;
        unsigned long v = strtoul(value, &end, 10);
        if (i == MV_HPARAMS_FIELDS || end == value || *end) {
            snprintf(err, errlen, "%s:%d: unknown key '%s' or value '%s' not a number", path,
                     line_no, key, value);
            status = -1;
            break;
        }
        *field(hp, i) = (uint32_t)v;
    }
    fclose(f);
    return status;
}

int train_config_resolve(const char *name, const mv_corpus *c, mv_hparams *hp, char *err,
                         size_t errlen)
{
    const char *fit = corpus_repr(c) == MV_REPR_DRUMS    ? "drums_2bar"
                      : corpus_repr(c) == MV_REPR_ROLL   ? "roll_2bar"
                      : corpus_repr(c) == MV_REPR_GROOVE ? "groove_2bar"
                      : corpus_n_bars(c) == 4           ? "mel_4bar"
                                                        : "mel_2bar";
    hparams_preset(fit, hp);
    if (name && hparams_preset(name, hp) && read_config_file(name, hp, err, errlen)) return -1;
    /* a piano-roll model's pitch range is its data's (morphvae data --pitches) */
    if (hp->repr == MV_REPR_ROLL && corpus_repr(c) == MV_REPR_ROLL) {
        hp->n_classes = corpus_n_classes(c);
        hp->min_pitch = corpus_min_pitch(c);
    }
    char why[200];
    if (hparams_check(hp, why, sizeof why)) {
        snprintf(err, errlen, "configuration %s: %s", name ? name : fit, why);
        return -1;
    }
    return 0;
}
