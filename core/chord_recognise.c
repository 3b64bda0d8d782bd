/* The chord recogniser (chord_recognise.h). */
#include "chord_recognise.h"

#include "chord.h"

static int popcount12(unsigned x)
{
    int n = 0;
    for (x &= 0xfffu; x; x &= x - 1) n++;
    return n;
}

uint8_t chord_recognise(uint16_t pitch_classes, int bass)
{
    unsigned p = pitch_classes & 0xfffu;
    if (popcount12(p) < 2) return MV_CHORD_NONE;
    uint8_t best = MV_CHORD_NONE;
    int best_score = 0, best_hits = 0, best_extra = 0;
    /* qualities outermost, so that on a tie the more common quality stays */
    for (int q = 0; q < MV_CHORD_QUALITIES; q++)
        for (int root = 0; root < 12; root++) {
            uint8_t id = chord_id(root, q);
            unsigned t = chord_pitch_classes(id);
            int hits = popcount12(p & t), extra = popcount12(p & ~t), missing = popcount12(t & ~p);
            int score = 2 * hits - 2 * extra - missing + (root == bass ? 1 : 0);
            if (best == MV_CHORD_NONE || score > best_score) {
                best = id;
                best_score = score;
                best_hits = hits;
                best_extra = extra;
            }
        }
    return best_hits < 2 || best_extra >= best_hits ? MV_CHORD_NONE : best;
}
