/* Model hyperparameters: everything needed to know the shape of every tensor.
 * Stored verbatim in the weights file (docs/weights-format.md). */
#ifndef MV_HPARAMS_H
#define MV_HPARAMS_H

#include <stddef.h>
#include <stdint.h>

enum mv_repr {
    MV_REPR_MELODY = 0, /* 90 classes: 0 no event, 1 note off, 2+(pitch-min_pitch) note on */
    MV_REPR_DRUMS = 1,  /* 512 classes: bit i set = drum class i hit (9 classes) */
    MV_REPR_ROLL = 2,   /* 2*n_pitches Bernoulli outputs: [active bits | onset bits] */
    MV_REPR_GROOVE = 3, /* 27 outputs: hit, velocity, offset of 9 drums (core/groove.h) */
};

#define MV_MAX_LAYERS 4
#define MV_MAX_SIZE 8192    /* largest layer / z / class count a file may declare */
#define MV_MAX_STEPS 4096   /* largest n_bars * steps_per_bar */

/* The chord input of a model (issue 20): none, or core/chord.h's vocabulary
 * (chord_features: 24 inputs a step) into the token decoder's first layer. */
enum mv_chord_input {
    MV_CHORDS_NONE = 0,
    MV_CHORDS_V1 = 1,
};

/* All fields are u32 in the file, in this order; chords is stored in the high
 * half of repr's field, in files of format version 2 only, so that an
 * unconditioned model's file is what it was (docs/weights-format.md). */
typedef struct mv_hparams {
    uint32_t repr;          /* enum mv_repr */
    uint32_t n_classes;     /* output units per step = size of the one-hot token input */
    uint32_t min_pitch;     /* melody: lowest pitch (21); roll: lowest pitch; drums: 0 */
    uint32_t n_bars;        /* bars per sequence (conductor steps) */
    uint32_t steps_per_bar; /* token-decoder steps per bar (16 = 16th grid in 4/4) */
    uint32_t z_size;        /* latent size */
    uint32_t enc_size;      /* encoder LSTM units per direction */
    uint32_t enc_layers;    /* bidirectional encoder layers */
    uint32_t cond_size;     /* conductor LSTM units (= bar embedding size) */
    uint32_t cond_layers;
    uint32_t dec_size;      /* token decoder LSTM units */
    uint32_t dec_layers;
    uint32_t chords;        /* enum mv_chord_input */
} mv_hparams;

#define MV_HPARAMS_FIELDS 12 /* u32 fields in the file's header (chords shares the first) */

/* Named reference configurations ("mel_2bar", "mel_4bar", "drums_2bar", "roll_2bar",
 * "large", "tiny"). Returns 0 and fills *hp, or -1 if the name is unknown. */
int hparams_preset(const char *name, mv_hparams *hp);
/* The name of preset i, or NULL past the last: the list hparams_preset accepts. */
const char *hparams_preset_name(size_t i);
/* Writes the preset names joined by sep into buf (snprintf's truncation);
 * returns the length the whole list needs. */
size_t hparams_preset_list(char *buf, size_t n, const char *sep);

/* Checks ranges and consistency. Returns 0, or -1 with a plain-words reason in err. */
int hparams_check(const mv_hparams *hp, char *err, size_t errlen);

uint32_t hparams_seq_len(const mv_hparams *hp); /* n_bars * steps_per_bar */
/* Steps of one musical bar: steps_per_bar, except in a flat model (one "bar"
 * of a whole phrase that is a multiple of 16 steps), whose phrase is read in
 * 4/4 bars of 16ths (MV_FLAT_BAR_STEPS). */
#define MV_FLAT_BAR_STEPS 16
uint32_t hparams_musical_bar(const mv_hparams *hp);
const char *repr_name(uint32_t repr);           /* "melody", "drums", "roll", "?" */

#endif
