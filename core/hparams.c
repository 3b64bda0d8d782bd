#include "hparams.h"

#include "groove.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    mv_hparams hp;
} named_hparams;

/* repr, classes, min_pitch, bars, steps, z, enc, enc_l, cond, cond_l, dec, dec_l */
static const named_hparams presets[] = {
    {"mel_2bar", {MV_REPR_MELODY, 90, 21, 2, 16, 256, 256, 1, 256, 1, 256, 2, 0}},
    {"mel_4bar", {MV_REPR_MELODY, 90, 21, 4, 16, 256, 256, 1, 256, 1, 256, 2, 0}},
    {"drums_2bar", {MV_REPR_DRUMS, 512, 0, 2, 16, 256, 256, 1, 256, 1, 256, 2, 0}},
    {"roll_2bar", {MV_REPR_ROLL, 176, 21, 2, 16, 256, 256, 1, 256, 1, 256, 2, 0}},
    {"groove_2bar", {MV_REPR_GROOVE, 27, 0, 2, 16, 256, 256, 1, 256, 1, 256, 2, 0}},
    {"large", {MV_REPR_MELODY, 90, 21, 4, 16, 512, 512, 1, 512, 1, 512, 2, 0}},
    {"tiny", {MV_REPR_MELODY, 90, 21, 2, 16, 16, 16, 1, 16, 1, 16, 2, 0}},
};

int hparams_preset(const char *name, mv_hparams *hp)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            *hp = presets[i].hp;
            return 0;
        }
    }
    return -1;
}

const char *hparams_preset_name(size_t i)
{
    return i < sizeof presets / sizeof presets[0] ? presets[i].name : NULL;
}

size_t hparams_preset_list(char *buf, size_t n, const char *sep)
{
    size_t len = 0;
    if (n) buf[0] = 0;
    for (size_t i = 0; hparams_preset_name(i); i++) {
        int k = snprintf(buf + (len < n ? len : n), len < n ? n - len : 0, "%s%s", i ? sep : "",
                         hparams_preset_name(i));
        if (k > 0) len += (size_t)k;
    }
    return len;
}

const char *repr_name(uint32_t repr)
{
    switch (repr) {
    case MV_REPR_MELODY: return "melody";
    case MV_REPR_DRUMS: return "drums";
    case MV_REPR_ROLL: return "roll";
    case MV_REPR_GROOVE: return "groove";
    default: return "?";
    }
}

uint32_t hparams_seq_len(const mv_hparams *hp)
{
    return hp->n_bars * hp->steps_per_bar;
}

uint32_t hparams_musical_bar(const mv_hparams *hp)
{
    const int flat = hp->n_bars == 1 && hp->steps_per_bar % MV_FLAT_BAR_STEPS == 0;
    return flat ? MV_FLAT_BAR_STEPS : hp->steps_per_bar;
}

static int check_range(const char *what, uint32_t v, uint32_t lo, uint32_t hi, char *err,
                       size_t errlen)
{
    if (v >= lo && v <= hi) return 0;
    snprintf(err, errlen, "%s is %u, expected %u..%u", what, v, lo, hi);
    return -1;
}

int hparams_check(const mv_hparams *hp, char *err, size_t errlen)
{
    if (hp->repr > MV_REPR_GROOVE) {
        snprintf(err, errlen, "unknown representation %u", hp->repr);
        return -1;
    }
    if (check_range("n_classes", hp->n_classes, 2, MV_MAX_SIZE, err, errlen) ||
        check_range("min_pitch", hp->min_pitch, 0, 127, err, errlen) ||
        check_range("n_bars", hp->n_bars, 1, 64, err, errlen) ||
        check_range("steps_per_bar", hp->steps_per_bar, 1, 256, err, errlen) ||
        check_range("z_size", hp->z_size, 1, MV_MAX_SIZE, err, errlen) ||
        check_range("enc_size", hp->enc_size, 1, MV_MAX_SIZE, err, errlen) ||
        check_range("enc_layers", hp->enc_layers, 1, MV_MAX_LAYERS, err, errlen) ||
        check_range("cond_size", hp->cond_size, 1, MV_MAX_SIZE, err, errlen) ||
        check_range("cond_layers", hp->cond_layers, 1, MV_MAX_LAYERS, err, errlen) ||
        check_range("dec_size", hp->dec_size, 1, MV_MAX_SIZE, err, errlen) ||
        check_range("dec_layers", hp->dec_layers, 1, MV_MAX_LAYERS, err, errlen) ||
        check_range("chords", hp->chords, MV_CHORDS_NONE, MV_CHORDS_V1, err, errlen))
        return -1;
    if (hp->n_bars * hp->steps_per_bar > MV_MAX_STEPS) {
        snprintf(err, errlen, "sequence of %u bars x %u steps exceeds %u steps", hp->n_bars,
                 hp->steps_per_bar, MV_MAX_STEPS);
        return -1;
    }
    if (hp->repr == MV_REPR_MELODY && hp->min_pitch + (hp->n_classes - 2) > 128) {
        snprintf(err, errlen, "melody classes %u from pitch %u go past pitch 127", hp->n_classes,
                 hp->min_pitch);
        return -1;
    }
    if (hp->repr == MV_REPR_GROOVE && hp->n_classes != MV_GROOVE_STEP_BYTES) {
        snprintf(err, errlen, "groove needs %d outputs, not %u", MV_GROOVE_STEP_BYTES,
                 hp->n_classes);
        return -1;
    }
    if (hp->repr == MV_REPR_DRUMS && hp->n_classes != 512) {
        snprintf(err, errlen, "drums need 512 classes, not %u", hp->n_classes);
        return -1;
    }
    if (hp->repr == MV_REPR_ROLL &&
        (hp->n_classes % 2 != 0 || hp->min_pitch + hp->n_classes / 2 > 128)) {
        snprintf(err, errlen, "roll classes %u from pitch %u are not 2 x a pitch range within 0..127",
                 hp->n_classes, hp->min_pitch);
        return -1;
    }
    return 0;
}
