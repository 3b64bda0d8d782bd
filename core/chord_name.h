/* Chord names, read and written: POP909's notation ("C:maj", "Bb:min7/b7",
 * "N") and the shorthand musicians type ("C", "Am", "F7", "Bm7b5", "Gsus4",
 * "Ebmaj7/G"). A slash bass is accepted and dropped: the vocabulary has no
 * inversions (core/chord.h). Richer symbols map to the nearest quality
 * (9 -> 7, maj9 -> maj7, m9/m11 -> min7, add9 -> maj). libc only. */
#ifndef MV_CHORD_NAME_H
#define MV_CHORD_NAME_H

#include <stddef.h>
#include <stdint.h>

/* The chord of the symbol s[0, len). Returns 0 and the id (MV_CHORD_NONE for
 * "N", "NC", "N.C."), or -1 with a message naming the symbol in err. */
int chord_parse(const char *s, size_t len, uint8_t *id, char *err, size_t errlen);

/* A list of symbols separated by spaces, commas or bars ("C G Am F7",
 * "C:maj,G:maj"): up to max ids into out. Returns the count (>= 1), or -1 with
 * a message naming the first bad symbol (or saying the list is empty or too
 * long) in err. */
int chord_parse_list(const char *s, uint8_t *out, int max, char *err, size_t errlen);

/* POP909's name of a chord ("C:maj", "F#:min7", "N") into out (>= 16 bytes). */
void chord_name(uint8_t id, char *out, size_t n);

#endif
