/* MIDI file -> WAV through FluidSynth's file renderer: 16-bit stereo 44.1 kHz,
 * faster than real time, no audio driver. */
#ifndef MV_RENDER_H
#define MV_RENDER_H

#include <stddef.h>

#include "midi_events.h"

#define RENDER_DEFAULT_SOUNDFONT "/usr/share/sounds/sf2/FluidR3_GM.sf2"
#define RENDER_SAMPLE_RATE 44100
#define RENDER_TAIL_SECONDS 1.0 /* rendered after the last event, for note releases */

/* Renders mid_path into wav_path (written atomically). soundfont NULL: the
 * default. The WAV lasts the MIDI file's length (midi_length_seconds) plus
 * RENDER_TAIL_SECONDS, rounded up to a whole 64-frame block. The file is read
 * with the checked reader (midi/midi_read.h) first, so a broken file
 * gets its own message. Returns 0, or -1 with a message naming the file and the
 * problem in err. */
int render_midi_to_wav(const char *mid_path, const char *wav_path, const char *soundfont,
                       char *err, size_t errlen);


/* Seconds from the start to the file's last event, through its tempo changes
 * (120 bpm before the first). */
double midi_length_seconds(const mv_midi_file *f);

#endif
