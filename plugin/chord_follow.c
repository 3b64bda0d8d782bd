#include "chord_follow.h"

#include <string.h>

#include "chord_recognise.h"

void chord_input_clear(mv_chord_in *c)
{
    memset(c, 0, sizeof *c);
}

bool chord_input_midi(mv_chord_in *c, const uint8_t *msg, uint32_t size)
{
    if (size < 3) return false;
    const uint64_t before[2] = {c->held[0], c->held[1]};
    const uint8_t type = msg[0] & 0xF0, data = msg[1] & 0x7F, velocity = msg[2] & 0x7F;
    const uint64_t bit = 1ull << (data & 63);
    if (type == 0x90 && velocity > 0) c->held[data >> 6] |= bit;
    else if (type == 0x80 || type == 0x90) c->held[data >> 6] &= ~bit;
    else if (type == 0xB0 && (data == 120 || data == 123)) c->held[0] = c->held[1] = 0;
    return c->held[0] != before[0] || c->held[1] != before[1];
}

uint8_t chord_input_recognise(const mv_chord_in *c)
{
    uint16_t classes = 0;
    int bass = -1;
    for (int w = 1; w >= 0; w--) {
        for (uint64_t bits = c->held[w]; bits; bits &= bits - 1) {
            int p = w * 64 + __builtin_ctzll(bits);
            classes |= (uint16_t)(1u << (p % 12));
        }
    }
    if (c->held[0]) bass = __builtin_ctzll(c->held[0]) % 12;
    else if (c->held[1]) bass = (64 + __builtin_ctzll(c->held[1])) % 12;
    return classes ? chord_recognise(classes, bass) : 0;
}

bool chord_input_update(mv_chord_in *c)
{
    uint8_t chord = chord_input_recognise(c);
    if (!chord || chord == c->memory) return false;
    c->memory = chord;
    return true;
}

void chord_history_clear(mv_chord_history *h)
{
    for (int i = 0; i < MV_CHORD_HISTORY; i++) h->step[i] = INT64_MIN;
    memset(h->chord, 0, sizeof h->chord);
}

void chord_history_record(mv_chord_history *h, int64_t step, uint8_t chord)
{
    int i = (int)(step & (MV_CHORD_HISTORY - 1));
    h->step[i] = step;
    h->chord[i] = chord;
}

int chord_follow_window(const mv_chord_history *h, int64_t first_bar, int n_bars,
                        int steps_per_bar, int bar_steps, int64_t next_step, uint8_t now,
                        uint8_t *out)
{
    for (int i = 0; i < n_bars; i++) {
        for (int k = 0; k < steps_per_bar; k++) {
            uint8_t chord = now;
            int64_t step = (first_bar + i) * bar_steps + k;
            int slot = (int)(step & (MV_CHORD_HISTORY - 1));
            if (k < bar_steps && step < next_step && h->step[slot] == step) chord = h->chord[slot];
            out[i * steps_per_bar + k] = chord;
        }
    }
    return n_bars * steps_per_bar;
}

uint64_t chord_key(const uint8_t *chords, int n)
{
    uint64_t x = 0xcbf29ce484222325ull;
    for (int i = 0; i < n; i++) x = (x ^ chords[i]) * 0x100000001b3ull;
    x ^= (uint64_t)n;
    return x ? x : 1;
}
