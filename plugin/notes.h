/* Pitch shaping for played notes: transposition and snapping to a key's scale. */
#ifndef MV_NOTES_H
#define MV_NOTES_H

enum mv_scale {
    SCALE_CHROMATIC = 0, /* no snapping */
    SCALE_MAJOR,
    SCALE_MINOR,
    SCALE_DORIAN,
    SCALE_MAJOR_PENTATONIC,
    SCALE_MINOR_PENTATONIC,
    SCALE_HARMONIC_MINOR,
    MV_N_SCALES
};

/* pitch + transpose, moved to the nearest pitch of the scale on key (0 = C;
 * ties go down), clamped to 0..127. */
int notes_shape_pitch(int pitch, int transpose, int key, int scale);

#endif
