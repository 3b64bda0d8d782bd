/* The chord recogniser: root and quality from the pitch classes that sound
 * (the plugin's held input notes, a beat of a MIDI file's accompaniment).
 *
 * Every chord of the vocabulary (12 roots x 15 qualities) is scored against
 * the sounding set P with its tones T:
 *     2 |P and T| - 2 |P not in T| - |T not in P| + (1 if the root is the bass)
 * i.e. a tone explained counts for, an unexplained tone against, a missing
 * chord tone half as much (a triad without its fifth is still the triad), and
 * the lowest note breaks ties towards root position (C E G A: C6 over C, Am7
 * over A). Equal scores go to the quality POP909 uses more often (C G: C:maj
 * before C:sus2). No chord when fewer than two pitch classes sound, when the
 * best chord explains fewer than two of them or leaves as many unexplained as
 * it explains (a cluster). libc only; no allocation (the plugin calls it). */
#ifndef MV_CHORD_RECOGNISE_H
#define MV_CHORD_RECOGNISE_H

#include <stdint.h>

/* pitch_classes: bit i = pitch class i sounds (bit 0 = C); bass: the lowest
 * sounding pitch class, or -1 if unknown. Returns a chord id (core/chord.h). */
uint8_t chord_recognise(uint16_t pitch_classes, int bass);

#endif
