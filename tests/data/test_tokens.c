/* Token <-> note conversion: round trips, highest-wins, range and the drum map. */
#include <string.h>

#include "check.h"
#include "tokens.h"

#define STEPS 32

static void test_melody_tokens_round_trip(void)
{
    int32_t tokens[STEPS] = {0};
    tokens[0] = 2 + (60 - 21); /* C4 held for 4 steps, then note-off */
    tokens[4] = MV_MELODY_NOTE_OFF;
    tokens[6] = 2 + (64 - 21); /* E4 cut by G4 two steps later */
    tokens[8] = 2 + (67 - 21); /* G4 lasts to the end */
    mv_note notes[STEPS];
    int n = melody_to_notes(tokens, STEPS, 21, 90, 100, notes, STEPS);
    CHECK(n == 3);
    CHECK(notes[0].step == 0 && notes[0].duration == 4 && notes[0].pitch == 60);
    CHECK(notes[1].step == 6 && notes[1].duration == 2 && notes[1].pitch == 64);
    CHECK(notes[2].step == 8 && notes[2].duration == STEPS - 8 && notes[2].pitch == 67);
    CHECK(notes[2].velocity == 100);
    int32_t back[STEPS];
    CHECK(melody_from_notes(notes, n, STEPS, 21, 90, back) == 0);
    CHECK(memcmp(tokens, back, sizeof tokens) == 0);
    CHECK(melody_to_notes(tokens, STEPS, 21, 90, 100, notes, 2) == 2); /* max respected */
}

static void test_melody_notes_round_trip(void)
{
    mv_note notes[] = {{0, 3, 21, 90}, {3, 1, 108, 90}, {10, 5, 72, 90}, {20, 12, 50, 90}};
    int32_t tokens[STEPS];
    CHECK(melody_from_notes(notes, 4, STEPS, 21, 90, tokens) == 0);
    CHECK(tokens[0] == 2 && tokens[3] == 89 && tokens[4] == MV_MELODY_NOTE_OFF);
    mv_note back[STEPS];
    int n = melody_to_notes(tokens, STEPS, 21, 90, 90, back, STEPS);
    CHECK(n == 4);
    for (int i = 0; i < n && i < 4; i++)
        CHECK_MSG(back[i].step == notes[i].step && back[i].duration == notes[i].duration &&
                      back[i].pitch == notes[i].pitch,
                  "note %d: step %d dur %d pitch %d", i, back[i].step, back[i].duration,
                  back[i].pitch);
}

static void test_melody_highest_wins_and_range(void)
{
    mv_note notes[] = {
        {0, 4, 60, 90}, {0, 8, 67, 90}, {0, 2, 64, 90}, /* chord: G4 wins, lasts 8 */
        {8, 2, 20, 90},                                  /* below 21: dropped */
        {9, 2, 109, 90},                                 /* above 108: dropped */
        {40, 2, 60, 90},                                 /* after the window: dropped */
    };
    int32_t tokens[STEPS];
    int dropped = melody_from_notes(notes, 6, STEPS, 21, 90, tokens);
    CHECK(dropped == 5); /* two chord losers + three out of range or window */
    CHECK(tokens[0] == 2 + 67 - 21);
    CHECK(tokens[8] == MV_MELODY_NOTE_OFF);
    for (int s = 1; s < STEPS; s++)
        if (s != 8) CHECK_MSG(tokens[s] == 0, "step %d = %d", s, tokens[s]);
}

static void test_drum_map(void)
{
    /* The table of shared/data/README.md, class by class. */
    static const int table[MV_DRUM_CLASSES][16] = {
        {36, 35},
        {38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85},
        {42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22},
        {46, 67, 72, 74, 79, 81, 26},
        {45, 29, 41, 43, 61, 64, 84},
        {48, 47, 60, 63, 77, 86, 87},
        {50, 30, 62, 76, 83},
        {49, 52, 55, 57, 58},
        {51, 53, 59, 82},
    };
    int mapped = 0;
    for (int c = 0; c < MV_DRUM_CLASSES; c++) {
        CHECK(drum_pitch_of_class(c) == table[c][0]);
        for (int k = 0; k < 16 && table[c][k]; k++) {
            CHECK_MSG(drum_class_of_pitch(table[c][k]) == c, "pitch %d", table[c][k]);
            mapped++;
        }
    }
    int total = 0;
    for (int p = 0; p < 128; p++) total += drum_class_of_pitch(p) >= 0;
    CHECK(total == mapped); /* no pitch outside the table has a class */
    CHECK(drum_class_of_pitch(21) == -1 && drum_class_of_pitch(-1) == -1);
    CHECK(drum_class_of_pitch(200) == -1 && drum_pitch_of_class(9) == -1);
}

static void test_drum_round_trips(void)
{
    int32_t tokens[STEPS] = {0};
    tokens[0] = 1 << 0 | 1 << 2; /* kick + closed hat */
    tokens[4] = 1 << 1;          /* snare */
    tokens[31] = 511;            /* everything */
    mv_note notes[64];
    int n = drums_to_notes(tokens, STEPS, 80, notes, 64);
    CHECK(n == 2 + 1 + 9);
    CHECK(notes[0].pitch == 36 && notes[1].pitch == 42 && notes[2].pitch == 38);
    CHECK(notes[2].step == 4 && notes[2].duration == 1);
    int32_t back[STEPS];
    CHECK(drums_from_notes(notes, n, STEPS, back) == 0);
    CHECK(memcmp(tokens, back, sizeof tokens) == 0);

    /* Notes -> tokens -> notes: aliases decode to their class's first pitch. */
    mv_note hits[] = {{1, 1, 35, 90}, {1, 1, 40, 90}, {2, 1, 21, 90}, {3, 1, 59, 90}};
    CHECK(drums_from_notes(hits, 4, STEPS, back) == 1); /* pitch 21 is no drum */
    CHECK(back[1] == (1 << 0 | 1 << 1) && back[2] == 0 && back[3] == 1 << 8);
    n = drums_to_notes(back, STEPS, 80, notes, 64);
    CHECK(n == 3);
    CHECK(notes[0].pitch == 36 && notes[1].pitch == 38 && notes[2].pitch == 51);
}

/* Piano roll: chords, a repeated note told apart from a held one, a note cut by
 * its own repetition, the range; and normalisation. */
static void test_roll_round_trips(void)
{
    enum { P = 12, MIN = 60, W = 2 * P };
    mv_note notes[] = {
        {0, 4, 60, 90}, {0, 4, 64, 90}, {0, 8, 67, 90}, /* a chord, G4 held longer */
        {4, 2, 60, 90}, {6, 2, 60, 90},                  /* C4 repeated: two notes */
        {10, 6, 62, 90}, {12, 2, 62, 90},                /* D4 cut by its repetition */
        {3, 2, 59, 90}, {5, 1, 72, 90}, {40, 1, 60, 90}, /* out of range or window */
    };
    uint8_t roll[STEPS * W];
    CHECK(roll_from_notes(notes, 10, STEPS, MIN, P, roll) == 3);
    CHECK(roll[0 * W + P + 0] && roll[0 * W + P + 4] && roll[0 * W + P + 7]);
    CHECK(roll[4 * W + 0] && roll[4 * W + P + 0] && !roll[5 * W + P + 0] && roll[5 * W + 0]);
    CHECK(roll[7 * W + 7] && !roll[8 * W + 7]);
    CHECK(roll[11 * W + 2] && roll[12 * W + P + 2] && !roll[14 * W + 2]);
    mv_note back[STEPS];
    int n = roll_to_notes(roll, STEPS, MIN, P, 80, back, STEPS);
    CHECK_MSG(n == 7, "%d notes", n);
    const mv_note want[] = {{0, 4, 60, 80}, {0, 4, 64, 80}, {0, 8, 67, 80}, {4, 2, 60, 80},
                            {6, 2, 60, 80}, {10, 2, 62, 80}, {12, 2, 62, 80}};
    for (int i = 0; i < n && i < 7; i++)
        CHECK_MSG(back[i].step == want[i].step && back[i].duration == want[i].duration &&
                      back[i].pitch == want[i].pitch && back[i].velocity == 80,
                  "note %d: step %d dur %d pitch %d", i, back[i].step, back[i].duration,
                  back[i].pitch);
    uint8_t again[STEPS * W];
    roll_from_notes(back, n, STEPS, MIN, P, again);
    CHECK(memcmp(roll, again, sizeof roll) == 0);
    CHECK(roll_to_notes(roll, STEPS, MIN, P, 80, back, 2) == 2); /* max respected */

    /* normalising: a start sounds; a pitch that begins to sound starts; a held one does not */
    uint8_t prev[W] = {0}, step[W] = {0};
    prev[1] = 1;
    step[P + 0] = 1; /* start without sound */
    step[1] = 1;     /* held from prev */
    step[2] = 1;     /* sounds, was silent */
    roll_step_normalise(step, prev, P);
    CHECK(step[0] && step[P + 0] && step[1] && !step[P + 1] && step[2] && step[P + 2]);
    /* a roll that sounds without onsets decodes as notes starting where it begins */
    uint8_t held[4 * W] = {0};
    held[0 * W + 5] = held[1 * W + 5] = held[3 * W + 5] = 1;
    n = roll_to_notes(held, 4, MIN, P, 80, back, 4);
    CHECK(n == 2 && back[0].step == 0 && back[0].duration == 2 && back[1].step == 3);
}

int main(void)
{
    test_roll_round_trips();
    test_melody_tokens_round_trip();
    test_melody_notes_round_trip();
    test_melody_highest_wins_and_range();
    test_drum_map();
    test_drum_round_trips();
    return check_report();
}
