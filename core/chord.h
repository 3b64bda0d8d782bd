/* Chords: the vocabulary a chord-conditioned model reads (issue 20).
 * A chord is one byte: 0 is "no chord" (POP909's N, a withheld chord, chord
 * dropout), 1 + root * MV_CHORD_QUALITIES + quality otherwise (root 0 = C).
 * The model never sees the id, only chord_features: the root one-hot and the
 * chord's pitch-class set, so that rare qualities share what the common ones
 * teach (a min7 is a min with one more tone) and "no chord" is the zero
 * vector (a zero-initialised chord input leaves a model as it was).
 * libc only. */
#ifndef MV_CHORD_H
#define MV_CHORD_H

#include <stdint.h>

/* The qualities, by how often POP909's annotations use them (all 909 songs:
 * maj 53k, min 33k, sus2 5.0k, min7 4.8k, maj7 2.9k, sus4 2.4k, 7 1.4k,
 * sus4(b7) 1.1k, maj6 653, dim 566, hdim7 187, aug 167, min6 55, dim7 52,
 * minmaj7 33 segments); richer symbols map to the nearest of these. */
enum mv_chord_quality {
    MV_CHORD_MAJ, MV_CHORD_MIN, MV_CHORD_SUS2, MV_CHORD_MIN7, MV_CHORD_MAJ7,
    MV_CHORD_SUS4, MV_CHORD_DOM7, MV_CHORD_SUS4_B7, MV_CHORD_MAJ6, MV_CHORD_DIM,
    MV_CHORD_HDIM7, MV_CHORD_AUG, MV_CHORD_MIN6, MV_CHORD_DIM7, MV_CHORD_MINMAJ7,
    MV_CHORD_QUALITIES
};

#define MV_CHORD_NONE 0
#define MV_CHORD_COUNT (1 + 12 * MV_CHORD_QUALITIES) /* ids 0 .. MV_CHORD_COUNT-1 */
#define MV_CHORD_FEATURES 24                         /* root one-hot [12], pitch classes [12] */

/* The id of root (0..11, 0 = C; any int, taken mod 12) and quality. */
uint8_t chord_id(int root, int quality);
/* Root (0..11) and quality of a chord; -1 for no chord or an id out of range. */
int chord_root(uint8_t id);
int chord_quality(uint8_t id);
/* Pitch classes of a chord as bits (bit 0 = C); 0 for no chord. */
uint16_t chord_pitch_classes(uint8_t id);
/* The chord moved by semitones (any sign); no chord stays no chord. */
uint8_t chord_transpose(uint8_t id, int semitones);
/* The model's input for a chord: out[0..11] root one-hot, out[12..23] its
 * pitch classes as 0/1; all zero for no chord (or an id out of range). */
void chord_features(uint8_t id, float out[MV_CHORD_FEATURES]);
/* The quality's name in POP909's notation ("maj", "min7", "sus4(b7)"). */
const char *chord_quality_name(int quality);

#endif
