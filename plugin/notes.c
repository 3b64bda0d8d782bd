#include "notes.h"

/* Pitch classes in each scale, as a 12-bit mask from the key (bit 0 = root). */
static const unsigned scale_masks[MV_N_SCALES] = {
    [SCALE_CHROMATIC] = 0xFFF,
    [SCALE_MAJOR] = (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 7) | (1u << 9) |
                    (1u << 11),
    [SCALE_MINOR] = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 8) |
                    (1u << 10),
    [SCALE_DORIAN] = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 9) |
                     (1u << 10),
    [SCALE_MAJOR_PENTATONIC] = (1u << 0) | (1u << 2) | (1u << 4) | (1u << 7) | (1u << 9),
    [SCALE_MINOR_PENTATONIC] = (1u << 0) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 10),
    [SCALE_HARMONIC_MINOR] = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 7) |
                             (1u << 8) | (1u << 11),
};

static int in_scale(int pitch, int key, unsigned mask)
{
    int degree = ((pitch - key) % 12 + 12) % 12;
    return (mask >> degree) & 1u;
}

static int clamp_pitch(int p)
{
    return p < 0 ? 0 : p > 127 ? 127 : p;
}

int notes_shape_pitch(int pitch, int transpose, int key, int scale)
{
    int p = clamp_pitch(pitch + transpose);
    if (scale <= SCALE_CHROMATIC || scale >= MV_N_SCALES) return p;
    unsigned mask = scale_masks[scale];
    key = ((key % 12) + 12) % 12;
    for (int d = 0; d < 12; d++) {
        if (p - d >= 0 && in_scale(p - d, key, mask)) return p - d;
        if (p + d <= 127 && in_scale(p + d, key, mask)) return p + d;
    }
    return p;
}
