/* The chord vocabulary: ids round-trip root and quality, pitch classes wrap
 * past B, transposition keeps the quality, features are the root one-hot and
 * the pitch classes, and "no chord" is the zero input. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "chord.h"

int main(void)
{
    int ids_seen[MV_CHORD_COUNT] = {0};
    for (int root = 0; root < 12; root++)
        for (int q = 0; q < MV_CHORD_QUALITIES; q++) {
            uint8_t id = chord_id(root, q);
            CHECK(id != MV_CHORD_NONE && id < MV_CHORD_COUNT);
            CHECK(chord_root(id) == root && chord_quality(id) == q);
            CHECK(!ids_seen[id]++);
            CHECK(chord_pitch_classes(id) & (1u << root));
            CHECK(chord_transpose(id, 12 * 3 + 2) == chord_id(root + 2, q));
            CHECK(chord_transpose(id, -1) == chord_id(root + 11, q));
        }
    CHECK(chord_id(-1, MV_CHORD_MAJ) == chord_id(11, MV_CHORD_MAJ));
    CHECK(chord_id(0, MV_CHORD_QUALITIES) == MV_CHORD_NONE);
    /* C major C E G; A minor A C E; B7 B D# F# A (wraps past B); G sus4(b7) G C D F */
    CHECK(chord_pitch_classes(chord_id(0, MV_CHORD_MAJ)) == (1u << 0 | 1u << 4 | 1u << 7));
    CHECK(chord_pitch_classes(chord_id(9, MV_CHORD_MIN)) == (1u << 9 | 1u << 0 | 1u << 4));
    CHECK(chord_pitch_classes(chord_id(11, MV_CHORD_DOM7)) ==
          (1u << 11 | 1u << 3 | 1u << 6 | 1u << 9));
    CHECK(chord_pitch_classes(chord_id(7, MV_CHORD_SUS4_B7)) ==
          (1u << 7 | 1u << 0 | 1u << 2 | 1u << 5));
    CHECK(chord_pitch_classes(MV_CHORD_NONE) == 0 && chord_root(MV_CHORD_NONE) == -1);
    CHECK(chord_transpose(MV_CHORD_NONE, 5) == MV_CHORD_NONE);
    CHECK(chord_root(MV_CHORD_COUNT) == -1 && chord_pitch_classes(255) == 0);

    float f[MV_CHORD_FEATURES];
    chord_features(chord_id(2, MV_CHORD_MIN7), f); /* D F A C */
    for (int i = 0; i < 12; i++) CHECK(f[i] == (i == 2 ? 1.0f : 0.0f));
    for (int i = 0; i < 12; i++) CHECK(f[12 + i] == (i == 2 || i == 5 || i == 9 || i == 0 ? 1.0f : 0.0f));
    chord_features(MV_CHORD_NONE, f);
    for (int i = 0; i < MV_CHORD_FEATURES; i++) CHECK(f[i] == 0.0f);
    CHECK(!strcmp(chord_quality_name(MV_CHORD_SUS4_B7), "sus4(b7)"));
    return check_report();
}
