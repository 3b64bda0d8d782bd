/* Chord following (issue 20, the Chords control): the notes held on the
 * plugin's MIDI input and the chord they make (core/chord_recognise.h: root
 * and quality from their pitch classes, the lowest note as the bass). Run()
 * feeds it every MIDI event while Chords is "Follow input" and Capture is off;
 * the chord goes into the decode parameters, so a change asks for the bars
 * again (morphvae.c).
 *
 * The chord changes only when the held notes make another chord: releasing
 * the keys, or holding one note, keeps the last chord (players lift their
 * hands between chords, and a bass note alone is not a chord). All notes off
 * (controllers 120 and 123) forgets the notes but keeps the chord. Audio
 * thread; no allocation. */
#ifndef MV_CHORD_FOLLOW_H
#define MV_CHORD_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

typedef struct mv_chord_follow {
    uint64_t held[2]; /* pitches 0..127 held, all channels together */
    uint8_t chord;    /* the last chord recognised (core/chord.h id); 0: none yet */
} mv_chord_follow;

/* No notes held and no chord. */
void chord_follow_reset(mv_chord_follow *f);

/* A MIDI message from the input; returns true when the chord changed. */
bool chord_follow_midi(mv_chord_follow *f, const uint8_t *msg, uint32_t size);

#endif
