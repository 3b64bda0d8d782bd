/* Musical attributes of a window of tokens (melody, drums) or of a piano roll:
 * what the attribute vectors of `morphvae attributes` are fitted to and what the
 * plugin's attribute knobs are named after. Computed straight from the tokens or
 * the roll, without allocating.
 * An attribute that does not apply to the representation, or is undefined for
 * the window (the mean interval of a single note), is NAN. */
#ifndef MV_ATTRIBUTES_H
#define MV_ATTRIBUTES_H

#include <stdint.h>

#include "hparams.h"

enum mv_attribute {
    MV_ATTR_NOTE_DENSITY,   /* onsets per bar (drums: hits per bar) */
    MV_ATTR_MEAN_PITCH,     /* melody, roll: mean MIDI pitch of the notes */
    MV_ATTR_PITCH_RANGE,    /* melody, roll: highest minus lowest pitch of the notes */
    MV_ATTR_MEAN_INTERVAL,  /* melody: mean |pitch change| between successive notes */
    MV_ATTR_SYNCOPATION_16, /* onsets on a 16th off-beat (2nd or 4th 16th of a beat) / onsets */
    MV_ATTR_SYNCOPATION_8,  /* onsets on the 8th off-beat (3rd 16th of a beat) / onsets */
    MV_ATTR_SYNCOPATION,    /* 16th syncopation against the window's own 8th grid: onsets on
                               the less used of the even and the odd 16ths / onsets; equals
                               the 16th one while most onsets are on 8ths, and is unchanged
                               when the window is shifted by a 16th */
    MV_ATTR_MEAN_DURATION,  /* melody, roll: mean note length in steps (legato vs staccato) */
    MV_ATTR_REST_FRACTION,  /* melody, roll: steps where no note sounds / steps */
    MV_ATTR_POLYPHONY,      /* roll: mean number of sounding pitches over the steps where
                               any sounds */
    MV_ATTR_CONTOUR,        /* melody: mean signed pitch change (rising > 0) */
    MV_ATTR_STEPWISE,       /* melody: intervals of 1 or 2 semitones / intervals */
    MV_ATTR_REPETITION,     /* melody: repeated pitches / intervals */
    MV_ATTR_KICK_DENSITY,   /* drums: kick hits per bar */
    MV_ATTR_SNARE_DENSITY,  /* drums: snare hits per bar */
    MV_ATTR_HIHAT_DENSITY,  /* drums: closed and open hi-hat hits per bar */
    MV_ATTR_TOM_DENSITY,    /* drums: tom hits per bar */
    MV_ATTR_CYMBAL_DENSITY, /* drums: crash and ride hits per bar */
    MV_ATTR_COUNT
};

typedef struct mv_attribute_info {
    const char *name;  /* key part of attribute.<name>.vector in the weights file */
    const char *label; /* at most 7 characters, for table columns and knob labels */
    const char *unit;
    uint32_t reprs;   /* bit (1 << repr) for each representation it applies to */
} mv_attribute_info;

const mv_attribute_info *attribute_info(int attribute);
/* The attribute of that name, or -1. */
int attribute_find(const char *name);
int attribute_applies(int attribute, uint32_t repr);

/* All attributes of one window of hparams_seq_len(hp) tokens into out[MV_ATTR_COUNT]
 * (melody and drum models; all NAN for a roll model). */
void attributes_compute(const mv_hparams *hp, const int32_t *tokens, float *out);
/* The same for a piano-roll window (MV_REPR_ROLL, core/tokens.h): hparams_seq_len(hp)
 * steps of hp->n_classes bytes, the sounding bits of n_classes / 2 pitches from
 * hp->min_pitch, then their onset bits. A pitch sounds where either of its bits
 * is set; a note starts at an onset bit or where its pitch begins to sound (also
 * at step 0) and lasts while the pitch sounds without a new onset: the notes
 * roll_to_notes plays from a normalised roll (the data's, the decoder's). */
void attributes_compute_roll(const mv_hparams *hp, const uint8_t *roll, float *out);
/* Any model's window (core/window.h: tokens, roll or groove steps, as hp's
 * representation): the functions above; a groove window's hits as drums. */
void attributes_compute_window(const mv_hparams *hp, const void *window, float *out);

#endif
