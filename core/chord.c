/* The chord vocabulary: ids, pitch classes and the model's chord features. */
#include "chord.h"

#include <string.h>

typedef struct quality_info {
    const char *name;  /* POP909's notation */
    uint16_t intervals; /* pitch classes above the root, as bits (bit 0 = the root) */
} quality_info;

#define PC(i) (1u << (i))
static const quality_info qualities[MV_CHORD_QUALITIES] = {
    [MV_CHORD_MAJ] = {"maj", PC(0) | PC(4) | PC(7)},
    [MV_CHORD_MIN] = {"min", PC(0) | PC(3) | PC(7)},
    [MV_CHORD_SUS2] = {"sus2", PC(0) | PC(2) | PC(7)},
    [MV_CHORD_MIN7] = {"min7", PC(0) | PC(3) | PC(7) | PC(10)},
    [MV_CHORD_MAJ7] = {"maj7", PC(0) | PC(4) | PC(7) | PC(11)},
    [MV_CHORD_SUS4] = {"sus4", PC(0) | PC(5) | PC(7)},
    [MV_CHORD_DOM7] = {"7", PC(0) | PC(4) | PC(7) | PC(10)},
    [MV_CHORD_SUS4_B7] = {"sus4(b7)", PC(0) | PC(5) | PC(7) | PC(10)},
    [MV_CHORD_MAJ6] = {"maj6", PC(0) | PC(4) | PC(7) | PC(9)},
    [MV_CHORD_DIM] = {"dim", PC(0) | PC(3) | PC(6)},
    [MV_CHORD_HDIM7] = {"hdim7", PC(0) | PC(3) | PC(6) | PC(10)},
    [MV_CHORD_AUG] = {"aug", PC(0) | PC(4) | PC(8)},
    [MV_CHORD_MIN6] = {"min6", PC(0) | PC(3) | PC(7) | PC(9)},
    [MV_CHORD_DIM7] = {"dim7", PC(0) | PC(3) | PC(6) | PC(9)},
    [MV_CHORD_MINMAJ7] = {"minmaj7", PC(0) | PC(3) | PC(7) | PC(11)},
};
#undef PC

static int mod12(int x)
{
    return ((x % 12) + 12) % 12;
}

uint8_t chord_id(int root, int quality)
{
    if (quality < 0 || quality >= MV_CHORD_QUALITIES) return MV_CHORD_NONE;
    return (uint8_t)(1 + mod12(root) * MV_CHORD_QUALITIES + quality);
}

int chord_root(uint8_t id)
{
    return id == MV_CHORD_NONE || id >= MV_CHORD_COUNT ? -1 : (id - 1) / MV_CHORD_QUALITIES;
}

int chord_quality(uint8_t id)
{
    return id == MV_CHORD_NONE || id >= MV_CHORD_COUNT ? -1 : (id - 1) % MV_CHORD_QUALITIES;
}

uint16_t chord_pitch_classes(uint8_t id)
{
    int root = chord_root(id);
    if (root < 0) return 0;
    uint32_t rotated = (uint32_t)qualities[chord_quality(id)].intervals << root;
    return (uint16_t)((rotated | rotated >> 12) & 0xfffu);
}

uint8_t chord_transpose(uint8_t id, int semitones)
{
    int root = chord_root(id);
    return root < 0 ? MV_CHORD_NONE : chord_id(root + semitones, chord_quality(id));
}

void chord_features(uint8_t id, float out[MV_CHORD_FEATURES])
{
    memset(out, 0, sizeof(float) * MV_CHORD_FEATURES);
    int root = chord_root(id);
    if (root < 0) return;
    out[root] = 1.0f;
    uint16_t pcs = chord_pitch_classes(id);
    for (int i = 0; i < 12; i++) out[12 + i] = (float)(pcs >> i & 1u);
}

const char *chord_quality_name(int quality)
{
    return quality >= 0 && quality < MV_CHORD_QUALITIES ? qualities[quality].name : "?";
}
