#include "midi_out.h"

#include <lv2/midi/midi.h>

/* Bytes a 3-byte MIDI event takes in a sequence: event header, body, padding. */
#define EVENT_BYTES ((uint32_t)lv2_atom_pad_size(sizeof(LV2_Atom_Event) + 3))

void midi_out_init(mv_midi_out *o, LV2_URID_Map *map)
{
    lv2_atom_forge_init(&o->forge, map);
    o->midi_Event = map->map(map->handle, LV2_MIDI__MidiEvent);
    o->n_sounding = 0;
    o->forge.buf = NULL;
}

static uint32_t free_bytes(const mv_midi_out *o)
{
    return o->forge.buf && o->forge.size > o->forge.offset ? o->forge.size - o->forge.offset : 0;
}

static bool write_event(mv_midi_out *o, int64_t frame, uint8_t status, uint8_t pitch,
                        uint8_t velocity)
{
    if (free_bytes(o) < EVENT_BYTES) return false;
    const uint8_t msg[3] = {status, pitch, velocity};
    lv2_atom_forge_frame_time(&o->forge, frame);
    lv2_atom_forge_atom(&o->forge, 3, o->midi_Event);
    lv2_atom_forge_write(&o->forge, msg, 3);
    return true;
}

/* Writes note i's note-off; a note whose note-off does not fit becomes
 * overdue (written at the start of the next block). */
static void end_note(mv_midi_out *o, int i, int64_t frame)
{
    mv_sounding *s = &o->sounding[i];
    if (write_event(o, frame, LV2_MIDI_MSG_NOTE_OFF | s->channel, s->pitch, 0)) {
        o->sounding[i] = o->sounding[--o->n_sounding];
    } else {
        s->off_step = MV_OFF_OVERDUE;
        s->holders[0] = s->holders[1] = 0; /* ended, but for its note-off */
    }
}

void midi_out_begin(mv_midi_out *o, LV2_Atom_Sequence *port)
{
    if (!port) {
        o->forge.buf = NULL;
        return;
    }
    lv2_atom_forge_set_buffer(&o->forge, (uint8_t *)port, port->atom.size);
    if (!lv2_atom_forge_sequence_head(&o->forge, &o->seq, 0)) {
        o->forge.buf = NULL; /* not even room for an empty sequence */
        return;
    }
    for (int i = o->n_sounding - 1; i >= 0; i--)
        if (o->sounding[i].off_step == MV_OFF_OVERDUE) end_note(o, i, 0);
}

void midi_out_end(mv_midi_out *o)
{
    if (o->forge.buf) lv2_atom_forge_pop(&o->forge, &o->seq);
    o->forge.buf = NULL;
}

bool midi_out_note_on(mv_midi_out *o, int64_t frame, uint8_t channel, uint8_t pitch,
                      uint8_t velocity, int64_t off_step)
{
    for (int i = o->n_sounding - 1; i >= 0; i--)
        if (o->sounding[i].channel == channel && o->sounding[i].pitch == pitch)
            end_note(o, i, frame);
    /* Room for this note-on, its note-off and every note-off still owed. */
    uint32_t needed = (uint32_t)(o->n_sounding + 2) * EVENT_BYTES;
    if (o->n_sounding == MV_MAX_SOUNDING || free_bytes(o) < needed) return false;
    write_event(o, frame, LV2_MIDI_MSG_NOTE_ON | channel, pitch, velocity);
    o->sounding[o->n_sounding++] =
        (mv_sounding){.channel = channel, .pitch = pitch, .off_step = off_step, .holders = {0, 0}};
    return true;
}

void midi_out_end_due(mv_midi_out *o, int64_t step, int64_t frame)
{
    for (int i = o->n_sounding - 1; i >= 0; i--)
        if (o->sounding[i].off_step <= step) end_note(o, i, frame);
}

void midi_out_end_open(mv_midi_out *o, int64_t frame)
{
    for (int i = o->n_sounding - 1; i >= 0; i--)
        if (o->sounding[i].off_step == MV_OFF_OPEN) end_note(o, i, frame);
}

void midi_out_end_all(mv_midi_out *o, int64_t frame)
{
    for (int i = o->n_sounding - 1; i >= 0; i--) end_note(o, i, frame);
}

void midi_out_roll_held(const mv_midi_out *o, uint64_t held[2])
{
    held[0] = held[1] = 0;
    for (int i = 0; i < o->n_sounding; i++) {
        held[0] |= o->sounding[i].holders[0];
        held[1] |= o->sounding[i].holders[1];
    }
}

void midi_out_roll_release(mv_midi_out *o, int p, int64_t frame)
{
    const uint64_t bit = 1ull << (p & 63);
    for (int i = o->n_sounding - 1; i >= 0; i--) {
        mv_sounding *s = &o->sounding[i];
        if (!(s->holders[p >> 6] & bit)) continue;
        s->holders[p >> 6] &= ~bit;
        if (!s->holders[0] && !s->holders[1]) end_note(o, i, frame);
        return;
    }
}

int midi_out_roll_strike(mv_midi_out *o, int64_t frame, uint8_t channel, uint8_t pitch,
                         uint8_t velocity, int p, bool strike)
{
    uint64_t keep[2] = {0, 0};
    for (int i = 0; i < o->n_sounding; i++) {
        mv_sounding *s = &o->sounding[i];
        if (s->channel != channel || s->pitch != pitch) continue;
        if (!strike && (s->holders[0] || s->holders[1])) {
            s->holders[p >> 6] |= 1ull << (p & 63);
            return 1;
        }
        keep[0] = s->holders[0];
        keep[1] = s->holders[1];
        break;
    }
    if (!midi_out_note_on(o, frame, channel, pitch, velocity, MV_OFF_OPEN)) return 0;
    mv_sounding *s = &o->sounding[o->n_sounding - 1];
    s->holders[0] = keep[0];
    s->holders[1] = keep[1];
    s->holders[p >> 6] |= 1ull << (p & 63);
    return 2;
}
