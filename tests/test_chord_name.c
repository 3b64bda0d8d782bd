/* Chord symbols: POP909's notation and shorthand read to the right chord,
 * slash basses dropped, bad symbols refused with a message naming them; and
 * the recogniser on known voicings (root position, inversions, added tones,
 * sevenths, two-note shells, no chord). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "chord_name.h"
#include "chord_recognise.h"

static uint8_t parsed(const char *s)
{
    uint8_t id = 255;
    char err[200];
    if (chord_parse(s, strlen(s), &id, err, sizeof err)) {
        printf("unexpected refusal: %s\n", err);
        return 255;
    }
    return id;
}

static int refused_naming(const char *s)
{
    uint8_t id;
    char err[200] = "";
    return chord_parse(s, strlen(s), &id, err, sizeof err) == -1 && strstr(err, s) != NULL;
}

/* pitch classes of MIDI notes; the first is the bass */
static uint8_t heard(int n, const int *notes)
{
    uint16_t pcs = 0;
    for (int i = 0; i < n; i++) pcs |= (uint16_t)(1u << (notes[i] % 12));
    return chord_recognise(pcs, n ? notes[0] % 12 : -1);
}
#define HEARD(...) heard((int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), (int[]){__VA_ARGS__})

int main(void)
{
    /* POP909 */
    CHECK(parsed("C:maj") == chord_id(0, MV_CHORD_MAJ));
    CHECK(parsed("Bb:min7/b7") == chord_id(10, MV_CHORD_MIN7));
    CHECK(parsed("F#:sus4(b7)") == chord_id(6, MV_CHORD_SUS4_B7));
    CHECK(parsed("Db:hdim7") == chord_id(1, MV_CHORD_HDIM7));
    CHECK(parsed("A:maj/3") == chord_id(9, MV_CHORD_MAJ));
    CHECK(parsed("N") == MV_CHORD_NONE && parsed("N.C.") == MV_CHORD_NONE);
    /* shorthand */
    CHECK(parsed("C") == chord_id(0, MV_CHORD_MAJ));
    CHECK(parsed("Am") == chord_id(9, MV_CHORD_MIN));
    CHECK(parsed("F7") == chord_id(5, MV_CHORD_DOM7));
    CHECK(parsed("Ebmaj7/G") == chord_id(3, MV_CHORD_MAJ7));
    CHECK(parsed("Bm7b5") == chord_id(11, MV_CHORD_HDIM7));
    CHECK(parsed("Gsus4") == chord_id(7, MV_CHORD_SUS4));
    CHECK(parsed("G7sus4") == chord_id(7, MV_CHORD_SUS4_B7));
    CHECK(parsed("Cb") == chord_id(11, MV_CHORD_MAJ));
    CHECK(parsed("E#m") == chord_id(5, MV_CHORD_MIN));
    CHECK(parsed("CM7") == chord_id(0, MV_CHORD_MAJ7) && parsed("Cm7") == chord_id(0, MV_CHORD_MIN7));
    CHECK(parsed("Bdim7") == chord_id(11, MV_CHORD_DIM7) && parsed("C+") == chord_id(0, MV_CHORD_AUG));
    /* refusals name the symbol */
    CHECK(refused_naming("H"));
    CHECK(refused_naming("Cx7"));
    CHECK(refused_naming("C:major"));
    CHECK(refused_naming("C/"));
    CHECK(refused_naming("c"));
    CHECK(refused_naming("Am/Q"));
    /* lists */
    uint8_t list[8];
    char err[200];
    CHECK(chord_parse_list(" C G, Am|F7 ", list, 8, err, sizeof err) == 4);
    CHECK(list[2] == chord_id(9, MV_CHORD_MIN) && list[3] == chord_id(5, MV_CHORD_DOM7));
    CHECK(chord_parse_list("C Gx Am", list, 8, err, sizeof err) == -1 && strstr(err, "'Gx'"));
    CHECK(chord_parse_list("  ", list, 8, err, sizeof err) == -1 && strstr(err, "no chord"));
    CHECK(chord_parse_list("C C C", list, 2, err, sizeof err) == -1 && strstr(err, "more than 2"));
    /* names round-trip */
    for (int id = 0; id < MV_CHORD_COUNT; id++) {
        char name[16];
        chord_name((uint8_t)id, name, sizeof name);
        CHECK(parsed(name) == id);
    }

    /* the recogniser */
    CHECK(HEARD(48, 52, 55) == chord_id(0, MV_CHORD_MAJ));           /* C E G */
    CHECK(HEARD(52, 55, 60) == chord_id(0, MV_CHORD_MAJ));           /* first inversion */
    CHECK(HEARD(55, 60, 64) == chord_id(0, MV_CHORD_MAJ));           /* second inversion */
    CHECK(HEARD(57, 60, 64) == chord_id(9, MV_CHORD_MIN));           /* A C E */
    CHECK(HEARD(43, 59, 62, 65) == chord_id(7, MV_CHORD_DOM7));      /* G B D F */
    CHECK(HEARD(50, 53, 57, 60) == chord_id(2, MV_CHORD_MIN7));      /* D F A C */
    CHECK(HEARD(48, 52, 55, 59) == chord_id(0, MV_CHORD_MAJ7));      /* C E G B */
    CHECK(HEARD(48, 52, 55, 57) == chord_id(0, MV_CHORD_MAJ6));      /* C6 over C */
    CHECK(HEARD(45, 48, 52, 55) == chord_id(9, MV_CHORD_MIN7));      /* the same over A */
    CHECK(HEARD(48, 52, 55, 62) == chord_id(0, MV_CHORD_MAJ));       /* add9: still C */
    CHECK(HEARD(47, 50, 53) == chord_id(11, MV_CHORD_DIM));          /* B D F */
    CHECK(HEARD(47, 50, 53, 57) == chord_id(11, MV_CHORD_HDIM7));    /* B D F A */
    CHECK(HEARD(48, 53, 55) == chord_id(0, MV_CHORD_SUS4));          /* C F G */
    CHECK(HEARD(48, 52) == chord_id(0, MV_CHORD_MAJ));               /* C E shell */
    CHECK(HEARD(45, 48) == chord_id(9, MV_CHORD_MIN));               /* A C shell */
    CHECK(HEARD(60) == MV_CHORD_NONE && HEARD(60, 72) == MV_CHORD_NONE); /* one pitch class */
    CHECK(chord_recognise(0, -1) == MV_CHORD_NONE);
    CHECK(HEARD(60, 61, 62, 63, 64, 65) == MV_CHORD_NONE);           /* a cluster */
    /* every chord of the vocabulary whose tones are all different from the
     * others' is recognised from its own tones in root position */
    int recognised = 0;
    for (int id = 1; id < MV_CHORD_COUNT; id++)
        recognised += chord_recognise(chord_pitch_classes((uint8_t)id), chord_root((uint8_t)id)) == id;
    printf("%d of %d chords recognised from their own tones over their root\n", recognised,
           MV_CHORD_COUNT - 1);
    CHECK(recognised >= (MV_CHORD_COUNT - 1) * 9 / 10);
    return check_report();
}
