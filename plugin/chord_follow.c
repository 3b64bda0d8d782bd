/* The chord held on the MIDI input (chord_follow.h). */
#include "chord_follow.h"

#include <string.h>

#include "chord.h"
#include "chord_recognise.h"

void chord_follow_reset(mv_chord_follow *f)
{
    memset(f, 0, sizeof *f);
}

/* The chord of the held notes: their pitch classes over the lowest one. */
static uint8_t held_chord(const mv_chord_follow *f)
{
    uint16_t pcs = 0;
    int bass = -1;
    for (int p = 127; p >= 0; p--)
        if (f->held[p >> 6] >> (p & 63) & 1u) {
            pcs |= (uint16_t)(1u << (p % 12));
            bass = p % 12;
        }
    return chord_recognise(pcs, bass);
}

bool chord_follow_midi(mv_chord_follow *f, const uint8_t *msg, uint32_t size)
{
    if (size < 3) return false;
    const uint8_t type = msg[0] & 0xF0, data1 = msg[1] & 0x7F, data2 = msg[2] & 0x7F;
    const uint64_t bit = 1ull << (data1 & 63);
    if (type == 0x90 && data2 > 0) f->held[data1 >> 6] |= bit;
    else if (type == 0x80 || type == 0x90) f->held[data1 >> 6] &= ~bit;
    else if (type == 0xB0 && (data1 == 120 || data1 == 123)) f->held[0] = f->held[1] = 0;
    else return false;
    const uint8_t chord = held_chord(f);
    if (chord == MV_CHORD_NONE || chord == f->chord) return false;
    f->chord = chord;
    return true;
}
