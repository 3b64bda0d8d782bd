/* Whether a window is a varied phrase: what a default anchor (trainer's
 * `anchors --pick`) and a MIDI-file anchor in the plugin (its first varied
 * window) must be, since a morph between two sparse intros or held chords says
 * little. Melody: at least VARIED_MIN_PITCHES distinct pitches and
 * VARIED_MIN_NOTES note-ons, no run of VARIED_MAX_RUN note-ons on one pitch;
 * drums: a kick on beat 1, a snare on beats 2 and 4, at least
 * VARIED_MIN_HITS_PER_BAR hits a bar; piano roll: harmony in motion, at least
 * VARIED_ROLL_MIN_VOICES pitches sounding together on VARIED_ROLL_CHORD_SHARE
 * of the steps, VARIED_ROLL_MIN_CHORDS different chords struck (sounding where
 * one of their notes starts) and VARIED_ROLL_MIN_NOTES_PER_BAR onsets a bar, so
 * that two held block chords do not qualify. */
#ifndef MV_PHRASE_VARIETY_H
#define MV_PHRASE_VARIETY_H

#include <stddef.h>
#include <stdint.h>

#include "hparams.h"

#define VARIED_MIN_PITCHES 4
#define VARIED_MIN_NOTES 6
#define VARIED_MAX_RUN 4 /* this many note-ons in a row on one pitch is a stutter */
#define VARIED_MIN_HITS_PER_BAR 8
#define VARIED_ROLL_MIN_VOICES 2     /* pitches sounding at once make a chord */
#define VARIED_ROLL_CHORD_SHARE 0.75 /* share of steps that must sound a chord */
#define VARIED_ROLL_MIN_CHORDS 3     /* different sets of pitches struck as chords */
#define VARIED_ROLL_MIN_NOTES_PER_BAR 8

/* 1 if a hp-shaped window (melody or drum tokens, or a roll's or groove's
 * bytes) is varied; a groove window by its hits, as drums. */
int phrase_is_varied(const mv_hparams *hp, const void *window);

/* The window a MIDI file gives as an anchor, offered its windows in the order
 * extraction emits them: the first varied one, else the first (a short riff or
 * a sparse phrase is still an anchor). The chosen window is copied to out
 * (bytes long) and its first bar kept in bar. */
typedef struct mv_anchor_window {
    const mv_hparams *hp;
    void *out;
    size_t bytes;
    uint32_t bar;
    int found; /* a window has been taken (perhaps not a varied one) */
} mv_anchor_window;

/* Offers the next window; 1 once the choice is final (the window is varied),
 * so that an extraction callback can stop there. */
int anchor_window_offer(mv_anchor_window *w, const void *window, uint32_t bar);

/* How varied a window is, to prefer one of two: more distinct pitches (melody),
 * hits (drums) or chords (roll), then more notes. */
long phrase_variety(const mv_hparams *hp, const void *window);

#endif
