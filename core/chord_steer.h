/* Steering a melody toward the chord of each step as it is decoded (issue 20):
 * the rhythm stays the model's, the pitch leans to chord tones. It works with
 * any melody model, with or without chord input, and is what makes a model
 * that a real melody's code holds to its own pitches (a plugin anchor) follow
 * the chords a musician plays (docs/plugin.md, "Following chords").
 *
 * At a step whose chord is known, the probability of every note-on whose pitch
 * class is not a chord tone is multiplied by e^-strength and the note-ons are
 * renormalised to their old total, at the sampling temperature. So the chance
 * that a note starts at the step is the model's, and of the pitches it would
 * start, the likely chord tones gain: a passing tone the model is sure of
 * survives a mild strength, and a strong one keeps nearly only chord tones
 * (strength 0: the model as it is; large: chord tones only).
 * Greedy decoding (temperature 0): a step where the model starts a note still
 * starts one, on the note-on that is best after the same reweighting. */
#ifndef MV_CHORD_STEER_H
#define MV_CHORD_STEER_H

#include <stdint.h>

/* logits [n_classes] of one melody step (core/tokens.h: 0 no event, 1 note
 * off, 2 + p the note-on of pitch min_pitch + p), in place. No chord
 * (MV_CHORD_NONE) or strength <= 0: untouched. */
void chord_steer_melody(float *logits, int n_classes, int min_pitch, uint8_t chord,
                        float strength, float temperature);

/* Chord pull, the users' 0-1 control of it (plugin control, CLI --chord-pull):
 * the strength is pull x CHORD_PULL_MAX_STEER nats. At 1 a note-on off the
 * chord is e^-10 as likely as the model says (against the others). Measured
 * from the chord model's default anchors over C G Am F, greedy: the default
 * pull (5 nats) puts 68 % of note-ons on chord tones, about real POP909
 * melodies' 64 % (README, "Playing to the song"). */
#define CHORD_PULL_MAX_STEER 10.0f
#define CHORD_PULL_DEFAULT 0.5f

#endif
