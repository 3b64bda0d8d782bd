/* Reports on the notify port: a patch:Set for each parameter whose value
 * changed (model path, anchor files, anchor seeds, the capture status) or that the host asked for
 * with patch:Get, so that hosts show the current values. Written at the end
 * of run() while the port has room; what does not fit goes in the next run.
 * Audio thread. */
#include <string.h>

#include <lv2/atom/util.h>

#include "plugin.h"

/* Bytes one patch:Set takes with a value body of `body` bytes: event header,
 * object header, the two keys, the property URID and the value atom. */
static uint32_t set_bytes(uint32_t body)
{
    return (uint32_t)(sizeof(LV2_Atom_Event) + sizeof(LV2_Atom_Object_Body) +
                      2 * sizeof(LV2_Atom_Property_Body) + lv2_atom_pad_size(sizeof(uint32_t)) +
                      lv2_atom_pad_size(body));
}

static bool room_for(const LV2_Atom_Forge *f, uint32_t bytes)
{
    return f->buf && f->size >= f->offset && f->size - f->offset >= bytes;
}

static void begin_set(mv_plugin *self, LV2_URID property, LV2_Atom_Forge_Frame *frame)
{
    LV2_Atom_Forge *f = &self->notify;
    lv2_atom_forge_frame_time(f, 0);
    lv2_atom_forge_object(f, frame, 0, self->uris.patch_Set);
    lv2_atom_forge_key(f, self->uris.patch_property);
    lv2_atom_forge_urid(f, property);
    lv2_atom_forge_key(f, self->uris.patch_value);
}

static bool report_path(mv_plugin *self, LV2_URID property, const char *path)
{
    uint32_t length = (uint32_t)strlen(path);
    if (!room_for(&self->notify, set_bytes(length + 1))) return false;
    LV2_Atom_Forge_Frame frame;
    begin_set(self, property, &frame);
    lv2_atom_forge_path(&self->notify, path, length);
    lv2_atom_forge_pop(&self->notify, &frame);
    return true;
}

static bool report_string(mv_plugin *self, LV2_URID property, const char *text)
{
    uint32_t length = (uint32_t)strlen(text);
    if (!room_for(&self->notify, set_bytes(length + 1))) return false;
    LV2_Atom_Forge_Frame frame;
    begin_set(self, property, &frame);
    lv2_atom_forge_string(&self->notify, text, length);
    lv2_atom_forge_pop(&self->notify, &frame);
    return true;
}

static bool report_int(mv_plugin *self, LV2_URID property, int32_t value)
{
    if (!room_for(&self->notify, set_bytes(sizeof value))) return false;
    LV2_Atom_Forge_Frame frame;
    begin_set(self, property, &frame);
    lv2_atom_forge_int(&self->notify, value);
    lv2_atom_forge_pop(&self->notify, &frame);
    return true;
}

void report_write(mv_plugin *self)
{
    LV2_Atom_Sequence *port = self->notify_port;
    mv_reported *r = &self->reported;
    if (!port) return;
    LV2_Atom_Forge *f = &self->notify;
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_set_buffer(f, (uint8_t *)port, port->atom.size);
    if (!lv2_atom_forge_sequence_head(f, &seq, 0)) return;
    const mv_uris *u = &self->uris;
    for (mv_slot s = MV_SLOT_MODEL; s < MV_N_SLOTS; s++)
        if ((r->due & report_path_bit(s)) && report_path(self, slot_path_key(u, s), r->path[s]))
            r->due &= ~report_path_bit(s);
    for (mv_slot s = MV_SLOT_ANCHOR_A; s <= MV_SLOT_ANCHOR_B; s++)
        if ((r->due & report_seed_bit(s)) &&
            report_int(self, u->mv_anchor_seed[slot_anchor(s)], (int32_t)r->seed[slot_anchor(s)]))
            r->due &= ~report_seed_bit(s);
    if ((r->due & REPORT_CAPTURE) && report_string(self, u->mv_capture_status, r->capture_status))
        r->due &= ~REPORT_CAPTURE;
    lv2_atom_forge_pop(f, &seq);
}
