/* FluidSynth fast rendering: a synth, a MIDI player and the file renderer, all
 * driven by the renderer's block loop (player.timing-source=sample), so the
 * output does not depend on the wall clock. The length is ours, not the
 * player's: FluidSynth's player runs on for a version-dependent grace time
 * after the last event, so we render a fixed number of blocks instead. */
#include "render.h"

#include <fluidsynth.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "midi_read.h"

/* FluidSynth reports problems through its log; keep the last error for our message. */
static char fluid_last_error[256];

static void keep_error(int level, const char *message, void *data)
{
    (void)level;
    (void)data;
    snprintf(fluid_last_error, sizeof fluid_last_error, "%s", message);
}

static void quiet(int level, const char *message, void *data)
{
    (void)level;
    (void)message;
    (void)data;
}

static void route_fluid_log(void)
{
    fluid_set_log_function(FLUID_PANIC, keep_error, NULL);
    fluid_set_log_function(FLUID_ERR, keep_error, NULL);
    fluid_set_log_function(FLUID_WARN, quiet, NULL);
    fluid_set_log_function(FLUID_INFO, quiet, NULL);
    fluid_set_log_function(FLUID_DBG, quiet, NULL);
    fluid_last_error[0] = 0;
}

static fluid_settings_t *render_settings(const char *wav_tmp)
{
    fluid_settings_t *s = new_fluid_settings();
    if (!s) return NULL;
    fluid_settings_setstr(s, "audio.file.name", wav_tmp);
    fluid_settings_setstr(s, "audio.file.type", "wav");
    fluid_settings_setstr(s, "audio.file.format", "s16");
    fluid_settings_setstr(s, "player.timing-source", "sample");
    fluid_settings_setnum(s, "synth.sample-rate", RENDER_SAMPLE_RATE);
    fluid_settings_setint(s, "synth.lock-memory", 0);
    fluid_settings_setint(s, "synth.cpu-cores", 1);
    return s;
}

double midi_length_seconds(const mv_midi_file *f)
{
    double seconds = 0, us_per_tick = 500000.0 / f->ticks_per_quarter;
    int64_t at = 0;
    for (uint32_t i = 0; i < f->n_tempos && f->tempos[i].tick < f->end_tick; i++) {
        seconds += (f->tempos[i].tick - at) * us_per_tick * 1e-6;
        at = f->tempos[i].tick;
        us_per_tick = (double)f->tempos[i].us_per_quarter / f->ticks_per_quarter;
    }
    return seconds + (f->end_tick - at) * us_per_tick * 1e-6;
}

/* Renders the blocks covering seconds; returns 0 or -1. */
static int render_blocks(fluid_settings_t *settings, fluid_synth_t *synth, double seconds)
{
    fluid_file_renderer_t *r = new_fluid_file_renderer(synth);
    if (!r) return -1;
    int period = 64; /* frames per block: audio.period-size */
    fluid_settings_getint(settings, "audio.period-size", &period);
    long blocks = (long)ceil(seconds * RENDER_SAMPLE_RATE / period);
    int rc = 0;
    for (long i = 0; i < blocks && !rc; i++)
        if (fluid_file_renderer_process_block(r) != FLUID_OK) rc = -1;
    delete_fluid_file_renderer(r); /* closes the WAV file */
    return rc;
}

static int render_to(const char *mid_path, double seconds, const char *wav_tmp,
                     const char *soundfont, char *err, size_t errlen)
{
    fluid_settings_t *settings = render_settings(wav_tmp);
    fluid_synth_t *synth = settings ? new_fluid_synth(settings) : NULL;
    fluid_player_t *player = synth ? new_fluid_player(synth) : NULL;
    int rc = -1;
    if (!player)
        snprintf(err, errlen, "%s: cannot start FluidSynth: %s", mid_path, fluid_last_error);
    else if (fluid_synth_sfload(synth, soundfont, 1) == FLUID_FAILED)
        snprintf(err, errlen, "%s: FluidSynth cannot load the soundfont: %s", soundfont,
                 fluid_last_error);
    else if (fluid_player_add(player, mid_path) != FLUID_OK || fluid_player_play(player) != FLUID_OK)
        snprintf(err, errlen, "%s: FluidSynth cannot play the file: %s", mid_path, fluid_last_error);
    else if (render_blocks(settings, synth, seconds))
        snprintf(err, errlen, "%s: FluidSynth failed writing %s: %s", mid_path, wav_tmp,
                 fluid_last_error);
    else
        rc = 0;
    if (player) delete_fluid_player(player);
    if (synth) delete_fluid_synth(synth);
    if (settings) delete_fluid_settings(settings);
    return rc;
}

int render_midi_to_wav(const char *mid_path, const char *wav_path, const char *soundfont,
                       char *err, size_t errlen)
{
    if (!soundfont) soundfont = RENDER_DEFAULT_SOUNDFONT;
    route_fluid_log();
    mv_midi_file f;
    if (midi_read_file(mid_path, &f, err, errlen)) return -1;
    double seconds = midi_length_seconds(&f) + RENDER_TAIL_SECONDS;
    midi_file_free(&f);
    if (!fluid_is_midifile(mid_path)) {
        snprintf(err, errlen, "%s: FluidSynth does not take it for a MIDI file", mid_path);
        return -1;
    }
    if (!fluid_is_soundfont(soundfont)) {
        snprintf(err, errlen, "%s: not a readable SoundFont (.sf2) file", soundfont);
        return -1;
    }
    char tmp[4096];
    if (atomic_file_begin(wav_path, tmp, sizeof tmp, err, errlen)) return -1;
    if (render_to(mid_path, seconds, tmp, soundfont, err, errlen)) {
        atomic_file_abort(tmp);
        return -1;
    }
    return atomic_file_commit(tmp, wav_path, err, errlen);
}
